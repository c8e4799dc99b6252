import { factCatalog, isFactName } from "../facts/catalog";
import type { Effect, Policy, Rule, RuleScope } from "../policy/schema";
import { compileCondition, factsReadBy, type CompiledCondition } from "./conditions";
import { factCopier, type FactCopier } from "./trace";

/** Facts an effect reads besides its rule's conditions, so that traces show them too. */
const EFFECT_FACTS: Partial<Record<Effect["type"], readonly string[]>> = {
  "line-discount": ["lineGross"],
  "points-rate": ["receiptPayable", "moneyTenderTotal"],
  "parking-hours": ["dayPayableTotal"],
  "tier-upgrade": ["cycleQualifyingSpendAfter"],
  "tier-entry": ["evidenceQualifyingSpend"],
  "bonus-credit": ["rechargeAmount"],
  "forfeit-points": ["memberPointsBalance"],
  "referral-share": ["receiptPayable", "moneyTenderTotal"],
  "line-unit-price": ["lineGross", "lineQuantity"],
};

/** A rule ready to run: its place in the document, the facts it reads (and where each is read from) and its compiled conditions. */
export interface PlannedRule {
  id: string;
  index: number;
  scope: RuleScope;
  effect: Effect;
  facts: string[];
  /** For each of `facts`, the function that copies it into a trace entry. */
  factCopiers: FactCopier[];
  condition: CompiledCondition;
}

/** A policy prepared for evaluation: rules grouped by scope in document order, tiers ranked. */
export interface PolicyPlan {
  policy: Policy;
  scopes: Record<RuleScope, PlannedRule[]>;
  tierRank: ReadonlyMap<string, number>;
}

/** One empty list per rule scope. */
export function emptyScopes<T>(): Record<RuleScope, T[]> {
  return { line: [], receipt: [], enrolment: [], "year-end": [], lifecycle: [], recharge: [], redemption: [] };
}

/** Prepares a (lint-clean) policy for either evaluator. */
export function planPolicy(policy: Policy): PolicyPlan {
  const scopes = emptyScopes<PlannedRule>();
  policy.rules.forEach((rule: Rule, index) => {
    const read = factsReadBy(rule.conditions, policy.conditions);
    for (const name of EFFECT_FACTS[rule.event.type] ?? []) read.add(name);
    const facts = [...read].filter((name) => isFactName(name) && (factCatalog[name].scopes as readonly string[]).includes(rule.scope));
    scopes[rule.scope].push({
      id: rule.id,
      index,
      scope: rule.scope,
      effect: rule.event,
      facts,
      factCopiers: facts.map(factCopier),
      condition: compileCondition(rule.conditions, policy.conditions, `/rules/${index}/conditions`),
    });
  });
  return { policy, scopes, tierRank: new Map(policy.tiers.map((tier, rank) => [tier.id, rank])) };
}
