import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { policyDocument, ruleDocument, saleInputArb } from "../../test/arbitraries";
import { loadShippedPolicy } from "../../test/factories";
import { parsePolicy } from "../policy/parse";
import type { Condition, Policy } from "../policy/schema";
import { compilePolicy } from "./compiled";
import { runGenerated } from "./generated";
import { createReferencePolicy } from "./reference";

const beiguo = loadShippedPolicy("beiguo");

function parsed(document: unknown): Policy {
  const result = parsePolicy(document);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.value;
}

/** Leaves of every kind generated code writes differently: literals, lists long and short, values compared by reference, tests of their own. */
const leafKinds: Condition[] = [
  { fact: "lineDepartment", operator: "in", value: ["dining", "supermarket", "appliances", "other", "a", "b", "c", "d", "e", "department_store"] },
  { fact: "lineBrand", operator: "notIn", value: [null, "Apple", "Chanel"] },
  { fact: "lineZone", operator: "equal", value: null },
  { fact: "lineQuantity", operator: "notEqual", value: 1 },
  { fact: "lineZoneGroups", operator: "equal", value: ["sports"] },
  { fact: "lineBrand", operator: "in", value: [] },
  { fact: "memberTier", operator: "in", value: ["silver", "platinum", "diamond", "guest", "x", "y", "z", "w", "v"] },
  { fact: "lineGross", operator: "greaterThan", value: { fact: "receiptGross" } },
  { fact: "lineFullPrice", operator: "equal", value: true },
  { fact: "lineSku", operator: "equal", value: "\u2028\"quoted\" 品牌" },
  // Strict, as json-rules-engine compares: a quantity of 1 is neither "1" nor true.
  { fact: "lineQuantity", operator: "in", value: ["1", "2", true] },
  { fact: "lineQuantity", operator: "equal", value: "1" },
];

const kindsPolicy = parsed(
  policyDocument(beiguo, [
    ...leafKinds.map((leaf, i) => ruleDocument(`kind-${i}`, "line", { all: [leaf, leafKinds[(i + 3) % leafKinds.length]!] })),
    ruleDocument("any-of-kinds", "line", { any: leafKinds.slice(0, 4) }),
    ruleDocument("receipt-in", "receipt", { all: [{ fact: "paidWith", operator: "in", value: ["cash", "mobile", "mixed"] }, { fact: "isMemberDay", operator: "equal", value: true }] }),
  ]),
);

describe("generated code", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("returns what the generated body returns, with the constants named k0, k1, …", () => {
    expect(runGenerated<number>([41, 1], "return k0 + k1;")).toBe(42);
  });

  it("gives null where the runtime forbids generated code, and throws on a fault of the generator", () => {
    vi.stubGlobal(
      "Function",
      class {
        constructor() {
          throw new EvalError("code generation from strings disallowed for this context");
        }
      },
    );
    expect(runGenerated([1], "return k0;")).toBeNull();
    vi.unstubAllGlobals();
    expect(() => runGenerated([1], "return k0 +;")).toThrow(SyntaxError);
  });

  it.each([
    ["the shipped Beiguo policy", beiguo],
    ["a policy with every kind of leaf", kindsPolicy],
  ])("decides %s exactly as the plain code does, trace included", (_, policy) => {
    const generated = compilePolicy(policy);
    const plain = compilePolicy(policy, false);
    fc.assert(
      fc.property(saleInputArb(beiguo), (input) => {
        expect(generated.decide(input)).toStrictEqual(plain.decide(input));
        expect(generated.decideLean(input)).toStrictEqual(plain.decideLean(input));
      }),
      { numRuns: 400 },
    );
  });

  it("decides the policy with every kind of leaf as json-rules-engine does", async () => {
    const generated = compilePolicy(kindsPolicy);
    const reference = createReferencePolicy(kindsPolicy);
    await fc.assert(
      fc.asyncProperty(saleInputArb(beiguo), async (input) => {
        expect(generated.decide(input)).toStrictEqual(await reference.decide(input));
      }),
      { numRuns: 40 },
    );
  });

  it("falls back on plain code everywhere where generated code is forbidden, with the same decisions", () => {
    const generated = compilePolicy(kindsPolicy);
    vi.stubGlobal(
      "Function",
      class {
        constructor() {
          throw new EvalError("code generation from strings disallowed for this context");
        }
      },
    );
    const forbidden = compilePolicy(kindsPolicy);
    vi.unstubAllGlobals();
    expect(forbidden.plan.tracers.line.name).not.toBe("trace");
    fc.assert(
      fc.property(saleInputArb(beiguo), (input) => {
        expect(forbidden.decide(input)).toStrictEqual(generated.decide(input));
      }),
      { numRuns: 200 },
    );
  });
});
