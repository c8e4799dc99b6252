import { factCatalog, isFactName } from "../facts/catalog";
import type { Condition } from "../policy/schema";
import { parseFactPath, resolveFactPath } from "./fact-path";
import { resolveOperator } from "./operators";

/** The facts of one evaluation: those of the line being priced (if any) and those of the receipt. */
export interface FactContext {
  line: Record<string, unknown> | null;
  receipt: Record<string, unknown>;
}

/** A compiled condition node: `test` decides it; `explain` lists the pointers of its leaves that are false. */
export interface CompiledCondition {
  test: (ctx: FactContext) => boolean;
  explain: (ctx: FactContext, failed: string[]) => void;
}

/** Whether a fact is read from the line's facts rather than the receipt's. */
function isLineFact(name: string): boolean {
  if (!isFactName(name)) return false;
  const scopes: readonly string[] = factCatalog[name].scopes;
  return scopes.length === 1 && scopes[0] === "line";
}

function compileGetter(fact: string, path: string | undefined): (ctx: FactContext) => unknown {
  const fromLine = isLineFact(fact);
  if (path === undefined) return fromLine ? (ctx) => ctx.line?.[fact] : (ctx) => ctx.receipt[fact];
  const steps = parseFactPath(path);
  return fromLine ? (ctx) => resolveFactPath(ctx.line?.[fact], steps) : (ctx) => resolveFactPath(ctx.receipt[fact], steps);
}

type Test = (ctx: FactContext) => boolean;

/**
 * The leaves policies are mostly made of (a fact without a path against a literal with equal,
 * notEqual, in or notIn) as single closures: the same answers as the operator table, which for
 * these operators cannot throw, without its layers of calls.
 */
function compileCommonLeaf(fact: string, operator: string, value: unknown): Test | undefined {
  const fromLine = isLineFact(fact);
  switch (operator) {
    case "equal":
      return fromLine ? (ctx) => ctx.line?.[fact] === value : (ctx) => ctx.receipt[fact] === value;
    case "notEqual":
      return fromLine ? (ctx) => ctx.line?.[fact] !== value : (ctx) => ctx.receipt[fact] !== value;
    case "in":
    case "notIn": {
      if (!Array.isArray(value)) return undefined;
      const list: readonly unknown[] = value;
      if (operator === "in") return fromLine ? (ctx) => list.indexOf(ctx.line?.[fact]) > -1 : (ctx) => list.indexOf(ctx.receipt[fact]) > -1;
      return fromLine ? (ctx) => list.indexOf(ctx.line?.[fact]) === -1 : (ctx) => list.indexOf(ctx.receipt[fact]) === -1;
    }
    default:
      return undefined;
  }
}

/** Named conditions a rule may reference with `{ "condition": name }`. */
export type NamedConditions = Readonly<Record<string, Condition>>;

function allOf(tests: readonly Test[]): Test {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  if (tests.length === 2) {
    const [a, b] = tests as [Test, Test];
    return (ctx) => a(ctx) && b(ctx);
  }
  return (ctx) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(ctx)) return false;
    return true;
  };
}

function anyOf(tests: readonly Test[]): Test {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (ctx) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(ctx)) return true;
    return false;
  };
}

/**
 * Compiles a condition tree into plain functions with json-rules-engine's meaning:
 * `all` and `any` of nothing are both true, `not` negates, references are expanded.
 */
export function compileCondition(condition: Condition, named: NamedConditions, pointer: string, expanding: readonly string[] = []): CompiledCondition {
  if ("all" in condition || "any" in condition) {
    const isAll = "all" in condition;
    const children = (isAll ? condition.all : condition.any).map((child, i) => compileCondition(child, named, `${pointer}/${isAll ? "all" : "any"}/${i}`, expanding));
    const tests = children.map((c) => c.test);
    const explains = children.map((c) => c.explain);
    const test = isAll ? allOf(tests) : anyOf(tests);
    return {
      test,
      explain: isAll
        ? // A node that holds lists nothing, so a true `all` (whose children all hold) needs no test of its own.
          (ctx, failed) => {
            for (let i = 0; i < explains.length; i++) explains[i]!(ctx, failed);
          }
        : (ctx, failed) => {
            if (test(ctx)) return;
            for (let i = 0; i < explains.length; i++) explains[i]!(ctx, failed);
          },
    };
  }
  if ("not" in condition) {
    const inner = compileCondition(condition.not, named, `${pointer}/not`, expanding);
    const innerTest = inner.test;
    const failedPointer = `${pointer}/not`;
    return {
      test: (ctx) => !innerTest(ctx),
      explain: (ctx, failed) => {
        if (innerTest(ctx)) failed.push(failedPointer);
      },
    };
  }
  if ("condition" in condition) {
    const name = condition.condition;
    const target = named[name];
    if (!target || expanding.includes(name)) throw new Error(`condition reference "${name}" is undefined or circular`);
    return compileCondition(target, named, `/conditions/${name}`, [...expanding, name]);
  }
  const op = resolveOperator(condition.operator);
  if (!op) throw new Error(`unknown operator "${condition.operator}"`);
  const value = condition.value;
  const isFactRef = value !== null && typeof value === "object" && !Array.isArray(value);
  let test: Test | undefined = condition.path === undefined && !isFactRef ? compileCommonLeaf(condition.fact, condition.operator, value) : undefined;
  if (test === undefined) {
    const lhs = compileGetter(condition.fact, condition.path);
    test = isFactRef ? ((rhs) => (ctx: FactContext) => op(lhs(ctx), rhs(ctx)))(compileGetter(value.fact, value.path)) : (ctx) => op(lhs(ctx), value);
  }
  const leafTest = test;
  return {
    test: leafTest,
    explain: (ctx, failed) => {
      if (!leafTest(ctx)) failed.push(pointer);
    },
  };
}

/** Every fact a condition tree reads, references and right-hand sides included, in first-seen order. */
export function factsReadBy(condition: Condition, named: NamedConditions, into: Set<string> = new Set(), expanding: readonly string[] = []): Set<string> {
  if ("all" in condition) condition.all.forEach((c) => factsReadBy(c, named, into, expanding));
  else if ("any" in condition) condition.any.forEach((c) => factsReadBy(c, named, into, expanding));
  else if ("not" in condition) factsReadBy(condition.not, named, into, expanding);
  else if ("condition" in condition) {
    const target = named[condition.condition];
    if (target && !expanding.includes(condition.condition)) factsReadBy(target, named, into, [...expanding, condition.condition]);
  } else {
    into.add(condition.fact);
    const value = condition.value;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) into.add(value.fact);
  }
  return into;
}
