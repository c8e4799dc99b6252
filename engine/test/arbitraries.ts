import fc from "fast-check";
import { cycleOn, formatDate, localDayOf, parseInstant } from "../src/calendar";
import type { EnrolmentInput } from "../src/effects/enrolment";
import { decoratorNames, operatorNames } from "../src/evaluate/operators";
import { factCatalog, type FactName } from "../src/facts/catalog";
import type { SaleInput } from "../src/facts/gather";
import { tenderTypeSchema, type Condition, type Policy, type RuleScope } from "../src/policy/schema";
import { departmentSchema, receiptSchema, type MemberSnapshot, type Receipt, type ReceiptInput } from "../src/receipt";

/** The brands the shipped policy excludes from full-price discounts. */
export const EXCLUDED_BRANDS = ["Apple", "Chanel", "Hermès", "Louis Vuitton", "Rolex"] as const;
const OTHER_BRANDS = ["Uniqlo", "Li-Ning", "Estée Lauder"];
const ZONES = ["sports", "leisure", "denim", "stationery", "digital", "cosmetics"];
// Few styles for up to eight lines, so that 2 and 3+ units of one style are common.
const STYLES = ["ST-1", "ST-2", "ST-3", "ST-4", "ST-5"];
const STORES = ["beiguo-central", "beiguo-east"];
const TENDER_TYPES = tenderTypeSchema.options;
const DEPARTMENTS = departmentSchema.options;
// +08:00 dominates; the others move the store-local day (and month, and year) across midnight.
const OFFSETS = ["+08:00", "+08:00", "+08:00", "Z", "+00:00", "-05:00", "+09:00", "+05:30", "-10:00", "+14:00", "-12:00"];

type LineInput = ReceiptInput["lines"][number];

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds (or with a negative count, subtracts) whole days to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return formatDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

const two = (n: number) => String(n).padStart(2, "0");

const calendarDayArb: fc.Arbitrary<{ year: number; month: number; day: number }> = fc.oneof(
  { arbitrary: fc.record({ year: fc.integer({ min: 2023, max: 2029 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) }), weight: 4 },
  // The member day of the shipped policy.
  { arbitrary: fc.record({ year: fc.integer({ min: 2023, max: 2029 }), month: fc.integer({ min: 1, max: 12 }), day: fc.constant(8) }), weight: 2 },
  // Year ends: cycles end on 31 December, and offsets push instants into the next or previous year.
  { arbitrary: fc.record({ year: fc.integer({ min: 2023, max: 2029 }), month: fc.constantFrom(12, 1), day: fc.constantFrom(1, 30, 31) }), weight: 2 },
).map(({ year, month, day }) => ({ year, month, day: Math.min(day, daysInMonth(year, month)) }));

const clockArb = fc.oneof(
  fc.record({ h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }) }),
  fc.constantFrom({ h: 0, m: 0, s: 0 }, { h: 23, m: 59, s: 59 }, { h: 15, m: 59, s: 59 }, { h: 16, m: 0, s: 0 }),
);

/** ISO-8601 instants with an offset, 2023–2029, biased to the 8th of months and to year ends. */
export const instantArb: fc.Arbitrary<string> = fc
  .tuple(calendarDayArb, clockArb, fc.constantFrom(...OFFSETS), fc.option(fc.integer({ min: 0, max: 999 }), { freq: 5 }))
  .map(([{ year, month, day }, { h, m, s }, offset, ms]) => `${year}-${two(month)}-${two(day)}T${two(h)}:${two(m)}:${two(s)}${ms === null ? "" : "." + String(ms).padStart(3, "0")}${offset}`);

const unitPriceArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 2_000_000 }), weight: 3 },
  { arbitrary: fc.constantFrom(0, 1, 1_999, 10_000, 19_999, 20_000, 100_000, 500_000, 1_000_000, 2_000_000), weight: 1 },
);

const lineArb: fc.Arbitrary<Omit<LineInput, "lineId">> = fc
  .record({
    styleId: fc.constantFrom(...STYLES),
    size: fc.constantFrom("S", "M", "L"),
    department: fc.constantFrom(...DEPARTMENTS),
    zone: fc.constantFrom<string | null | undefined>(undefined, null, ...ZONES),
    brand: fc.constantFrom<string | null | undefined>(undefined, null, ...EXCLUDED_BRANDS, ...OTHER_BRANDS),
    quantity: fc.integer({ min: 1, max: 5 }),
    unitPrice: unitPriceArb,
    fullPrice: fc.boolean(),
  })
  .map(({ size, zone, brand, ...line }) => ({ ...line, sku: `${line.styleId}-${size}`, ...(zone === undefined ? {} : { zone }), ...(brand === undefined ? {} : { brand }) }));

/** Receipts of 1–8 lines with optional tenders of every type, validated by `receiptSchema`. */
export const receiptArb: fc.Arbitrary<Receipt> = fc
  .record({ lines: fc.array(lineArb, { minLength: 1, maxLength: 8 }), at: instantArb, storeId: fc.constantFrom(...STORES) })
  .chain(({ lines, at, storeId }) => {
    const gross = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
    // Amounts tied to the gross total make "paid exactly" and "paid half in money" common.
    const amountArb = fc.oneof(fc.integer({ min: 0, max: 5_000_000 }), fc.constantFrom(0, 20_000, 100_000, gross, Math.floor(gross / 2)));
    const tendersArb = fc.option(fc.array(fc.record({ type: fc.constantFrom(...TENDER_TYPES), amount: amountArb }), { maxLength: 4 }), { nil: undefined, freq: 3 });
    return tendersArb.map((tenders) =>
      receiptSchema.parse({ storeId, at, lines: lines.map((line, i) => ({ lineId: String(i + 1), ...line })), ...(tenders === undefined ? {} : { tenders }) }),
    );
  });

const cycleSpendArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 20_000_000 }), weight: 3 },
  { arbitrary: fc.constantFrom(0, 999_999, 1_000_000, 4_999_999, 5_000_000, 11_999_999, 12_000_000), weight: 1 },
);

/**
 * Member snapshots for a receipt at `at` under `policy`: anonymous (null) or any tier and
 * status, with a cycle start that is, or is not, the cycle holding the receipt's local date.
 */
export function memberArb(policy: Policy, at: string): fc.Arbitrary<MemberSnapshot | null> {
  const today = localDayOf(parseInstant(at), policy.settings.timezone).date;
  const snapshot = fc.integer({ min: 0, max: 1_500 }).chain((age) => {
    const issuedOn = addDays(today, -age);
    const cycle = cycleOn(issuedOn, today, policy.settings.cycle.firstCycleExtraYears);
    const year = Number(today.slice(0, 4));
    const stale = [...new Set([issuedOn, `${year - 1}-01-01`, `${year}-01-01`])].filter((d) => d !== cycle.start);
    return fc.record({
      id: fc.constantFrom("m_1", "m_2"),
      tier: fc.constantFrom(...policy.tiers.map((t) => t.id)),
      status: fc.constantFrom("active" as const, "dormant" as const, "cancelled" as const),
      supreme: fc.boolean(),
      issuedOn: fc.constant(issuedOn),
      cycleStart: stale.length > 0 ? fc.oneof({ arbitrary: fc.constant(cycle.start), weight: 3 }, { arbitrary: fc.constantFrom(...stale), weight: 1 }) : fc.constant(cycle.start),
      cycleSpend: cycleSpendArb,
      profile: fc.record({ student: fc.boolean(), studentOfficer: fc.boolean() }),
      plan: fc.constantFrom(null, "sv-3000", "sv-5000"),
      referred: fc.boolean(),
    });
  });
  return fc.option(snapshot, { freq: 4 });
}

/** Whole sale inputs for `policy`: a receipt, the member at its start, the member's earlier spend that day, and sometimes fixed prices (a claim). */
export function saleInputArb(policy: Policy): fc.Arbitrary<SaleInput> {
  return receiptArb.chain((receipt) =>
    fc.record({
      receipt: fc.constant(receipt),
      member: memberArb(policy, receipt.at),
      dayPayableBefore: fc.option(fc.oneof(fc.integer({ min: 0, max: 150_000 }), fc.constantFrom(0, 19_999, 20_000, 40_000, 119_999)), { nil: undefined }),
      pricesFixed: fc.option(fc.boolean(), { nil: undefined, freq: 3 }),
    }),
  );
}

/** Enrolment requests: evidence spend around the shipped thresholds and any applicant profile. */
export const enrolmentInputArb: fc.Arbitrary<EnrolmentInput> = fc.record({
  at: instantArb,
  storeId: fc.constantFrom(...STORES),
  evidenceQualifyingSpend: fc.oneof(fc.integer({ min: 0, max: 6_000_000 }), fc.constantFrom(0, 99_999, 100_000, 500_000, 1_000_000, 5_000_000)),
  evidenceReceiptCount: fc.integer({ min: 0, max: 5 }),
  profile: fc.record({ student: fc.boolean(), studentOfficer: fc.boolean() }),
});

// ---------------------------------------------------------------------------------------------
// Random conditions

type Scalar = string | number | boolean | null;
type Leaf = Extract<Condition, { fact: string }>;

/** The facts of the catalog a rule in `scope` may read. */
export function factsIn(scope: RuleScope): FactName[] {
  return (Object.keys(factCatalog) as FactName[]).filter((name) => (factCatalog[name].scopes as readonly string[]).includes(scope));
}

const NUMBERS = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 5, 7, 8, 12, 31, 500, 1_999, 10_000, 20_000, 40_000, 55_000, 100_000, 1_000_000, 5_000_000, 2.5, -1),
  fc.integer({ min: 0, max: 6_000_000 }),
);
const WORDS = fc.constantFrom(
  ...DEPARTMENTS,
  ...ZONES,
  ...EXCLUDED_BRANDS,
  ...OTHER_BRANDS,
  "guest",
  "silver",
  "platinum",
  "diamond",
  "active",
  "dormant",
  "cancelled",
  ...STORES,
  ...STYLES,
  "ST-1-M",
  "",
  "S",
);
const DATES = fc.oneof(fc.constantFrom("2026-03-08", "2025-12-31", "2027-01-01", "2024-02-29"), calendarDayArb.map(({ year, month, day }) => formatDate(year, month, day)));
// Strings that json-rules-engine's number validator accepts (parseFloat reads a prefix).
const NUMERIC_STRINGS = fc.constantFrom("3", "100", "2026", "12abc", "1e3", " 7 ", "0x10");
const ANY_SCALAR: fc.Arbitrary<Scalar> = fc.oneof(NUMBERS, WORDS, fc.boolean(), fc.constant(null), NUMERIC_STRINGS, DATES);

function matchingScalar(fact: FactName): fc.Arbitrary<Scalar> {
  switch (factCatalog[fact].type) {
    case "number":
    case "object": // read through a tender path: an amount
      return NUMBERS;
    case "boolean":
      return fc.boolean();
    case "date":
      return DATES;
    case "string?":
      return fc.oneof({ arbitrary: WORDS, weight: 4 }, { arbitrary: fc.constant(null), weight: 1 });
    default:
      return WORDS;
  }
}

// Values that == (but not ===) a fact's typical values, where a loose comparison would slip in.
function looseTwin(fact: FactName): fc.Arbitrary<Scalar> {
  switch (factCatalog[fact].type) {
    case "number":
    case "object":
      return fc.constantFrom("0", "1", "2", "3", "5", "8", true, false, "");
    case "boolean":
      return fc.constantFrom(0, 1, "0", "1", "");
    default:
      return fc.constantFrom(0, false, "0");
  }
}

function scalarFor(fact: FactName): fc.Arbitrary<Scalar> {
  return fc.oneof({ arbitrary: matchingScalar(fact), weight: 6 }, { arbitrary: ANY_SCALAR, weight: 2 }, { arbitrary: looseTwin(fact), weight: 1 });
}

const TENDER_PATHS = [...TENDER_TYPES.map((t) => `$.${t}`), "$.unknown_tender"];

function pathFor(fact: FactName): fc.Arbitrary<string | undefined> {
  if (fact === "tenderTotals") return fc.oneof({ arbitrary: fc.constantFrom(...TENDER_PATHS), weight: 6 }, { arbitrary: fc.constant(undefined), weight: 1 });
  // A path on a non-object fact passes its value through unchanged, in both evaluators.
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: fc.constantFrom("$.x", "$[0]", "$.a[1].b"), weight: 1 });
}

function factRefArb(scope: RuleScope): fc.Arbitrary<{ fact: string; path?: string }> {
  return fc.constantFrom(...factsIn(scope)).chain((fact) => pathFor(fact).map((path) => (path === undefined ? { fact } : { fact, path })));
}

const LIST_OPERATORS = ["in", "notIn"];
const NUMBER_OPERATORS = ["lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive"];

/**
 * How a random leaf is typed: `wellTyped` leaves can never make json-rules-engine's operators
 * throw (lists where an operator indexes into one), while `wild` leaves mix every value shape with
 * every operator chain, mismatched types included.
 */
export type LeafTyping = "wellTyped" | "wild";

function operatorChainArb(typing: LeafTyping): fc.Arbitrary<{ base: string; decorators: string[] }> {
  const chain = (from: readonly string[]) => fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 3 }, { arbitrary: fc.array(fc.constantFrom(...from), { minLength: 1, maxLength: 2 }), weight: 2 });
  return fc.constantFrom(...operatorNames).chain((base) => {
    if (typing === "wild") return chain(decoratorNames).map((decorators) => ({ base, decorators }));
    // A list operator indexes into its right-hand side: keep that side a literal list, never swapped or unrolled.
    if (LIST_OPERATORS.includes(base)) return chain(["not", "someFact", "everyFact"]).map((decorators) => ({ base, decorators }));
    return chain(decoratorNames).map((decorators) => {
      // someValue / everyValue unroll a literal list once; a second unrolling or a swap would index into a scalar.
      const unrolls = decorators.filter((d) => d === "someValue" || d === "everyValue");
      if (unrolls.length === 0) return { base, decorators };
      return { base, decorators: [...decorators.filter((d) => d !== "swap" && d !== "someValue" && d !== "everyValue"), unrolls[0]!] };
    });
  });
}

function leafArb(scope: RuleScope, typing: LeafTyping): fc.Arbitrary<Leaf> {
  return fc
    .record({ fact: fc.constantFrom(...factsIn(scope)), chain: operatorChainArb(typing) })
    .chain(({ fact, chain: { base, decorators } }) => {
      const operator = [...decorators, base].join(":");
      const decorated = decorators.length > 0;
      const list = fc.array(scalarFor(fact), { maxLength: 4 });
      let value: fc.Arbitrary<Leaf["value"]>;
      const needsLiteralList = typing === "wellTyped" && (LIST_OPERATORS.includes(base) || decorators.some((d) => d === "someValue" || d === "everyValue"));
      if (needsLiteralList) value = list;
      else if (!decorated && LIST_OPERATORS.includes(base)) value = fc.oneof({ arbitrary: list, weight: 4 }, { arbitrary: factRefArb(scope), weight: 1 }); // lint: a list or a fact
      else if (!decorated && NUMBER_OPERATORS.includes(base)) value = fc.oneof({ arbitrary: NUMBERS, weight: 4 }, { arbitrary: factRefArb(scope), weight: 1 }); // lint: a number or a fact
      else value = fc.oneof({ arbitrary: scalarFor(fact), weight: 5 }, { arbitrary: list, weight: 2 }, { arbitrary: factRefArb(scope), weight: 2 });
      return fc.record({
        value,
        path: pathFor(fact),
        priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 2 }),
        params: fc.option(fc.constant({ unused: 1 }), { nil: undefined, freq: 10 }),
      }).map(({ value, path, priority, params }): Leaf => ({ fact, operator, value, ...(path === undefined ? {} : { path }), ...(priority === undefined ? {} : { priority }), ...(params === undefined ? {} : { params }) }));
    });
}

const withPriority = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 })).map(([node, priority]) => (priority === undefined ? node : { ...node, priority }));

function booleanNodes(child: fc.Arbitrary<Condition>): fc.Arbitrary<Condition>[] {
  return [
    withPriority(fc.array(child, { maxLength: 3 }).map((all) => ({ all }))),
    withPriority(fc.array(child, { maxLength: 3 }).map((any) => ({ any }))),
    withPriority(child.map((not) => ({ not }))),
  ];
}

/** Options of `conditionArb`. */
export interface ConditionArbOptions {
  scope: RuleScope;
  typing: LeafTyping;
  /** Named conditions the tree may reference. */
  names?: readonly string[];
  /** Levels of the written tree, the top-level node included (references are not expanded). */
  maxDepth?: number;
}

/**
 * Random condition trees in json-rules-engine's format, rooted in all / any / not or a reference,
 * whose leaves read facts of `scope` with random operator chains and literal or fact values.
 */
export function conditionArb({ scope, typing, names = [], maxDepth = 4 }: ConditionArbOptions): fc.Arbitrary<Condition> {
  const leaf = leafArb(scope, typing);
  const ref = names.length > 0 ? [fc.constantFrom(...names).map((condition): Condition => ({ condition }))] : [];
  // nodes[d]: a subtree of at most d levels.
  let node: fc.Arbitrary<Condition> = fc.oneof(leaf, ...ref);
  for (let d = 2; d < maxDepth; d++) node = fc.oneof({ arbitrary: leaf, weight: 3 }, ...[...booleanNodes(node), ...ref].map((arbitrary) => ({ arbitrary, weight: 1 })));
  return fc.oneof(...booleanNodes(node), ...ref);
}

/**
 * Up to two named conditions for rules of `scope`; the second may reference the first, so
 * references nest without cycles. Each is a top-level node (all / any / not / reference).
 */
export function namedConditionsArb(scope: RuleScope, typing: LeafTyping): fc.Arbitrary<Record<string, Condition>> {
  return fc
    .record({
      first: fc.option(conditionArb({ scope, typing, maxDepth: 3 }), { freq: 2 }),
      second: fc.option(conditionArb({ scope, typing, names: ["shared-a"], maxDepth: 3 }), { freq: 2 }),
    })
    .map(({ first, second }) => ({ ...(first ? { "shared-a": first } : {}), ...(first && second ? { "shared-b": second } : {}) }));
}

// ---------------------------------------------------------------------------------------------
// Policy documents

/** A rule document whose effect makes firing visible: a 10 % line discount or a benefit flag named after the rule. */
export function ruleDocument(id: string, scope: RuleScope, conditions: Condition, priority?: number): Record<string, unknown> {
  const event = scope === "line" ? { type: "line-discount", params: { percent: 10 } } : { type: "benefits", params: { flags: [id] } };
  return { id, name: { zh: id, en: id }, scope, ...(priority === undefined ? {} : { priority }), conditions, event };
}

/** A policy document with the tiers and settings of `base` and the given rules and named conditions. */
export function policyDocument(base: Policy, rules: readonly unknown[], conditions: Record<string, Condition> = {}): Record<string, unknown> {
  return { format: 1, id: "generated", version: 1, name: { zh: "生成", en: "generated" }, tiers: base.tiers, settings: base.settings, conditions, rules };
}

/** A random single-rule policy on `base` in a random scope, with inputs for that scope. */
export type SingleRuleCase =
  | { scope: "line" | "receipt"; document: Record<string, unknown>; inputs: SaleInput[] }
  | { scope: "enrolment"; document: Record<string, unknown>; inputs: EnrolmentInput[] };

/** Random single-rule policies (random condition tree, optional named conditions and priority) with 1–3 inputs each. */
export function singleRuleCaseArb(base: Policy, typing: LeafTyping): fc.Arbitrary<SingleRuleCase> {
  return fc.constantFrom("line" as const, "receipt" as const, "enrolment" as const).chain((scope) =>
    namedConditionsArb(scope, typing).chain((named) =>
      fc
        .record({
          conditions: conditionArb({ scope, typing, names: Object.keys(named) }),
          priority: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        })
        .chain(({ conditions, priority }): fc.Arbitrary<SingleRuleCase> => {
          const document = policyDocument(base, [ruleDocument("random-rule", scope, conditions, priority)], named);
          if (scope === "enrolment") return fc.array(enrolmentInputArb, { minLength: 1, maxLength: 3 }).map((inputs) => ({ scope, document, inputs }));
          return fc.array(saleInputArb(base), { minLength: 1, maxLength: 3 }).map((inputs) => ({ scope, document, inputs }));
        }),
    ),
  );
}
