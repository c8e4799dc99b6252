import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { serveEditor } from "./editor-static";

describe("serveEditor", () => {
  const dir = mkdtempSync(join(tmpdir(), "mps-editor-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>editor</title>");
  writeFileSync(join(dir, "assets", "app-1234.js"), "console.log(1)");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const app = new Hono()
    .use("*", serveEditor(dir))
    .get("/v1/programs", (c) => c.json({ programs: [] }))
    .get("/openapi.json", (c) => c.json({ openapi: "3.1.0" }))
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", (c) => c.json({ status: "ok" }))
    .post("/anything", (c) => c.text("posted"));

  it("serves the built files, assets cached for good and the page never", async () => {
    const page = await app.request("/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>editor</title>");
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const asset = await app.request("/assets/app-1234.js");
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(asset.headers.get("cache-control")).toMatch(/immutable/);
  });

  it("answers any other page with index.html, but a missing asset with 404", async () => {
    const deep = await app.request("/programs/beiguo/versions/2");
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain("<title>editor</title>");
    expect((await app.request("/assets/missing-5678.js")).status).toBe(404);
  });

  it("never shadows the API", async () => {
    expect(await (await app.request("/v1/programs")).json()).toEqual({ programs: [] });
    expect(await (await app.request("/openapi.json")).json()).toEqual({ openapi: "3.1.0" });
    for (const probe of ["/healthz", "/readyz"]) expect(await (await app.request(probe)).json(), probe).toEqual({ status: "ok" });
    expect((await app.request("/v1/nothing")).status).toBe(404);
    expect(await (await app.request("/anything", { method: "POST" })).text()).toBe("posted");
  });

  it("says how to build the editor when it is not built", async () => {
    const bare = new Hono().use("*", serveEditor(join(dir, "not-built")));
    const res = await bare.request("/");
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/npm run build:editor/);
    expect((await bare.request("/elsewhere")).status).toBe(404);
  });
});
