import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { saleInputArb } from "../../test/arbitraries";
import { loadShippedPolicy, sale, silverMember } from "../../test/factories";
import type { Decision } from "../decision";
import { compilePolicy } from "../evaluate/compiled";
import type { Receipt } from "../receipt";
import { checkReturn, decideReturn, type ReturnDecision, type ReturnedLine, type ReturnInput } from "./returns";

const policy = loadShippedPolicy("beiguo");
const compiled = compilePolicy(policy);

/** n / d rounded half up, for n ≥ 0: written here from programs.md, independently of the engine's money helpers. */
function halfUp(n: bigint, d: bigint): number {
  return Number((2n * n + d) / (2n * d));
}

function input(original: { receipt: Receipt; decision: Decision }, lines: ReturnedLine[], returnedBefore: Record<string, number> = {}, memberTierNow: string | null = null): ReturnInput {
  return { original, returnedBefore, lines, memberTierNow };
}

/** Applies returns one after another, as the service does, checking each first. */
function returnInSteps(original: { receipt: Receipt; decision: Decision }, steps: ReturnedLine[][]): ReturnDecision[] {
  const returned: Record<string, number> = {};
  return steps.map((lines) => {
    const step = input(original, lines, { ...returned }, original.decision.member?.tier ?? null);
    expect(checkReturn(step)).toEqual([]);
    for (const line of lines) returned[line.lineId] = (returned[line.lineId] ?? 0) + line.quantity;
    return decideReturn(step);
  });
}

describe("returns of a silver member's receipt (worked by hand)", () => {
  // Line 1: 2 × 100.05 full price: 5 % of 20,010 = 1,000.5 → 1,001, payable 19,009, qualifying.
  // Line 2: 100 supermarket: no discount, not qualifying. Payable 29,009 → 290.09 × 1.5 = 435.135 → 435 points.
  const receipt = sale({ lines: [{ quantity: 2, unitPrice: 10_005 }, { department: "supermarket", unitPrice: 10_000, styleId: "ST-2" }] });
  const decision = compiled.decide({ receipt, member: silverMember() });
  const original = { receipt, decision };

  it("starts from the sale's decision", () => {
    expect(decision.totals).toEqual({ gross: 30_010, discount: 1_001, payable: 29_009, qualifyingSpend: 19_009 });
    expect(decision.points.earned).toBe(435);
  });

  it("reverses each part as the half-up rounding of the cumulative share", () => {
    const [first, second, third] = returnInSteps(original, [[{ lineId: "1", quantity: 1 }], [{ lineId: "1", quantity: 1 }], [{ lineId: "2", quantity: 1 }]]);
    // 1 of 2 of line 1: gross 10,005; payable 9,504.5 → 9,505; qualifying 9,504.5 → 9,505;
    // points 435 × 9,504.5 / 29,009 = 142.52… → 143.
    expect(first!.lines).toEqual([{ lineId: "1", gross: -10_005, discount: -500, payable: -9_505, qualifying: true, rules: decision.lines[0]!.rules }]);
    expect(first!.totals).toEqual({ gross: -10_005, discount: -500, payable: -9_505, qualifyingSpend: -9_505 });
    expect(first!.points.earned).toBe(-143);
    // 2 of 2: cumulative payable 19,009; points 435 × 19,009 / 29,009 = 285.04… → 285, so 142 now.
    expect(second!.totals).toEqual({ gross: -10_005, discount: -501, payable: -9_504, qualifyingSpend: -9_504 });
    expect(second!.points.earned).toBe(-142);
    // Line 2 last: everything is back: 435 − 285 = 150 points; it never qualified.
    expect(third!.totals).toEqual({ gross: -10_000, discount: 0, payable: -10_000, qualifyingSpend: 0 });
    expect(third!.points.earned).toBe(-150);
  });

  it("reverses everything at once exactly", () => {
    const [all] = returnInSteps(original, [[{ lineId: "2", quantity: 1 }, { lineId: "1", quantity: 2 }]]);
    expect(all!.totals).toEqual({ gross: -30_010, discount: -1_001, payable: -29_009, qualifyingSpend: -19_009 });
    expect(all!.points.earned).toBe(-435);
    // Lines come in the original receipt's order.
    expect(all!.lines.map((l) => l.lineId)).toEqual(["1", "2"]);
  });

  it("moves no tier, gives no parking and reports the member's tier now", () => {
    const [r] = [decideReturn(input(original, [{ lineId: "1", quantity: 1 }], {}, "platinum"))];
    expect(r!.member).toEqual({ id: "m_test", tier: "platinum" });
    expect(r!.tierChange).toBeNull();
    expect(r!.parking).toEqual({ freeHoursToday: 0 });
    expect(r!.policy).toEqual({ id: "beiguo", version: 1 });
  });

  it("refuses over-returns with the JSON pointer of the line, counting earlier returns", () => {
    expect(checkReturn(input(original, [{ lineId: "2", quantity: 1 }, { lineId: "1", quantity: 3 }]))).toEqual([{ path: "/lines/1/quantity", message: expect.stringContaining("2 were bought") }]);
    expect(checkReturn(input(original, [{ lineId: "1", quantity: 2 }], { "1": 1 }))).toEqual([{ path: "/lines/0/quantity", message: expect.any(String) }]);
    expect(checkReturn(input(original, [{ lineId: "1", quantity: 1 }], { "1": 1 }))).toEqual([]);
    // The same line twice in one return counts once in total.
    expect(checkReturn(input(original, [{ lineId: "1", quantity: 1 }, { lineId: "1", quantity: 2 }]))).toEqual([{ path: "/lines/1/quantity", message: expect.any(String) }]);
    expect(checkReturn(input(original, [{ lineId: "7", quantity: 1 }]))).toEqual([{ path: "/lines/0/lineId", message: expect.stringContaining('"7"') }]);
  });
});

describe("returns of receipts that earned nothing", () => {
  it("reverse no points and divide by nothing", () => {
    const free = sale({ lines: [{ unitPrice: 0, quantity: 2 }] });
    const [r] = returnInSteps({ receipt: free, decision: compiled.decide({ receipt: free, member: silverMember() }) }, [[{ lineId: "1", quantity: 1 }]]);
    expect(r!.totals).toEqual({ gross: 0, discount: 0, payable: 0, qualifyingSpend: 0 });
    expect(r!.points.earned).toBe(0);
  });

  it("of an anonymous sale name no member", () => {
    const anonymous = sale({ lines: [{ quantity: 2 }] });
    const [r] = returnInSteps({ receipt: anonymous, decision: compiled.decide({ receipt: anonymous, member: null }) }, [[{ lineId: "1", quantity: 1 }]]);
    expect(r!.member).toBeNull();
    expect(r!.points.earned).toBe(0);
    // 100 yuan of a 200-yuan qualifying sale.
    expect(r!.totals).toEqual({ gross: -10_000, discount: 0, payable: -10_000, qualifyingSpend: -10_000 });
  });
});

/** A sale and a way of returning all of it in 1–4 returns, with the lines of each return in either order. */
const saleReturnedInStepsArb = saleInputArb(policy).chain((saleInput) => {
  const decision = compiled.decide(saleInput);
  const { lines } = saleInput.receipt;
  return fc.integer({ min: 1, max: 4 }).chain((count) =>
    fc
      .record({
        // For every unit of every line: the return that gives it back.
        units: fc.tuple(...lines.map((line) => fc.array(fc.integer({ min: 0, max: count - 1 }), { minLength: line.quantity, maxLength: line.quantity }))),
        reversed: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
      })
      .map(({ units, reversed }) => {
        const steps: ReturnedLine[][] = [];
        for (let s = 0; s < count; s++) {
          const step = lines.map((line, i) => ({ lineId: line.lineId, quantity: units[i]!.filter((u) => u === s).length })).filter((l) => l.quantity > 0);
          if (step.length > 0) steps.push(reversed[s] ? step.reverse() : step);
        }
        return { original: { receipt: saleInput.receipt, decision }, steps };
      }),
  );
});

/** The reversal due once `cumulative` units of each line are back, from programs.md: each share rounded half up. */
function dueAfter(original: { receipt: Receipt; decision: Decision }, cumulative: Record<string, number>) {
  const { receipt, decision } = original;
  // Shares as fractions over the product of the bought quantities, so that every sum is exact.
  const denominator = receipt.lines.reduce((d, line) => d * BigInt(line.quantity), 1n);
  let payableShare = 0n;
  let qualifyingShare = 0n;
  let qualifyingPayable = 0;
  const lines = new Map<string, { gross: number; payable: number }>();
  receipt.lines.forEach((line, i) => {
    const decided = decision.lines[i]!;
    const back = BigInt(cumulative[line.lineId] ?? 0);
    const scale = denominator / BigInt(line.quantity);
    payableShare += BigInt(decided.payable) * back * scale;
    if (decided.qualifying) {
      qualifyingShare += BigInt(decided.payable) * back * scale;
      qualifyingPayable += decided.payable;
    }
    lines.set(line.lineId, { gross: halfUp(BigInt(decided.gross) * back, BigInt(line.quantity)), payable: halfUp(BigInt(decided.payable) * back, BigInt(line.quantity)) });
  });
  const { payable } = decision.totals;
  return {
    lines,
    points: payable === 0 ? 0 : halfUp(BigInt(decision.points.earned) * payableShare, BigInt(payable) * denominator),
    qualifyingSpend: qualifyingPayable === 0 ? 0 : halfUp(BigInt(decision.totals.qualifyingSpend) * qualifyingShare, BigInt(qualifyingPayable) * denominator),
  };
}

describe("returns in any number of parts", () => {
  it("reverse at each step the half-up rounding of the cumulative share, and in the end exactly the original", () => {
    fc.assert(
      fc.property(saleReturnedInStepsArb, ({ original, steps }) => {
        const decisions = returnInSteps(original, steps);
        const cumulative: Record<string, number> = {};
        let before = dueAfter(original, cumulative);
        decisions.forEach((decision, s) => {
          for (const line of steps[s]!) cumulative[line.lineId] = (cumulative[line.lineId] ?? 0) + line.quantity;
          const after = dueAfter(original, cumulative);
          expect(decision.points.earned).toBe(before.points - after.points);
          expect(decision.totals.qualifyingSpend).toBe(before.qualifyingSpend - after.qualifyingSpend);
          const returnedIds = new Set(steps[s]!.map((l) => l.lineId));
          // One line per returned line, in the original's order.
          expect(decision.lines.map((l) => l.lineId)).toEqual(original.receipt.lines.map((l) => l.lineId).filter((id) => returnedIds.has(id)));
          for (const line of decision.lines) {
            const gross = before.lines.get(line.lineId)!.gross - after.lines.get(line.lineId)!.gross;
            const payable = before.lines.get(line.lineId)!.payable - after.lines.get(line.lineId)!.payable;
            expect(line).toMatchObject({ gross, payable, discount: gross - payable });
          }
          const sum = (field: "gross" | "discount" | "payable") => decision.lines.reduce((total, l) => total + l[field], 0);
          expect(decision.totals).toMatchObject({ gross: sum("gross"), discount: sum("discount"), payable: sum("payable") });
          // A return only ever gives back.
          for (const amount of [decision.points.earned, decision.totals.qualifyingSpend, decision.totals.gross, decision.totals.payable]) expect(amount).toBeLessThanOrEqual(0);
          before = after;
        });

        const { decision: sold } = original;
        const total = (pick: (d: ReturnDecision) => number) => decisions.reduce((sum, d) => sum + pick(d), 0);
        expect(total((d) => d.points.earned)).toBe(0 - sold.points.earned);
        expect(total((d) => d.totals.qualifyingSpend)).toBe(0 - sold.totals.qualifyingSpend);
        expect(total((d) => d.totals.gross)).toBe(0 - sold.totals.gross);
        expect(total((d) => d.totals.discount)).toBe(0 - sold.totals.discount);
        expect(total((d) => d.totals.payable)).toBe(0 - sold.totals.payable);
        sold.lines.forEach((line) => {
          const back = decisions.flatMap((d) => d.lines.filter((l) => l.lineId === line.lineId));
          expect(back.reduce((sum, l) => sum + l.payable, 0)).toBe(0 - line.payable);
          expect(back.reduce((sum, l) => sum + l.gross, 0)).toBe(0 - line.gross);
        });
        // One more unit of anything is now too many.
        const anyLine = original.receipt.lines[0]!;
        expect(checkReturn(input(original, [{ lineId: anyLine.lineId, quantity: 1 }], cumulative))).toEqual([{ path: "/lines/0/quantity", message: expect.any(String) }]);
      }),
      { numRuns: 300 },
    );
  });

  it("refuse exactly the lines that would exceed what was bought, and lines never bought, by pointer", () => {
    const caseArb = saleInputArb(policy).chain((saleInput) => {
      const { lines } = saleInput.receipt;
      return fc
        .record({
          before: fc.tuple(...lines.map((line) => fc.integer({ min: 0, max: line.quantity }))),
          extra: fc.tuple(...lines.map(() => fc.integer({ min: 0, max: 3 }))),
          unknownAt: fc.option(fc.nat(), { nil: undefined }),
          order: fc.array(fc.nat(), { minLength: lines.length, maxLength: lines.length }),
        })
        .map(({ before, extra, unknownAt, order }) => {
          // Each line returned now: up to three more than is left of it (zero: left out).
          const returning = lines
            .map((line, i) => ({ lineId: line.lineId, quantity: Math.max(0, line.quantity - before[i]!) + extra[i]! - 1 }))
            .filter((l) => l.quantity > 0)
            .map((l, i) => ({ l, key: order[i]! }))
            .sort((a, b) => a.key - b.key)
            .map(({ l }) => l);
          if (unknownAt !== undefined) returning.splice(unknownAt % (returning.length + 1), 0, { lineId: "never-bought", quantity: 1 });
          const returnedBefore = Object.fromEntries(lines.map((line, i) => [line.lineId, before[i]!]));
          return { saleInput, returning, returnedBefore };
        });
    });
    fc.assert(
      fc.property(caseArb, ({ saleInput, returning, returnedBefore }) => {
        const original = { receipt: saleInput.receipt, decision: compiled.decide(saleInput) };
        const bought = new Map(saleInput.receipt.lines.map((line) => [line.lineId, line.quantity]));
        const expected = returning.flatMap((line, i) => {
          const quantity = bought.get(line.lineId);
          if (quantity === undefined) return [`/lines/${i}/lineId`];
          return returnedBefore[line.lineId]! + line.quantity > quantity ? [`/lines/${i}/quantity`] : [];
        });
        const refusals = checkReturn(input(original, returning, returnedBefore));
        expect(refusals.map((r) => r.path)).toEqual(expected);
        for (const refusal of refusals) expect(refusal.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
