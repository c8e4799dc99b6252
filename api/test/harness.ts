import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";
import { createRequestListener } from "../src/app";
import type { Role } from "../src/auth";
import { createDb, type Database } from "../src/db/client";
import { newId } from "../src/ids";
import { readShippedPolicies, seedPolicies } from "../src/services/policies";
import { createServices, type Services } from "../src/services";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { inject } from "vitest";

/** The drivers the database suites run on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const drivers: ("pglite" | "postgres")[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

const POLICIES = fileURLToPath(new URL("../../policies", import.meta.url));
let template: Blob | null = null;

/** The migrated, seeded PGlite template made once per run by global-setup.ts. */
function pgliteTemplate(): Blob {
  template ??= new Blob([readFileSync(inject("pgliteTemplate"))]);
  return template;
}

/** A new schema on the PostgreSQL server of TEST_DATABASE_URL, migrated and seeded: `open` connects to it (as often as wanted), `drop` removes it. */
export async function freshPostgresSchema(): Promise<{ name: string; open(): Promise<Database>; drop(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL!;
  const name = `t_${newId("s").slice(2).toLowerCase().replace(/[^a-z0-9]/g, "")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema "${name}"`);
  await admin.end();
  const database = await createDb({ url, schema: name });
  await database.migrate();
  await seedPolicies(database.db, readShippedPolicies(POLICIES));
  await database.close();
  return {
    name,
    open: () => createDb({ url, schema: name }),
    async drop() {
      const cleanup = postgres(url, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop schema "${name}" cascade`);
      await cleanup.end();
    },
  };
}

/** A fresh database: a PGlite clone of the template, or a new schema on the PostgreSQL server. */
export async function freshDatabase(driver: "pglite" | "postgres"): Promise<Database> {
  if (driver === "pglite") return createDb({ memory: true, loadDataDir: pgliteTemplate() });
  const schema = await freshPostgresSchema();
  const database = await schema.open();
  return {
    ...database,
    close: async () => {
      await database.close();
      await schema.drop();
    },
  };
}

/** A test clock: starts at `start` and moves only when told. */
export class TestClock {
  private ms: number;
  constructor(start = "2026-11-22T12:00:00+08:00") {
    this.ms = Date.parse(start);
  }
  now = (): Date => new Date(this.ms);
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

/** A running service over a fresh database, served on a loopback port as `npm start` serves it, with one key per role and a JSON request helper. */
export interface TestApp {
  services: Services;
  database: Database;
  clock: TestClock;
  keys: Record<Role, string>;
  logs: Record<string, unknown>[];
  /** Where the service listens: http://127.0.0.1:<port>. */
  origin: string;
  request(method: string, path: string, options?: { role?: Role | null; key?: string; body?: unknown; rawBody?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** Builds the app over a fresh database of the given driver, or over `options.database` (closed with the app). */
export async function createTestApp(driver: "pglite" | "postgres" = "pglite", options: { start?: string; database?: Database } = {}): Promise<TestApp> {
  const database = options.database ?? (await freshDatabase(driver));
  const clock = new TestClock(options.start);
  const services = createServices(database.db, { defaultProgram: "beiguo", now: clock.now });
  await services.registry.reload();
  const logs: Record<string, unknown>[] = [];
  const server = createServer(createRequestListener(services, { logger: (line) => logs.push(line), bodyLimit: 200_000 }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keys = {} as Record<Role, string>;
  for (const role of ["pos", "marketer", "approver", "auditor", "admin"] as const) keys[role] = (await services.keys.create(role, `test ${role}`)).key;
  return {
    services,
    database,
    clock,
    keys,
    logs,
    origin,
    async request(method, path, { role = "admin", key, body, rawBody } = {}) {
      const headers: Record<string, string> = {};
      const bearer = key ?? (role ? keys[role] : undefined);
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined || rawBody !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(origin + path, { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await services.log.flush();
      await database.close();
    },
  };
}
