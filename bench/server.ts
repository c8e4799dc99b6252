/**
 * Starts the real service in a child process for the HTTP benchmarks, so that the load
 * generator (this process) and the server do not share an event loop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The PostgreSQL server the benchmarks use when one answers. */
export const BENCH_PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `request` is answered 2xx (polling), throwing if the child process exits first or `seconds` pass. */
export async function waitUntilServing(child: ChildProcess, name: string, request: () => Promise<Response>, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await request().then((res) => res.ok, () => false); // not listening yet
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not start within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whether a PostgreSQL server answers at the benchmark URL. */
export async function postgresAvailable(): Promise<boolean> {
  const sql = postgres(BENCH_PG_URL, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A running service: its base URL, an admin key, the CPU time it has used and how to stop it. */
export interface BenchServer {
  url: string;
  adminKey: string;
  /** Processes serving HTTP (WORKERS). */
  workers: number;
  /** How the service reaches PostgreSQL ("Unix socket" or "TCP"), null on PGlite. */
  postgresVia: string | null;
  /** The service's PostgreSQL database, null on PGlite. */
  databaseUrl: string | null;
  /** User and system CPU seconds of the service's processes so far, workers included (Linux /proc), or null where unreadable. */
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

/** Fields after the command name of /proc/<pid>/stat, which ends at the last ") " and may itself hold spaces. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a process and every process below it: utime and stime (fields 14 and 15, in
 * clock ticks of 1/100 s) of each live one, and cutime and cstime of the root for its children
 * that have ended (a replaced worker).
 */
function treeCpuSeconds(root: number): number | null {
  const rootFields = statFields(root);
  if (!rootFields) return null;
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(entry)?.[1]);
    if (parent) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  let ticks = Number(rootFields[13]) + Number(rootFields[14]);
  for (const pending = [root]; pending.length > 0; ) {
    const pid = pending.pop()!;
    const fields = pid === root ? rootFields : statFields(pid);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
    pending.push(...(children.get(pid) ?? []));
  }
  return ticks / 100;
}

/** Where the socket of a PostgreSQL server on this machine is (Debian's directory), when the URL names this machine and the socket is there; BENCH_PG_TCP=1 keeps TCP. */
export function pgSocketDir(url: URL): string | null {
  const dir = "/var/run/postgresql";
  if (process.env.BENCH_PG_TCP === "1" || !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) return null;
  return existsSync(`${dir}/.s.PGSQL.${url.port || "5432"}`) ? dir : null;
}

/** Starts the service on PGlite (a temp data dir) or on a fresh PostgreSQL database, with `workers` processes (PostgreSQL only). */
export async function startServer(driver: "pglite" | "postgres", workers = 1): Promise<BenchServer> {
  const port = await freePort();
  const adminKey = `bench-admin-${process.pid}-${Date.now()}`;
  const env: Record<string, string> = { ...(process.env as Record<string, string>), PORT: String(port), LOG_LEVEL: "error", BOOTSTRAP_ADMIN_KEY: adminKey, WORKERS: String(workers) };
  let cleanup = async () => {};
  let postgresVia: string | null = null;
  if (driver === "pglite") {
    const dir = mkdtempSync(join(tmpdir(), "mps-bench-"));
    env.DATA_DIR = dir;
    delete env.DATABASE_URL;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `bench_${process.pid}_${Date.now()}`;
    const admin = postgres(BENCH_PG_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    await admin.end();
    const url = new URL(BENCH_PG_URL);
    url.pathname = `/${name}`;
    // A server on this machine is reached as a local deployment would reach it: through its Unix socket.
    const socket = pgSocketDir(url);
    if (socket) url.searchParams.set("host", socket);
    postgresVia = socket ? "Unix socket" : "TCP";
    env.DATABASE_URL = url.toString();
    cleanup = async () => {
      const sql = postgres(BENCH_PG_URL, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
      await sql.end();
    };
  }
  // BENCH_SERVER_NODE_ARGS profiles the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (not allowed in NODE_OPTIONS).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "api/src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilServing(child, "the service", () => fetch(`${url}/healthz`), 120);
  return {
    url,
    adminKey,
    workers,
    postgresVia,
    databaseUrl: env.DATABASE_URL ?? null,
    cpuSeconds: () => treeCpuSeconds(child.pid!),
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      await cleanup();
    },
  };
}

/** Calls the service as `key`, answering the parsed JSON body; a non-2xx answer throws with its body. */
export async function call(server: BenchServer, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Clients calling at once while a bench sets up: enough to keep the service busy, few enough for PGlite's one connection. */
const SETUP_CLIENTS = 8;

/** Runs `task` for 0 … count - 1 from SETUP_CLIENTS clients at once, each taking the next index as it finishes one. */
export async function eachAtOnce(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: SETUP_CLIENTS }, async () => {
    while (next < count) await task(next++);
  }));
}

/**
 * Enrols `count` members of the default program through the API on `day` (YYYY-MM-DD, Beiguo
 * time), each on one anonymous evidence sale of 1,000–59,000 yuan; answers their ids in order.
 */
export async function enrolMembers(server: BenchServer, key: string, count: number, day: string): Promise<string[]> {
  const ids = new Array<string>(count);
  const at = `${day}T10:00:00+08:00`;
  const enrol = async (i: number) => {
    const receiptId = `EV-${day}-${i}`;
    const unitPrice = 100_000 + ((i * 7919) % 59) * 100_000;
    await call(server, key, "POST", "/v1/transactions", { receiptId, storeId: "beiguo-central", at, lines: [{ lineId: "1", sku: "S", styleId: `ST-${i}`, department: "department_store", quantity: 1, unitPrice }] });
    ids[i] = (await call(server, key, "POST", "/v1/members", { storeId: "beiguo-central", at, program: "beiguo", evidenceReceiptIds: [receiptId] })).member.id;
  };
  await eachAtOnce(count, enrol);
  return ids;
}
