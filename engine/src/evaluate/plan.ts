import { factCatalog, isFactName } from "../facts/catalog";
import type { Effect, Policy, Rule, RuleScope } from "../policy/schema";
import { compileCondition, factsReadBy, scopeConditions, type CompiledCondition, type ScopeConditions } from "./conditions";
import { factsCopier, scopeTracer, type FactsCopier, type ScopeTracer } from "./trace";

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
  /** Copies `facts` from a context into the facts of a trace entry. */
  copyFacts: FactsCopier;
  /** The index in its scope of the first rule that reads exactly the same facts (its own when none before it does): traces of one context share their facts. */
  sharesFactsWith: number;
  condition: CompiledCondition;
  /** The conditions of every rule of the scope, decided together (see ScopeConditions); the same object for each of them. */
  scopeConditions: ScopeConditions;
}

/**
 * How much a sale's trace says: every rule with its facts and failed conditions (the POS
 * contract's trace), or only the rules that fired, without facts (for simulation, which reads no more).
 */
export type TraceDetail = "full" | "fired";

/** A policy prepared for evaluation: rules grouped by scope in document order, tiers ranked. */
export interface PolicyPlan {
  policy: Policy;
  scopes: Record<RuleScope, PlannedRule[]>;
  /** Per scope, what writes the full trace of its rules in one context. */
  tracers: Record<RuleScope, ScopeTracer>;
  tierRank: ReadonlyMap<string, number>;
  trace: TraceDetail;
}

/** One empty list per rule scope. */
export function emptyScopes<T>(): Record<RuleScope, T[]> {
  return { line: [], receipt: [], enrolment: [], "year-end": [], lifecycle: [], recharge: [], redemption: [] };
}

/**
 * Prepares a (lint-clean) policy for either evaluator. With `generateCode`, scopes decide their
 * leaves and write their traces by generated functions where the runtime allows it (see
 * scopeConditions and scopeTracer); the reference evaluator plans without, so that the
 * differential tests hold the generated code to the plain one.
 */
export function planPolicy(policy: Policy, generateCode = true): PolicyPlan {
  const unplanned = emptyScopes<Omit<PlannedRule, "scopeConditions">>();
  policy.rules.forEach((rule: Rule, index) => {
    const read = factsReadBy(rule.conditions, policy.conditions);
    for (const name of EFFECT_FACTS[rule.event.type] ?? []) read.add(name);
    const facts = [...read].filter((name) => isFactName(name) && (factCatalog[name].scopes as readonly string[]).includes(rule.scope));
    const inScope = unplanned[rule.scope];
    // Fact names come from the catalog, so joined they compare as the lists do.
    const sharesFactsWith = inScope.findIndex((other) => other.facts.join() === facts.join());
    inScope.push({
      id: rule.id,
      index,
      scope: rule.scope,
      effect: rule.event,
      facts,
      copyFacts: factsCopier(facts, generateCode),
      sharesFactsWith: sharesFactsWith >= 0 ? sharesFactsWith : inScope.length,
      condition: compileCondition(rule.conditions, policy.conditions, `/rules/${index}/conditions`),
    });
  });
  const scopes = emptyScopes<PlannedRule>();
  const tracers = {} as Record<RuleScope, ScopeTracer>;
  for (const scope of Object.keys(scopes) as RuleScope[]) {
    const decided = scopeConditions(unplanned[scope].map((rule) => rule.condition), generateCode);
    scopes[scope] = unplanned[scope].map((rule) => ({ ...rule, scopeConditions: decided }));
    tracers[scope] = scopeTracer(scopes[scope], generateCode);
  }
  return { policy, scopes, tracers, tierRank: new Map(policy.tiers.map((tier, rank) => [tier.id, rank])), trace: "full" };
}
