import { factCatalog, isFactName } from "../facts/catalog";
import { decoratorNames, operatorNames, resolveOperator } from "../evaluate/operators";
import type { Diagnostic } from "../result";
import { isContradictory, requiredLeaves } from "./constraints";
import type { Condition, EffectType, Policy, Rule, RuleScope } from "./schema";

const EFFECT_SCOPES: Record<EffectType, readonly RuleScope[]> = {
  "line-discount": ["line"],
  "qualifying-line": ["line"],
  "points-rate": ["line", "receipt"],
  "points-multiplier": ["receipt"],
  "parking-hours": ["receipt"],
  "tier-upgrade": ["receipt"],
  "tier-entry": ["enrolment"],
  benefits: ["receipt", "enrolment"],
  "line-unit-price": ["line"],
  "bonus-points": ["enrolment", "year-end", "lifecycle", "recharge"],
  "bonus-credit": ["recharge"],
  "stored-value-plan": ["recharge"],
  "member-status": ["year-end", "lifecycle"],
  "supreme-status": ["year-end", "lifecycle"],
  "forfeit-points": ["year-end", "lifecycle"],
  "gift-price": ["redemption"],
  "referral-bonus": ["enrolment"],
  "referral-share": ["receipt"],
};

/** Effect families where only one rule may win, so two rules that can fire together are a mistake. */
const SINGLE_WINNER: readonly EffectType[] = ["points-rate", "parking-hours", "stored-value-plan"];
const LIST_OPERATORS = ["in", "notIn"];
const NUMBER_OPERATORS = ["lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive"];

function error(code: string, message: string, path: string): Diagnostic {
  return { code, severity: "error", message, path };
}
function warning(code: string, message: string, path: string): Diagnostic {
  return { code, severity: "warning", message, path };
}

function baseOperator(name: string): string {
  return name.slice(name.lastIndexOf(":") + 1);
}

/** Checks one condition tree read in `scope`: facts, operators, values and references. */
function lintCondition(policy: Policy, condition: Condition, scope: RuleScope, path: string, out: Diagnostic[], expanding: string[]): void {
  if ("all" in condition) condition.all.forEach((c, i) => lintCondition(policy, c, scope, `${path}/all/${i}`, out, expanding));
  else if ("any" in condition) condition.any.forEach((c, i) => lintCondition(policy, c, scope, `${path}/any/${i}`, out, expanding));
  else if ("not" in condition) lintCondition(policy, condition.not, scope, `${path}/not`, out, expanding);
  else if ("condition" in condition) {
    const name = condition.condition;
    // Own names only: "constructor" or "toString" must not resolve through the prototype.
    const target = Object.hasOwn(policy.conditions, name) ? policy.conditions[name] : undefined;
    if (!target) out.push(error("unknown_condition", `no named condition "${name}" in /conditions`, `${path}/condition`));
    else if (expanding.includes(name)) out.push(error("circular_condition", `named condition "${name}" refers to itself`, `${path}/condition`));
    else lintCondition(policy, target, scope, `/conditions/${name}`, out, [...expanding, name]);
  } else {
    checkFact(condition.fact, scope, `${path}/fact`, out);
    const value = condition.value;
    const valueIsFact = value !== null && typeof value === "object" && !Array.isArray(value);
    if (valueIsFact) checkFact(value.fact, scope, `${path}/value/fact`, out);
    if (!resolveOperator(condition.operator)) {
      out.push(error("unknown_operator", `unknown operator "${condition.operator}"; operators: ${operatorNames.join(", ")}; decorators: ${decoratorNames.join(", ")}`, `${path}/operator`));
      return;
    }
    const decorated = condition.operator.includes(":");
    const base = baseOperator(condition.operator);
    const decorators = condition.operator.split(":").slice(0, -1);
    const valueDecorators = decorators.filter((d) => d === "someValue" || d === "everyValue").length;
    // An odd number of swaps makes the fact the list searched; only a fact that is always a string can be.
    const swapped = decorators.filter((d) => d === "swap").length % 2 === 1;
    const factAlwaysString = isFactName(condition.fact) && ["string", "date"].includes(factCatalog[condition.fact].type);
    if (valueDecorators > 1) {
      out.push(error("unsupported_operator", `"${condition.operator}" would need lists of lists; use one someValue or everyValue`, `${path}/operator`));
    } else if (decorators.includes("swap") && valueDecorators > 0) {
      out.push(error("unsupported_operator", `"${condition.operator}" mixes swap with a list decorator; write the condition without swap`, `${path}/operator`));
    } else if (valueDecorators > 0 && LIST_OPERATORS.includes(base)) {
      out.push(error("unsupported_operator", `"${condition.operator}" needs a list of lists; use "${base}" with one list instead`, `${path}/operator`));
    } else if (swapped && LIST_OPERATORS.includes(base) && (!factAlwaysString || valueIsFact)) {
      out.push(error("unsupported_operator", `"${condition.operator}" would look the value up in the fact, which is not a list; write the condition the other way round`, `${path}/operator`));
    } else if ((valueDecorators > 0 || (LIST_OPERATORS.includes(base) && !swapped)) && !Array.isArray(value)) {
      out.push(error("bad_value", `"${condition.operator}" needs a literal list of values`, `${path}/value`));
    }
    if (!decorated && !valueIsFact && NUMBER_OPERATORS.includes(base) && typeof value !== "number") out.push(error("bad_value", `"${base}" needs a number`, `${path}/value`));
    if (condition.fact === "memberTier" && !decorated) {
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) if (typeof v === "string" && !policy.tiers.some((t) => t.id === v)) out.push(warning("unknown_tier_value", `"${v}" is not a tier of this program`, `${path}/value`));
    }
  }
}

function checkFact(fact: string, scope: RuleScope, path: string, out: Diagnostic[]): void {
  if (!isFactName(fact)) out.push(error("unknown_fact", `unknown fact "${fact}"`, path));
  else if (!(factCatalog[fact].scopes as readonly string[]).includes(scope)) out.push(error("fact_out_of_scope", `fact "${fact}" is not available in ${scope} rules (only in ${factCatalog[fact].scopes.join(", ")})`, path));
}

function collectReferences(condition: Condition, into: Set<string>): void {
  if ("all" in condition) condition.all.forEach((c) => collectReferences(c, into));
  else if ("any" in condition) condition.any.forEach((c) => collectReferences(c, into));
  else if ("not" in condition) collectReferences(condition.not, into);
  else if ("condition" in condition) into.add(condition.condition);
}

function tierOf(rule: Rule): string | null {
  if (rule.event.type === "tier-entry") return rule.event.params.tier;
  if (rule.event.type === "tier-upgrade") return rule.event.params.to;
  return null;
}

function thresholdOf(rule: Rule): number {
  if (rule.event.type === "tier-entry") return rule.event.params.minSpend;
  if (rule.event.type === "tier-upgrade") return rule.event.params.minCycleSpend;
  return 0;
}

/** Lints a schema-valid policy: everything that would surprise at run time is reported here, with a JSON pointer. */
export function lintPolicy(policy: Policy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tierRank = new Map<string, number>();
  policy.tiers.forEach((tier, i) => {
    if (tierRank.has(tier.id)) out.push(error("duplicate_id", `tier id "${tier.id}" is used twice`, `/tiers/${i}/id`));
    else tierRank.set(tier.id, i);
  });
  const referenced = new Set<string>();
  for (const rule of policy.rules) collectReferences(rule.conditions, referenced);
  for (const condition of Object.values(policy.conditions)) collectReferences(condition, referenced);
  for (const name of Object.keys(policy.conditions)) {
    if (!referenced.has(name)) out.push(warning("unused_condition", `named condition "${name}" is not used by any rule`, `/conditions/${name}`));
  }
  const seen = new Map<string, number>();
  policy.rules.forEach((rule, i) => {
    const path = `/rules/${i}`;
    if (seen.has(rule.id)) out.push(error("duplicate_id", `rule id "${rule.id}" is also used by rule ${seen.get(rule.id)}`, `${path}/id`));
    else seen.set(rule.id, i);
    lintCondition(policy, rule.conditions, rule.scope, `${path}/conditions`, out, []);
    if (!EFFECT_SCOPES[rule.event.type].includes(rule.scope)) out.push(error("effect_out_of_scope", `a ${rule.event.type} effect belongs in ${EFFECT_SCOPES[rule.event.type].join(" or ")} rules`, `${path}/scope`));
    const tier = tierOf(rule);
    if (tier !== null && !tierRank.has(tier)) out.push(error("unknown_tier", `"${tier}" is not a tier of this program`, `${path}/event/params/${rule.event.type === "tier-entry" ? "tier" : "to"}`));
    if (rule.event.type === "line-discount" && (rule.event.params.percent < 0 || rule.event.params.percent > 100)) {
      out.push(error("discount_out_of_range", `a discount must be between 0 and 100 %, not ${rule.event.params.percent} %`, `${path}/event/params/percent`));
    }
    if (rule.event.type === "gift-price" && !policy.gifts.some((g) => g.id === (rule.event.params as { gift: string }).gift)) {
      out.push(error("unknown_gift", `"${rule.event.params.gift}" is not a gift of the catalog (/gifts)`, `${path}/event/params/gift`));
    }
    if (rule.event.type === "parking-hours" && rule.event.params.maxHours < rule.event.params.baseHours) {
      out.push(warning("parking_cap_below_base", "the cap is below the base hours, so the cap always applies", `${path}/event/params/maxHours`));
    }
    if (isContradictory(requiredLeaves(rule.conditions, policy.conditions)) || ("not" in rule.conditions && "all" in rule.conditions.not && rule.conditions.not.all.length === 0)) {
      out.push(warning("never_fires", `rule "${rule.id}" can never fire: its conditions contradict each other`, `${path}/conditions`));
    }
  });
  const giftIds = new Set<string>();
  policy.gifts.forEach((gift, i) => {
    if (giftIds.has(gift.id)) out.push(error("duplicate_id", `gift id "${gift.id}" is used twice`, `/gifts/${i}/id`));
    giftIds.add(gift.id);
  });
  if (Object.hasOwn(policy.settings.zoneGroups, "outside")) out.push(error("reserved_name", `"outside" names the lines in no zone group; choose another name`, "/settings/zoneGroups/outside"));
  lintThresholds(policy, tierRank, out);
  lintSingleWinners(policy, out);
  return out;
}

function lintThresholds(policy: Policy, tierRank: Map<string, number>, out: Diagnostic[]): void {
  for (const type of ["tier-entry", "tier-upgrade"] as const) {
    const rules = policy.rules.map((rule, index) => ({ rule, index })).filter(({ rule }) => rule.event.type === type && tierRank.has(tierOf(rule)!));
    // One error per rule, naming the first lower tier it does not exceed: a list of rules per pair would grow with the square of the rules.
    for (const b of rules) {
      const rankB = tierRank.get(tierOf(b.rule)!)!;
      const a = rules.find((a) => tierRank.get(tierOf(a.rule)!)! < rankB && thresholdOf(a.rule) >= thresholdOf(b.rule));
      if (a) {
        const field = type === "tier-entry" ? "minSpend" : "minCycleSpend";
        out.push(error("thresholds_not_increasing", `${tierOf(b.rule)} (${thresholdOf(b.rule)}) must need more than ${tierOf(a.rule)} (${thresholdOf(a.rule)})`, `/rules/${b.index}/event/params/${field}`));
      }
    }
  }
}

function lintSingleWinners(policy: Policy, out: Diagnostic[]): void {
  for (const family of SINGLE_WINNER) {
    const rules = policy.rules.map((rule, index) => ({ rule, index, leaves: requiredLeaves(rule.conditions, policy.conditions) })).filter(({ rule }) => rule.event.type === family);
    // Rules of different scopes never compete: a line's own points rate overrides the receipt's.
    const sameScope = (a: Rule, b: Rule) => a.scope === b.scope;
    // One warning per rule, naming the first earlier rule it can fire with: a warning per pair would grow with the square of the rules.
    for (let j = 1; j < rules.length; j++) {
      const b = rules[j]!;
      let a: (typeof rules)[number] | undefined;
      for (let i = 0; i < j && !a; i++) if (sameScope(rules[i]!.rule, b.rule) && !isContradictory([...rules[i]!.leaves, ...b.leaves])) a = rules[i];
      if (a) out.push(warning("conflicting_effects", `rules "${a.rule.id}" and "${b.rule.id}" can fire together, but only one ${family} effect applies (the larger)`, `/rules/${b.index}`));
    }
  }
}
