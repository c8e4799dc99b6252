import type { Decision, LineDecision, TierChange, TraceEntry } from "../decision";
import { traceFiredRules } from "../evaluate/trace";
import { cycleSpendBefore, lineFacts, saleFacts, tenderFacts, type SaleInput } from "../facts/gather";
import { percentOf } from "../money";
import type { FactContext } from "../evaluate/conditions";
import type { PlannedRule, PolicyPlan } from "../evaluate/plan";
import { parkingHoursFor } from "./parking";
import { pointsFor, pointsForLines } from "./points";

/** A request from the decision procedure to its evaluator: which of these rules fire in each context? */
export interface EvaluationRequest {
  /** Every rule of one scope, in plan order. */
  rules: readonly PlannedRule[];
  contexts: readonly FactContext[];
}

/** For each context, a flag per rule (in the order of the request's rules): did it fire? */
export type EvaluationAnswer = boolean[][];

/** The decision procedure as a generator, so that one procedure serves the synchronous and the asynchronous evaluator. */
export type DecisionSteps<T> = Generator<EvaluationRequest, T, EvaluationAnswer>;

/** What the phases of a sale decision hand on to each other. */
interface SaleState {
  plan: PolicyPlan;
  input: SaleInput;
  /** The store-local date of the receipt. */
  date: string;
  receiptFacts: Record<string, unknown>;
  lineContexts: FactContext[];
  /** Every entry of a full trace, in order (its length is known from the start), or the entries of a lean one. */
  trace: TraceEntry[];
  /** Entries written to `trace` so far. */
  traced: number;
  lines: LineDecision[];
  totals: Decision["totals"];
  moneyTenderTotal: number;
  /** Notes by rule index, emptied for each line and for the receipt: notes are rare, one list serves them all. */
  notes: (string | undefined)[];
  /** Per line, the points rate a line rule set (-1: none), or null when no line rule set one. */
  lineRates: number[] | null;
  /** The line rules whose points rates apply, in first-use order. */
  lineRateRules: string[];
}

/**
 * Decides a sale: prices every line (discounts: largest wins; qualifying: any rule), then the
 * receipt (points: largest rate times every multiplier, floored once; parking: most hours;
 * upgrade: highest tier reached; benefits: union). The phases are plain functions, which the
 * compiled evaluator calls directly (see decideSaleNow); this generator serves json-rules-engine.
 */
export function* decideSale(plan: PolicyPlan, input: SaleInput): DecisionSteps<Decision> {
  const sale = startSale(plan, input);
  const lineRules = plan.scopes.line;
  const lineFired: EvaluationAnswer = lineRules.length > 0 ? yield { rules: lineRules, contexts: sale.lineContexts } : sale.lineContexts.map(() => []);
  const receiptContext = priceLines(sale, lineFired, null);
  const receiptRules = plan.scopes.receipt;
  const receiptFired = receiptRules.length > 0 ? (yield { rules: receiptRules, contexts: [receiptContext] })[0]! : [];
  return finishSale(sale, receiptContext, receiptFired, undefined);
}

/** An evaluator that answers at once, with the bit set of false leaves it decided in each context (see ScopeConditions). */
export type ScopeEvaluator = (request: EvaluationRequest) => { fired: EvaluationAnswer; falseLeaves: readonly number[] };

/** The same decision as decideSale, for an evaluator that answers at once: no generator, and the trace reuses the evaluator's false leaves. */
export function decideSaleNow(plan: PolicyPlan, input: SaleInput, evaluate: ScopeEvaluator): Decision {
  const sale = startSale(plan, input);
  const line = evaluate({ rules: plan.scopes.line, contexts: sale.lineContexts });
  const receiptContext = priceLines(sale, line.fired, line.falseLeaves);
  const receipt = evaluate({ rules: plan.scopes.receipt, contexts: [receiptContext] });
  return finishSale(sale, receiptContext, receipt.fired[0]!, receipt.falseLeaves[0]);
}

const NO_NUMBERS: readonly number[] = [];

/** `into` with each of `flags` it lacks added: a new list, at its size, when there is none yet. */
function withFlags(into: string[] | null, flags: readonly string[]): string[] {
  if (into === null && flags.every((flag, i) => flags.indexOf(flag) === i)) return flags.slice();
  const out = into ?? [];
  for (const flag of flags) if (!out.includes(flag)) out.push(flag);
  return out;
}

// A sale's totals until its lines are priced.
const NO_TOTALS: Decision["totals"] = Object.freeze({ gross: 0, discount: 0, payable: 0, qualifyingSpend: 0 });

/** Gathers the facts known before any rule runs: the receipt's and each line's. */
function startSale(plan: PolicyPlan, input: SaleInput): SaleState {
  const { day, facts: receiptFacts } = saleFacts(plan.policy, input);
  const perLine = lineFacts(plan.policy, input.receipt.lines);
  // Lists of a known length are allocated at it: one grown by push reserves room for seventeen.
  const lineContexts = new Array<FactContext>(perLine.length);
  for (let li = 0; li < perLine.length; li++) lineContexts[li] = { line: perLine[li]!, receipt: receiptFacts };
  return {
    plan,
    input,
    date: day.date,
    receiptFacts,
    lineContexts,
    trace: plan.trace === "full" ? new Array<TraceEntry>(perLine.length * plan.scopes.line.length + plan.scopes.receipt.length) : [],
    traced: 0,
    lines: new Array<LineDecision>(perLine.length),
    totals: NO_TOTALS,
    moneyTenderTotal: 0,
    notes: [],
    lineRates: null,
    lineRateRules: [],
  };
}

/** Traces a scope's rules in one context, with the notes the phase left, in as much detail as the plan asks for. */
function traceScope(sale: SaleState, rules: readonly PlannedRule[], ctx: FactContext, fired: readonly boolean[], falseLeaves: number | undefined, lineId: string | undefined): void {
  const { plan, trace, notes, traced } = sale;
  if (rules.length === 0) return;
  sale.traced = plan.trace === "full" ? plan.tracers[rules[0]!.scope](ctx, fired, falseLeaves, notes, lineId, trace, traced) : traceFiredRules(rules, fired, notes, lineId, trace, traced);
}

/** Prices every line from the line rules that fired, traces them, and completes the receipt's facts. */
function priceLines(sale: SaleState, lineFired: EvaluationAnswer, falseLeaves: readonly number[] | null): FactContext {
  const { plan, input, receiptFacts, lineContexts, lines, notes } = sale;
  const { policy } = plan;
  const { receipt, member } = input;
  const lineRules = plan.scopes.line;
  const receiptLines = receipt.lines;
  let grossTotal = 0;
  let discountTotal = 0;
  let qualifyingPayable = 0;
  for (let li = 0; li < receiptLines.length; li++) {
    const line = receiptLines[li]!;
    const ctx = lineContexts[li]!;
    const fired = lineFired[li]!;
    const gross = ctx.line!.lineGross as number;
    let best = -1;
    let bestDiscount = 0;
    let lineRate = -1;
    let lineRateRule = -1;
    let qualifyingRule: string | null = null;
    if (notes.length > 0) notes.length = 0;
    for (let r = 0; r < lineRules.length; r++) {
      if (!fired[r]) continue;
      const effect = lineRules[r]!.effect;
      if (effect.type === "line-discount" || effect.type === "line-unit-price") {
        if (input.pricesFixed) {
          notes[r] = "prices were already paid at the till";
          continue;
        }
        const amount = effect.type === "line-discount" ? percentOf(gross, effect.params.percent) : Math.max(0, gross - effect.params.unitPrice * line.quantity);
        if (best < 0 || amount > bestDiscount) {
          if (best >= 0) notes[best] = `a larger discount (${amount} fen) applies`;
          best = r;
          bestDiscount = amount;
        } else notes[r] = `a larger discount (${bestDiscount} fen) applies`;
      } else if (effect.type === "qualifying-line") qualifyingRule ??= lineRules[r]!.id;
      else if (effect.type === "points-rate") {
        if (lineRateRule < 0 || effect.params.perYuan > lineRate) {
          if (lineRateRule >= 0) notes[lineRateRule] = `a higher rate (${effect.params.perYuan}) applies`;
          lineRateRule = r;
          lineRate = effect.params.perYuan;
        } else notes[r] = `a higher rate (${lineRate}) applies`;
      }
    }
    const discount = bestDiscount;
    const payable = gross - discount;
    // Written as literals so that each list is allocated at its length.
    const discountRule = best >= 0 ? lineRules[best]!.id : null;
    const rules: string[] = discountRule === null ? (qualifyingRule === null ? [] : [qualifyingRule]) : qualifyingRule === null ? [discountRule] : [discountRule, qualifyingRule];
    if (qualifyingRule !== null) qualifyingPayable += payable;
    if (lineRateRule >= 0) {
      (sale.lineRates ??= new Array<number>(receiptLines.length).fill(-1))[li] = lineRate;
      const id = lineRules[lineRateRule]!.id;
      if (!sale.lineRateRules.includes(id)) sale.lineRateRules.push(id);
    }
    grossTotal += gross;
    discountTotal += discount;
    lines[li] = { lineId: line.lineId, gross, discount, payable, qualifying: qualifyingRule !== null, rules };
    traceScope(sale, lineRules, ctx, fired, falseLeaves?.[li], line.lineId);
  }

  const payableTotal = grossTotal - discountTotal;
  const tenders = tenderFacts(policy, receipt, payableTotal);
  const qualifyingSpend = Math.min(qualifyingPayable, tenders.moneyTenderTotal);
  const cycleSpend = member ? cycleSpendBefore(policy, member, sale.date).spend : 0;
  receiptFacts.receiptPayable = payableTotal;
  receiptFacts.receiptDiscount = discountTotal;
  receiptFacts.moneyTenderTotal = tenders.moneyTenderTotal;
  receiptFacts.tenderTotals = tenders.tenderTotals;
  receiptFacts.qualifyingSpend = qualifyingSpend;
  receiptFacts.dayPayableTotal = (input.dayPayableBefore ?? 0) + payableTotal;
  receiptFacts.cycleQualifyingSpend = cycleSpend;
  receiptFacts.cycleQualifyingSpendAfter = cycleSpend + qualifyingSpend;
  sale.totals = { gross: grossTotal, discount: discountTotal, payable: payableTotal, qualifyingSpend };
  sale.moneyTenderTotal = tenders.moneyTenderTotal;
  return { line: null, receipt: receiptFacts };
}

/** Applies the receipt rules that fired (points, parking, upgrade, benefits), traces them, and assembles the decision. */
function finishSale(sale: SaleState, receiptContext: FactContext, receiptFired: readonly boolean[], falseLeaves: number | undefined): Decision {
  const { plan, input, receiptFacts, notes, totals } = sale;
  const { policy } = plan;
  const { member } = input;
  const receiptRules = plan.scopes.receipt;
  let rateRule = -1;
  let rate = 0;
  // Allocated at their size when the first arrives: a list grown from empty by push reserves room for seventeen.
  let multiplierRules: number[] | null = null;
  let factors: number[] | null = null;
  let parkingRule = -1;
  let parkingHours = 0;
  let upgradeRule = -1;
  const currentRank = member ? (plan.tierRank.get(member.tier) ?? -1) : -1;
  let upgradeRank = currentRank;
  let benefits: string[] | null = null;
  let shareRule = -1;
  let sharePerYuan = 0;
  if (notes.length > 0) notes.length = 0;
  const cycleAfter = receiptFacts.cycleQualifyingSpendAfter as number;
  for (let r = 0; r < receiptRules.length; r++) {
    if (!receiptFired[r]) continue;
    const effect = receiptRules[r]!.effect;
    switch (effect.type) {
      case "points-rate":
        if (rateRule < 0 || effect.params.perYuan > rate) {
          if (rateRule >= 0) notes[rateRule] = `a higher rate (${effect.params.perYuan}) applies`;
          rateRule = r;
          rate = effect.params.perYuan;
        } else notes[r] = `a higher rate (${rate}) applies`;
        break;
      case "points-multiplier":
        if (multiplierRules === null || factors === null) {
          multiplierRules = [r];
          factors = [effect.params.factor];
        } else {
          multiplierRules.push(r);
          factors.push(effect.params.factor);
        }
        break;
      case "parking-hours": {
        const hours = parkingHoursFor(effect.params, receiptFacts.dayPayableTotal as number);
        if (parkingRule < 0 || hours > parkingHours) {
          if (parkingRule >= 0) notes[parkingRule] = `another formula gives more hours (${hours})`;
          parkingRule = r;
          parkingHours = hours;
        } else notes[r] = `another formula gives more hours (${parkingHours})`;
        break;
      }
      case "tier-upgrade": {
        const rank = plan.tierRank.get(effect.params.to) ?? -1;
        if (cycleAfter < effect.params.minCycleSpend) notes[r] = `cycle spend ${cycleAfter} is below ${effect.params.minCycleSpend}`;
        else if (rank <= upgradeRank) notes[r] = `the member is already at or above ${effect.params.to}`;
        else {
          if (upgradeRule >= 0) notes[upgradeRule] = `a higher tier (${effect.params.to}) is reached`;
          upgradeRule = r;
          upgradeRank = rank;
        }
        break;
      }
      case "benefits":
        benefits = withFlags(benefits, effect.params.flags);
        break;
      case "referral-share":
        if (!member) notes[r] = "an anonymous sale has no referrer";
        else if (shareRule < 0 || effect.params.perYuan > sharePerYuan) {
          if (shareRule >= 0) notes[shareRule] = `a larger share (${effect.params.perYuan}) applies`;
          shareRule = r;
          sharePerYuan = effect.params.perYuan;
        } else notes[r] = `a larger share (${sharePerYuan}) applies`;
        break;
      default:
        notes[r] = `a ${effect.type} effect does nothing at receipt scope`;
    }
  }
  const paidInMoney = Math.min(totals.payable, sale.moneyTenderTotal);
  const multipliers = multiplierRules ?? NO_NUMBERS;
  let earned = 0;
  let pointsRules: string[] = [];
  if (sale.lineRates === null) {
    if (rateRule >= 0) {
      pointsRules = [receiptRules[rateRule]!.id, ...multipliers.map((r) => receiptRules[r]!.id)];
      earned = pointsFor(paidInMoney, rate, factors ?? NO_NUMBERS);
    }
  } else {
    // Line rates override the receipt's rate line by line; lines with neither earn nothing.
    const rates = sale.lineRates.map((lineRate) => (lineRate >= 0 ? lineRate : rateRule >= 0 ? rate : 0));
    const usesReceiptRate = rateRule >= 0 && sale.lineRates.some((lineRate) => lineRate < 0);
    pointsRules = [...(usesReceiptRate ? [receiptRules[rateRule]!.id] : []), ...sale.lineRateRules, ...multipliers.map((r) => receiptRules[r]!.id)];
    earned = pointsForLines(sale.lines, rates, paidInMoney, factors ?? NO_NUMBERS);
    if (rateRule >= 0 && !usesReceiptRate) notes[rateRule] = "every line has a rate of its own";
  }
  // Traced once every note is known, the points' included.
  traceScope(sale, receiptRules, receiptContext, receiptFired, falseLeaves, undefined);
  const referrerPoints = shareRule >= 0 ? { earned: pointsFor(paidInMoney, sharePerYuan, []), rules: [receiptRules[shareRule]!.id] } : { earned: 0, rules: [] };
  let tierChange: TierChange | null = null;
  if (member && upgradeRule >= 0) {
    const rule = receiptRules[upgradeRule]!;
    const params = rule.effect.type === "tier-upgrade" ? rule.effect.params : null;
    if (params) tierChange = { from: member.tier, to: params.to, giftParkingHours: params.giftParkingHours, rules: [rule.id] };
  }
  return {
    policy: { id: policy.id, version: policy.version },
    member: member ? { id: member.id, tier: member.tier } : null,
    lines: sale.lines,
    totals,
    points: { earned, rules: pointsRules },
    parking: { freeHoursToday: parkingHours },
    tierChange,
    benefits: benefits ?? [],
    referrerPoints,
    trace: sale.trace,
  };
}
