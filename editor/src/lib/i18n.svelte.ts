import { factCatalog, isFactName, type Diagnostic } from "../../../engine/src/index";
import { diagnosticTerms, effectTerms, en, factTerms, operatorTerms, scopeTerms, terms, zh, type MessageKey } from "./messages";

/** The languages of the editor; Chinese first. */
export type Lang = "zh" | "en";

const dictionaries: Record<Lang, Record<MessageKey, string>> = { zh, en };

function fill(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The language of the editor and every text in it. Chinese by default; English on a switch. */
export class Locale {
  lang = $state<Lang>("zh");

  constructor(lang: Lang = "zh") {
    this.lang = lang;
  }

  /** Switches between Chinese and English. */
  toggle(): void {
    this.lang = this.lang === "zh" ? "en" : "zh";
  }

  /** A message with its `{name}` placeholders filled. */
  t(key: MessageKey, params?: Record<string, string | number>): string {
    return fill(dictionaries[this.lang][key], params);
  }

  /** A `{ zh, en }` text in the current language (the other one when it is empty). */
  pick(text: { zh: string; en: string } | null | undefined): string {
    if (!text) return "";
    return text[this.lang] || text[this.lang === "zh" ? "en" : "zh"];
  }

  /** A name from the program's vocabulary (department, tender, benefit flag, …), or the id itself. */
  term(id: string): string {
    const known = terms[id];
    return known ? known[this.lang] : id;
  }

  /** The short name of a fact. */
  fact(name: string): string {
    return factTerms[name]?.[this.lang] ?? name;
  }

  /** The catalog's description of a fact, in the current language. */
  factDescription(name: string): string {
    return isFactName(name) ? factCatalog[name].description[this.lang] : "";
  }

  /** An operator in words. */
  operator(name: string): string {
    const base = name.slice(name.lastIndexOf(":") + 1);
    const words = operatorTerms[base]?.[this.lang] ?? base;
    return name.startsWith("not:") ? `${this.lang === "zh" ? "非" : "not"} ${words}` : words;
  }

  /** A rule scope (`year-end` → 年底评定), or the id itself. */
  scope(name: string): string {
    return scopeTerms[name]?.[this.lang] ?? name;
  }

  /** An effect type (`bonus-points` → 奖励积分), or the id itself. */
  effect(type: string): string {
    return effectTerms[type]?.[this.lang] ?? type;
  }

  /** An engine diagnostic's message in the current language. */
  diagnostic(d: Pick<Diagnostic, "code" | "message">): string {
    if (this.lang === "en") return d.message;
    const term = diagnosticTerms[d.code];
    if (!term) return d.message;
    // The English message names what the Chinese one needs: quoted ids, an effect type, scopes.
    const quoted = [...d.message.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? "");
    const kind = /list/.test(d.message) ? "一个列表" : "一个数字";
    const effect = this.effect(/\b([a-z]+(?:-[a-z]+)*) effect\b/.exec(d.message)?.[1] ?? "");
    const scopes = (list: string | undefined) => (list ?? "").split(/, | or /).map((s) => this.scope(s)).join("、");
    const scope = this.scope(/ in ([a-z-]+) rules \(/.exec(d.message)?.[1] ?? "");
    const allowed = scopes(/\(only in ([^)]*)\)/.exec(d.message)?.[1] ?? /belongs in (.+) rules$/.exec(d.message)?.[1]);
    return fill(term.zh, { 0: quoted[0] ?? "", 1: quoted[1] ?? "", message: d.message, kind, effect, scope, scopes: allowed });
  }

  /** A date and time, store-local formatting of the browser. */
  dateTime(iso: string | null | undefined): string {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return date.toLocaleString(this.lang === "zh" ? "zh-CN" : "en-GB", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
}
