import type { MemberChangeDecision, RechargeDecision, RedemptionDecision, TraceEntry } from "../decision";
import { calendarFacts } from "../facts/gather";
import type { FactContext } from "../evaluate/conditions";
import type { PlannedRule, PolicyPlan } from "../evaluate/plan";
import { traceEntry } from "../evaluate/trace";
import { endOfLocalDate, wholeMonthsBetween } from "../calendar";
import type { MemberStatus, RuleScope } from "../policy/schema";
import type { MemberSnapshot } from "../receipt";
import type { DecisionSteps } from "./sale";

/** The facts every member-scope context holds: who the member is. */
function memberFacts(member: MemberSnapshot): Record<string, unknown> {
  return {
    memberTier: member.tier,
    memberStatus: member.status,
    memberSupreme: member.supreme,
    memberPlan: member.plan,
    memberReferred: member.referred,
    memberStudent: member.profile.student,
    memberStudentOfficer: member.profile.studentOfficer,
  };
}

/** A member at a calendar year's end, with what it spent in that year and the one before. */
export interface YearEndInput {
  member: MemberSnapshot;
  /** The calendar year that has ended. */
  year: number;
  yearQualifyingSpend: number;
  priorYearQualifyingSpend: number;
  pointsBalance: number;
}

/** A member as a lifecycle run finds it. */
export interface LifecycleInput {
  member: MemberSnapshot;
  /** The instant the run is as of. */
  at: string;
  /** The local date of the member's last qualifying sale, or null when it has none (the issue date counts then). */
  lastQualifyingOn: string | null;
  pointsBalance: number;
}

/** A stored-value recharge. */
export interface RechargeInput {
  member: MemberSnapshot;
  at: string;
  storeId: string;
  amount: number;
}

/** A request to redeem points for one gift of the catalog. */
export interface RedemptionInput {
  member: MemberSnapshot;
  at: string;
  storeId: string;
  giftId: string;
  pointsBalance: number;
}

// Most severe first: when rules disagree, the stronger status wins.
const STATUS_SEVERITY: Record<MemberStatus, number> = { active: 0, dormant: 1, cancelled: 2 };

/**
 * Applies the member-scope effects that fired. Conflicts: the most severe status wins, a
 * revocation of the supreme status wins over a grant, the largest bonus (points or credit) wins,
 * and the first stored-value plan in document order wins. An effect that would change nothing
 * (the member already holds that status) is noted, not applied.
 */
function applyMemberEffects(rules: readonly PlannedRule[], fired: readonly boolean[], member: MemberSnapshot, amount: number, pointsBalance: number) {
  const notes = new Map<number, string>();
  let status: { rule: number; to: MemberStatus } | null = null;
  let supreme: { rule: number; to: boolean } | null = null;
  let bonus: { rule: number; points: number } | null = null;
  let credit: { rule: number; amount: number } | null = null;
  let plan: { rule: number; plan: string } | null = null;
  let forfeit = -1;
  for (let r = 0; r < rules.length; r++) {
    if (!fired[r]) continue;
    const rule = rules[r]!;
    const effect = rule.effect;
    switch (effect.type) {
      case "member-status":
        if (effect.params.status === member.status) notes.set(r, `the member is already ${member.status}`);
        else if (status === null || STATUS_SEVERITY[effect.params.status] > STATUS_SEVERITY[status.to]) {
          if (status) notes.set(status.rule, `a stronger status (${effect.params.status}) applies`);
          status = { rule: r, to: effect.params.status };
        } else notes.set(r, `a stronger status (${status.to}) applies`);
        break;
      case "supreme-status":
        if (effect.params.supreme === member.supreme) notes.set(r, effect.params.supreme ? "the member is already supreme" : "the member is not supreme");
        else if (supreme === null || !effect.params.supreme) {
          if (supreme) notes.set(supreme.rule, "a revocation applies");
          supreme = { rule: r, to: effect.params.supreme };
        } else notes.set(r, "a revocation applies");
        break;
      case "bonus-points":
        if (bonus === null || effect.params.points > bonus.points) {
          if (bonus) notes.set(bonus.rule, `a larger bonus (${effect.params.points}) applies`);
          bonus = { rule: r, points: effect.params.points };
        } else notes.set(r, `a larger bonus (${bonus.points}) applies`);
        break;
      case "bonus-credit": {
        const value = Math.floor(amount / effect.params.stepSpend) * effect.params.creditPerStep;
        if (credit === null || value > credit.amount) {
          if (credit) notes.set(credit.rule, `a larger credit (${value}) applies`);
          credit = { rule: r, amount: value };
        } else notes.set(r, `a larger credit (${credit.amount}) applies`);
        break;
      }
      case "stored-value-plan":
        if (plan === null) plan = { rule: r, plan: effect.params.plan };
        else notes.set(r, `an earlier rule sets plan ${plan.plan}`);
        break;
      case "forfeit-points":
        if (pointsBalance <= 0) notes.set(r, "there are no points to forfeit");
        else if (forfeit < 0) forfeit = r;
        break;
      default:
        notes.set(r, `a ${effect.type} effect does nothing in ${rule.scope} rules`);
    }
  }
  return { notes, status, supreme, bonus, credit, plan, forfeit };
}

function traced(rules: readonly PlannedRule[], ctx: FactContext, fired: readonly boolean[], notes: Map<number, string>): TraceEntry[] {
  return rules.map((rule, r) => {
    const entry = traceEntry(rule, ctx, fired[r]!);
    const note = notes.get(r);
    if (note) entry.note = note;
    return entry;
  });
}

function* memberChange(plan: PolicyPlan, scope: RuleScope, member: MemberSnapshot, ctx: FactContext, pointsBalance: number): DecisionSteps<MemberChangeDecision> {
  const rules = plan.scopes[scope];
  const fired = rules.length > 0 ? (yield { rules, contexts: [ctx] })[0]! : [];
  const applied = applyMemberEffects(rules, fired, member, 0, pointsBalance);
  const id = (r: number) => rules[r]!.id;
  return {
    status: applied.status ? { from: member.status, to: applied.status.to, rule: id(applied.status.rule) } : null,
    supreme: applied.supreme ? { from: member.supreme, to: applied.supreme.to, rule: id(applied.supreme.rule) } : null,
    bonusPoints: applied.bonus ? { points: applied.bonus.points, rule: id(applied.bonus.rule) } : null,
    forfeitPoints: applied.forfeit >= 0 ? { points: pointsBalance, rule: id(applied.forfeit) } : null,
    trace: traced(rules, ctx, fired, applied.notes),
  };
}

/**
 * Decides what a calendar year's end does to a member (supreme club grant, demotion, year-end
 * reward). Evaluated as at the instant the year ends, on the member as it stood then.
 */
export function* decideYearEnd(plan: PolicyPlan, input: YearEndInput): DecisionSteps<MemberChangeDecision> {
  const { policy } = plan;
  const { facts: calendar } = calendarFacts(policy, endOfLocalDate(`${input.year}-12-31`, policy.settings.timezone));
  const ctx: FactContext = {
    line: null,
    receipt: {
      ...memberFacts(input.member),
      ...calendar,
      yearEnded: input.year,
      yearQualifyingSpend: input.yearQualifyingSpend,
      priorYearQualifyingSpend: input.priorYearQualifyingSpend,
      memberPointsBalance: input.pointsBalance,
    },
  };
  return yield* memberChange(plan, "year-end", input.member, ctx, input.pointsBalance);
}

/** Decides what a lifecycle run does to a member (dormancy, cancellation, reactivation, forfeiture). */
export function* decideLifecycle(plan: PolicyPlan, input: LifecycleInput): DecisionSteps<MemberChangeDecision> {
  const { day, facts: calendar } = calendarFacts(plan.policy, input.at);
  const months = wholeMonthsBetween(input.lastQualifyingOn ?? input.member.issuedOn, day.date);
  const ctx: FactContext = {
    line: null,
    receipt: { ...memberFacts(input.member), ...calendar, monthsSinceQualifyingSale: months, memberPointsBalance: input.pointsBalance },
  };
  return yield* memberChange(plan, "lifecycle", input.member, ctx, input.pointsBalance);
}

/** Decides a stored-value recharge: bonus points, bonus credit and the plan it puts the member on. */
export function* decideRecharge(plan: PolicyPlan, input: RechargeInput): DecisionSteps<RechargeDecision> {
  const { facts: calendar } = calendarFacts(plan.policy, input.at);
  const ctx: FactContext = { line: null, receipt: { storeId: input.storeId, ...memberFacts(input.member), ...calendar, rechargeAmount: input.amount } };
  const rules = plan.scopes.recharge;
  const fired = rules.length > 0 ? (yield { rules, contexts: [ctx] })[0]! : [];
  const applied = applyMemberEffects(rules, fired, input.member, input.amount, 0);
  const id = (r: number) => rules[r]!.id;
  return {
    amount: input.amount,
    bonusPoints: applied.bonus ? { points: applied.bonus.points, rule: id(applied.bonus.rule) } : null,
    bonusCredit: applied.credit && applied.credit.amount > 0 ? { amount: applied.credit.amount, rule: id(applied.credit.rule) } : null,
    plan: applied.plan ? { plan: applied.plan.plan, rule: id(applied.plan.rule) } : null,
    trace: traced(rules, ctx, fired, applied.notes),
  };
}

/**
 * Decides the points price of a gift: the catalog's price, or the lowest price a fired
 * redemption rule sets for that gift; refused when the gift is unknown or the balance is short.
 */
export function* decideRedemption(plan: PolicyPlan, input: RedemptionInput): DecisionSteps<RedemptionDecision> {
  const { facts: calendar } = calendarFacts(plan.policy, input.at);
  const ctx: FactContext = { line: null, receipt: { storeId: input.storeId, ...memberFacts(input.member), ...calendar, giftId: input.giftId, memberPointsBalance: input.pointsBalance } };
  const rules = plan.scopes.redemption;
  const fired = rules.length > 0 ? (yield { rules, contexts: [ctx] })[0]! : [];
  const gift = plan.policy.gifts.find((g) => g.id === input.giftId);
  const notes = new Map<number, string>();
  let price = gift?.points ?? 0;
  let priceRule = -1;
  rules.forEach((rule, r) => {
    if (!fired[r]) return;
    const effect = rule.effect;
    if (effect.type !== "gift-price") notes.set(r, `a ${effect.type} effect does nothing in redemption rules`);
    else if (effect.params.gift !== input.giftId) notes.set(r, `the price is for ${effect.params.gift}`);
    else if (effect.params.points < price) {
      if (priceRule >= 0) notes.set(priceRule, `a lower price (${effect.params.points}) applies`);
      priceRule = r;
      price = effect.params.points;
    } else notes.set(r, `a price no higher (${price}) applies`);
  });
  const trace = traced(rules, ctx, fired, notes);
  if (!gift) return { accepted: false, reason: `no gift "${input.giftId}" in the catalog`, giftId: input.giftId, points: null, shortfall: null, rules: [], trace };
  const applied = priceRule >= 0 ? [rules[priceRule]!.id] : [];
  if (price > input.pointsBalance) {
    const shortfall = price - input.pointsBalance;
    return { accepted: false, reason: `the balance of ${input.pointsBalance} points is ${shortfall} short of ${price}`, giftId: gift.id, points: price, shortfall, rules: applied, trace };
  }
  return { accepted: true, giftId: gift.id, points: price, rules: applied, trace };
}
