import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/harness";

const EXAMPLE = fileURLToPath(new URL("../../../../policies/beiguo/examples/silver-8-percent.json", import.meta.url));
const STORE = "beiguo-central";
const line = (lineId: string, unitYuan: number) => ({ lineId, sku: `SKU-${lineId}`, styleId: `ST-${lineId}`, department: "department_store", quantity: 1, unitPrice: unitYuan * 100 });

async function settle(t: TestApp, id: string) {
  for (let i = 0; i < 600; i++) {
    const res = await t.request("GET", `/v1/simulations/${id}`, { role: "auditor" });
    expect(res.status).toBe(200);
    if (["succeeded", "failed", "cancelled"].includes(res.body.status)) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`simulation ${id} did not finish`);
}

describe("simulation jobs", () => {
  let t: TestApp;
  let draftVersion: number;
  let silver: string;

  beforeAll(async () => {
    t = await createTestApp("pglite", { start: "2026-03-01T09:00:00+08:00" });
    // The silver-8 % example as a draft of beiguo.
    const document = JSON.parse(readFileSync(EXAMPLE, "utf8"));
    const draft = await t.request("POST", "/v1/programs/beiguo/versions", { role: "marketer", body: { document } });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    draftVersion = draft.body.version;
    // Recorded history: a silver member enrolled on evidence, then two full-price sales.
    const commit = (body: Record<string, unknown>) => t.request("POST", "/v1/transactions", { role: "pos", body: { storeId: STORE, ...body } });
    expect((await commit({ receiptId: "E1", at: "2026-03-01T10:00:00+08:00", lines: [line("1", 6_000)] })).status).toBe(201);
    const enrol = await t.request("POST", "/v1/members", { role: "pos", body: { storeId: STORE, at: "2026-03-01T10:30:00+08:00", program: "beiguo", evidenceReceiptIds: ["E1"] } });
    expect(enrol.status, JSON.stringify(enrol.body)).toBeLessThan(300);
    silver = enrol.body.member.id;
    expect((await commit({ receiptId: "S1", memberId: silver, at: "2026-03-02T11:00:00+08:00", lines: [line("1", 1_000)] })).status).toBe(201);
    expect((await commit({ receiptId: "S2", memberId: silver, at: "2026-03-03T11:00:00+08:00", lines: [line("1", 2_000)] })).status).toBe(201);
    expect((await commit({ receiptId: "A1", at: "2026-03-03T12:00:00+08:00", lines: [line("1", 300)] })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.services.simulations.idle();
    await t?.close();
  });

  it("replays the recorded receipts through a draft and its baseline: 202, progress, then the deltas", async () => {
    const start = await t.request("POST", "/v1/simulations", { role: "marketer", body: { programId: "beiguo", draftVersion, baselineVersion: 1, source: "recorded" } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    expect(start.headers.get("location")).toBe(`/v1/simulations/${start.body.id}`);
    expect(start.body).toMatchObject({ id: expect.stringMatching(/^sim_/), status: "queued", programId: "beiguo", draftVersion, baselineVersion: 1, source: "recorded" });
    const done = await settle(t, start.body.id);
    expect(done.status, done.error).toBe("succeeded");
    expect(done.progress.events).toBe(5);
    const { draft, baseline, delta, diff } = done.result;
    expect(baseline.receipts).toMatchObject({ sales: 4, memberSales: 2, anonymousSales: 2 });
    // 3,000 yuan of silver full-price goods: 5 % is 150 yuan, 8 % is 240.
    expect(baseline.money.memberDiscount).toBe(15_000);
    expect(draft.money.memberDiscount).toBe(24_000);
    expect(delta.money.discount).toBe(9_000);
    expect(delta.points.issued).toBe(draft.points.issued - baseline.points.issued);
    expect(diff.receipts).toEqual({ compared: 4, different: 2 });
    expect(diff.byChange.discount).toMatchObject({ receipts: 2, members: 1, deltaFen: 9_000 });
    expect(diff.mostAffected[0]).toMatchObject({ customerId: silver, discountFen: 9_000, rules: [{ rule: "silver-full-price", receipts: 2 }] });
    expect(diff.changedRules).toEqual(["silver-full-price"]);
    const list = await t.request("GET", "/v1/simulations", { role: "approver" });
    expect(list.status).toBe(200);
    expect(list.body.simulations.map((s: { id: string }) => s.id)).toContain(start.body.id);
    expect(list.body.simulations.every((s: { result: unknown }) => s.result === null)).toBe(true);
  });

  it("runs synthetic history, and the baseline defaults to the version in force", async () => {
    const start = await t.request("POST", "/v1/simulations", { role: "approver", body: { programId: "beiguo", draftVersion, source: "synthetic", synthetic: { members: 300, seed: 3, days: 40 } } });
    expect(start.status, JSON.stringify(start.body)).toBe(202);
    expect(start.body.baselineVersion).toBe(1);
    const done = await settle(t, start.body.id);
    expect(done.status, done.error).toBe("succeeded");
    expect(done.result.draft.members.opened).toBe(300);
    expect(done.result.draft.receipts.sales).toBeGreaterThan(1_000);
    expect(done.result.delta.money.discount).toBeGreaterThan(0);
    expect(done.progress.sales).toBe(done.result.draft.receipts.sales);
  });

  it("cancels a running job, and refuses to cancel a finished one", async () => {
    const start = await t.request("POST", "/v1/simulations", { role: "marketer", body: { programId: "beiguo", draftVersion, source: "synthetic", synthetic: { members: 50_000, seed: 1, days: 700 } } });
    expect(start.status).toBe(202);
    // Let it start and report some progress.
    for (let i = 0; i < 200; i++) {
      const res = await t.request("GET", `/v1/simulations/${start.body.id}`, { role: "marketer" });
      if (res.body.status === "running" && (res.body.progress.events ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancel = await t.request("POST", `/v1/simulations/${start.body.id}/cancel`, { role: "approver" });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.status).toBe("cancelled");
    expect(cancel.body.result).toBeNull();
    const again = await t.request("POST", `/v1/simulations/${start.body.id}/cancel`, { role: "approver" });
    expect(again.status).toBe(409);
  });

  it("allows readers to read and only marketers and approvers to start or cancel", async () => {
    for (const role of ["auditor", "admin", "pos"] as const) {
      const res = await t.request("POST", "/v1/simulations", { role, body: { programId: "beiguo", draftVersion, source: "recorded" } });
      expect(res.status).toBe(403);
    }
    expect((await t.request("GET", "/v1/simulations", { role: "pos" })).status).toBe(403);
    expect((await t.request("GET", "/v1/simulations/sim_missing", { role: "auditor" })).status).toBe(404);
  });

  it("refuses an unknown version and names bad fields", async () => {
    const unknown = await t.request("POST", "/v1/simulations", { role: "marketer", body: { programId: "beiguo", draftVersion: 99, source: "recorded" } });
    expect(unknown.status).toBe(404);
    const bad = await t.request("POST", "/v1/simulations", { role: "marketer", body: { programId: "beiguo", draftVersion: 0, source: "tape" } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["/draftVersion", "/source"]);
  });

  it("reports the behavioural difference of two versions over a period's recorded receipts", async () => {
    const res = await t.request("GET", `/v1/simulations/behaviour-diff?programId=beiguo&from=1&to=${draftVersion}&start=2026-03-02T00:00:00%2B08:00&end=2026-03-03T00:00:00%2B08:00`, { role: "auditor" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Only S1 falls in the period; the state before it (the enrolment) is replayed, not counted.
    expect(res.body.receipts).toEqual({ compared: 1, different: 1 });
    expect(res.body.byChange.discount).toEqual({ receipts: 1, members: 1, delta: 3_000, deltaYuan: 30 });
    expect(res.body.byChange.points.receipts).toBe(1);
    expect(res.body.byChange.tier.receipts).toBe(0);
    expect(res.body.examples.discount[0]).toMatchObject({ receiptId: "S1", customerId: silver, baseline: { tier: "silver", discount: 5_000 }, draft: { tier: "silver", discount: 8_000 }, rules: ["silver-full-price"] });
    expect(res.body.costDeltaYuan).toBeCloseTo(30 + res.body.byChange.points.deltaYuan, 6);
  });
});
