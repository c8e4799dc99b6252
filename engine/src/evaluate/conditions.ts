import { factCatalog, isFactName, type FactName } from "../facts/catalog";
import type { Condition } from "../policy/schema";
import { parseFactPath, resolveFactPath } from "./fact-path";
import { runGenerated } from "./generated";
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
  /**
   * What `explain` lists, as a list of its own to keep. A flat `all` (what policies are mostly made
   * of) hands out one frozen list per set of false leaves, shared by every trace that needs it.
   */
  failed: (ctx: FactContext) => readonly string[];
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
  /** The fact `read` reads, for every kind but BY_OPERATOR (whose test reads its own). */
  fact: string;
  value: unknown;
  list: readonly unknown[];
  /** The operator table's test, for BY_OPERATOR leaves. */
  test: Test;
  /** What explain lists when the leaf is false. */
  pointer: string;
  /** Equal for two leaves that always decide alike (the same fact, path, operator and value), wherever they are written. */
  key: string;
}

const NO_LIST: readonly unknown[] = [];
const NOT_USED: Test = () => false;

/** Decides a leaf whose fact (for every kind but BY_OPERATOR, which reads its own) has been read as `fact`. */
function holdsFor(leaf: Leaf, fact: unknown, ctx: FactContext): boolean {
  switch (leaf.kind) {
    case EQUAL:
      return fact === leaf.value;
    case NOT_EQUAL:
      return fact !== leaf.value;
    case IN:
      return leaf.list.indexOf(fact) > -1;
    case NOT_IN:
      return leaf.list.indexOf(fact) === -1;
    default:
      return leaf.test(ctx);
  }
}

function holds(leaf: Leaf, ctx: FactContext): boolean {
  return holdsFor(leaf, leaf.kind === BY_OPERATOR ? undefined : leaf.read(ctx), ctx);
}

function compileLeaf(condition: LeafCondition, pointer: string): Leaf {
  const op = resolveOperator(condition.operator);
  if (!op) throw new Error(`unknown operator "${condition.operator}"`);
  const { operator, value } = condition;
  // Values are JSON (the schema says so); the flag keeps a missing value apart from null all the same.
  const key = JSON.stringify([condition.fact, condition.path ?? null, operator, value === undefined, value ?? null]);
  const isFactRef = value !== null && typeof value === "object" && !Array.isArray(value);
  if (condition.path === undefined && !isFactRef) {
    const read = readerOf(condition.fact);
    const fact = condition.fact;
    if (operator === "equal" || operator === "notEqual") return { kind: operator === "equal" ? EQUAL : NOT_EQUAL, read, fact, value, list: NO_LIST, test: NOT_USED, pointer, key };
    if ((operator === "in" || operator === "notIn") && Array.isArray(value)) return { kind: operator === "in" ? IN : NOT_IN, read, fact, value, list: value, test: NOT_USED, pointer, key };
  }
  const lhs = compileGetter(condition.fact, condition.path);
  const test: Test = isFactRef ? ((rhs) => (ctx: FactContext) => op(lhs(ctx), rhs(ctx)))(compileGetter(value.fact, value.path)) : (ctx) => op(lhs(ctx), value);
  return { kind: BY_OPERATOR, read: lhs, fact: condition.fact, value, list: NO_LIST, test, pointer, key };
}

/** A compiled node; one made only of leaves under `all` nodes (references included) keeps its leaves in order. */
interface CompiledNode extends CompiledCondition {
  leaves?: readonly Leaf[];
  /** For a node with leaves: the failed list when the leaves false are those of the bit set `mask` (bit i for leaf i). */
  failedFor?: (mask: number) => readonly string[];
}

/**
 * Gathers failed pointers and hands them out as a list of exactly their number: a list grown by
 * push reserves room for seventeen, and failed lists (one to four pointers) grown so were about a
 * quarter of what a decision allocated.
 */
class FailedPointers implements PointerSink {
  private readonly items: string[] = [];
  private count = 0;

  push(pointer: string): void {
    this.items[this.count++] = pointer;
  }

  /** The pointers `explain` lists for `ctx`, as a new list. */
  collect(explain: CompiledCondition["explain"], ctx: FactContext): string[] {
    // Counted from zero each time, so that an explain that threw leaves nothing behind.
    this.count = 0;
    explain(ctx, this);
    const { items, count } = this;
    switch (count) {
      case 0:
        return [];
      case 1:
        return [items[0]!];
      case 2:
        return [items[0]!, items[1]!];
      case 3:
        return [items[0]!, items[1]!, items[2]!];
      default:
        return items.slice(0, count);
    }
  }
}

// One for the module: explain runs to the end synchronously and never collects, so no two uses overlap.
const failedPointers = new FailedPointers();

// Sets of leaves are bit sets of a 32-bit integer; a flat `all` shares its failed lists up to this
// many leaves (a table of 2^n lists at most), and builds them for each use beyond.
const MAX_SHARED_LEAVES = 10;
const MAX_MASKED_LEAVES = 31;

/**
 * An `all` over nothing but leaves, nested `all`s and references to such, as one flat list: the
 * same leaves in the same order (so the same short-circuit and the same pointers), one loop
 * instead of a call per node.
 */
function flatAll(leaves: readonly Leaf[]): CompiledNode {
  const n = leaves.length;
  const explain: CompiledCondition["explain"] = (ctx, failed) => {
    for (let i = 0; i < n; i++) {
      const leaf = leaves[i]!;
      if (!holds(leaf, ctx)) failed.push(leaf.pointer);
    }
  };
  const test: Test = (ctx) => {
    for (let i = 0; i < n; i++) if (!holds(leaves[i]!, ctx)) return false;
    return true;
  };
  if (n > MAX_MASKED_LEAVES) return { leaves, test, explain, failed: (ctx) => failedPointers.collect(explain, ctx) };
  const listOf = (mask: number): string[] => leaves.filter((_, i) => (mask & (1 << i)) !== 0).map((leaf) => leaf.pointer);
  // The failed list depends only on which leaves are false: one frozen list per bit set, built once.
  const shared: (readonly string[] | undefined)[] | null = n <= MAX_SHARED_LEAVES ? new Array(1 << n) : null;
  const failedFor = shared === null ? listOf : (mask: number): readonly string[] => (shared[mask] ??= Object.freeze(listOf(mask)));
  return {
    leaves,
    test,
    explain,
    failedFor,
    failed: (ctx) => {
      let mask = 0;
      for (let i = 0; i < n; i++) if (!holds(leaves[i]!, ctx)) mask |= 1 << i;
      return failedFor(mask);
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
    const explain: CompiledCondition["explain"] = isAll
      ? // A node that holds lists nothing, so a true `all` (whose children all hold) needs no test of its own.
        (ctx, failed) => {
          for (let i = 0; i < explains.length; i++) explains[i]!(ctx, failed);
        }
      : (ctx, failed) => {
          if (test(ctx)) return;
          for (let i = 0; i < explains.length; i++) explains[i]!(ctx, failed);
        };
    return { test, explain, failed: (ctx) => failedPointers.collect(explain, ctx) };
  }
  if ("not" in condition) {
    const inner = compileNode(condition.not, named, `${pointer}/not`, expanding);
    const innerTest = inner.test;
    const failedPointer = `${pointer}/not`;
    const explain: CompiledCondition["explain"] = (ctx, failed) => {
      if (innerTest(ctx)) failed.push(failedPointer);
    };
    return { test: (ctx) => !innerTest(ctx), explain, failed: (ctx) => failedPointers.collect(explain, ctx) };
  }
  if ("condition" in condition) {
    const name = condition.condition;
    const target = named[name];
    if (!target || expanding.includes(name)) throw new Error(`condition reference "${name}" is undefined or circular`);
    return compileNode(target, named, `/conditions/${name}`, [...expanding, name]);
  }
  // A leaf is decided and explained as an `all` of itself.
  return flatAll([compileLeaf(condition, pointer)]);
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

/**
 * The conditions of one scope's rules, decided together. Rules repeat leaves (a tier test, a named
 * condition several rules use), so the scope keeps each distinct leaf once, reads each fact they
 * compare once, and decides every leaf in one pass per context into a bit set of the false ones. A
 * rule that is a flat `all` (nearly every rule) fires when none of its leaves is false, and its
 * failed list follows from the same bit set; any other rule is decided by its own condition.
 */
export interface ScopeConditions {
  /** The bit set of the scope's distinct leaves that are false in `ctx`. */
  falseLeaves(ctx: FactContext): number;
  /** The failed list of rule `r` in `ctx`, as its condition's `failed` gives it. */
  failed(r: number, falseLeaves: number, ctx: FactContext): readonly string[];
  /** `failed` of rule `r` as a function of its own: a call site that serves one rule stays monomorphic. */
  failedOf(r: number): (falseLeaves: number, ctx: FactContext) => readonly string[];
  /** For every rule in order (its index in the scope), whether it fires in `ctx`, whose bit set `falseLeaves` gave: a new list. */
  firedFlags(falseLeaves: number, ctx: FactContext): boolean[];
  /**
   * For a rule the bit set decides (a flat `all`): the bit of each of its leaves, in order, and its
   * failed list by its own bit set (bit i when its i-th leaf is false); null for any other rule.
   */
  leavesOf(r: number): { bits: readonly number[]; failedFor: (mask: number) => readonly string[] } | null;
}

/** A rule of a scope: where its leaves sit in the scope's bit set, or null when its own condition decides it. */
interface ScopedRule {
  condition: CompiledNode;
  /** For each of the rule's leaves in order, its bit in the scope's set. */
  bits: readonly number[] | null;
  /** Every bit of `bits`. */
  mask: number;
}

// The facts of the context being decided, by the scope's fact slot: filled and read within one falseLeaves call.
const factValues: unknown[] = [];

/** The source of a literal that strict equality compares as it compares `value`, or null for a value compared by reference. */
function literalOf(value: unknown): string | null {
  if (value === undefined) return "void 0";
  if (value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) return JSON.stringify(value);
  return null;
}

// An `in` list this short, of literals, is written out as a chain of comparisons.
const MAX_INLINE_LIST = 8;

/**
 * `falseLeaves` generated as one function: each fact read once into a local, each leaf an inline
 * comparison (a test of its own only for BY_OPERATOR leaves). The same reads in the same order and
 * the same answers as the loop over `holdsFor`, without a call per fact and per leaf. Facts and
 * values enter the source only as JSON literals (anything else as a constant handed in), so no
 * policy text becomes code. Null where the runtime forbids generated code.
 */
function generatedFalseLeaves(leaves: readonly Leaf[], factSlots: readonly number[], slotFacts: readonly string[]): ((ctx: FactContext) => number) | null {
  const constants: unknown[] = [];
  const constant = (value: unknown): string => `k${constants.push(value) - 1}`;
  const reads = slotFacts.map((fact, f) => {
    const key = JSON.stringify(fact);
    return `const v${f} = ${isLineFact(fact) ? `line == null ? void 0 : line[${key}]` : `receipt[${key}]`};`;
  });
  const tests = leaves.map((leaf, i) => {
    const fact = `v${factSlots[i]}`;
    let holds: string;
    if (leaf.kind === EQUAL || leaf.kind === NOT_EQUAL) holds = `${fact} ${leaf.kind === EQUAL ? "===" : "!=="} ${literalOf(leaf.value) ?? constant(leaf.value)}`;
    else if (leaf.kind === IN || leaf.kind === NOT_IN) {
      const literals = leaf.list.length <= MAX_INLINE_LIST ? leaf.list.map(literalOf) : [null];
      const found = literals.every((literal) => literal !== null) ? (literals.length === 0 ? "false" : literals.map((literal) => `${fact} === ${literal}`).join(" || ")) : `${constant(leaf.list)}.indexOf(${fact}) > -1`;
      holds = leaf.kind === IN ? found : `!(${found})`;
    } else holds = `${constant(leaf.test)}(ctx)`;
    return `if (!(${holds})) set |= ${1 << i};`;
  });
  return runGenerated<(ctx: FactContext) => number>(constants, `return function falseLeaves(ctx) { const receipt = ctx.receipt; const line = ctx.line; ${reads.join(" ")} let set = 0; ${tests.join(" ")} return set; };`);
}

/**
 * Plans the conditions of a scope's rules (in scope order) to be decided together; with
 * `generateCode`, their leaves are decided by generated code where the runtime allows it.
 */
export function scopeConditions(conditions: readonly CompiledCondition[], generateCode = true): ScopeConditions {
  const leaves: Leaf[] = [];
  const bitByKey = new Map<string, number>();
  const factReaders: Reader[] = [];
  // The fact each reader slot reads (a reader per catalog fact, so a slot per fact).
  const slotFacts: string[] = [];
  // For each distinct leaf, the slot of the fact it compares, or -1 for a leaf that reads its own.
  const factSlots: number[] = [];
  const rules: ScopedRule[] = conditions.map((condition: CompiledNode) => {
    const own = condition.leaves;
    const added = own === undefined || condition.failedFor === undefined ? 0 : new Set(own.map((leaf) => leaf.key).filter((key) => !bitByKey.has(key))).size;
    if (own === undefined || condition.failedFor === undefined || leaves.length + added > MAX_MASKED_LEAVES) return { condition, bits: null, mask: 0 };
    const bits = own.map((leaf) => {
      let bit = bitByKey.get(leaf.key);
      if (bit === undefined) {
        bit = leaves.length;
        bitByKey.set(leaf.key, bit);
        leaves.push(leaf);
        let slot = -1;
        if (leaf.kind !== BY_OPERATOR) {
          slot = factReaders.indexOf(leaf.read);
          if (slot < 0) {
            slot = factReaders.push(leaf.read) - 1;
            slotFacts.push(leaf.fact);
          }
        }
        factSlots.push(slot);
      }
      return bit;
    });
    return { condition, bits, mask: bits.reduce((mask, bit) => mask | (1 << bit), 0) };
  });
  const readerCount = factReaders.length;
  const leafCount = leaves.length;
  const interpreted = (ctx: FactContext): number => {
    for (let f = 0; f < readerCount; f++) factValues[f] = factReaders[f]!(ctx);
    let set = 0;
    for (let i = 0; i < leafCount; i++) {
      const slot = factSlots[i]!;
      if (!holdsFor(leaves[i]!, slot < 0 ? undefined : factValues[slot], ctx)) set |= 1 << i;
    }
    return set;
  };
  const failedOf = (r: number): ((falseLeaves: number, ctx: FactContext) => readonly string[]) => {
    const { condition, bits } = rules[r]!;
    if (bits === null) return (_, ctx) => condition.failed(ctx);
    const failedFor = condition.failedFor!;
    return (falseLeaves) => {
      // The rule's own bit set: bit i when its i-th leaf is false.
      let mask = 0;
      for (let i = 0; i < bits.length; i++) if ((falseLeaves & (1 << bits[i]!)) !== 0) mask |= 1 << i;
      return failedFor(mask);
    };
  };
  const failed = rules.map((_, r) => failedOf(r));
  const fires = (r: number, falseLeaves: number, ctx: FactContext): boolean => {
    const rule = rules[r]!;
    return rule.bits === null ? rule.condition.test(ctx) : (falseLeaves & rule.mask) === 0;
  };
  const firedFlags = (falseLeaves: number, ctx: FactContext): boolean[] => {
    const flags = new Array<boolean>(rules.length);
    for (let r = 0; r < rules.length; r++) flags[r] = fires(r, falseLeaves, ctx);
    return flags;
  };
  return {
    falseLeaves: (generateCode ? generatedFalseLeaves(leaves, factSlots, slotFacts) : null) ?? interpreted,
    failed: (r, falseLeaves, ctx) => failed[r]!(falseLeaves, ctx),
    failedOf: (r) => failed[r]!,
    firedFlags: (generateCode ? generatedFiredFlags(rules) : null) ?? firedFlags,
    leavesOf: (r) => {
      const { condition, bits } = rules[r]!;
      return bits === null ? null : { bits, failedFor: condition.failedFor! };
    },
  };
}

/** `firedFlags` generated as one list literal: each rule the bit set decides one mask test, any other its own condition's test. Null where the runtime forbids generated code. */
function generatedFiredFlags(rules: readonly ScopedRule[]): ((falseLeaves: number, ctx: FactContext) => boolean[]) | null {
  const tests: Test[] = [];
  const flags = rules.map((rule) => (rule.bits === null ? `k${tests.push(rule.condition.test) - 1}(ctx)` : `(set & ${rule.mask}) === 0`));
  return runGenerated(tests, `return function firedFlags(set, ctx) { return [${flags.join(", ")}]; };`);
}
