/**
 * Where things are in a JSON text: JSON pointers mapped to offsets, for monaco markers and for
 * form edits that change one value without reformatting the rest of the document.
 */

/** The offsets of one value in the text and, for an object member, of its key. */
export interface Span {
  start: number;
  end: number;
  keyStart?: number;
  keyEnd?: number;
}

/** Escapes one reference token of a JSON pointer (RFC 6901). */
export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Splits a JSON pointer into its unescaped tokens. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Joins tokens into a JSON pointer. */
export function toPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => "/" + escapeToken(t)).join("");
}

/** The value at a pointer in a parsed document, or undefined. */
export function valueAt(document: unknown, pointer: string): unknown {
  let current: unknown = document;
  for (const token of pointerTokens(pointer)) {
    if (current === null || typeof current !== "object") return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, token)) return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

class Scanner {
  private i = 0;
  readonly spans = new Map<string, Span>();
  constructor(private readonly text: string) {}

  private ws(): void {
    const t = this.text;
    while (this.i < t.length && (t[this.i] === " " || t[this.i] === "\n" || t[this.i] === "\r" || t[this.i] === "\t")) this.i++;
  }

  private string(): string {
    const t = this.text;
    const start = this.i;
    this.i++; // opening quote
    while (this.i < t.length && t[this.i] !== '"') this.i += t[this.i] === "\\" ? 2 : 1;
    this.i++; // closing quote
    return JSON.parse(t.slice(start, this.i)) as string;
  }

  value(pointer: string, key?: { start: number; end: number }): void {
    this.ws();
    const t = this.text;
    const start = this.i;
    const c = t[this.i];
    if (c === "{") {
      this.i++;
      this.ws();
      if (t[this.i] === "}") this.i++;
      else {
        for (;;) {
          this.ws();
          const keyStart = this.i;
          const name = this.string();
          const keyEnd = this.i;
          this.ws();
          this.i++; // colon
          this.value(`${pointer}/${escapeToken(name)}`, { start: keyStart, end: keyEnd });
          this.ws();
          if (t[this.i] === ",") this.i++;
          else {
            this.i++; // closing brace
            break;
          }
        }
      }
    } else if (c === "[") {
      this.i++;
      this.ws();
      if (t[this.i] === "]") this.i++;
      else {
        for (let index = 0; ; index++) {
          this.value(`${pointer}/${index}`);
          this.ws();
          if (t[this.i] === ",") this.i++;
          else {
            this.i++;
            break;
          }
        }
      }
    } else if (c === '"') this.string();
    else while (this.i < t.length && /[^\s,\]}]/.test(t[this.i]!)) this.i++;
    this.spans.set(pointer, key ? { start, end: this.i, keyStart: key.start, keyEnd: key.end } : { start, end: this.i });
  }
}

let memo: { text: string; spans: Map<string, Span> } | null = null;

/** Every pointer of a syntactically valid JSON text with its span; null when the text is not JSON. */
export function locate(text: string): Map<string, Span> | null {
  if (memo?.text === text) return memo.spans;
  try {
    JSON.parse(text);
  } catch {
    return null;
  }
  const scanner = new Scanner(text);
  scanner.value("");
  memo = { text, spans: scanner.spans };
  return scanner.spans;
}

/**
 * The text range to underline for a diagnostic at `pointer`: a scalar's key and value, a
 * container's key (or its opening bracket), or the nearest existing ancestor when the pointer
 * names something missing.
 */
export function rangeOf(text: string, pointer: string): { start: number; end: number } | null {
  const spans = locate(text);
  if (!spans) return null;
  let tokens = pointerTokens(pointer);
  for (;;) {
    const span = spans.get(toPointer(tokens));
    if (span) {
      const container = text[span.start] === "{" || text[span.start] === "[";
      if (span.keyStart !== undefined) return { start: span.keyStart, end: container ? span.keyEnd! : span.end };
      return { start: span.start, end: container ? span.start + 1 : span.end };
    }
    if (tokens.length === 0) return null;
    tokens = tokens.slice(0, -1);
  }
}

/** A 1-based line and column of an offset, as monaco counts them. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function setIn(document: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const [head, ...rest] = tokens as [string, ...string[]];
  if (Array.isArray(document)) {
    const copy = [...document];
    copy[Number(head)] = setIn(copy[Number(head)], rest, value);
    return copy;
  }
  const base = document !== null && typeof document === "object" ? (document as Record<string, unknown>) : {};
  return { ...base, [head]: setIn(base[head], rest, value) };
}

/**
 * The text with the value at `pointer` replaced. An existing value is rewritten in place, so
 * the rest of the text keeps its formatting; a missing one is added by re-serialising the
 * document. Null when the text is not JSON.
 */
export function replaceAt(text: string, pointer: string, value: unknown): string | null {
  const spans = locate(text);
  if (!spans) return null;
  const span = spans.get(pointer);
  if (span && pointer !== "") {
    const lineStart = text.lastIndexOf("\n", span.start - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    const json = JSON.stringify(value, null, 2).replace(/\n/g, "\n" + indent);
    return text.slice(0, span.start) + json + text.slice(span.end);
  }
  return JSON.stringify(setIn(JSON.parse(text), pointerTokens(pointer), value), null, 2) + "\n";
}
