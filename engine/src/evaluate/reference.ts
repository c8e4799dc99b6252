import { Engine, type RuleProperties, type TopLevelCondition } from "json-rules-engine";
import type { Decision, EnrolmentDecision, MemberChangeDecision, RechargeDecision, RedemptionDecision } from "../decision";
import { decideEnrolment, type EnrolmentInput } from "../effects/enrolment";
import { decideLifecycle, decideRecharge, decideRedemption, decideYearEnd, type LifecycleInput, type RechargeInput, type RedemptionInput, type YearEndInput } from "../effects/member";
import { decideSale, type DecisionSteps, type EvaluationAnswer, type EvaluationRequest } from "../effects/sale";
import type { SaleInput } from "../facts/gather";
import type { Policy, RuleScope } from "../policy/schema";
import { parseFactPath, resolveFactPath } from "./fact-path";
import { emptyScopes, planPolicy, type PolicyPlan } from "./plan";

/** The policy evaluated by json-rules-engine itself: the reference meaning, slow and asynchronous. */
export interface ReferencePolicy {
  policy: Policy;
  decide(input: SaleInput): Promise<Decision>;
  enrol(input: EnrolmentInput): Promise<EnrolmentDecision>;
  yearEnd(input: YearEndInput): Promise<MemberChangeDecision>;
  lifecycle(input: LifecycleInput): Promise<MemberChangeDecision>;
  recharge(input: RechargeInput): Promise<RechargeDecision>;
  redeem(input: RedemptionInput): Promise<RedemptionDecision>;
}

// Paths are validated to the safe subset at parse time; resolving them ourselves keeps
// jsonpath-plus (and its script evaluation) out of every run.
const safePathResolver = (value: object, path: string): unknown => resolveFactPath(value, parseFactPath(path));

/**
 * One json-rules-engine Engine per scope, with its runs queued: overlapping runs on one Engine
 * have been seen to drop lower-priority rules silently, so a run starts only when the last ended.
 */
class SerialEngine {
  private engine: Engine;
  private readonly indexById = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly plan: PolicyPlan,
    private readonly scope: RuleScope,
  ) {
    this.engine = this.build();
  }

  private build(): Engine {
    const { plan, scope } = this;
    const engine = new Engine([], { allowUndefinedFacts: false, pathResolver: safePathResolver });
    for (const [name, condition] of Object.entries(plan.policy.conditions)) engine.setCondition(name, condition as TopLevelCondition);
    plan.scopes[scope].forEach((planned, i) => {
      const rule = plan.policy.rules[planned.index]!;
      this.indexById.set(rule.id, i);
      const properties: RuleProperties = { name: rule.id, conditions: rule.conditions as TopLevelCondition, event: { type: rule.event.type } };
      if (rule.priority !== undefined) properties.priority = rule.priority;
      engine.addRule(properties);
    });
    return engine;
  }

  /** Which rules fire for these facts, as flags in scope order. */
  fired(facts: Record<string, unknown>, ruleCount: number): Promise<boolean[]> {
    const run = this.tail.then(async () => {
      const engine = this.engine;
      const outcome = await engine.run({ ...facts }).catch((error: unknown) => {
        // A rejected run keeps evaluating in the background and then marks its Engine finished,
        // which silently drops lower-priority rules of the next run: never reuse that Engine.
        this.engine = this.build();
        throw error;
      });
      const { results } = outcome;
      const flags = new Array<boolean>(ruleCount).fill(false);
      for (const result of results) flags[this.indexById.get(String(result.name))!] = true;
      return flags;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

async function runAsync<T>(steps: DecisionSteps<T>, engines: Record<RuleScope, SerialEngine>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const request: EvaluationRequest = next.value;
    const scope = request.rules[0]!.scope;
    const answer: EvaluationAnswer = [];
    for (const ctx of request.contexts) answer.push(await engines[scope].fired({ ...ctx.receipt, ...ctx.line }, request.rules.length));
    next = steps.next(answer);
  }
  return next.value;
}

/** Builds the reference evaluator of a lint-clean policy on json-rules-engine. */
export function createReferencePolicy(policy: Policy): ReferencePolicy {
  const plan = planPolicy(policy, false);
  const engines = {} as Record<RuleScope, SerialEngine>;
  for (const scope of Object.keys(emptyScopes()) as RuleScope[]) engines[scope] = new SerialEngine(plan, scope);
  return {
    policy,
    decide: (input) => runAsync(decideSale(plan, input), engines),
    enrol: (input) => runAsync(decideEnrolment(plan, input), engines),
    yearEnd: (input) => runAsync(decideYearEnd(plan, input), engines),
    lifecycle: (input) => runAsync(decideLifecycle(plan, input), engines),
    recharge: (input) => runAsync(decideRecharge(plan, input), engines),
    redeem: (input) => runAsync(decideRedemption(plan, input), engines),
  };
}
