import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// `npm start` runs `tsx api/src/main.ts`; run tsx's CLI under this node directly so SIGTERM reaches the service, not npm.
const TSX = createRequire(import.meta.url).resolve("tsx/cli");

/** Resolves with the first stdout JSON line that `match` accepts; rejects if the process exits first. */
function waitForLine(child: ChildProcess, output: { stdout: string; stderr: string }, match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stdout:\n${output.stdout}\nstderr:\n${output.stderr}`)), timeoutMs);
    const check = () => {
      for (const text of output.stdout.split("\n")) {
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          if (match(line)) {
            clearTimeout(timer);
            child.stdout!.off("data", check);
            resolve(line);
            return;
          }
        } catch {
          // not a whole JSON line yet
        }
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited with ${code} before it listened; stderr:\n${output.stderr}`));
    });
    check();
  });
}

describe("npm start's boot path", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "mps-boot-"));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("boots on a fresh data dir, serves with the bootstrap key, stops on SIGTERM, and never prints the key", async () => {
    const bootstrapKey = `boot-${randomBytes(24).toString("base64url")}`;
    const env: Record<string, string | undefined> = { ...process.env, PORT: "0", DATA_DIR: join(dataDir, "pglite"), BOOTSTRAP_ADMIN_KEY: bootstrapKey, LOG_LEVEL: "info" };
    delete env.DATABASE_URL;
    const output = { stdout: "", stderr: "" };
    child = spawn(process.execPath, [TSX, "api/src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));

    const listening = await waitForLine(child, output, (line) => typeof line.message === "string" && line.message.startsWith("listening"), 80_000);
    const port = Number(/:(\d+)\b/.exec(String(listening.message))?.[1]);
    expect(port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok" });

    const quote = await fetch(`${base}/v1/decisions`, {
      method: "POST",
      headers: { authorization: `Bearer ${bootstrapKey}`, "content-type": "application/json" },
      body: JSON.stringify({ storeId: "beiguo-central", at: "2026-11-22T14:05:00+08:00", lines: [{ lineId: "1", sku: "SKU-1", styleId: "ST-9", department: "department_store", quantity: 1, unitPrice: 129900 }] }),
    });
    expect(quote.status).toBe(200);
    expect(await quote.json()).toMatchObject({ decisionId: expect.any(String), totals: { gross: 129900 } });

    const anonymous = await fetch(`${base}/v1/decisions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toMatch(/^application\/problem\+json/);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output.stdout).toMatch(/"status":200/);
    expect(output.stdout + output.stderr).not.toContain(bootstrapKey);
  }, 90_000);
});
