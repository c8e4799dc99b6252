import type { Decision, EnrolmentDecision } from "../decision";
import { decideEnrolment, type EnrolmentInput } from "../effects/enrolment";
import { decideSale, type DecisionSteps, type EvaluationAnswer, type EvaluationRequest } from "../effects/sale";
import type { SaleInput } from "../facts/gather";
import type { Policy } from "../policy/schema";
import { planPolicy, type PolicyPlan } from "./plan";

/** A policy compiled to plain synchronous functions: the hot path for quotes, commits and simulation. */
export interface CompiledPolicy {
  policy: Policy;
  plan: PolicyPlan;
  decide(input: SaleInput): Decision;
  enrol(input: EnrolmentInput): EnrolmentDecision;
}

function answer(request: EvaluationRequest): EvaluationAnswer {
  const { rules, contexts } = request;
  const out: boolean[][] = new Array(contexts.length);
  for (let c = 0; c < contexts.length; c++) {
    const ctx = contexts[c]!;
    const flags = new Array<boolean>(rules.length);
    for (let r = 0; r < rules.length; r++) flags[r] = rules[r]!.condition.test(ctx);
    out[c] = flags;
  }
  return out;
}

/** Runs decision steps to the end, answering each evaluation request synchronously. */
export function runSync<T>(steps: DecisionSteps<T>): T {
  let next = steps.next();
  while (!next.done) next = steps.next(answer(next.value));
  return next.value;
}

/** Compiles a lint-clean policy; the reference evaluator defines what its functions must answer. */
export function compilePolicy(policy: Policy): CompiledPolicy {
  const plan = planPolicy(policy);
  return {
    policy,
    plan,
    decide: (input) => runSync(decideSale(plan, input)),
    enrol: (input) => runSync(decideEnrolment(plan, input)),
  };
}
