import { calendarFacts } from "../facts/gather";
import type { FactContext } from "../evaluate/conditions";
import type { PolicyPlan } from "../evaluate/plan";
import type { MemberSnapshot } from "../receipt";

/**
 * The benefit flags a member holds at an instant, outside any receipt: the receipt-scope
 * benefits rules evaluated on the member's facts, with every amount of the (absent) receipt at zero.
 */
export function memberBenefits(plan: PolicyPlan, member: MemberSnapshot, at: string): string[] {
  const { facts: calendar } = calendarFacts(plan.policy, at);
  const ctx: FactContext = {
    line: null,
    receipt: {
      storeId: null,
      isMember: true,
      memberTier: member.tier,
      memberStatus: member.status,
      memberSupreme: member.supreme,
      memberPlan: member.plan,
      memberReferred: member.referred,
      paidWith: null,
      memberStudent: member.profile.student,
      memberStudentOfficer: member.profile.studentOfficer,
      receiptGross: 0,
      ...calendar,
      receiptPayable: 0,
      receiptDiscount: 0,
      moneyTenderTotal: 0,
      tenderTotals: {},
      qualifyingSpend: 0,
      dayPayableTotal: 0,
      cycleQualifyingSpend: member.cycleSpend,
      cycleQualifyingSpendAfter: member.cycleSpend,
    },
  };
  const flags: string[] = [];
  for (const rule of plan.scopes.receipt) {
    if (rule.effect.type !== "benefits" || !rule.condition.test(ctx)) continue;
    for (const flag of rule.effect.params.flags) if (!flags.includes(flag)) flags.push(flag);
  }
  return flags;
}
