import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors";

/**
 * Refuses request bodies over `maxSize` bytes with 413. Hono's bodyLimit does the same, but for a
 * body sent without Content-Length it then copies the request (`new Request(request, { body })`),
 * and Node 20's undici never frees such a copy, which follows the original's abort signal
 * (nodejs/undici#1823): about 2 kB lost per request. The bytes read here go to Hono's body cache
 * instead, where `c.req.json()` and the validators read them.
 */
export function limitBody(maxSize: number) {
  const tooLarge = () => new ApiError("payload_too_large", `request bodies are limited to ${maxSize} bytes`);
  return createMiddleware(async (c, next) => {
    const raw = c.req.raw;
    // Headers first: @hono/node-server builds a request's body stream when it is first asked for.
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(declared) > maxSize) throw tooLarge();
      return next();
    }
    if (!raw.body) return next();
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxSize) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // Hono answers every later read of the body (json, text, arrayBuffer) from this cache.
    (c.req.bodyCache as Record<string, Promise<ArrayBuffer>>).arrayBuffer = Promise.resolve(body.buffer);
    await next();
  });
}
