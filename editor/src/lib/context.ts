/** The objects every component may read without passing them down: the language and the session. */
import { getContext, setContext } from "svelte";
import type { Locale } from "./i18n.svelte";
import type { Session } from "./session.svelte";

const LOCALE = Symbol("locale");
const SESSION = Symbol("session");

/** Makes the locale and the session available to the components below. */
export function provide(locale: Locale, session: Session): void {
  setContext(LOCALE, locale);
  setContext(SESSION, session);
}

/** The editor's language. */
export function useLocale(): Locale {
  return getContext<Locale>(LOCALE);
}

/** The signed-in person. */
export function useSession(): Session {
  return getContext<Session>(SESSION);
}

/** The context map for a component test: what `provide` would set. */
export function contextFor(locale: Locale, session: Session): Map<unknown, unknown> {
  return new Map<unknown, unknown>([
    [LOCALE, locale],
    [SESSION, session],
  ]);
}
