import { mount } from "svelte";
import App from "./App.svelte";
import { createApi } from "./lib/api";
import { Locale, type Lang } from "./lib/i18n.svelte";
import { Session } from "./lib/session.svelte";
import "./app.css";

const LANG_KEY = "mps.lang";
const KEY_KEY = "mps.key";

const locale = new Locale((localStorage.getItem(LANG_KEY) as Lang | null) === "en" ? "en" : "zh");
// The key is kept for this tab only (sessionStorage), so closing the browser signs out.
const session = new Session((key) => createApi(window.location.origin, key), {
  get: () => sessionStorage.getItem(KEY_KEY),
  set: (key) => (key === null ? sessionStorage.removeItem(KEY_KEY) : sessionStorage.setItem(KEY_KEY, key)),
});

mount(App, { target: document.getElementById("app")!, props: { locale, session, onLanguage: (lang: Lang) => localStorage.setItem(LANG_KEY, lang) } });
