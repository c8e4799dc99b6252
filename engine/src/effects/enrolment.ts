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
  const notes = new Map<number, string>();
  rules.forEach((rule, r) => {
    if (!fired[r]) return;
    const effect = rule.effect;
    if (effect.type === "benefits") {
      for (const flag of effect.params.flags) if (!benefits.includes(flag)) benefits.push(flag);
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
    return { accepted: true, tier, evidenceQualifyingSpend: spend, rules: [rule.id], benefits, trace };
  }
  const reason = shortfall === null ? "no entry rule applies to this applicant" : `evidence qualifying spend ${spend} fen is ${shortfall} fen short of the ${nearestTier} entry threshold`;
  return { accepted: false, reason, evidenceQualifyingSpend: spend, shortfall, lowestTier: nearestTier, trace };
}
