import { describe, expect, it } from "vitest";
import { loadShippedPolicy, sale } from "../../test/factories";
import { compilePolicy } from "../evaluate/compiled";
import type { Policy } from "../policy/schema";
import type { HistoryEvent, SaleEvent } from "./events";
import { simulate, simulateSync, Simulation, SimulationAborted } from "./simulate";

const v1 = compilePolicy(loadShippedPolicy("beiguo"));

function withSilverPercent(percent: number): Policy {
  const policy = structuredClone(loadShippedPolicy("beiguo"));
  const rule = policy.rules.find((r) => r.id === "silver-full-price")!;
  if (rule.event.type === "line-discount") rule.event.params.percent = percent;
  return { ...policy, version: 2 };
}

/** A sale of `yuan` of full-price department-store goods (one line per entry). */
function buy(receiptId: string, customerId: string | null, at: string, ...yuan: number[]): SaleEvent {
  return { kind: "sale", customerId, receipt: sale({ receiptId, at, lines: yuan.map((y) => ({ unitPrice: y * 100, styleId: `ST-${receiptId}-${y}` })) }) };
}

function run(events: HistoryEvent[], options: Partial<Parameters<typeof simulateSync>[1]> = {}) {
  const sim = new Simulation({ draft: v1, ...options });
  for (const event of events) sim.push(event);
  const result = sim.finish();
  return { sim, result, member: (id: string) => sim.draft.find(id)! };
}

const open = (customerId: string, tier: string, at = "2026-01-01T00:00:00+08:00", issuedOn = "2025-06-01"): HistoryEvent => ({ kind: "open", customerId, tier, issuedOn, at });

describe("replay of one version, against the ledger's rules", () => {
  it("closes each calendar year as a lifecycle run on 1 January would: the supreme club, its reward, dormant and cancelled cards", () => {
    // Promotional goods: no member discount, so qualifying spend is the price.
    const promo = (receiptId: string, customerId: string, at: string, fen: number): SaleEvent => ({ kind: "sale", customerId, receipt: sale({ receiptId, at, lines: [{ unitPrice: fen, fullPrice: false, styleId: `ST-${receiptId}` }] }) });
    const { result, member } = run([
      open("rich", "guest", "2026-01-01T00:00:00+08:00", "2025-06-01"),
      open("quiet", "guest", "2026-01-01T00:00:00+08:00", "2025-06-01"),
      promo("r1", "rich", "2026-03-01T10:00:00+08:00", 20_000_001),
      promo("q1", "quiet", "2026-03-01T10:00:00+08:00", 10_000),
      promo("r2", "rich", "2027-03-01T10:00:00+08:00", 20_000_001),
      // Not a day passes in 2028 before the sale: the first sale of 2029 closes 2028.
      promo("r3", "rich", "2029-01-02T10:00:00+08:00", 100),
    ]);
    // End of 2026: more than 200,000 yuan → supreme. End of 2027: supreme and more than 200,000 → 20,000 points.
    // End of 2028: nothing in 2028 → demoted, and dormant (21 months since 2027-03-01) until its sale of 2029 wakes it.
    // "quiet" last bought on 2026-03-01: dormant at the end of 2027 (21 months), cancelled at the end of 2028 (33).
    expect(result.draft.lifecycle).toMatchObject({ supremeGranted: 1, supremeRevoked: 1, supremeMembers: 0, bonusPoints: 20_000, statusChanged: { dormant: 2, cancelled: 1 } });
    expect(member("rich")).toMatchObject({ supreme: false, status: "active" });
    expect(member("quiet").status).toBe("cancelled");
  });

  it("enrols a customer at the end of its first store-day on that day's anonymous spend; the evidence earns no points", () => {
    const { result, member } = run([buy("a", "c1", "2026-03-01T10:00:00+08:00", 3_000), buy("b", "c1", "2026-03-01T15:00:00+08:00", 2_500), buy("c", "c1", "2026-03-02T10:00:00+08:00", 100)]);
    const c1 = member("c1");
    // 5,500 yuan of same-day evidence: silver, issued that day; only the next day's sale earns points (×1.5).
    expect(c1.tier).toBe("silver");
    expect(c1.issuedOn).toBe("2026-03-01");
    expect(c1.balance).toBe(142); // 100 yuan less 5 % = 95 yuan × 1.5
    expect(result.draft.members).toMatchObject({ enrolled: 1, refused: 0, enrolledByTier: { silver: 1 } });
    expect(result.draft.receipts).toMatchObject({ sales: 3, memberSales: 1, anonymousSales: 2 });
  });

  it("refuses a day below the lowest threshold and lets the customer apply again on a later day", () => {
    const { result, member } = run([buy("a", "c1", "2026-03-01T10:00:00+08:00", 600), buy("b", "c1", "2026-03-05T10:00:00+08:00", 1_200)]);
    expect(result.draft.members).toMatchObject({ enrolled: 1, refused: 1 });
    expect(member("c1")).toMatchObject({ tier: "guest", issuedOn: "2026-03-05", balance: 0 });
  });

  it("in first-sale mode makes every customer a member of the lowest tier before its first sale", () => {
    const { member } = run([buy("a", "c1", "2026-03-01T10:00:00+08:00", 600)], { enrolment: "first-sale" });
    expect(member("c1")).toMatchObject({ member: true, tier: "guest", balance: 600 });
  });

  it("upgrades on cumulative cycle spend, credits gift hours, and starts counting again in a new cycle", () => {
    const { member, result } = run([
      open("m", "guest", "2026-01-01T00:00:00+08:00", "2025-06-01"),
      buy("s1", "m", "2026-02-01T10:00:00+08:00", 9_000),
      buy("s2", "m", "2026-02-02T10:00:00+08:00", 1_000),
      buy("s3", "m", "2026-02-03T10:00:00+08:00", 100),
      buy("s4", "m", "2027-01-10T10:00:00+08:00", 300),
    ]);
    const m = member("m");
    // The first cycle runs from the issue date to 31 Dec 2026; 10,000 yuan in it: silver, 10 gift hours.
    expect(m.tier).toBe("silver");
    expect(m.parkingHours).toBe(10);
    expect(m.path).toBe("guest@2025-06-01 silver@2026-02-02");
    expect(m.cycleStart).toBe("2027-01-01");
    expect(m.cycleSpend).toBe(28_500);
    expect(result.draft.upgrades).toEqual({ total: 1, byMove: { "guest→silver": 1 } });
    expect(result.draft.parking.giftHours).toBe(10);
  });

  it("expires the points of year Y at the end of 31 December of Y+1, by a counted expiry", () => {
    const { member, result } = run([open("m", "guest"), buy("s1", "m", "2026-05-01T10:00:00+08:00", 500), buy("s2", "m", "2027-05-01T10:00:00+08:00", 200), buy("s3", "m", "2028-01-01T00:00:01+08:00", 100)]);
    const m = member("m");
    expect(m.balance).toBe(300);
    expect(result.draft.points).toMatchObject({ issued: 800, expired: 500, outstanding: 300, liabilityFen: 3_000 });
  });

  it("reverses a returned share, taking the original's points first and leaving a debt the next points repay", () => {
    const events: HistoryEvent[] = [open("m", "guest"), buy("s1", "m", "2026-05-01T10:00:00+08:00", 400, 600), buy("s2", "m", "2026-05-02T10:00:00+08:00", 50)];
    events.push({ kind: "return", receiptId: "r1", originalReceiptId: "s1", customerId: "m", storeId: "beiguo-central", at: "2026-05-03T10:00:00+08:00", lines: [{ lineId: "2", quantity: 1 }] });
    const partial = run(events);
    // 600 of 1,000 yuan returned: 600 of its 1,000 points, taken from s1's lot.
    expect(partial.member("m")).toMatchObject({ balance: 450, debt: 0, cycleSpend: 45_000 });
    expect(partial.member("m").listLots().map((l) => [l.receiptId, l.remaining])).toEqual([
      ["s1", 400],
      ["s2", 50],
    ]);
    // Everything returned after the points expired: the whole reversal becomes debt, and later points repay it first.
    const late = run([
      open("m", "guest"),
      buy("s1", "m", "2026-05-01T10:00:00+08:00", 1_000),
      { kind: "return", receiptId: "r1", originalReceiptId: "s1", customerId: "m", storeId: "beiguo-central", at: "2028-01-05T10:00:00+08:00", lines: [{ lineId: "1", quantity: 1 }] },
      buy("s2", "m", "2028-01-06T10:00:00+08:00", 1_500),
    ], { returnWindowDays: 0 });
    expect(late.member("m")).toMatchObject({ balance: 500, debt: 0 });
    expect(late.result.draft.points).toMatchObject({ reversed: 1_000, debtCreated: 1_000, debtRepaid: 1_000, expired: 1_000 });
  });

  it("skips returns of sales past the return window, of unknown sales and of more than was bought, and counts them", () => {
    const { result } = run([
      open("m", "guest"),
      buy("s1", "m", "2026-01-05T10:00:00+08:00", 100),
      { kind: "return", receiptId: "r1", originalReceiptId: "s1", customerId: "m", storeId: "x", at: "2026-06-05T10:00:00+08:00", lines: [{ lineId: "1", quantity: 1 }] },
      { kind: "return", receiptId: "r2", originalReceiptId: "nope", customerId: "m", storeId: "x", at: "2026-06-05T10:00:00+08:00", lines: [{ lineId: "1", quantity: 1 }] },
      buy("s2", "m", "2026-06-06T10:00:00+08:00", 100),
      { kind: "return", receiptId: "r3", originalReceiptId: "s2", customerId: "m", storeId: "x", at: "2026-06-07T10:00:00+08:00", lines: [{ lineId: "1", quantity: 2 }] },
    ]);
    expect(result.draft.receipts).toMatchObject({ returns: 0, returnsUnmatched: 2, returnsRefused: 1 });
  });

  it("gives same-day parking once per store-day, counting only the hours each sale adds", () => {
    const { result } = run([open("m", "guest"), buy("s1", "m", "2026-05-01T10:00:00+08:00", 300), buy("s2", "m", "2026-05-01T11:00:00+08:00", 400), buy("s3", "m", "2026-05-02T11:00:00+08:00", 100)]);
    // 300 yuan: 2 hours; 700 yuan that day: 3 hours in all; 100 the next day: none.
    expect(result.draft.parking.freeHours).toBe(3);
  });

  it("counts only the period: earlier events build state, reading stops at `to`, months are closed", () => {
    const events: HistoryEvent[] = [open("m", "guest"), buy("s1", "m", "2026-01-10T10:00:00+08:00", 9_500), buy("s2", "m", "2026-02-10T10:00:00+08:00", 600), buy("s3", "m", "2026-04-10T10:00:00+08:00", 100)];
    const { result } = run(events, { from: "2026-02-01T00:00:00+08:00", to: "2026-04-01T00:00:00+08:00" });
    expect(result.draft.receipts.sales).toBe(1);
    expect(result.draft.upgrades.total).toBe(1);
    expect(result.draft.tierByMonth).toEqual([
      { month: "2026-02", counts: { guest: 0, silver: 1, platinum: 0, diamond: 0 } },
      { month: "2026-03", counts: { guest: 0, silver: 1, platinum: 0, diamond: 0 } },
    ]);
  });
});

describe("comparison of two versions", () => {
  const draft = compilePolicy(withSilverPercent(8));
  const events: HistoryEvent[] = [open("s", "silver"), open("g", "guest"), buy("x1", "s", "2026-03-02T10:00:00+08:00", 1_000), buy("x2", "g", "2026-03-02T11:00:00+08:00", 1_000), buy("x3", "s", "2026-03-03T10:00:00+08:00", 2_000)];

  it("reports deltas draft − baseline, receipts and members by what changed, and the rules behind it", () => {
    const result = simulateSync(events, { draft, baseline: v1 });
    expect(result.delta!.money).toMatchObject({ discount: 9_000 });
    expect(result.diff!.receipts).toEqual({ compared: 3, different: 2 });
    expect(result.diff!.byChange.discount).toEqual({ receipts: 2, members: 1, delta: 9_000, deltaFen: 9_000 });
    // 3 % more off 3,000 yuan is 90 yuan less payable: 135 fewer points at 1.5 per yuan.
    expect(result.diff!.byChange.points).toMatchObject({ receipts: 2, members: 1, delta: -135, deltaFen: -1_350 });
    expect(result.diff!.costDeltaFen).toBe(9_000 - 1_350);
    expect(result.diff!.mostAffected).toEqual([expect.objectContaining({ customerId: "s", receipts: 2, discountFen: 9_000, rules: [{ rule: "silver-full-price", receipts: 2 }] })]);
    expect(result.diff!.examples.discount[0]).toMatchObject({ receiptId: "x1", baseline: { tier: "silver", discount: 5_000 }, draft: { tier: "silver", discount: 8_000 } });
  });

  it("finds members whose tier path differs when an entry or upgrade threshold moves", () => {
    const lower = structuredClone(loadShippedPolicy("beiguo"));
    const rule = lower.rules.find((r) => r.id === "upgrade-silver")!;
    if (rule.event.type === "tier-upgrade") rule.event.params.minCycleSpend = 500_000;
    const result = simulateSync([open("g", "guest"), buy("x1", "g", "2026-03-02T10:00:00+08:00", 6_000), buy("x2", "g", "2026-03-03T10:00:00+08:00", 1_000)], { draft: compilePolicy({ ...lower, version: 2 }), baseline: v1 });
    expect(result.diff!.members.tierPathDifferent).toBe(1);
    expect(result.diff!.tierPathExamples[0]).toMatchObject({ customerId: "g", baseline: "guest@2025-06-01", draft: "guest@2025-06-01 silver@2026-03-02" });
    expect(result.diff!.byChange.tier.receipts).toBe(2);
    expect(result.delta!.parking).toMatchObject({ giftHours: 10 });
  });

  it("decides exactly as the full evaluator: the lean trace changes nothing but the trace", () => {
    const lean = simulateSync(events, { draft, baseline: v1 });
    const full = simulateSync(events, { draft, baseline: v1, lean: false });
    expect(lean).toEqual(full);
  });

  it("reads asynchronous sources in batches, reports progress, pauses and stops when cancelled", async () => {
    async function* batches() {
      yield events.slice(0, 2);
      yield events.slice(2);
    }
    const seen: number[] = [];
    const result = await simulate(batches(), { draft, baseline: v1, progressEvery: 1, onProgress: (p) => seen.push(p.events), pause: async () => {}, pauseEvery: 1 });
    expect(result).toEqual(simulateSync(events, { draft, baseline: v1 }));
    expect(seen.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    const signal = { aborted: false };
    await expect(simulate(events, { draft, signal, pause: async () => void (signal.aborted = true), pauseEvery: 2 })).rejects.toBeInstanceOf(SimulationAborted);
  });
});
