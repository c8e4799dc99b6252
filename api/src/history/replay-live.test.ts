import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulate, Simulation, type HistoryEvent } from "../../../engine/src/index";
import { createTestApp, type TestApp } from "../../test/harness";
import { recordedHistory } from "./recorded";

const STORE = "beiguo-central";
const line = (lineId: string, unitYuan: number, overrides: Record<string, unknown> = {}) => ({ lineId, sku: `SKU-${lineId}`, styleId: `ST-${lineId}`, department: "department_store", quantity: 1, unitPrice: unitYuan * 100, ...overrides });

/**
 * Commits a history over HTTP (enrolments on evidence, sales on member days and not, an upgrade
 * with gift hours, a claim, partial and full returns, an expiry run, a return that leaves a debt
 * and the sale that repays it, a cycle roll-over), reads the receipts back and replays them: every
 * member's tier, balance, debt, cycle spend and parking hours must equal what the service shows.
 */
describe("replaying recorded receipts reproduces the live ledger", () => {
  let t: TestApp;
  const memberIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp("pglite", { start: "2026-03-01T09:00:00+08:00" });
    const commit = async (body: Record<string, unknown>) => {
      const res = await t.request("POST", "/v1/transactions", { role: "pos", body: { storeId: STORE, ...body } });
      expect(res.status, JSON.stringify([res.body, t.logs.filter((l) => l.level === "error")])).toBeLessThan(300);
      return res.body;
    };
    const enrol = async (at: string, evidenceReceiptIds: string[]) => {
      const res = await t.request("POST", "/v1/members", { role: "pos", body: { storeId: STORE, at, program: "beiguo", evidenceReceiptIds } });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      memberIds.push(res.body.member.id);
      return res.body.member.id as string;
    };

    // M1: silver on 6,000 yuan of evidence; a member-day sale; 45,000 then 8,000 more: platinum (20 gift hours).
    await commit({ receiptId: "E1", at: "2026-03-01T10:00:00+08:00", lines: [line("1", 6_000)] });
    const m1 = await enrol("2026-03-01T10:30:00+08:00", ["E1"]);
    await commit({ receiptId: "S1", memberId: m1, at: "2026-03-01T11:00:00+08:00", lines: [line("1", 350), line("2", 120, { department: "dining" })] });
    await commit({ receiptId: "S2", memberId: m1, at: "2026-03-08T15:00:00+08:00", lines: [line("1", 45_000), line("2", 80, { department: "supermarket", quantity: 3 })] });
    await commit({ receiptId: "S3", memberId: m1, at: "2026-03-08T16:00:00+08:00", lines: [line("1", 8_000), line("2", 700, { fullPrice: false })] });
    // An anonymous sale claimed the same day, then part of S2's second line and all of S1 returned.
    await commit({ receiptId: "A1", at: "2026-03-09T12:00:00+08:00", lines: [line("1", 900)] });
    const claim = await t.request("POST", "/v1/transactions/A1/claim", { role: "pos", body: { memberId: m1, at: "2026-03-09T18:00:00+08:00" } });
    expect(claim.status, JSON.stringify(claim.body)).toBe(200);
    await commit({ receiptId: "R1", type: "return", originalReceiptId: "S2", memberId: m1, at: "2026-03-10T10:00:00+08:00", lines: [line("2", 80, { department: "supermarket", quantity: 2 })] });
    await commit({ receiptId: "R2", type: "return", originalReceiptId: "S1", memberId: m1, at: "2026-03-11T10:00:00+08:00", lines: [line("1", 350), line("2", 120, { department: "dining" })] });

    // M2: guest on two evidence receipts, one partly returned before enrolment; a sale, an expiry, a return into debt, a sale that repays it.
    await commit({ receiptId: "E2", at: "2026-04-02T10:00:00+08:00", lines: [line("1", 800), line("2", 400)] });
    await commit({ receiptId: "E3", at: "2026-04-02T11:00:00+08:00", lines: [line("1", 300)] });
    await commit({ receiptId: "RE2", type: "return", originalReceiptId: "E2", at: "2026-04-02T11:30:00+08:00", lines: [line("2", 400)] });
    const m2 = await enrol("2026-04-02T12:00:00+08:00", ["E2", "E3"]);
    await commit({ receiptId: "S4", memberId: m2, at: "2026-05-20T12:00:00+08:00", lines: [line("1", 2_500), line("2", 260, { department: "appliances" })] });
    await commit({ receiptId: "S5", memberId: m2, at: "2027-06-08T12:00:00+08:00", lines: [line("1", 1_200)] });
    const run = await t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf: "2028-01-02T00:00:00+08:00" } });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    await commit({ receiptId: "R3", type: "return", originalReceiptId: "S4", memberId: m2, at: "2028-01-05T10:00:00+08:00", lines: [line("1", 2_500)] });
    await commit({ receiptId: "S6", memberId: m2, at: "2028-01-06T10:00:00+08:00", lines: [line("1", 1_500)] });
    // M1 again in 2028: a new cycle (the first ran to the end of 2027).
    await commit({ receiptId: "S7", memberId: m1, at: "2028-02-03T10:00:00+08:00", lines: [line("1", 3_000)] });
    await commit({ receiptId: "S8", memberId: m1, at: "2028-02-03T11:00:00+08:00", lines: [line("1", 200)] });
    t.clock.set("2028-02-04T12:00:00+08:00");
  });
  afterAll(async () => t?.close());

  it("gives every member the tier, points, debt, cycle spend and parking hours the service shows", async () => {
    const events: HistoryEvent[] = [];
    for await (const batch of recordedHistory(t.services.db, { programId: "beiguo" })) events.push(...batch);
    expect(events.map((e) => e.kind)).toEqual(["sale", "enrol", "sale", "sale", "sale", "sale", "claim", "return", "return", "sale", "sale", "return", "enrol", "sale", "sale", "return", "sale", "sale", "sale"]);
    const compiled = t.services.registry.version("beiguo", 1).compiled;
    const result = await simulate(events, { draft: compiled, enrolment: "explicit", returnWindowDays: 0, onProgress: () => {} });
    expect(result.draft.members.enrolled).toBe(2);
    // The replay's state at the end, member by member.
    const sim = new Simulation({ draft: compiled, enrolment: "explicit", returnWindowDays: 0 });
    for (const event of events) sim.push(event);
    sim.finish();
    for (const id of memberIds) {
      const live = await t.request("GET", `/v1/members/${id}`, { role: "auditor" });
      expect(live.status).toBe(200);
      const state = sim.draft.find(id)!;
      state.dropExpired(Date.parse("2028-02-04T12:00:00+08:00"));
      const replayed = { tier: state.tier, balance: state.balance, debt: state.debt, cycleSpend: state.cycleStart === live.body.cycle.start ? state.cycleSpend : 0, parkingHours: state.parkingHours };
      expect(replayed, id).toEqual({ tier: live.body.tier, balance: live.body.points.balance, debt: live.body.points.debt, cycleSpend: live.body.cycle.qualifyingSpend, parkingHours: live.body.parkingHours });
      const expiring = new Map<number, number>();
      for (const lot of state.listLots()) expiring.set(lot.expiresAt, (expiring.get(lot.expiresAt) ?? 0) + lot.remaining);
      expect([...expiring].filter(([, p]) => p > 0).map(([at, points]) => ({ expiresAt: new Date(at).toISOString(), points }))).toEqual(live.body.points.expiring);
    }
    // The scenario reached what it is about: an upgrade with gift hours, a debt repaid, a new cycle.
    const [m1, m2] = memberIds.map((id) => sim.draft.find(id)!);
    expect(m1!.tier).toBe("platinum");
    expect(m1!.parkingHours).toBe(20);
    expect(m1!.cycleStart).toBe("2028-01-01");
    expect(result.draft.points.debtCreated).toBeGreaterThan(0);
    expect(result.draft.points.debtRepaid).toBe(result.draft.points.debtCreated);
    expect(m2!.debt).toBe(0);
  });
});
