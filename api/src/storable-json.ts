import { createMiddleware } from "hono/factory";
import { toPointer } from "../../engine/src/index";
import { ApiError, type FieldError } from "./errors";

/** How deep a JSON body may nest: the shipped policy nests 7 levels, its cases 5. */
export const MAX_JSON_DEPTH = 64;

// U+0000 (PostgreSQL's text and jsonb cannot hold it) and UTF-16 halves without their partner (no UTF-8 encoding exists).
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first place in a parsed JSON value the database cannot store, or that nests deeper than
 * `maxDepth`, as a field error; null when there is none. Walks without recursion, so any depth
 * JSON.parse accepted is safe to inspect.
 */
export function unstorableField(value: unknown, maxDepth = MAX_JSON_DEPTH): FieldError | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: node, path } = stack.pop()!;
    if (typeof node === "string") {
      if (UNSTORABLE.test(node)) return { path: toPointer(path), message: "contains U+0000 or an unpaired surrogate, which cannot be stored" };
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    if (path.length >= maxDepth) return { path: toPointer(path), message: `nests deeper than ${maxDepth} levels` };
    if (Array.isArray(node)) node.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
    else
      for (const [key, item] of Object.entries(node)) {
        if (UNSTORABLE.test(key)) return { path: toPointer([...path, key]), message: "the key contains U+0000 or an unpaired surrogate, which cannot be stored" };
        stack.push({ value: item, path: [...path, key] });
      }
  }
  return null;
}

/**
 * Whether a JSON text could parse to something unstorableField refuses. A body is decoded from
 * UTF-8, which yields neither U+0000 raw (JSON forbids it unescaped) nor a lone surrogate, so only a
 * `\u` escape can spell one; and a value nests no deeper than the text has `{` and `[`. Most bodies
 * have neither, and need no walk.
 */
export function mayBeUnstorable(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  if (text.includes("\\u")) return true;
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code === 123 || code === 91) && ++open >= maxDepth) return true;
  }
  return false;
}

/** 400 when a parsed JSON body (`text` as sent) holds what the database cannot store or nests too deep. */
export function refuseUnstorableBody(text: string, body: unknown): void {
  const field = mayBeUnstorable(text) ? unstorableField(body) : null;
  if (field) throw new ApiError("invalid_request", "1 invalid field", [field]);
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // not UTF-8: the router keeps it as written, which is plain ASCII
  }
}

/**
 * Refuses (400) a URL or JSON body holding what PostgreSQL cannot store, or a body nesting too
 * deep, before any route sees it: it would otherwise fail at a query or an insert, or overflow the
 * stack of the code that hashes and formats documents. Malformed JSON is left to the route's validation.
 */
export function storableJson() {
  return createMiddleware(async (c, next) => {
    const url = new URL(c.req.url);
    if (url.pathname.split("/").some((segment) => UNSTORABLE.test(decoded(segment)))) throw new ApiError("invalid_request", "1 invalid field", [{ path: "/params", message: "the path contains U+0000 or an unpaired surrogate" }]);
    for (const [name, value] of url.searchParams) if (UNSTORABLE.test(name) || UNSTORABLE.test(value)) throw new ApiError("invalid_request", "1 invalid field", [{ path: `/query/${name.replace(/~/g, "~0").replace(/\//g, "~1")}`, message: "contains U+0000 or an unpaired surrogate" }]);
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) return next();
    let body: unknown;
    let text: string;
    try {
      text = await c.req.text();
      body = JSON.parse(text);
    } catch {
      return next();
    }
    refuseUnstorableBody(text, body);
    // Hono caches the body's text but parses it again on each json(): the route's validator gets
    // this parse instead, which nothing else keeps.
    Object.defineProperty(c.req, "json", { value: () => Promise.resolve(body) });
    await next();
  });
}
