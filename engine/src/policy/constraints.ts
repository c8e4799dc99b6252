import type { NamedConditions } from "../evaluate/conditions";
import type { Condition } from "./schema";

type Scalar = string | number | boolean | null;

/** What the conjunction of some leaf conditions says about one fact. */
interface FactConstraint {
  allowed: Scalar[] | null; // null: any value
  excluded: Scalar[];
  lower: { value: number; inclusive: boolean } | null;
  upper: { value: number; inclusive: boolean } | null;
}

/**
 * The leaf conditions that must all hold for a condition to hold: the leaves of its top-level
 * `all` (through references), without paths or fact-valued right-hand sides.
 */
export function requiredLeaves(condition: Condition, named: NamedConditions, depth = 0): Extract<Condition, { fact: string }>[] {
  if (depth > 16) return [];
  if ("fact" in condition) return condition.path === undefined && !isFactRef(condition.value) ? [condition] : [];
  if ("all" in condition) return condition.all.flatMap((c) => requiredLeaves(c, named, depth + 1));
  if ("any" in condition && condition.any.length === 1) return requiredLeaves(condition.any[0]!, named, depth + 1);
  if ("condition" in condition) {
    const target = Object.hasOwn(named, condition.condition) ? named[condition.condition] : undefined;
    return target ? requiredLeaves(target, named, depth + 1) : [];
  }
  return [];
}

function isFactRef(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function tighten(bound: FactConstraint["lower"], value: number, inclusive: boolean, isLower: boolean): FactConstraint["lower"] {
  if (bound === null) return { value, inclusive };
  if (isLower ? value > bound.value : value < bound.value) return { value, inclusive };
  if (value === bound.value) return { value, inclusive: bound.inclusive && inclusive };
  return bound;
}

function withinBounds(c: FactConstraint, v: Scalar): boolean {
  if (typeof v !== "number") return c.lower === null && c.upper === null;
  if (c.lower && (c.lower.inclusive ? v < c.lower.value : v <= c.lower.value)) return false;
  if (c.upper && (c.upper.inclusive ? v > c.upper.value : v >= c.upper.value)) return false;
  return true;
}

/**
 * Whether a conjunction of leaf conditions can never hold, judged on plain operators
 * (equal, notEqual, in, notIn and the four comparisons); anything else is assumed satisfiable.
 */
export function isContradictory(leaves: readonly Extract<Condition, { fact: string }>[]): boolean {
  const byFact = new Map<string, FactConstraint>();
  for (const leaf of leaves) {
    const c = byFact.get(leaf.fact) ?? { allowed: null, excluded: [], lower: null, upper: null };
    byFact.set(leaf.fact, c);
    const value = leaf.value as Scalar | Scalar[];
    const intersect = (values: Scalar[]) => (c.allowed = c.allowed === null ? [...values] : c.allowed.filter((v) => values.includes(v)));
    switch (leaf.operator) {
      case "equal":
        if (!Array.isArray(value)) intersect([value]);
        break;
      case "in":
        if (Array.isArray(value)) intersect(value);
        break;
      case "notEqual":
        if (!Array.isArray(value)) c.excluded.push(value);
        break;
      case "notIn":
        if (Array.isArray(value)) c.excluded.push(...value);
        break;
      case "greaterThan":
      case "greaterThanInclusive":
        if (typeof value === "number") c.lower = tighten(c.lower, value, leaf.operator === "greaterThanInclusive", true);
        break;
      case "lessThan":
      case "lessThanInclusive":
        if (typeof value === "number") c.upper = tighten(c.upper, value, leaf.operator === "lessThanInclusive", false);
        break;
    }
  }
  for (const c of byFact.values()) {
    if (c.lower && c.upper && (c.lower.value > c.upper.value || (c.lower.value === c.upper.value && !(c.lower.inclusive && c.upper.inclusive)))) return true;
    if (c.allowed !== null) {
      const left = c.allowed.filter((v) => !c.excluded.includes(v) && withinBounds(c, v));
      if (left.length === 0) return true;
    }
  }
  return false;
}
