/**
 * Properties the tills and the service desk rely on, over generated receipts (fast-check, bounded):
 * a decision does not depend on anything but its inputs; a quote answers what the commit then
 * records; a replay changes nothing; returning everything restores every balance; and no balance
 * goes negative — what cannot be taken back is a recorded debt.
 */
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy, createReferencePolicy, parsePolicy, type SaleInput } from "../../engine/src/index";
import { saleInputArb } from "../../engine/test/arbitraries";
import { loadShippedPolicy } from "../../engine/test/factories";
import { createTestApp, drivers, type TestApp } from "./harness";
import { expectBalancesMatchLedger } from "./ledger-audit";
import { commit, enrolAt, getLedger, getMember, returnOf, sale, type LineBody, type ReceiptBody, type Tier } from "./pos";

const policy = loadShippedPolicy("beiguo");

describe("decisions are deterministic (engine)", () => {
  it("decides the same input the same way: again, after other inputs, on a fresh compilation of the same document, without changing the input", () => {
    const first = compilePolicy(policy);
    const reparsed = parsePolicy(structuredClone(policy));
    if (!reparsed.ok) throw new Error(JSON.stringify(reparsed.diagnostics));
    const again = compilePolicy(reparsed.value);
    fc.assert(
      fc.property(saleInputArb(policy), saleInputArb(policy), (input, other) => {
        const pristine = structuredClone(input);
        const decided = first.decide(input);
        first.decide(other);
        expect(first.decide(input)).toEqual(decided);
        expect(again.decide(structuredClone(input))).toEqual(decided);
        expect(input).toEqual(pristine);
      }),
      { numRuns: 400 },
    );
  });

  it("does so in the reference evaluator too, whose engines are reused between runs", async () => {
    const reference = createReferencePolicy(policy);
    const compiled = compilePolicy(policy);
    await fc.assert(
      fc.asyncProperty(saleInputArb(policy), saleInputArb(policy), async (input: SaleInput, other: SaleInput) => {
        const decided = await reference.decide(input);
        await reference.decide(other);
        expect(await reference.decide(input)).toEqual(decided);
        // One meaning: what the compiled evaluator answers (the differential suite compares traces in depth).
        const fast = compiled.decide(input);
        expect({ ...fast, trace: [] }).toEqual({ ...decided, trace: [] });
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Through the API

const DAY = "2026-11-22";
const lineArb: fc.Arbitrary<LineBody> = fc.record(
  {
    department: fc.constantFrom<LineBody["department"]>("department_store", "department_store", "department_store", "supermarket", "appliances", "dining"),
    quantity: fc.integer({ min: 1, max: 3 }),
    unitPrice: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 300_000 }), weight: 3 }, { arbitrary: fc.constantFrom(9_999, 10_005, 19_999, 20_000, 333_333, 1_200_000), weight: 2 }),
    fullPrice: fc.boolean(),
    brand: fc.constantFrom("Acme", "Apple", "Uniqlo", "Chanel"),
  },
  { requiredKeys: ["quantity", "unitPrice"] },
);
/** A time on the member's enrolment day or within the first weeks of its first cycle. */
const atArb = fc.record({ days: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })), minutes: fc.integer({ min: 12 * 60, max: 21 * 60 }) }).map(({ days, minutes }) => {
  const d = new Date(Date.UTC(2026, 10, 22 + days));
  return `${d.toISOString().slice(0, 10)}T${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}:00+08:00`;
});
const saleArb = fc.record({ lines: fc.array(lineArb, { minLength: 1, maxLength: 3 }), at: atArb, anonymous: fc.boolean(), cash: fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: undefined }) });

/** What a generated sale says: its lines, when, whether the member swiped the card, and any cash. */
type SaleSpec = { lines: LineBody[]; at: string; anonymous: boolean; cash?: number | undefined };

function receiptOf(spec: SaleSpec, memberId: string): ReceiptBody & { receiptId: string } {
  return sale(spec.at, spec.lines, { ...(spec.anonymous ? {} : { memberId }), ...(spec.cash === undefined ? {} : { tenders: [{ type: "cash", amount: spec.cash }] }) });
}

const withoutId = ({ decisionId: _id, ...rest }: Record<string, unknown>) => rest;

async function counts(t: TestApp): Promise<Record<string, number>> {
  await t.services.log.flush();
  const out: Record<string, number> = {};
  for (const table of ["receipts", "ledger_entries", "point_lots", "members"]) {
    const result = await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
    const rows = (Array.isArray(result) ? result : (result as unknown as { rows: { n: number }[] }).rows) as { n: number }[];
    out[table] = Number(rows[0]!.n);
  }
  return out;
}

describe.each(drivers)("properties of quotes, commits, replays and returns on %s", (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(driver);
  });
  afterAll(async () => t?.close());

  /** Commits `body` expecting 201; then proves that the same body again answers 200 with the same decision and changes nothing. */
  async function commitAndReplay(body: ReceiptBody, memberId: string | null): Promise<any> {
    const res = await commit(t, body);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(201);
    const before = await counts(t);
    const member = memberId ? await getMember(t, memberId) : null;
    const replay = await commit(t, body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(res.body);
    expect(await counts(t)).toEqual(before);
    if (memberId) expect(await getMember(t, memberId)).toEqual(member);
    return res.body;
  }

  it("answers a quote with exactly what the commit then records, for sales and returns; a replay changes nothing", { timeout: 120_000 }, async () => {
    const memberId = await enrolAt(t, "guest", DAY);
    await fc.assert(
      fc.asyncProperty(saleArb, fc.option(fc.array(fc.nat({ max: 3 }), { minLength: 3, maxLength: 3 }), { nil: null }), async (spec, returned) => {
        const body = receiptOf(spec, memberId);
        const quote = await t.request("POST", "/v1/decisions", { role: "pos", body });
        expect(quote.status, JSON.stringify(quote.body).slice(0, 500)).toBe(200);
        const committed = await commitAndReplay(body, spec.anonymous ? null : memberId);
        expect(withoutId(committed)).toEqual(withoutId(quote.body));
        expect(committed.decisionId).not.toBe(quote.body.decisionId);
        // Part of it back, the same way: the quote of the return is what its commit records.
        const quantities = Object.fromEntries(body.lines.map((l, i) => [l.lineId!, Math.min(returned?.[i] ?? 0, l.quantity ?? 1)]));
        if (!returned || Object.values(quantities).every((q) => q === 0)) return;
        const back = returnOf(body, `${spec.at.slice(0, 10)}T22:00:00+08:00`, quantities);
        const quoteBack = await t.request("POST", "/v1/decisions", { role: "pos", body: back });
        expect(quoteBack.status, JSON.stringify(quoteBack.body).slice(0, 500)).toBe(200);
        const committedBack = await commitAndReplay(back, spec.anonymous ? null : memberId);
        expect(withoutId(committedBack)).toEqual(withoutId(quoteBack.body));
      }),
      { numRuns: 60 },
    );
    await expectBalancesMatchLedger(t.database.db, memberId);
  });

  it("restores every balance when everything bought is returned (a tier reached and its gift hours stay)", { timeout: 120_000 }, async () => {
    let tierChanges = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Tier>("guest", "silver", "platinum"), fc.array(saleArb, { minLength: 1, maxLength: 3 }), async (tier, specs) => {
        const memberId = await enrolAt(t, tier, DAY);
        // Some history first, so that the sale returned is not the member's only one.
        for (const spec of specs.slice(1)) await commitAndReplay(receiptOf({ ...spec, anonymous: false }, memberId), memberId);
        const before = await getMember(t, memberId);
        const body = receiptOf({ ...specs[0]!, anonymous: false }, memberId);
        const decision = await commitAndReplay(body, memberId);
        await commitAndReplay({ ...fullReturnBody(body), at: `${specs[0]!.at.slice(0, 10)}T23:00:00+08:00` }, memberId);
        const after = await getMember(t, memberId);
        const kept = decision.tierChange ? { tier: after.tier, parkingHours: after.parkingHours, benefits: after.benefits } : {};
        expect(after).toEqual({ ...before, ...kept });
        if (decision.tierChange) tierChanges += 1;
        if (decision.tierChange) expect(after.parkingHours).toBe(before.parkingHours + decision.tierChange.giftParkingHours);
        await expectBalancesMatchLedger(t.database.db, memberId);
      }),
      {
        numRuns: 25,
        // Always among the runs: a guest's sale that upgrades it, then given back.
        examples: [["guest", [{ lines: [{ unitPrice: 1_200_000, quantity: 1, department: "department_store", fullPrice: true }], at: `${DAY}T15:00:00+08:00`, anonymous: false, cash: undefined }]]],
      },
    );
    expect(tierChanges, "returned sales that had upgraded the member").toBeGreaterThan(0);
  });

  it("never lets a balance go negative: points that cannot be taken back are a recorded debt, repaid first", { timeout: 120_000 }, async () => {
    type Step = { kind: "sale"; spec: SaleSpec } | { kind: "expire" } | { kind: "return"; pick: number; all: boolean };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: saleArb.map((spec) => ({ kind: "sale" as const, spec: { ...spec, anonymous: false } })) },
      { weight: 1, arbitrary: fc.constant({ kind: "expire" as const }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("return" as const), pick: fc.nat(), all: fc.boolean() }) },
    );
    let debts = 0;
    let expiries = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 2, maxLength: 7 }), async (steps) => {
        const memberId = await enrolAt(t, "silver", DAY);
        const sales: (ReceiptBody & { receiptId: string })[] = [];
        // What of each sale is still with the customer, by line.
        const kept = new Map<string, Record<string, number>>();
        // After each expiry the story moves on two years; returns come at the end of the current one.
        let year = 2026;
        // Two silent years cancel the card (program 3): its sales are refused from then on, its returns are not.
        let cancelled = false;
        for (const step of steps) {
          if (step.kind === "sale") {
            const body = receiptOf({ ...step.spec, at: `${year}${step.spec.at.slice(4)}` }, memberId);
            if (cancelled) {
              expect((await commit(t, body)).status).toBe(422);
              continue;
            }
            await commitAndReplay(body, memberId);
            sales.push(body);
            kept.set(body.receiptId, Object.fromEntries(body.lines.map((l) => [l.lineId!, l.quantity ?? 1])));
          } else if (step.kind === "expire") {
            year += 2;
            const run = await t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf: `${year}-01-01T00:00:00+08:00` } });
            expect(run.status).toBe(200);
            expiries += 1;
            cancelled = (await getMember(t, memberId)).status === "cancelled";
          } else {
            const open = sales.filter((s) => Object.values(kept.get(s.receiptId)!).some((q) => q > 0));
            if (open.length === 0) continue;
            const original = open[step.pick % open.length]!;
            const left = kept.get(original.receiptId)!;
            const [lineId] = Object.entries(left).find(([, q]) => q > 0)!;
            const quantities = step.all ? { ...left } : { [lineId]: 1 };
            await commitAndReplay(returnOf(original, `${year + 1}-01-15T20:00:00+08:00`, quantities), memberId);
            for (const [id, q] of Object.entries(quantities)) left[id] = left[id]! - q;
          }
          const member = await getMember(t, memberId);
          const entries = await getLedger(t, memberId);
          expect(member.points.balance).toBeGreaterThanOrEqual(0);
          expect(member.points.debt).toBeGreaterThanOrEqual(0);
          expect(member.points.balance).toBe(entries.reduce((sum, e) => sum + e.points, 0));
          expect(member.points.debt).toBe(entries.reduce((sum, e) => sum + e.debt, 0));
          if (member.points.debt > 0) {
            debts += 1;
            expect(entries.some((e) => e.kind === "points_debt")).toBe(true);
            // A debt exists only once every point is gone, and later points repay it before they count.
            expect(member.points.balance).toBe(0);
          }
        }
        await expectBalancesMatchLedger(t.database.db, memberId);
      }),
      {
        numRuns: 25,
        // The story the property is about, always among the runs: points earned, expired, then the goods returned.
        examples: [[[{ kind: "sale", spec: { lines: [{ unitPrice: 250_000, quantity: 1 }], at: `${DAY}T12:00:00+08:00`, anonymous: false } }, { kind: "expire" }, { kind: "return", pick: 0, all: true }, { kind: "sale", spec: { lines: [{ unitPrice: 50_000, quantity: 1 }], at: `${DAY}T13:00:00+08:00`, anonymous: false } }]]],
      },
    );
    expect(expiries).toBeGreaterThan(0);
    expect(debts, "steps that left a debt").toBeGreaterThan(0);
  });
});

/** A return of everything a sale bought, in its current quantities (lines already given back count as 0). */
function fullReturnBody(original: ReceiptBody & { receiptId: string }): ReceiptBody & { receiptId: string } {
  return returnOf(original, original.at, Object.fromEntries(original.lines.filter((l) => (l.quantity ?? 1) > 0).map((l) => [l.lineId!, l.quantity ?? 1])));
}
