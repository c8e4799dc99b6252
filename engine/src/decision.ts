import type { RuleScope } from "./policy/schema";

/** The decision for one receipt line. */
export interface LineDecision {
  lineId: string;
  gross: number;
  discount: number;
  payable: number;
  /** Whether the line counts toward qualifying spend. */
  qualifying: boolean;
  /** The rules applied to the line: the winning discount rule and the qualifying rule. */
  rules: string[];
}

/** A tier move decided by a receipt or an enrolment. */
export interface TierChange {
  from: string | null;
  to: string;
  giftParkingHours: number;
  rules: string[];
}

/** One rule as it was evaluated: whether it fired, the facts it read and, if not, the conditions that failed. */
export interface TraceEntry {
  rule: string;
  scope: RuleScope;
  lineId?: string;
  fired: boolean;
  facts: Record<string, unknown>;
  /** JSON pointers (into the policy document) of the leaf conditions that were false. */
  failed?: string[];
  /** For a fired rule whose effect did not apply or lost a conflict, why. */
  note?: string;
}

/** What the engine decides for a receipt: the POS contract's decision without the id the service assigns. */
export interface Decision {
  policy: { id: string; version: number };
  member: { id: string; tier: string } | null;
  lines: LineDecision[];
  totals: { gross: number; discount: number; payable: number; qualifyingSpend: number };
  points: { earned: number; rules: string[] };
  parking: { freeHoursToday: number };
  tierChange: TierChange | null;
  benefits: string[];
  /** Points the member's referrer earns from this receipt (referral-share rules). */
  referrerPoints: { earned: number; rules: string[] };
  trace: TraceEntry[];
}

/** What the engine decides for an enrolment request. */
export type EnrolmentDecision =
  | {
      accepted: true;
      tier: string;
      evidenceQualifyingSpend: number;
      rules: string[];
      benefits: string[];
      /** Points the new member is welcomed with. */
      bonusPoints: { points: number; rule: string } | null;
      /** Points the referring member earns for the referral. */
      referrerBonus: { points: number; rule: string } | null;
      trace: TraceEntry[];
    }
  | { accepted: false; reason: string; evidenceQualifyingSpend: number; shortfall: number | null; lowestTier: string | null; trace: TraceEntry[] };

/** What a year end or a lifecycle run decides for one member; null fields change nothing. */
export interface MemberChangeDecision {
  status: { from: string; to: string; rule: string } | null;
  supreme: { from: boolean; to: boolean; rule: string } | null;
  bonusPoints: { points: number; rule: string } | null;
  /** The whole balance, forfeited. */
  forfeitPoints: { points: number; rule: string } | null;
  trace: TraceEntry[];
}

/** What a stored-value recharge earns. */
export interface RechargeDecision {
  amount: number;
  bonusPoints: { points: number; rule: string } | null;
  /** Stored value given on top of the amount paid, in fen. */
  bonusCredit: { amount: number; rule: string } | null;
  plan: { plan: string; rule: string } | null;
  trace: TraceEntry[];
}

/** The price of a gift for a member, or why it cannot be redeemed. */
export type RedemptionDecision =
  | { accepted: true; giftId: string; points: number; rules: string[]; trace: TraceEntry[] }
  | { accepted: false; reason: string; giftId: string; points: number | null; shortfall: number | null; rules: string[]; trace: TraceEntry[] };
