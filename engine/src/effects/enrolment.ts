import type { EnrolmentDecision, TraceEntry } from "../decision";
import { calendarFacts } from "../facts/gather";
import type { FactContext } from "../evaluate/conditions";
import { traceEntry } from "../evaluate/trace";
import type { PolicyPlan } from "../evaluate/plan";
import type { DecisionSteps } from "./sale";

/** What the engine needs to decide an enrolment: the evidence already checked by the service, and the applicant. */
export interface EnrolmentInput {
  at: string;
  storeId: string;
  /** Qualifying spend of the evidence receipts, as their recorded decisions say. */
  evidenceQualifyingSpend: number;
  evidenceReceiptCount: number;
  profile: { student: boolean; studentOfficer: boolean };
  /** The largest qualifying spend of one evidence receipt (defaults to the whole evidence spend). */
  evidenceLargestReceiptSpend?: number;
  /** Evidence qualifying spend by zone group, with lines in no group under `outside`. */
  evidenceSpendByZoneGroup?: Record<string, number>;
  /** The membership fee paid at the desk, in fen. */
  feePaid?: number;
  /** Whether an existing member refers the applicant. */
  referral?: boolean;
}

/** Evidence spend for every zone group of the policy and `outside`, zero where nothing was bought. */
function zoneGroupSpend(plan: PolicyPlan, given: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(plan.policy.settings.zoneGroups)) out[name] = given?.[name] ?? 0;
  out.outside = given?.outside ?? 0;
  return out;
}

/**
 * Decides an enrolment: the highest tier among fired entry rules whose spend threshold is met,
 * or a refusal naming the shortfall to the nearest tier within reach.
 */
export function* decideEnrolment(plan: PolicyPlan, input: EnrolmentInput): DecisionSteps<EnrolmentDecision> {
  const { facts: calendar } = calendarFacts(plan.policy, input.at);
  const ctx: FactContext = {
    line: null,
    receipt: {
      storeId: input.storeId,
      memberStudent: input.profile.student,
      memberStudentOfficer: input.profile.studentOfficer,
      ...calendar,
      evidenceQualifyingSpend: input.evidenceQualifyingSpend,
      evidenceReceiptCount: input.evidenceReceiptCount,
      evidenceLargestReceiptSpend: input.evidenceLargestReceiptSpend ?? input.evidenceQualifyingSpend,
      evidenceSpendByZoneGroup: zoneGroupSpend(plan, input.evidenceSpendByZoneGroup),
      enrolmentFeePaid: input.feePaid ?? 0,
      isReferral: input.referral ?? false,
    },
  };
  const rules = plan.scopes.enrolment;
  const fired = rules.length > 0 ? (yield { rules, contexts: [ctx] })[0]! : [];
  const spend = input.evidenceQualifyingSpend;
  let winner = -1;
  let winnerRank = -1;
  let shortfall: number | null = null;
  let nearestTier: string | null = null;
  const benefits: string[] = [];
  let welcome: { rule: number; points: number } | null = null;
  let referral: { rule: number; points: number } | null = null;
  const notes = new Map<number, string>();
  rules.forEach((rule, r) => {
    if (!fired[r]) return;
    const effect = rule.effect;
    if (effect.type === "benefits") {
      for (const flag of effect.params.flags) if (!benefits.includes(flag)) benefits.push(flag);
      return;
    }
    // Bonuses: the largest of each kind wins.
    if (effect.type === "bonus-points" || effect.type === "referral-bonus") {
      const best = effect.type === "bonus-points" ? welcome : referral;
      if (best && best.points >= effect.params.points) notes.set(r, `a bonus no smaller (${best.points}) applies`);
      else {
        if (best) notes.set(best.rule, `a larger bonus (${effect.params.points}) applies`);
        if (effect.type === "bonus-points") welcome = { rule: r, points: effect.params.points };
        else referral = { rule: r, points: effect.params.points };
      }
      return;
    }
    if (effect.type !== "tier-entry") return;
    const rank = plan.tierRank.get(effect.params.tier) ?? -1;
    if (spend < effect.params.minSpend) {
      const missing = effect.params.minSpend - spend;
      notes.set(r, `evidence spend ${spend} is ${missing} short of ${effect.params.minSpend}`);
      if (shortfall === null || missing < shortfall) {
        shortfall = missing;
        nearestTier = effect.params.tier;
      }
    } else if (rank > winnerRank) {
      if (winner >= 0) notes.set(winner, `a higher tier (${effect.params.tier}) is reached`);
      winner = r;
      winnerRank = rank;
    } else notes.set(r, "a higher tier is reached");
  });
  const trace: TraceEntry[] = rules.map((rule, r) => {
    const entry = traceEntry(rule, ctx, fired[r]!);
    const note = notes.get(r);
    if (note) entry.note = note;
    return entry;
  });
  if (winner >= 0) {
    const rule = rules[winner]!;
    const tier = rule.effect.type === "tier-entry" ? rule.effect.params.tier : "";
    const bonus = (b: { rule: number; points: number } | null) => (b ? { points: b.points, rule: rules[b.rule]!.id } : null);
    return { accepted: true, tier, evidenceQualifyingSpend: spend, rules: [rule.id], benefits, bonusPoints: bonus(welcome), referrerBonus: bonus(referral), trace };
  }
  const reason = shortfall === null ? "no entry rule applies to this applicant" : `evidence qualifying spend ${spend} fen is ${shortfall} fen short of the ${nearestTier} entry threshold`;
  return { accepted: false, reason, evidenceQualifyingSpend: spend, shortfall, lowestTier: nearestTier, trace };
}
