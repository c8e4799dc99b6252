/** A diagnostic about user content (a policy, a receipt): what is wrong and where, as a JSON pointer. */
export interface Diagnostic {
  code: string;
  severity: "error" | "warning";
  message: string;
  path: string;
}

/** The outcome of parsing user content: a value, or every diagnostic found. */
export type Result<T> = { ok: true; value: T; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Turns a path of keys and indexes into a JSON pointer (RFC 6901). */
export function toPointer(path: readonly (string | number | symbol)[]): string {
  return path.map((part) => "/" + String(part).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}
