/**
 * `npm start` with WORKERS=2 on PostgreSQL: the primary migrates and seeds, two workers share the
 * port, a key revoked through one is refused by both, and SIGTERM to the primary stops the workers
 * after each has written the quote decisions it still held.
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startService, type ServiceProcess } from "./service-process";

const receipt = (i: number) => ({ storeId: "beiguo-central", at: "2026-11-22T14:05:00+08:00", lines: [{ lineId: "1", sku: `SKU-${i}`, styleId: "ST-9", department: "department_store", quantity: 1, unitPrice: 10_000 + i }] });

describe.skipIf(!process.env.TEST_DATABASE_URL)("several worker processes (WORKERS=2, PostgreSQL)", () => {
  const name = `mps_cluster_${process.pid}_${Date.now()}`;
  const adminKey = `cluster-${randomBytes(24).toString("base64url")}`;
  let admin: postgres.Sql;
  let url = "";
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    const target = new URL(process.env.TEST_DATABASE_URL!);
    target.pathname = `/${name}`;
    url = target.toString();
    service = await startService({ DATABASE_URL: url, WORKERS: "2", BOOTSTRAP_ADMIN_KEY: adminKey });
  }, 120_000);
  afterAll(async () => {
    if (service?.running()) await service.kill("SIGKILL");
    await admin?.unsafe(`drop database if exists "${name}" with (force)`);
    await admin?.end();
  });

  /** Requests sent at once go out on as many connections, which the primary deals to both workers. */
  const burst = <T>(n: number, send: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  const workersIn = (stdout: string) => new Set(stdout.split("\n").flatMap((line) => /"worker":(\d+).*"path":"\/v1\/whoami"/.exec(line)?.[1] ?? []));

  it("serves from both workers, and a key revoked through one is refused by both at once", async () => {
    const { base, output } = service!;
    const created = await call(base, adminKey, "POST", "/v1/api-keys", { role: "pos", name: "till 1" });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect((await burst(16, () => call(base, key, "GET", "/v1/whoami"))).map((a) => a.status)).toEqual(Array(16).fill(200));
    await expect.poll(() => workersIn(output.stdout).size).toBe(2);
    expect((await call(base, adminKey, "DELETE", `/v1/api-keys/${created.body.id}`)).status).toBe(204);
    await expect.poll(async () => (await burst(16, () => call(base, key, "GET", "/v1/whoami"))).map((a) => a.status).join(), { timeout: 5_000, interval: 50 }).toBe(Array(16).fill(401).join());
  });

  it("stops on SIGTERM: both workers end, every quote decision they held is written, exit code 0", async () => {
    const quotes = await burst(40, (i) => call(service!.base, adminKey, "POST", "/v1/decisions", receipt(i)));
    expect(quotes.map((q) => q.status)).toEqual(Array(40).fill(200));
    expect(await service!.kill("SIGTERM")).toEqual({ code: 0, signal: null });
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const ids = quotes.map((q) => q.body.decisionId as string);
      const [row] = await db<{ count: number }[]>`select count(*)::int as count from decisions where id in ${db(ids)}`;
      expect(row!.count).toBe(40);
    } finally {
      await db.end();
    }
    expect(service!.output.stdout + service!.output.stderr).not.toContain(adminKey);
  });
});
