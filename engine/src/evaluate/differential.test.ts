import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXCLUDED_BRANDS, enrolmentInputArb, policyDocument, ruleDocument, saleInputArb, singleRuleCaseArb, type LeafTyping, type SingleRuleCase } from "../../test/arbitraries";
import { loadShippedPolicy, member, sale } from "../../test/factories";
import type { Decision, EnrolmentDecision, TraceEntry } from "../decision";
import type { SaleInput } from "../facts/gather";
import { parsePolicy } from "../policy/parse";
import { policySchema, type Condition, type Policy } from "../policy/schema";
import { compilePolicy } from "./compiled";
import { createReferencePolicy } from "./reference";

const beiguo = loadShippedPolicy("beiguo");

/** The rules that fired, as `rule` or `rule#lineId`, sorted. */
function firedSet(trace: readonly TraceEntry[]): string[] {
  return trace
    .filter((t) => t.fired)
    .map((t) => (t.lineId === undefined ? t.rule : `${t.rule}#${t.lineId}`))
    .sort();
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function settle<T>(run: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

function parsed(document: unknown): Policy {
  const result = parsePolicy(document);
  if (!result.ok) throw new Error(`generated policy does not parse: ${JSON.stringify(result.diagnostics)}`);
  return result.value;
}

/** Whether json-rules-engine rejected a run because one of its operators indexed into a non-list (`b.indexOf`, `jsonValue.some`, …). */
function isOperatorTypeError(error: unknown): boolean {
  return error instanceof TypeError && /\b(indexOf|some|every) is not a function\b|\(reading '(indexOf|some|every)'\)/.test(error.message);
}

// A silver member on a member day (the 8th), three lines, part paid from stored value.
const inputA: SaleInput = {
  receipt: sale({
    at: "2026-03-08T10:00:00+08:00",
    lines: [
      { styleId: "S1", sku: "S1-M", brand: "Chanel", quantity: 3, unitPrice: 10_000 },
      { styleId: "S2", sku: "S2-M", brand: "Uniqlo", zone: "leisure", unitPrice: 20_000 },
      { styleId: "D1", sku: "D1", department: "dining", unitPrice: 5_000, fullPrice: false },
    ],
    tenders: [
      { type: "cash", amount: 40_000 },
      { type: "stored_value", amount: 10_000 },
    ],
  }),
  member: member("silver"),
};
// An anonymous supermarket purchase of 5 yuan on the 9th, no tenders (so all cash).
const inputB: SaleInput = { receipt: sale({ at: "2026-03-09T10:00:00+08:00", lines: [{ department: "supermarket", unitPrice: 500 }] }), member: null };

describe("reference and compiled evaluators on the shipped beiguo policy", () => {
  const compiled = compilePolicy(beiguo);
  const reference = createReferencePolicy(beiguo);

  it("make the same decision, trace included, for 300 generated receipts and members", async () => {
    const fired = new Set<string>();
    const failed = new Set<string>();
    await fc.assert(
      fc.asyncProperty(saleInputArb(beiguo), async (input) => {
        const expected = await reference.decide(input);
        const actual = compiled.decide(input);
        expect(firedSet(actual.trace)).toEqual(firedSet(expected.trace));
        expect(actual).toStrictEqual(expected);
        for (const t of actual.trace) (t.fired ? fired : failed).add(t.rule);
      }),
      { numRuns: 300 },
    );
    // The inputs reach every sale rule both ways, so the comparison covers each rule's two outcomes.
    const saleRules = [...compiled.plan.scopes.line, ...compiled.plan.scopes.receipt].map((r) => r.id);
    expect(saleRules.filter((id) => !fired.has(id))).toEqual([]);
    expect(saleRules.filter((id) => !failed.has(id))).toEqual([]);
  });

  it("make the same enrolment decision for generated applicants", async () => {
    await fc.assert(
      fc.asyncProperty(enrolmentInputArb, async (input) => {
        expect(compiled.enrol(input)).toStrictEqual(await reference.enrol(input));
      }),
      { numRuns: 100 },
    );
  });
});

/** The fired flag of one rule per context: one per line for a line rule, one for a receipt rule. */
function flagsOf(decision: Decision, rule: string): boolean[] {
  return decision.trace.filter((t) => t.rule === rule).map((t) => t.fired);
}

interface ShapeRow {
  name: string;
  scope: "line" | "receipt";
  conditions: Condition;
  named?: Record<string, Condition>;
  /** Fired flags on inputA (three lines) and inputB (one line). */
  a: boolean[];
  b: boolean[];
}

const T = true;
const F = false;
const isMember: Condition = { fact: "isMember", operator: "equal", value: true };

// json-rules-engine's documented condition shapes, each with what it means on inputA and inputB.
const shapes: ShapeRow[] = [
  { name: "all of two leaves", scope: "receipt", conditions: { all: [isMember, { fact: "receiptGross", operator: "greaterThan", value: 10_000 }] }, a: [T], b: [F] },
  { name: "any of two leaves", scope: "receipt", conditions: { any: [{ fact: "memberTier", operator: "equal", value: "diamond" }, { fact: "isMemberDay", operator: "equal", value: true }] }, a: [T], b: [F] },
  { name: "not at the root", scope: "receipt", conditions: { not: isMember }, a: [F], b: [T] },
  {
    name: "nested any / all / not",
    scope: "receipt",
    conditions: {
      any: [
        { all: [isMember, { not: { fact: "receiptGross", operator: "lessThan", value: 50_000 } }] },
        { all: [{ fact: "isMember", operator: "equal", value: false }, { fact: "dayOfMonth", operator: "equal", value: 10 }] },
      ],
    },
    a: [T],
    b: [F],
  },
  { name: "empty all is true", scope: "receipt", conditions: { all: [] }, a: [T], b: [T] },
  { name: "empty any is true (as json-rules-engine decides)", scope: "receipt", conditions: { any: [] }, a: [T], b: [T] },
  { name: "not of empty any is false", scope: "receipt", conditions: { not: { any: [] } }, a: [F], b: [F] },
  { name: "equal", scope: "receipt", conditions: { all: [{ fact: "memberTier", operator: "equal", value: "silver" }] }, a: [T], b: [F] },
  { name: "equal is strict: 1 is not true", scope: "receipt", conditions: { all: [{ fact: "isMember", operator: "equal", value: 1 }] }, a: [F], b: [F] },
  { name: "notEqual is strict: 1 is not true", scope: "receipt", conditions: { all: [{ fact: "isMember", operator: "notEqual", value: 1 }] }, a: [T], b: [T] },
  { name: "notEqual against a null fact", scope: "receipt", conditions: { all: [{ fact: "memberTier", operator: "notEqual", value: "silver" }] }, a: [F], b: [T] },
  { name: "in", scope: "receipt", conditions: { all: [{ fact: "memberStatus", operator: "in", value: ["active", "dormant"] }] }, a: [T], b: [F] },
  { name: "notIn with a null fact", scope: "receipt", conditions: { all: [{ fact: "memberStatus", operator: "notIn", value: ["active"] }] }, a: [F], b: [T] },
  { name: "lessThan", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "lessThan", value: 55_000 }] }, a: [F], b: [T] },
  { name: "lessThanInclusive", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "lessThanInclusive", value: 55_000 }] }, a: [T], b: [T] },
  { name: "greaterThan", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "greaterThan", value: 500 }] }, a: [T], b: [F] },
  { name: "greaterThanInclusive", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "greaterThanInclusive", value: 500 }] }, a: [T], b: [T] },
  { name: "lessThan on a non-numeric fact is false (even null < 5)", scope: "receipt", conditions: { all: [{ fact: "memberTier", operator: "lessThan", value: 5 }] }, a: [F], b: [F] },
  { name: "contains on a non-list fact is false", scope: "receipt", conditions: { all: [{ fact: "storeId", operator: "contains", value: "beiguo" }] }, a: [F], b: [F] },
  { name: "doesNotContain on a non-list fact is false too", scope: "receipt", conditions: { all: [{ fact: "storeId", operator: "doesNotContain", value: "x" }] }, a: [F], b: [F] },
  { name: "not:in", scope: "receipt", conditions: { all: [{ fact: "memberTier", operator: "not:in", value: ["silver", "diamond"] }] }, a: [F], b: [T] },
  { name: "not:lessThan on a non-numeric fact is true", scope: "receipt", conditions: { all: [{ fact: "memberTier", operator: "not:lessThan", value: 5 }] }, a: [T], b: [T] },
  { name: "someFact:greaterThan on a scalar fact is false", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "someFact:greaterThan", value: 0 }] }, a: [F], b: [F] },
  { name: "everyFact:equal on a scalar fact is false", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "everyFact:equal", value: 500 }] }, a: [F], b: [F] },
  { name: "not:someFact:equal", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "not:someFact:equal", value: 500 }] }, a: [T], b: [T] },
  { name: "someValue:greaterThan", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "someValue:greaterThan", value: [100_000, 1_000] }] }, a: [T], b: [F] },
  { name: "everyValue:greaterThan", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "everyValue:greaterThan", value: [1_000, 50_000] }] }, a: [T], b: [F] },
  { name: "everyValue over an empty list is true", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "everyValue:greaterThan", value: [] }] }, a: [T], b: [T] },
  { name: "swap:in on a string fact is a substring test", scope: "receipt", conditions: { all: [{ fact: "localDate", operator: "swap:in", value: "03-08" }] }, a: [T], b: [F] },
  { name: "swap:contains is in", scope: "receipt", conditions: { all: [{ fact: "memberTier", operator: "swap:contains", value: ["silver", "diamond"] }] }, a: [T], b: [F] },
  { name: "swap:greaterThan compares value > fact", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "swap:greaterThan", value: 1_000 }] }, a: [F], b: [T] },
  { name: "condition priorities in all", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "greaterThan", value: 10_000, priority: 5 }, { ...isMember, priority: 1 }] }, a: [T], b: [F] },
  { name: "condition priorities in any", scope: "receipt", conditions: { any: [{ ...isMember, priority: 1 }, { fact: "dayOfMonth", operator: "equal", value: 8, priority: 10 }, { all: [], priority: 2 }] }, a: [T], b: [T] },
  { name: "boolean node priorities", scope: "receipt", conditions: { all: [{ any: [isMember], priority: 3 }, { not: { fact: "dayOfMonth", operator: "equal", value: 9 }, priority: 2 }] }, a: [T], b: [F] },
  { name: "a reference at the root", scope: "receipt", conditions: { condition: "is-member" }, named: { "is-member": { all: [isMember] } }, a: [T], b: [F] },
  {
    name: "nested references and a reference under not",
    scope: "receipt",
    conditions: { any: [{ condition: "member-day-shopper" }, { not: { condition: "is-member" } }] },
    named: { "is-member": { all: [isMember] }, "member-day-shopper": { all: [{ condition: "is-member" }, { fact: "isMemberDay", operator: "equal", value: true }] } },
    a: [T],
    b: [T],
  },
  {
    name: "a reference that fails",
    scope: "receipt",
    conditions: { all: [{ condition: "member-day-shopper" }] },
    named: { "is-member": { all: [isMember] }, "member-day-shopper": { all: [{ condition: "is-member" }, { fact: "isMemberDay", operator: "equal", value: true }] } },
    a: [T],
    b: [F],
  },
  { name: "path $.cash on tenderTotals", scope: "receipt", conditions: { all: [{ fact: "tenderTotals", path: "$.cash", operator: "greaterThanInclusive", value: 40_000 }] }, a: [T], b: [F] },
  { name: "a path to a missing tender is undefined: greaterThan is false", scope: "receipt", conditions: { all: [{ fact: "tenderTotals", path: "$.stored_value", operator: "greaterThan", value: 0 }] }, a: [T], b: [F] },
  { name: "a path to a missing tender is undefined: notEqual is true", scope: "receipt", conditions: { all: [{ fact: "tenderTotals", path: "$.stored_value", operator: "notEqual", value: 10_000 }] }, a: [F], b: [T] },
  { name: "right-hand side naming another fact", scope: "receipt", conditions: { all: [{ fact: "moneyTenderTotal", operator: "lessThan", value: { fact: "receiptGross" } }] }, a: [T], b: [F] },
  { name: "fact paths on both sides", scope: "receipt", conditions: { all: [{ fact: "tenderTotals", path: "$.cash", operator: "equal", value: { fact: "receiptPayable" } }] }, a: [F], b: [T] },
  { name: "right-hand side fact with a path", scope: "receipt", conditions: { all: [{ fact: "receiptGross", operator: "greaterThan", value: { fact: "tenderTotals", path: "$.cash" } }] }, a: [T], b: [F] },
  { name: "line: equal on the department", scope: "line", conditions: { all: [{ fact: "lineDepartment", operator: "equal", value: "department_store" }] }, a: [T, T, F], b: [F] },
  { name: "line: equal is strict", scope: "line", conditions: { all: [{ fact: "lineQuantity", operator: "equal", value: "1" }] }, a: [F, F, F], b: [F] },
  { name: "line: notEqual is strict", scope: "line", conditions: { all: [{ fact: "lineFullPrice", operator: "notEqual", value: 1 }] }, a: [T, T, T], b: [T] },
  { name: "line: in is strict", scope: "line", conditions: { all: [{ fact: "lineQuantity", operator: "in", value: ["1", true] }] }, a: [F, F, F], b: [F] },
  { name: "line: units of the style", scope: "line", conditions: { all: [{ fact: "lineStyleUnits", operator: "greaterThanInclusive", value: 3 }] }, a: [T, F, F], b: [F] },
  { name: "line: notIn the excluded brands (a null brand is not in)", scope: "line", conditions: { all: [{ fact: "lineBrand", operator: "notIn", value: [...EXCLUDED_BRANDS] }] }, a: [F, T, T], b: [T] },
  { name: "line: in zones", scope: "line", conditions: { all: [{ fact: "lineZone", operator: "in", value: ["leisure", "sports"] }] }, a: [F, T, F], b: [F] },
  { name: "line: a line fact against a receipt fact", scope: "line", conditions: { all: [{ fact: "lineGross", operator: "lessThan", value: { fact: "receiptGross" } }] }, a: [T, T, T], b: [F] },
  { name: "line: swap:in on the style id", scope: "line", conditions: { all: [{ fact: "lineStyleId", operator: "swap:in", value: "S" }] }, a: [T, T, F], b: [T] },
  {
    name: "line: the shipped full-price-goods reference and the member's tier",
    scope: "line",
    conditions: { all: [{ condition: "full-price-goods" }, { fact: "memberTier", operator: "equal", value: "silver" }] },
    named: { "full-price-goods": beiguo.conditions["full-price-goods"]! },
    a: [F, T, F],
    b: [F],
  },
];

describe("json-rules-engine's documented condition shapes", () => {
  it.each(shapes)("$name", async ({ scope, conditions, named, a, b }) => {
    const policy = parsed(policyDocument(beiguo, [ruleDocument("shape", scope, conditions)], named));
    const compiled = compilePolicy(policy);
    const reference = createReferencePolicy(policy);
    for (const [input, expected] of [[inputA, a], [inputB, b]] as const) {
      const decision = compiled.decide(input);
      expect(flagsOf(decision, "shape")).toEqual(expected);
      expect(await reference.decide(input)).toStrictEqual(decision);
    }
    await fc.assert(
      fc.asyncProperty(saleInputArb(beiguo), async (input) => {
        const actual = compiled.decide(input);
        const expected = await reference.decide(input);
        expect(firedSet(actual.trace)).toEqual(firedSet(expected.trace));
        expect(actual).toStrictEqual(expected);
      }),
      { numRuns: 15 },
    );
  });

  it("fires every rule whatever its priority, and applies effects in document order", async () => {
    const always: Condition = { all: [] };
    const rules = [
      ruleDocument("p3", "receipt", { all: [isMember] }, 3),
      ruleDocument("p-default", "receipt", always),
      ruleDocument("p1", "receipt", { any: [{ fact: "receiptGross", operator: "greaterThan", value: 0 }] }, 1),
      ruleDocument("p2", "receipt", always, 2),
      ruleDocument("line-p2", "line", { all: [{ fact: "lineDepartment", operator: "equal", value: "dining" }] }, 2),
      ruleDocument("line-p1", "line", always, 1),
    ];
    const policy = parsed(policyDocument(beiguo, rules));
    const compiled = compilePolicy(policy);
    const reference = createReferencePolicy(policy);
    const decision = compiled.decide(inputA);
    expect(decision.benefits).toEqual(["p3", "p-default", "p1", "p2"]);
    expect(flagsOf(decision, "line-p2")).toEqual([F, F, T]);
    expect(flagsOf(decision, "line-p1")).toEqual([T, T, T]);
    expect(await reference.decide(inputA)).toStrictEqual(decision);
    await fc.assert(
      fc.asyncProperty(saleInputArb(beiguo), async (input) => {
        expect(compiled.decide(input)).toStrictEqual(await reference.decide(input));
      }),
      { numRuns: 30 },
    );
  });
});

async function outcomes(testCase: SingleRuleCase, policy: Policy): Promise<{ reference: Outcome<Decision | EnrolmentDecision>; compiled: Outcome<Decision | EnrolmentDecision> }[]> {
  const compiled = compilePolicy(policy);
  const reference = createReferencePolicy(policy);
  const out: { reference: Outcome<Decision | EnrolmentDecision>; compiled: Outcome<Decision | EnrolmentDecision> }[] = [];
  // One reference policy answers every input of the case in turn, as the API would use it.
  if (testCase.scope === "enrolment") {
    for (const input of testCase.inputs) out.push({ reference: await settle(() => reference.enrol(input)), compiled: await settle(() => compiled.enrol(input)) });
  } else {
    for (const input of testCase.inputs) out.push({ reference: await settle(() => reference.decide(input)), compiled: await settle(() => compiled.decide(input)) });
  }
  return out;
}

describe("random condition trees in single-rule policies", () => {
  it("fire the same rules in both evaluators when every operator is applied to the types it indexes into", async () => {
    await fc.assert(
      fc.asyncProperty(singleRuleCaseArb(beiguo, "wellTyped"), async (testCase) => {
        for (const { reference, compiled } of await outcomes(testCase, parsed(testCase.document))) {
          if (!reference.ok) throw reference.error;
          if (!compiled.ok) throw compiled.error;
          expect(firedSet(compiled.value.trace)).toEqual(firedSet(reference.value.trace));
          expect(compiled.value).toStrictEqual(reference.value);
        }
      }),
      { numRuns: 250 },
    );
  });

  it("with mismatched types, lint refuses every policy json-rules-engine would reject, and the rest agree", async () => {
    let answered = 0;
    let refusedByLint = 0;
    const typing: LeafTyping = "wild";
    await fc.assert(
      fc.asyncProperty(singleRuleCaseArb(beiguo, typing), async (testCase) => {
        const result = parsePolicy(testCase.document);
        if (!result.ok) {
          refusedByLint++;
          return;
        }
        for (const { reference, compiled } of await outcomes(testCase, result.value)) {
          if (!compiled.ok) throw compiled.error;
          if (!reference.ok) throw reference.error;
          answered++;
          expect(firedSet(compiled.value.trace)).toEqual(firedSet(reference.value.trace));
          expect(compiled.value).toStrictEqual(reference.value);
        }
      }),
      { numRuns: 250 },
    );
    // Keep the property about agreement: most generated cases must be ones lint accepts.
    expect(answered).toBeGreaterThan(refusedByLint);
  });
});

describe("the reference evaluator under concurrency", () => {
  // Rule priorities split each scope into several json-rules-engine priority groups: overlapping
  // runs on one Engine drop the later groups, so this is the policy on which interleaving shows.
  const prioritised = parsed({ ...beiguo, rules: beiguo.rules.map((rule, i) => ({ ...rule, priority: 1 + (i % 3) })) });

  it.each([
    ["the shipped beiguo policy", beiguo],
    ["beiguo with three rule priorities", prioritised],
  ] as const)("answers 50 concurrent decisions on %s exactly as the compiled evaluator", async (_, policy) => {
    const compiled = compilePolicy(policy);
    const reference = createReferencePolicy(policy);
    const inputs = fc.sample(saleInputArb(policy), { numRuns: 50, seed: 20_260_308 });
    const decisions = await Promise.all(inputs.map((input) => reference.decide(input)));
    decisions.forEach((decision, i) => expect(decision).toStrictEqual(compiled.decide(inputs[i]!)));
    // Members and receipts vary, so rules of the lowest priority group fire in some decisions.
    expect(decisions.some((d) => d.benefits.length > 0)).toBe(true);
  });
});

describe("disagreements once found between the evaluators, now refused or fixed", () => {
  // Each case is a schema-valid policy on which json-rules-engine rejects the run because an
  // operator calls indexOf / some / every on a non-list; lint now refuses every one of them.
  const schemaOnly = (document: unknown): Policy => policySchema.parse(document);
  const throwing: { name: string; scope: "line" | "receipt"; leaf: Condition; input: SaleInput }[] = [
    { name: "not:in with a number", scope: "line", leaf: { fact: "lineStyleUnits", operator: "not:in", value: 3 }, input: inputA },
    { name: "someValue:lessThan with a scalar", scope: "receipt", leaf: { fact: "receiptGross", operator: "someValue:lessThan", value: 100_000 }, input: inputA },
    { name: "swap:in on a null fact", scope: "receipt", leaf: { fact: "memberTier", operator: "swap:in", value: "silver" }, input: inputB },
  ];

  it.each(throwing)("json-rules-engine rejects the run: $name", async ({ scope, leaf, input }) => {
    const policy = schemaOnly(policyDocument(beiguo, [ruleDocument("throws", scope, { all: [leaf] })]));
    const reference = await settle(() => createReferencePolicy(policy).decide(input));
    expect(reference.ok).toBe(false);
    expect(!reference.ok && isOperatorTypeError(reference.error)).toBe(true);
  });

  // The compiled evaluator used to answer (not:in with a number even fired): lint refuses them now.
  it.each(throwing)("the compiled evaluator agrees with the reference, or parsePolicy refuses: $name", async ({ scope, leaf, input }) => {
    const result = parsePolicy(policyDocument(beiguo, [ruleDocument("throws", scope, { all: [leaf] })]));
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining([expect.stringMatching(/^(bad_value|unsupported_operator)$/)]));
    void input;
  });

  // resolveOperator once found "toString" on Object.prototype, so lint accepted it.
  it("parsePolicy refuses an operator name inherited from Object.prototype", () => {
    const result = parsePolicy(policyDocument(beiguo, [ruleDocument("proto", "receipt", { all: [{ fact: "receiptGross", operator: "toString", value: 0 }] })]));
    expect(result.ok).toBe(false);
  });

  // The schema once let a named condition be a bare leaf, which json-rules-engine's setCondition refuses.
  it("the reference evaluator can be built for every policy parsePolicy accepts: a named leaf condition", () => {
    const result = parsePolicy(policyDocument(beiguo, [ruleDocument("named-leaf", "receipt", { condition: "big" })], { big: { fact: "receiptGross", operator: "greaterThan", value: 0 } }));
    if (!result.ok) return;
    expect(() => createReferencePolicy(result.value)).not.toThrow();
  });

  // After a rejected run json-rules-engine finishes the rejected run's remaining priority groups in
  // the background and then marks its Engine FINISHED, so a reused Engine would skip the next run's
  // lower-priority groups (here "p1"): the reference evaluator rebuilds its Engine after a rejection.
  it("a rejected decision does not change the next decision on the same reference policy", async () => {
    const boom: Condition = { all: [{ fact: "receiptGross", operator: "greaterThan", value: 1_000, priority: 2 }, { fact: "receiptGross", operator: "someValue:equal", value: 5 }] };
    const policy = schemaOnly(policyDocument(beiguo, [ruleDocument("boom", "receipt", boom, 3), ruleDocument("p2", "receipt", { all: [] }, 2), ruleDocument("p1", "receipt", { all: [] }, 1)]));
    const reference = createReferencePolicy(policy);
    await reference.decide(inputA).catch(() => undefined); // gross 55,000 > 1,000: the someValue leaf throws
    expect((await reference.decide(inputB)).benefits).toEqual(["p2", "p1"]);
  });
});
