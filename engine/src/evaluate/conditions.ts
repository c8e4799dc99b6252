import { factCatalog, isFactName, type FactName } from "../facts/catalog";
import type { Condition } from "../policy/schema";
import { parseFactPath, resolveFactPath } from "./fact-path";
import { resolveOperator } from "./operators";

/** The facts of one evaluation: those of the line being priced (if any) and those of the receipt. */
export interface FactContext {
  line: Record<string, unknown> | null;
  receipt: Record<string, unknown>;
}

/** Where `explain` puts the pointers of false leaves: a plain list will do. */
export interface PointerSink {
  push(pointer: string): unknown;
}

/** A compiled condition node: `test` decides it; `explain` lists the pointers of its leaves that are false. */
export interface CompiledCondition {
  test: (ctx: FactContext) => boolean;
  explain: (ctx: FactContext, failed: PointerSink) => void;
}

/** Whether a fact is read from the line's facts rather than the receipt's. */
export function isLineFact(name: string): boolean {
  if (!isFactName(name)) return false;
  const scopes: readonly string[] = factCatalog[name].scopes;
  return scopes.length === 1 && scopes[0] === "line";
}

type Reader = (ctx: FactContext) => unknown;

/**
 * A reader of its own per catalog fact: reading by a name held in a variable makes every read
 * site megamorphic, which made the property look-ups the larger part of evaluating a leaf.
 * Line-only facts come from the line, every other fact from the receipt.
 */
const readers: { readonly [F in FactName]: Reader } = {
  lineDepartment: (c) => c.line?.lineDepartment,
  lineZone: (c) => c.line?.lineZone,
  lineBrand: (c) => c.line?.lineBrand,
  lineFullPrice: (c) => c.line?.lineFullPrice,
  lineStyleId: (c) => c.line?.lineStyleId,
  lineSku: (c) => c.line?.lineSku,
  lineStyleUnits: (c) => c.line?.lineStyleUnits,
  lineQuantity: (c) => c.line?.lineQuantity,
  lineGross: (c) => c.line?.lineGross,
  lineMarginPercent: (c) => c.line?.lineMarginPercent,
  lineZoneGroups: (c) => c.line?.lineZoneGroups,
  paidWith: (c) => c.receipt.paidWith,
  memberPlan: (c) => c.receipt.memberPlan,
  memberReferred: (c) => c.receipt.memberReferred,
  storeId: (c) => c.receipt.storeId,
  isMember: (c) => c.receipt.isMember,
  memberTier: (c) => c.receipt.memberTier,
  memberStatus: (c) => c.receipt.memberStatus,
  memberSupreme: (c) => c.receipt.memberSupreme,
  memberStudent: (c) => c.receipt.memberStudent,
  memberStudentOfficer: (c) => c.receipt.memberStudentOfficer,
  receiptGross: (c) => c.receipt.receiptGross,
  localDate: (c) => c.receipt.localDate,
  dayOfMonth: (c) => c.receipt.dayOfMonth,
  month: (c) => c.receipt.month,
  dayOfWeek: (c) => c.receipt.dayOfWeek,
  isMemberDay: (c) => c.receipt.isMemberDay,
  receiptPayable: (c) => c.receipt.receiptPayable,
  receiptDiscount: (c) => c.receipt.receiptDiscount,
  moneyTenderTotal: (c) => c.receipt.moneyTenderTotal,
  tenderTotals: (c) => c.receipt.tenderTotals,
  qualifyingSpend: (c) => c.receipt.qualifyingSpend,
  dayPayableTotal: (c) => c.receipt.dayPayableTotal,
  cycleQualifyingSpend: (c) => c.receipt.cycleQualifyingSpend,
  cycleQualifyingSpendAfter: (c) => c.receipt.cycleQualifyingSpendAfter,
  evidenceQualifyingSpend: (c) => c.receipt.evidenceQualifyingSpend,
  evidenceReceiptCount: (c) => c.receipt.evidenceReceiptCount,
  evidenceLargestReceiptSpend: (c) => c.receipt.evidenceLargestReceiptSpend,
  evidenceSpendByZoneGroup: (c) => c.receipt.evidenceSpendByZoneGroup,
  enrolmentFeePaid: (c) => c.receipt.enrolmentFeePaid,
  isReferral: (c) => c.receipt.isReferral,
  yearEnded: (c) => c.receipt.yearEnded,
  yearQualifyingSpend: (c) => c.receipt.yearQualifyingSpend,
  priorYearQualifyingSpend: (c) => c.receipt.priorYearQualifyingSpend,
  monthsSinceQualifyingSale: (c) => c.receipt.monthsSinceQualifyingSale,
  memberPointsBalance: (c) => c.receipt.memberPointsBalance,
  rechargeAmount: (c) => c.receipt.rechargeAmount,
  giftId: (c) => c.receipt.giftId,
};

/** How a fact is read from a context: the catalog's reader, or by name for a fact outside the catalog. */
function readerOf(fact: string): Reader {
  if (isFactName(fact)) return readers[fact];
  return isLineFact(fact) ? (ctx) => ctx.line?.[fact] : (ctx) => ctx.receipt[fact];
}

function compileGetter(fact: string, path: string | undefined): Reader {
  const read = readerOf(fact);
  if (path === undefined) return read;
  const steps = parseFactPath(path);
  return (ctx) => resolveFactPath(read(ctx), steps);
}

type Test = (ctx: FactContext) => boolean;
type LeafCondition = Extract<Condition, { fact: string }>;

/** Named conditions a rule may reference with `{ "condition": name }`. */
export type NamedConditions = Readonly<Record<string, Condition>>;

// How a leaf is decided. The leaves policies are mostly made of (a fact without a path against a
// literal with equal, notEqual, in or notIn) are decided inline by `holds`: the same answers as
// the operator table, which for these operators cannot throw, without its layers of calls.
const EQUAL = 0;
const NOT_EQUAL = 1;
const IN = 2;
const NOT_IN = 3;
const BY_OPERATOR = 4;

/** A leaf as data; every leaf has the same shape, so that `holds` stays monomorphic. */
interface Leaf {
  kind: number;
  read: Reader;
  value: unknown;
  list: readonly unknown[];
  /** The operator table's test, for BY_OPERATOR leaves. */
  test: Test;
  /** What explain lists when the leaf is false. */
  pointer: string;
}

const NO_LIST: readonly unknown[] = [];
const NOT_USED: Test = () => false;

function holds(leaf: Leaf, ctx: FactContext): boolean {
  switch (leaf.kind) {
    case EQUAL:
      return leaf.read(ctx) === leaf.value;
    case NOT_EQUAL:
      return leaf.read(ctx) !== leaf.value;
    case IN:
      return leaf.list.indexOf(leaf.read(ctx)) > -1;
    case NOT_IN:
      return leaf.list.indexOf(leaf.read(ctx)) === -1;
    default:
      return leaf.test(ctx);
  }
}

function compileLeaf(condition: LeafCondition, pointer: string): Leaf {
  const op = resolveOperator(condition.operator);
  if (!op) throw new Error(`unknown operator "${condition.operator}"`);
  const { operator, value } = condition;
  const isFactRef = value !== null && typeof value === "object" && !Array.isArray(value);
  if (condition.path === undefined && !isFactRef) {
    const read = readerOf(condition.fact);
    if (operator === "equal" || operator === "notEqual") return { kind: operator === "equal" ? EQUAL : NOT_EQUAL, read, value, list: NO_LIST, test: NOT_USED, pointer };
    if ((operator === "in" || operator === "notIn") && Array.isArray(value)) return { kind: operator === "in" ? IN : NOT_IN, read, value, list: value, test: NOT_USED, pointer };
  }
  const lhs = compileGetter(condition.fact, condition.path);
  const test: Test = isFactRef ? ((rhs) => (ctx: FactContext) => op(lhs(ctx), rhs(ctx)))(compileGetter(value.fact, value.path)) : (ctx) => op(lhs(ctx), value);
  return { kind: BY_OPERATOR, read: lhs, value, list: NO_LIST, test, pointer };
}

/** A compiled node; one made only of leaves under `all` nodes (references included) keeps its leaves in order. */
interface CompiledNode extends CompiledCondition {
  leaves?: readonly Leaf[];
}

/**
 * An `all` over nothing but leaves, nested `all`s and references to such, as one flat list: the
 * same leaves in the same order (so the same short-circuit and the same pointers), one loop
 * instead of a call per node.
 */
function flatAll(leaves: readonly Leaf[]): CompiledNode {
  const n = leaves.length;
  return {
    leaves,
    test: (ctx) => {
      for (let i = 0; i < n; i++) if (!holds(leaves[i]!, ctx)) return false;
      return true;
    },
    explain: (ctx, failed) => {
      for (let i = 0; i < n; i++) {
        const leaf = leaves[i]!;
        if (!holds(leaf, ctx)) failed.push(leaf.pointer);
      }
    },
  };
}

/**
 * Compiles a condition tree into plain functions with json-rules-engine's meaning:
 * `all` and `any` of nothing are both true, `not` negates, references are expanded.
 */
export function compileCondition(condition: Condition, named: NamedConditions, pointer: string, expanding: readonly string[] = []): CompiledCondition {
  return compileNode(condition, named, pointer, expanding);
}

function compileNode(condition: Condition, named: NamedConditions, pointer: string, expanding: readonly string[]): CompiledNode {
  if ("all" in condition || "any" in condition) {
    const isAll = "all" in condition;
    const children = (isAll ? condition.all : condition.any).map((child, i) => compileNode(child, named, `${pointer}/${isAll ? "all" : "any"}/${i}`, expanding));
    if (isAll && children.every((c) => c.leaves !== undefined)) return flatAll(children.flatMap((c) => c.leaves!));
    const tests = children.map((c) => c.test);
    const explains = children.map((c) => c.explain);
    const test: Test = isAll
      ? (ctx) => {
          for (let i = 0; i < tests.length; i++) if (!tests[i]!(ctx)) return false;
          return true;
        }
      : (ctx) => {
          if (tests.length === 0) return true;
          for (let i = 0; i < tests.length; i++) if (tests[i]!(ctx)) return true;
          return false;
        };
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
    const inner = compileNode(condition.not, named, `${pointer}/not`, expanding);
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
    return compileNode(target, named, `/conditions/${name}`, [...expanding, name]);
  }
  const leaf = compileLeaf(condition, pointer);
  return {
    leaves: [leaf],
    test: (ctx) => holds(leaf, ctx),
    explain: (ctx, failed) => {
      if (!holds(leaf, ctx)) failed.push(pointer);
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
