import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conditionArb, namedConditionsArb, saleInputArb } from "../../test/arbitraries";
import { loadShippedPolicy } from "../../test/factories";
import { lineFacts, saleFacts } from "../facts/gather";
import type { Condition, RuleScope } from "../policy/schema";
import { compileCondition, type FactContext, type NamedConditions } from "./conditions";

const POINTER = "/rules/2/conditions";

function compile(condition: Condition, named: NamedConditions = {}) {
  return compileCondition(condition, named, POINTER);
}

const receipt = { isMember: true, memberTier: "silver", receiptGross: 55_000, receiptPayable: 53_500, tenderTotals: { cash: 40_000, stored_value: 10_000 }, storeId: "beiguo-central", memberStudent: false };
const ctx: FactContext = { line: null, receipt };

const yes: Condition = { fact: "isMember", operator: "equal", value: true };
const no: Condition = { fact: "receiptGross", operator: "lessThan", value: 100 };

describe("compileCondition", () => {
  const shapes: [name: string, condition: Condition, expected: boolean][] = [
    ["all of nothing is true", { all: [] }, true],
    ["any of nothing is true, as json-rules-engine decides", { any: [] }, true],
    ["not of all-of-nothing is false", { not: { all: [] } }, false],
    ["not of any-of-nothing is false", { not: { any: [] } }, false],
    ["all of true and false is false", { all: [yes, no] }, false],
    ["all of trues is true", { all: [yes, yes] }, true],
    ["any of false and true is true", { any: [no, yes] }, true],
    ["any of falses is false", { any: [no, no] }, false],
    ["not negates a false leaf", { not: no }, true],
    ["not negates a true leaf", { not: yes }, false],
    ["not not", { not: { not: yes } }, true],
    ["nested any / all / not", { any: [{ all: [yes, no] }, { not: { any: [no, { all: [] }] } }] }, false],
    ["priorities order evaluation but do not change the answer (all)", { all: [{ ...no, priority: 1 }, { ...yes, priority: 9 }] }, false],
    ["priorities order evaluation but do not change the answer (any)", { any: [{ ...yes, priority: 1 }, { ...no, priority: 9 }] }, true],
  ];

  it.each(shapes)("%s", (_, condition, expected) => {
    expect(compile(condition).test(ctx)).toBe(expected);
  });

  it("reads line facts from the line and sale facts from the receipt", () => {
    const lineCtx: FactContext = { line: { lineDepartment: "dining", storeId: "shadowed" }, receipt: { ...receipt, lineDepartment: "shadowed" } };
    expect(compile({ all: [{ fact: "lineDepartment", operator: "equal", value: "dining" }] }).test(lineCtx)).toBe(true);
    expect(compile({ all: [{ fact: "storeId", operator: "equal", value: "beiguo-central" }] }).test(lineCtx)).toBe(true);
    // A fact of several scopes (here every scope) is a receipt-wide fact.
    expect(compile({ all: [{ fact: "memberStudent", operator: "equal", value: false }] }).test(lineCtx)).toBe(true);
  });

  it("compares against another fact named on the right-hand side, with or without a path", () => {
    expect(compile({ all: [{ fact: "receiptPayable", operator: "lessThan", value: { fact: "receiptGross" } }] }).test(ctx)).toBe(true);
    expect(compile({ all: [{ fact: "receiptGross", operator: "greaterThan", value: { fact: "tenderTotals", path: "$.cash" } }] }).test(ctx)).toBe(true);
    expect(compile({ all: [{ fact: "tenderTotals", path: "$.stored_value", operator: "equal", value: { fact: "receiptGross" } }] }).test(ctx)).toBe(false);
  });

  describe("fact paths", () => {
    const withSplit: FactContext = { line: null, receipt: { ...receipt, tenderTotals: { cash: 1, split: [{ amount: 10 }, { amount: 20 }] } } };
    const leaf = (path: string, operator: string, value: number | null | { fact: string; path?: string }): Condition => ({ all: [{ fact: "tenderTotals", path, operator, value }] });

    it("reads a tender by name", () => {
      expect(compile(leaf("$.cash", "equal", 40_000)).test(ctx)).toBe(true);
      expect(compile(leaf("$.stored_value", "greaterThan", 9_999)).test(ctx)).toBe(true);
    });

    it("gives undefined for a missing step: comparisons fail, notEqual holds", () => {
      expect(compile(leaf("$.gift_card", "greaterThanInclusive", 0)).test(ctx)).toBe(false);
      expect(compile(leaf("$.gift_card", "lessThan", 1)).test(ctx)).toBe(false);
      expect(compile(leaf("$.gift_card", "notEqual", 0)).test(ctx)).toBe(true);
      expect(compile(leaf("$.cash.deeper", "notEqual", null)).test(ctx)).toBe(true);
    });

    it("walks names and indexes", () => {
      expect(compile(leaf("$.split[1].amount", "equal", 20)).test(withSplit)).toBe(true);
      expect(compile(leaf("$.split[2].amount", "notEqual", null)).test(withSplit)).toBe(true);
    });

    it("never reaches inherited properties such as constructor", () => {
      // Both sides undefined: a path that reached Object.prototype would compare a function instead.
      expect(compile(leaf("$.constructor", "equal", { fact: "tenderTotals", path: "$.nothing" })).test(ctx)).toBe(true);
      expect(compile(leaf("$.split[0].constructor", "equal", { fact: "tenderTotals", path: "$.nothing" })).test(withSplit)).toBe(true);
    });

    it("passes a non-object fact through unchanged, as json-rules-engine does", () => {
      expect(compile({ all: [{ fact: "receiptGross", path: "$.cash", operator: "equal", value: 55_000 }] }).test(ctx)).toBe(true);
      expect(compile({ all: [{ fact: "memberTier", path: "$[0]", operator: "equal", value: "silver" }] }).test(ctx)).toBe(true);
    });
  });

  describe("references to named conditions", () => {
    const named: NamedConditions = {
      member: { all: [yes] },
      "silver-member": { all: [{ condition: "member" }, { fact: "memberTier", operator: "equal", value: "silver" }] },
      "small-receipt": { all: [no] },
    };

    it("expand at the root, nested, and under not", () => {
      expect(compile({ condition: "silver-member" }, named).test(ctx)).toBe(true);
      expect(compile({ all: [{ condition: "silver-member" }, { not: { condition: "small-receipt" } }] }, named).test(ctx)).toBe(true);
      expect(compile({ any: [{ condition: "small-receipt" }] }, named).test(ctx)).toBe(false);
    });

    it("refuse an undefined name and a cycle", () => {
      expect(() => compile({ condition: "nowhere" }, named)).toThrow(/"nowhere" is undefined or circular/);
      const cyclic: NamedConditions = { a: { all: [{ condition: "b" }] }, b: { any: [{ condition: "a" }] } };
      expect(() => compile({ condition: "a" }, cyclic)).toThrow(/circular/);
    });
  });

  it("refuses an unknown operator", () => {
    expect(() => compile({ all: [{ fact: "isMember", operator: "between", value: [1, 2] }] })).toThrow(/unknown operator "between"/);
  });
});

describe("explain", () => {
  function failed(condition: Condition, named: NamedConditions = {}, context: FactContext = ctx): string[] {
    const out: string[] = [];
    compile(condition, named).explain(context, out);
    return out;
  }

  it("lists the JSON pointer of every false leaf of a false all", () => {
    expect(failed({ all: [yes, no, no] })).toEqual([`${POINTER}/all/1`, `${POINTER}/all/2`]);
  });

  it("lists every leaf of a false any", () => {
    expect(failed({ any: [no, { all: [no] }] })).toEqual([`${POINTER}/any/0`, `${POINTER}/any/1/all/0`]);
  });

  it("lists nothing for a true condition, even when some of its leaves are false", () => {
    expect(failed({ any: [yes, no] })).toEqual([]);
    expect(failed({ all: [] })).toEqual([]);
  });

  it("points at the child of a not whose child holds", () => {
    expect(failed({ not: yes })).toEqual([`${POINTER}/not`]);
    expect(failed({ all: [{ not: { all: [yes, yes] } }] })).toEqual([`${POINTER}/all/0/not`]);
    expect(failed({ not: no })).toEqual([]);
  });

  it("descends only into the false branches of nested nodes", () => {
    expect(failed({ all: [{ any: [no, no] }, yes, { not: yes }, { all: [yes] }] })).toEqual([`${POINTER}/all/0/any/0`, `${POINTER}/all/0/any/1`, `${POINTER}/all/2/not`]);
  });

  it("points into /conditions for the leaves of a referenced condition", () => {
    const named: NamedConditions = { "silver-member": { all: [yes, { fact: "memberTier", operator: "equal", value: "diamond" }] } };
    expect(failed({ all: [yes, { condition: "silver-member" }] }, named)).toEqual(["/conditions/silver-member/all/1"]);
  });

  /** The node a JSON pointer designates in a document, or undefined. */
  function at(document: unknown, pointer: string): unknown {
    let node: unknown = document;
    for (const raw of pointer.split("/").slice(1)) {
      const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      if (node === null || typeof node !== "object" || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
    return node;
  }

  const policy = loadShippedPolicy("beiguo");
  const scopedCase = (scope: RuleScope) =>
    namedConditionsArb(scope, "wild").chain((named) => fc.record({ named: fc.constant(named), condition: conditionArb({ scope, typing: "wild", names: Object.keys(named) }), input: saleInputArb(policy) }));

  it.each(["line", "receipt"] as const)("for random %s conditions: lists something exactly when the condition is false, and every pointer is a leaf or the child of a not in the document", (scope) => {
    fc.assert(
      fc.property(scopedCase(scope), ({ named, condition, input }) => {
        const compiled = compileCondition(condition, named, "/rules/0/conditions");
        const line = lineFacts(policy, input.receipt.lines)[0]!;
        const context: FactContext = { line: scope === "line" ? line : null, receipt: saleFacts(policy, input).facts };
        const out: string[] = [];
        compiled.explain(context, out);
        expect(out.length > 0).toBe(!compiled.test(context));
        const document = { rules: [{ conditions: condition }], conditions: named };
        for (const pointer of out) {
          const node = at(document, pointer);
          expect(node, pointer).toBeTypeOf("object");
          if (!pointer.endsWith("/not")) expect(node, pointer).toHaveProperty("fact");
        }
      }),
      { numRuns: 300 },
    );
  });
});
