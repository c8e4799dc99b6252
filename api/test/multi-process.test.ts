/**
 * Several processes on one PostgreSQL database (cluster workers, other machines): each keeps the
 * published versions, API keys and its simulation jobs in memory, and hears the others' changes
 * through LISTEN/NOTIFY. Two service instances on one schema stand for two processes.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, freshPostgresSchema, type TestApp } from "./harness";

const receipt = (at: string) => ({ storeId: "beiguo-central", at, lines: [{ lineId: "1", sku: "SKU-1", styleId: "ST-1", department: "department_store", quantity: 1, unitPrice: 129_900 }] });
// Well under the key cache's 30 s: what these tests see comes from notifications, not expiry.
const SOON = { timeout: 5_000, interval: 20 };

describe.skipIf(!process.env.TEST_DATABASE_URL)("two processes on one PostgreSQL database", () => {
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let a: TestApp;
  let b: TestApp;
  let admin: postgres.Sql;
  const unfollow: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    schema = await freshPostgresSchema();
    a = await createTestApp("postgres", { database: await schema.open() });
    b = await createTestApp("postgres", { database: await schema.open() });
    for (const t of [a, b]) unfollow.push(await t.services.changes.follow(t.database));
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    for (const stop of unfollow) await stop();
    await a?.services.simulations.idle();
    await a?.close();
    await b?.close();
    await admin?.end();
    await schema?.drop();
  });

  const newPosKey = async () => {
    const created = await a.request("POST", "/v1/api-keys", { body: { role: "pos", name: `till ${Math.random()}` } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body as { id: string; key: string };
  };
  const whoami = (t: TestApp, key: string) => t.request("GET", "/v1/whoami", { key }).then((res) => res.status);

  it("a version published in one decides the other's receipts at once", async () => {
    const at = "2027-01-02T12:00:00+08:00";
    const quote = async () => (await b.request("POST", "/v1/decisions", { role: "pos", body: receipt(at) })).body.policy;
    expect(await quote()).toEqual({ id: "beiguo", version: 1 });
    const draft = await a.request("POST", "/v1/programs/beiguo/versions", { role: "marketer", body: { basedOn: 1 } });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    const path = `/v1/programs/beiguo/versions/${draft.body.version}`;
    expect((await a.request("POST", `${path}/submit`, { role: "marketer" })).status).toBe(200);
    expect((await a.request("POST", `${path}/approve`, { role: "approver" })).status).toBe(200);
    const published = await a.request("POST", `${path}/publish`, { role: "approver", body: { effectiveFrom: "2027-01-01T00:00:00+08:00" } });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    await expect.poll(quote, SOON).toEqual({ id: "beiguo", version: draft.body.version });
    // Receipts before the new version's start still go to version 1, in both.
    expect((await b.request("POST", "/v1/decisions", { role: "pos", body: receipt("2026-12-31T12:00:00+08:00") })).body.policy.version).toBe(1);
  });

  it("a key revoked in one is refused by the other at once, though the other had it cached", async () => {
    const { id, key } = await newPosKey();
    expect(await whoami(b, key)).toBe(200);
    expect((await a.request("DELETE", `/v1/api-keys/${id}`)).status).toBe(204);
    await expect.poll(() => whoami(b, key), SOON).toBe(401);
    expect(await whoami(a, key)).toBe(401);
  });

  it("after its listening connection is cut, a process takes everything for changed: a key revoked unannounced meanwhile is refused", async () => {
    const { id, key } = await newPosKey();
    expect(await whoami(b, key)).toBe(200);
    // Revoked with no notification, as if it had been lost: b goes on trusting its cache.
    await admin.unsafe(`update "${schema.name}".api_keys set revoked_at = now() where id = $1`, [id]);
    expect(await whoami(b, key)).toBe(200);
    const cut = await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike ${`listen "mps_changes ${schema.name}"%`}`;
    expect(cut.length).toBe(2);
    await expect.poll(() => whoami(b, key), SOON).toBe(401);
    // Both listen again, and hear later changes.
    const second = await newPosKey();
    expect(await whoami(b, second.key)).toBe(200);
    expect((await a.request("DELETE", `/v1/api-keys/${second.id}`)).status).toBe(204);
    await expect.poll(() => whoami(b, second.key), SOON).toBe(401);
  });

  it("a simulation queued by one is seen running by the other, not taken for interrupted, and the other can cancel it", async () => {
    const start = await a.request("POST", "/v1/simulations", { role: "marketer", body: { programId: "beiguo", draftVersion: 1, baselineVersion: 1, source: "synthetic", synthetic: { members: 200_000, days: 1_000 } } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    const seen = await b.request("GET", `/v1/simulations/${start.body.id}`, { role: "auditor" });
    expect(seen.status).toBe(200);
    expect(["queued", "running"]).toContain(seen.body.status);
    const cancelled = await b.request("POST", `/v1/simulations/${start.body.id}/cancel`, { role: "marketer" });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    await a.services.simulations.idle();
    expect((await a.request("GET", `/v1/simulations/${start.body.id}`, { role: "auditor" })).body.status).toBe("cancelled");
  });

  it("a job no process answers for is reported interrupted", async () => {
    await admin.unsafe(`insert into "${schema.name}".simulations (id, kind, program_id, draft_version, source, params, status, created_by) values ('sim_gone', 'simulation', 'beiguo', 1, 'synthetic', '{}', 'running', 'k_gone')`);
    const res = await b.request("GET", "/v1/simulations/sim_gone", { role: "auditor" });
    expect(res.body).toMatchObject({ status: "failed", error: expect.stringMatching(/^interrupted/) });
  });
});
