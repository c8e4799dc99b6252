/**
 * The ledger's guarantees: the member row is a cache of the ledger and the point lots after any
 * sequence of operations; concurrent commits neither lose nor double an entry; a request that
 * fails writes nothing.
 */
import { eq, sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addDays } from "../../engine/test/arbitraries";
import type { Write } from "../src/db/client";
import { decisions, ledgerEntries, members, pointLots, receipts } from "../src/db/schema";
import { MemberLedger } from "../src/services/ledger";
import { createTestApp, drivers, type TestApp } from "./harness";
import { expectBalancesMatchLedger } from "./ledger-audit";
import { commit, commitOk, enrolAt, enrolRequest, fullReturnOf, getLedger, getMember, returnOf, sale, type LineBody, type ReceiptBody, type Tier } from "./pos";

function claim(t: TestApp, receiptId: string, memberId: string, at: string) {
  return t.request("POST", `/v1/transactions/${receiptId}/claim`, { role: "pos", body: { memberId, at } });
}

/** Row counts of every table a receipt, claim, enrolment or run writes to. */
async function counts(t: TestApp) {
  await t.services.log.flush();
  const db = t.database.db;
  const count = async (table: typeof receipts | typeof decisions | typeof ledgerEntries | typeof pointLots | typeof members) => Number((await db.select({ n: sql<string>`count(*)` }).from(table))[0]!.n);
  return { receipts: await count(receipts), decisions: await count(decisions), ledger: await count(ledgerEntries), lots: await count(pointLots), members: await count(members) };
}

async function memberRow(t: TestApp, id: string) {
  const [row] = await t.database.db.select().from(members).where(eq(members.id, id));
  return row;
}

// ---------------------------------------------------------------------------------------------
// Generated sequences

type Step =
  | { kind: "sale"; days: number; anonymous: boolean; lines: (LineBody & { bulk: boolean })[]; cash: number | null }
  | { kind: "return"; days: number; pick: number; quantities: number[]; over: boolean }
  | { kind: "claim"; days: number; pick: number }
  | { kind: "replay"; pick: number }
  | { kind: "lifecycle"; days: number };

// Mostly the same day (parking, claims, returns the same day), sometimes weeks, sometimes a year or more.
const daysArb = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 2 }, { arbitrary: fc.integer({ min: 100, max: 500 }), weight: 1 });
const lineArb = fc.record({
  department: fc.constantFrom("department_store", "department_store", "department_store", "supermarket", "dining") as fc.Arbitrary<LineBody["department"]>,
  quantity: fc.integer({ min: 1, max: 3 }),
  // Odd amounts for rounding, and sizes that cross the upgrade thresholds within a few receipts.
  unitPrice: fc.constantFrom(0, 999, 10_005, 33_333, 250_000, 1_200_000, 2_000_001),
  fullPrice: fc.boolean(),
  bulk: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("sale" as const), days: daysArb, anonymous: fc.integer({ min: 0, max: 3 }).map((n) => n === 0), lines: fc.array(lineArb, { minLength: 1, maxLength: 3 }), cash: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.constantFrom(0, 5_000, 100_000), weight: 1 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("return" as const), days: daysArb, pick: fc.nat(), quantities: fc.array(fc.nat({ max: 3 }), { minLength: 3, maxLength: 3 }), over: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("claim" as const), days: fc.constantFrom(0, 0, 0, 1), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("replay" as const), pick: fc.nat() }) },
  // Mostly far enough ahead for points to expire (they live to the end of the next calendar year).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("lifecycle" as const), days: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 380, max: 800 })) }) },
);
type Scenario = { tier: Tier; start: string; steps: Step[] };
const dept = (unitPrice: number, quantity = 1) => ({ department: "department_store" as const, unitPrice, quantity, fullPrice: true, bulk: false });
// Paths random sequences reach too rarely to rely on: a debt and its repayment; an upgrade, a claim and their reversal.
const SCENARIOS: Scenario[] = [
  {
    tier: "guest",
    start: "2026-11-22",
    steps: [
      { kind: "sale", days: 0, anonymous: false, lines: [dept(33_333, 2), dept(10_005)], cash: null },
      { kind: "sale", days: 200, anonymous: false, lines: [dept(10_005)], cash: null },
      { kind: "lifecycle", days: 420 },
      { kind: "return", days: 0, pick: 0, quantities: [1, 0, 0], over: false },
      { kind: "sale", days: 1, anonymous: false, lines: [dept(250_000)], cash: null },
      { kind: "return", days: 0, pick: 0, quantities: [1, 1, 0], over: false },
      { kind: "sale", days: 0, anonymous: false, lines: [dept(250_000)], cash: null },
      { kind: "lifecycle", days: 800 },
      { kind: "return", days: 0, pick: 2, quantities: [1, 0, 0], over: false },
    ],
  },
  {
    tier: "guest",
    start: "2026-12-30",
    steps: [
      { kind: "sale", days: 0, anonymous: true, lines: [dept(33_333, 2)], cash: null },
      { kind: "claim", days: 0, pick: 0 },
      { kind: "sale", days: 0, anonymous: false, lines: [dept(2_000_001, 2)], cash: null },
      { kind: "return", days: 2, pick: 1, quantities: [2, 0, 0], over: false },
      { kind: "return", days: 0, pick: 0, quantities: [3, 0, 0], over: false },
      { kind: "replay", pick: 1 },
      { kind: "claim", days: 0, pick: 0 },
      { kind: "return", days: 0, pick: 1, quantities: [0, 0, 0], over: true },
    ],
  },
];
const scenarioArb = fc.record({
  tier: fc.constantFrom<Tier>("guest", "silver", "platinum"),
  start: fc.constantFrom<string>("2026-11-22", "2026-12-30", "2027-12-28"),
  steps: fc.array(stepArb, { minLength: 6, maxLength: 12 }),
});

/** What the test knows of each sale it committed: enough to say how the service must answer. */
interface SoldReceipt {
  body: ReceiptBody & { receiptId: string };
  day: string;
  anonymous: boolean;
  claimedBy: string | null;
  returned: number[];
}

describe.each(drivers)("ledger invariants on %s", (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(driver, { start: "2026-11-22T12:00:00+08:00" });
  });
  afterAll(async () => t?.close());
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("keeps the cached balances equal to the ledger and the lots after every step of any sequence", { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ tier, start, steps }) => {
        const memberId = await enrolAt(t, tier, start);
        await expectBalancesMatchLedger(t.database.db, memberId, "enrolled");
        let day = start;
        let minute = 12 * 60;
        const at = () => `${day}T${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}:00+08:00`;
        const advance = (days: number) => {
          if (days > 0) {
            day = addDays(day, days);
            minute = 12 * 60;
          } else minute = Math.min(minute + 7, 23 * 60 + 59);
        };
        const sold: SoldReceipt[] = [];
        const committed: { body: ReceiptBody; decisionId: string }[] = [];
        // Set when a lifecycle run cancels the card (24 silent months): its sales and claims are refused from then on.
        let cancelled = false;

        for (const [index, step] of steps.entries()) {
          const context = `step ${index}: ${JSON.stringify(step)}`;
          const before = { row: await memberRow(t, memberId), ledger: (await getLedger(t, memberId)).length };
          let refused = false;
          switch (step.kind) {
            case "sale": {
              advance(step.days);
              const lines = step.lines.map(({ bulk, ...line }) => (bulk ? { ...line, styleId: "BULK" } : line));
              const body = sale(at(), lines, { ...(step.anonymous ? {} : { memberId }), ...(step.cash === null ? {} : { tenders: [{ type: "cash", amount: step.cash }, { type: "gift_card", amount: 50_000 }] }) });
              if (cancelled && !step.anonymous) {
                expect((await commit(t, body)).status, context).toBe(422);
                refused = true;
                break;
              }
              const d = await commitOk(t, body);
              sold.push({ body, day, anonymous: step.anonymous, claimedBy: null, returned: body.lines.map(() => 0) });
              committed.push({ body, decisionId: d.decisionId });
              break;
            }
            case "return": {
              if (sold.length === 0) continue;
              advance(step.days);
              const original = sold[step.pick % sold.length]!;
              const left = original.body.lines.map((line, i) => line.quantity! - original.returned[i]!);
              let quantities = left.map((l, i) => (step.over ? 0 : step.quantities[i]! % (l + 1)));
              if (step.over || quantities.every((q) => q === 0)) {
                const i = left.findIndex((l) => l > 0);
                quantities = left.map((l, j) => (j === Math.max(i, 0) ? (step.over || i < 0 ? l + 1 : 1) : 0));
              }
              const tooMany = quantities.some((q, i) => q > left[i]!);
              const body = returnOf(original.body, at(), Object.fromEntries(original.body.lines.map((line, i) => [line.lineId!, quantities[i]!])));
              const res = await commit(t, body);
              if (tooMany) {
                expect(res.status, context).toBe(422);
                refused = true;
              } else {
                expect(res.status, `${context}: ${JSON.stringify(res.body)}`).toBe(201);
                quantities.forEach((q, i) => (original.returned[i]! += q));
                committed.push({ body, decisionId: res.body.decisionId });
              }
              break;
            }
            case "claim": {
              const anonymous = sold.filter((s) => s.anonymous);
              if (anonymous.length === 0) continue;
              advance(step.days);
              const target = anonymous[step.pick % anonymous.length]!;
              const res = await claim(t, target.body.receiptId, memberId, at());
              const claimable = target.claimedBy === memberId || (!cancelled && target.claimedBy === null && target.day === day && target.returned.every((q) => q === 0));
              expect(res.status, `${context}: ${JSON.stringify(res.body)}`).toBe(claimable ? 200 : 422);
              if (claimable) target.claimedBy = memberId;
              else refused = true;
              break;
            }
            case "replay": {
              if (committed.length === 0) continue;
              const { body, decisionId } = committed[step.pick % committed.length]!;
              const res = await commit(t, body);
              expect(res.status, context).toBe(200);
              expect(res.body.decisionId, context).toBe(decisionId);
              refused = true; // a replay changes nothing either
              break;
            }
            case "lifecycle": {
              advance(step.days);
              const res = await t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf: at() } });
              expect(res.status, context).toBe(200);
              cancelled = (await memberRow(t, memberId))?.status === "cancelled";
              break;
            }
          }
          if (refused) {
            expect(await memberRow(t, memberId), context).toEqual(before.row);
            expect((await getLedger(t, memberId)).length, context).toBe(before.ledger);
          }
          await expectBalancesMatchLedger(t.database.db, memberId, context);
        }
      }),
      { numRuns: 15, examples: SCENARIOS.map((scenario) => [scenario] as [Scenario]) },
    );
  });

  describe("concurrency", () => {
    it("commits 50 receipts of one member fired at once: every one, once", async () => {
      const memberId = await enrolAt(t, "guest", "2026-11-23");
      const bodies = Array.from({ length: 50 }, (_, i) => sale(`2026-11-23T13:${String(i).padStart(2, "0")}:00+08:00`, [{ unitPrice: 10_000 }], { memberId }));
      const results = await Promise.all(bodies.map((body) => commit(t, body)));
      expect(results.map((r) => r.status)).toEqual(bodies.map(() => 201));
      const entries = await getLedger(t, memberId);
      const earned = entries.filter((e) => e.kind === "points_earned");
      expect(earned).toHaveLength(50);
      expect(new Set(earned.map((e) => e.receiptId))).toEqual(new Set(bodies.map((b) => b.receiptId)));
      // 50 × 100 yuan as guest: 5,000 points, 500,000 fen in the cycle.
      const member = await getMember(t, memberId);
      expect(member.points.balance).toBe(5_000);
      expect(member.cycle.qualifyingSpend).toBe(500_000);
      await expectBalancesMatchLedger(t.database.db, memberId);
      // Each receipt saw the ones before it: the day's total grows by 100 yuan a receipt, so the
      // hours answered are exactly those of 100, 200, …, 5,000 yuan, in some order.
      const hours = results.map((r) => r.body.parking.freeHoursToday).sort((a, b) => a - b);
      const expected = bodies.map((_, i) => (i + 1) * 100).map((yuan) => (yuan < 200 ? 0 : Math.min(6, 2 + Math.max(0, Math.floor((yuan - 400) / 200))))).sort((a, b) => a - b);
      expect(hours).toEqual(expected);
    });

    it("answers 10 concurrent commits of one receipt with one 201 and nine 200s of the same decision", async () => {
      const memberId = await enrolAt(t, "guest", "2026-11-24");
      for (const body of [sale("2026-11-24T13:00:00+08:00", [{ unitPrice: 10_000 }], { memberId }), sale("2026-11-24T13:00:00+08:00", [{ unitPrice: 10_000 }])]) {
        const results = await Promise.all(Array.from({ length: 10 }, () => commit(t, body)));
        expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
        expect(new Set(results.map((r) => r.body.decisionId)).size).toBe(1);
      }
      expect((await getLedger(t, memberId)).filter((e) => e.kind === "points_earned")).toHaveLength(1);
      expect((await getMember(t, memberId)).points.balance).toBe(100);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("never lets concurrent returns give back more than was bought", async () => {
      const memberId = await enrolAt(t, "guest", "2026-11-25");
      for (const owner of [memberId, null]) {
        const s = sale("2026-11-25T13:00:00+08:00", [{ quantity: 2, unitPrice: 10_000 }], owner ? { memberId: owner } : {});
        await commitOk(t, s);
        const results = await Promise.all(Array.from({ length: 5 }, () => commit(t, returnOf(s, "2026-11-25T14:00:00+08:00", { "1": 1 }))));
        expect(results.map((r) => r.status).sort()).toEqual([201, 201, 422, 422, 422]);
      }
      const member = await getMember(t, memberId);
      expect(member.points.balance).toBe(0);
      expect(member.cycle.qualifyingSpend).toBe(0);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("lets a claim and a return of the same sale race without points for returned goods", async () => {
      const memberId = await enrolAt(t, "guest", "2026-11-26");
      for (let i = 0; i < 5; i++) {
        const s = sale(`2026-11-26T13:0${i}:00+08:00`, [{ unitPrice: 10_000 }]);
        await commitOk(t, s);
        const [claimed, returned] = await Promise.all([claim(t, s.receiptId, memberId, "2026-11-26T15:00:00+08:00"), commit(t, fullReturnOf(s, "2026-11-26T15:00:00+08:00"))]);
        expect(returned.status).toBe(201);
        expect([200, 422]).toContain(claimed.status);
      }
      // Whichever came first, nothing of the returned sales stays with the member.
      const member = await getMember(t, memberId);
      expect(member.points.balance).toBe(0);
      expect(member.cycle.qualifyingSpend).toBe(0);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });

  describe("atomicity", () => {
    it("writes nothing for a return the refusal check rejects", async () => {
      const memberId = await enrolAt(t, "guest", "2026-11-27");
      const s = sale("2026-11-27T13:00:00+08:00", [{ quantity: 2 }], { memberId });
      await commitOk(t, s);
      const before = { counts: await counts(t), row: await memberRow(t, memberId) };
      const over = returnOf(s, "2026-11-27T14:00:00+08:00", { "1": 3 });
      expect((await commit(t, over)).status).toBe(422);
      expect(await counts(t)).toEqual(before.counts);
      expect(await memberRow(t, memberId)).toEqual(before.row);
    });

    it("rolls back a commit, a return, a claim and an enrolment when the decision log write fails", async () => {
      const memberId = await enrolAt(t, "guest", "2026-11-28");
      const s = sale("2026-11-28T13:00:00+08:00", [{ quantity: 2, unitPrice: 1_000_000 }], { memberId }); // also crosses to silver
      const anonymous = sale("2026-11-28T13:05:00+08:00", [{ unitPrice: 100_000 }]);
      await commitOk(t, anonymous);
      const before = { counts: await counts(t), row: await memberRow(t, memberId) };
      // The decision's insert fails (an id cannot be null), in whatever statement it is written.
      const failing: Write = { shape: "failing decision", sql: () => sql`insert into ${decisions} (id) values (null)`, values: {} };
      const failOnce = () => vi.spyOn(t.services.log, "entry").mockReturnValueOnce(failing);

      failOnce();
      expect((await commit(t, s)).status).toBe(500);
      failOnce();
      expect((await claim(t, anonymous.receiptId, memberId, "2026-11-28T14:00:00+08:00")).status).toBe(500);
      failOnce();
      expect((await enrolRequest(t, "2026-11-28T14:00:00+08:00", [anonymous.receiptId])).status).toBe(500);

      expect(await counts(t)).toEqual(before.counts);
      expect(await memberRow(t, memberId)).toEqual(before.row);
      const db = t.database.db;
      expect(await db.select().from(receipts).where(eq(receipts.receiptId, s.receiptId))).toEqual([]);
      expect(await db.select().from(decisions).where(eq(decisions.receiptId, s.receiptId))).toEqual([]);
      expect(await db.select().from(ledgerEntries).where(eq(ledgerEntries.receiptId, s.receiptId))).toEqual([]);
      expect((await db.select().from(receipts).where(eq(receipts.receiptId, anonymous.receiptId)))[0]).toMatchObject({ claimedBy: null, evidenceFor: null });

      // Nothing was left half-done: the same requests now succeed, once.
      await commitOk(t, s);
      const r = returnOf(s, "2026-11-28T15:00:00+08:00", { "1": 1 });
      const afterSale = { counts: await counts(t), row: await memberRow(t, memberId) };
      failOnce();
      expect((await commit(t, r)).status).toBe(500);
      expect(await counts(t)).toEqual(afterSale.counts);
      expect(await memberRow(t, memberId)).toEqual(afterSale.row);
      await commitOk(t, r);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("rolls back ledger entries, lots and the member row written before a failure at the end of the transaction", async () => {
      const memberId = await enrolAt(t, "guest", "2026-11-29");
      const s = sale("2026-11-29T13:00:00+08:00", [{ unitPrice: 1_000_000 }], { memberId });
      const before = { counts: await counts(t), row: await memberRow(t, memberId) };
      const writes = MemberLedger.prototype.writes;
      // The member row and every ledger entry are written by a statement that then fails (a tier cannot be null).
      const failAfterWrites = function (this: MemberLedger): (Write | null)[] {
        const failing: Write = { shape: "failing", sql: (_tx, name) => sql`update ${members} set tier = null where ${members.id} = ${sql.placeholder(name("id"))}`, values: { id: this.member.id } };
        return [...writes.call(this), failing];
      };
      vi.spyOn(MemberLedger.prototype, "writes").mockImplementationOnce(failAfterWrites);
      expect((await commit(t, s)).status).toBe(500);
      expect(await counts(t)).toEqual(before.counts);
      expect(await memberRow(t, memberId)).toEqual(before.row);

      // A lifecycle run that fails for a member leaves its lots as they were, and runs again cleanly.
      await commitOk(t, s);
      const lifecycle = () => t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf: "2028-01-01T00:00:00+08:00" } });
      const afterSale = { counts: await counts(t), row: await memberRow(t, memberId) };
      vi.spyOn(MemberLedger.prototype, "writes").mockImplementation(failAfterWrites);
      expect((await lifecycle()).status).toBe(500);
      vi.restoreAllMocks();
      expect(await counts(t)).toEqual(afterSale.counts);
      expect(await memberRow(t, memberId)).toEqual(afterSale.row);
      expect((await lifecycle()).status).toBe(200);
      expect((await getMember(t, memberId)).points.balance).toBe(0);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });
});
