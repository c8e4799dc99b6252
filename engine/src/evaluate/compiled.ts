import type { Decision, EnrolmentDecision, MemberChangeDecision, RechargeDecision, RedemptionDecision } from "../decision";
import { decideEnrolment, type EnrolmentInput } from "../effects/enrolment";
import { decideLifecycle, decideRecharge, decideRedemption, decideYearEnd, type LifecycleInput, type RechargeInput, type RedemptionInput, type YearEndInput } from "../effects/member";
import { decideSaleNow, type DecisionSteps, type EvaluationAnswer, type EvaluationRequest, type ScopeEvaluator } from "../effects/sale";
import type { SaleInput } from "../facts/gather";
import type { Policy } from "../policy/schema";
import { planPolicy, type PolicyPlan } from "./plan";

/** A policy compiled to plain synchronous functions: the hot path for quotes, commits and simulation. */
export interface CompiledPolicy {
  policy: Policy;
  plan: PolicyPlan;
  decide(input: SaleInput): Decision;
  /**
   * The same decision as `decide` (lines, totals, points, parking, tier change, benefits), with a
   * lean trace: only the rules that fired (with their notes), without facts. For simulation, which
   * replays millions of receipts and reads only which rules fired.
   */
  decideLean(input: SaleInput): Decision;
  enrol(input: EnrolmentInput): EnrolmentDecision;
  yearEnd(input: YearEndInput): MemberChangeDecision;
  lifecycle(input: LifecycleInput): MemberChangeDecision;
  recharge(input: RechargeInput): RechargeDecision;
  redeem(input: RedemptionInput): RedemptionDecision;
}

const NONE_FIRED: boolean[] = [];

/** Decides one scope's rules in each context of a request: which fire, and the false leaves behind that. */
const evaluateScope: ScopeEvaluator = ({ rules, contexts }) => {
  const fired: boolean[][] = new Array(contexts.length);
  const falseLeaves: number[] = new Array(contexts.length);
  if (rules.length === 0) return { fired: fired.fill(NONE_FIRED), falseLeaves: falseLeaves.fill(0) };
  // A request's rules are one scope's, so one set of scope conditions decides them all.
  const conditions = rules[0]!.scopeConditions;
  for (let c = 0; c < contexts.length; c++) {
    const ctx = contexts[c]!;
    const set = conditions.falseLeaves(ctx);
    fired[c] = conditions.firedFlags(set, ctx);
    falseLeaves[c] = set;
  }
  return { fired, falseLeaves };
};

function answer(request: EvaluationRequest): EvaluationAnswer {
  return evaluateScope(request).fired;
}

/** Runs decision steps to the end, answering each evaluation request synchronously. */
export function runSync<T>(steps: DecisionSteps<T>): T {
  let next = steps.next();
  while (!next.done) next = steps.next(answer(next.value));
  return next.value;
}

/**
 * Compiles a lint-clean policy; the reference evaluator defines what its functions must answer.
 * Without `generateCode`, no code is generated (see planPolicy): the same decisions, more slowly.
 */
export function compilePolicy(policy: Policy, generateCode = true): CompiledPolicy {
  const plan = planPolicy(policy, generateCode);
  const lean: PolicyPlan = { ...plan, trace: "fired" };
  return {
    policy,
    plan,
    decide: (input) => decideSaleNow(plan, input, evaluateScope),
    decideLean: (input) => decideSaleNow(lean, input, evaluateScope),
    enrol: (input) => runSync(decideEnrolment(plan, input)),
    yearEnd: (input) => runSync(decideYearEnd(plan, input)),
    lifecycle: (input) => runSync(decideLifecycle(plan, input)),
    recharge: (input) => runSync(decideRecharge(plan, input)),
    redeem: (input) => runSync(decideRedemption(plan, input)),
  };
}
