/**
 * What the browser tests need: Chromium (if the machine has one), the built editor, and the real
 * server started the way `npm start` starts it, on a free port and a fresh data directory.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const require = createRequire(import.meta.url);

/** The Chromium binary to drive: $CHROMIUM_PATH, or Debian's; null when there is none. */
export const chromiumPath: string | null = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p): p is string => Boolean(p && existsSync(p))) ?? null;

/** The flags Chromium runs with in CI containers. */
export const chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds editor/dist unless it is newer than every source it is built from (what `npm start` would build). */
export function buildEditor(): void {
  const index = join(ROOT, "editor/dist/index.html");
  const sources = Math.max(newest(join(ROOT, "editor/src")), newest(join(ROOT, "engine/src")), statSync(join(ROOT, "editor/index.html")).mtimeMs, statSync(join(ROOT, "editor/vite.config.ts")).mtimeMs, statSync(join(ROOT, "package-lock.json")).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  const vite = join(require.resolve("vite/package.json"), "../bin/vite.js");
  const result = spawnSync(process.execPath, [vite, "build", "--config", "editor/vite.config.ts", "--logLevel", "error"], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

/** A running server: its base URL, its admin key, its error log lines, and a way to stop it. */
export interface Server {
  base: string;
  adminKey: string;
  errors(): string[];
  stop(): Promise<void>;
}

/** Starts `tsx api/src/main.ts` like api/src/main.test.ts does, and waits for its "listening" line. */
export async function startServer(): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "mps-e2e-"));
  const adminKey = `e2e-${randomBytes(24).toString("base64url")}`;
  const env: Record<string, string | undefined> = { ...process.env, PORT: "0", DATA_DIR: join(dataDir, "pglite"), BOOTSTRAP_ADMIN_KEY: adminKey, LOG_LEVEL: "info", EDITOR_DIR: join(ROOT, "editor/dist") };
  delete env.DATABASE_URL;
  const child: ChildProcess = spawn(process.execPath, [require.resolve("tsx/cli"), "api/src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within 120 s:\n${stdout}\n${stderr}`)), 120_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${stderr}`));
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    adminKey,
    errors: () => (stdout + "\n" + stderr).split("\n").filter((l) => l.includes('"level":"error"') || /^\s*(Error|TypeError|at )/.test(l)),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls the API with a key; throws with the body on an unexpected status. */
export async function call<T = any>(server: Server, key: string, method: string, path: string, body?: unknown, expected = [200, 201]): Promise<T> {
  const res = await fetch(`${server.base}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text}${res.status >= 500 ? `\nserver errors:\n${server.errors().slice(-5).join("\n")}` : ""}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Where the screenshots the README shows are written. */
export function screenshotsDir(): string {
  const dir = join(ROOT, "docs/screenshots");
  mkdirSync(dir, { recursive: true });
  return dir;
}
