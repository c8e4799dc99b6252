import type { Decision, LineDecision } from "../decision";
import { tenderAmount } from "../facts/gather";
import { divideHalfUp } from "../money";
import type { Receipt } from "../receipt";

/** A returned quantity for one line of the original receipt. */
export interface ReturnedLine {
  lineId: string;
  quantity: number;
}

/** What a return needs: the original sale as it was decided, and what was returned of it before. */
export interface ReturnInput {
  original: { receipt: Receipt; decision: Decision };
  /** Quantities already returned by earlier returns, by lineId. */
  returnedBefore: Readonly<Record<string, number>>;
  lines: readonly ReturnedLine[];
  /** The member's tier now, reported as the tier at the start of the return. */
  memberTierNow: string | null;
}

/** Why a return is refused: a line that was never bought, or more than was bought. */
export interface ReturnRefusal {
  path: string;
  message: string;
}

/** The reversal a return causes: amounts are negative, so adding a return's decision to its sale's gives what remains. */
export type ReturnDecision = Omit<Decision, "trace"> & {
  trace: never[];
  /** Stored value paid back to the member: its share of what the sale paid from stored value, in fen. */
  refund: { storedValue: number };
};

type Fraction = { n: bigint; d: bigint };
const add = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const ZERO: Fraction = { n: 0n, d: 1n };

/** `total × fraction`, rounded half up. */
function shareOf(total: number, f: Fraction): number {
  return Number(divideHalfUp(BigInt(total) * f.n, f.d));
}

/** `total × part / whole` where part is a fraction of amounts, rounded half up; zero when `whole` is zero. */
function proportional(total: number, part: Fraction, whole: number): number {
  if (whole === 0) return 0;
  return Number(divideHalfUp(BigInt(total) * part.n, part.d * BigInt(whole)));
}

/**
 * Validates a return against its original sale: every line must exist on the original and the
 * quantities returned so far, this one included, may not exceed what was bought.
 */
export function checkReturn(input: ReturnInput): ReturnRefusal[] {
  const refusals: ReturnRefusal[] = [];
  const bought = new Map(input.original.receipt.lines.map((line) => [line.lineId, line.quantity]));
  const thisTime = new Map<string, number>();
  input.lines.forEach((line, i) => {
    const quantity = bought.get(line.lineId);
    if (quantity === undefined) {
      refusals.push({ path: `/lines/${i}/lineId`, message: `line "${line.lineId}" is not on the original receipt` });
      return;
    }
    const total = (thisTime.get(line.lineId) ?? 0) + line.quantity;
    thisTime.set(line.lineId, total);
    const before = input.returnedBefore[line.lineId] ?? 0;
    if (before + total > quantity) refusals.push({ path: `/lines/${i}/quantity`, message: `returns would total ${before + total} of line "${line.lineId}", but ${quantity} were bought` });
  });
  return refusals;
}

/**
 * Decides a (checked) return: each amount reverses the returned share of the original, computed
 * cumulatively (share after this return minus share before it, each rounded half up), so that
 * returning everything, at once or in parts, restores every balance exactly.
 */
export function decideReturn(input: ReturnInput): ReturnDecision {
  const { receipt, decision } = input.original;
  const returning = new Map<string, number>();
  for (const line of input.lines) returning.set(line.lineId, (returning.get(line.lineId) ?? 0) + line.quantity);

  let payableBefore = ZERO;
  let payableAfter = ZERO;
  let eligibleBefore = ZERO;
  let eligibleAfter = ZERO;
  let eligibleTotal = 0;
  const lines: LineDecision[] = [];
  receipt.lines.forEach((line, i) => {
    const original = decision.lines[i]!;
    if (original.qualifying) eligibleTotal += original.payable;
    const prev = input.returnedBefore[line.lineId] ?? 0;
    const now = returning.get(line.lineId) ?? 0;
    const before: Fraction = { n: BigInt(prev), d: BigInt(line.quantity) };
    const after: Fraction = { n: BigInt(prev + now), d: BigInt(line.quantity) };
    const payableShareBefore: Fraction = { n: BigInt(original.payable) * before.n, d: before.d };
    const payableShareAfter: Fraction = { n: BigInt(original.payable) * after.n, d: after.d };
    payableBefore = add(payableBefore, payableShareBefore);
    payableAfter = add(payableAfter, payableShareAfter);
    if (original.qualifying) {
      eligibleBefore = add(eligibleBefore, payableShareBefore);
      eligibleAfter = add(eligibleAfter, payableShareAfter);
    }
    if (now === 0) return;
    const delta = (amount: number) => shareOf(amount, after) - shareOf(amount, before);
    const gross = delta(original.gross);
    const payable = delta(original.payable);
    lines.push({ lineId: line.lineId, gross: 0 - gross, discount: 0 - (gross - payable), payable: 0 - payable, qualifying: original.qualifying, rules: original.rules });
  });

  const totalDelta = (field: "gross" | "discount" | "payable") => lines.reduce((sum, line) => sum + line[field], 0);
  // What this return gives back of an amount the whole sale earned or paid: the cumulative share after it less the share before.
  const returnedShare = (total: number) => proportional(total, payableAfter, decision.totals.payable) - proportional(total, payableBefore, decision.totals.payable);
  const storedValuePaid = tenderAmount(input.original.receipt, "stored_value");
  const qualifying = proportional(decision.totals.qualifyingSpend, eligibleAfter, eligibleTotal) - proportional(decision.totals.qualifyingSpend, eligibleBefore, eligibleTotal);
  return {
    policy: decision.policy,
    member: decision.member ? { id: decision.member.id, tier: input.memberTierNow ?? decision.member.tier } : null,
    lines,
    totals: { gross: totalDelta("gross"), discount: totalDelta("discount"), payable: totalDelta("payable"), qualifyingSpend: 0 - qualifying },
    // Decisions logged before referral shares existed have none.
    referrerPoints: { earned: 0 - returnedShare(decision.referrerPoints?.earned ?? 0), rules: decision.referrerPoints?.rules ?? [] },
    points: { earned: 0 - returnedShare(decision.points.earned), rules: decision.points.rules },
    parking: { freeHoursToday: 0 },
    tierChange: null,
    benefits: [],
    refund: { storedValue: returnedShare(storedValuePaid) },
    trace: [],
  };
}
