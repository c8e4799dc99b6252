import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import type { MiddlewareHandler } from "hono";

/** Paths the API answers itself; the editor never shadows them. */
function isApiPath(path: string): boolean {
  return path === "/v1" || path.startsWith("/v1/") || path === "/openapi.json" || path === "/healthz" || path === "/readyz";
}

/**
 * Serves the built editor (`vite build` output) at `/`: its files, and index.html for any other
 * page path so that the single-page app can be reloaded anywhere. A missing asset stays a 404.
 */
export function serveEditor(dir: string): MiddlewareHandler {
  // Made on first use: serveStatic complains at once about a root that does not exist yet.
  let handlers: { files: MiddlewareHandler; index: MiddlewareHandler } | null = null;
  const cached = (res: Response, forever: boolean) => {
    // Vite names built assets by content hash, so they never change; index.html must always be fresh.
    res.headers.set("cache-control", forever ? "public, max-age=31536000, immutable" : "no-cache");
    return res;
  };
  return async (c, next) => {
    if (isApiPath(c.req.path) || (c.req.method !== "GET" && c.req.method !== "HEAD")) return next();
    if (!existsSync(join(dir, "index.html"))) {
      if (c.req.path !== "/") return next();
      return c.text("The editor is not built: run `npm run build:editor` (npm start builds it).", 503);
    }
    handlers ??= { files: serveStatic({ root: dir }), index: serveStatic({ root: dir, path: "index.html" }) };
    const served = await handlers.files(c, async () => {});
    if (served) return cached(served, c.req.path.startsWith("/assets/"));
    if (/\.[A-Za-z0-9]+$/.test(c.req.path) && !c.req.path.endsWith(".html")) return next();
    const page = await handlers.index(c, async () => {});
    return page ? cached(page, false) : next();
  };
}
