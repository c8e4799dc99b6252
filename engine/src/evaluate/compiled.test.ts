import { describe, expect, it } from "vitest";
import { compilePolicy } from "./compiled";
import { loadShippedPolicy, sale, silverMember } from "../../test/factories";

describe("compiled evaluator", () => {
  const policy = compilePolicy(loadShippedPolicy("beiguo"));

  it("prices a silver member's full-price line at 5 % off, rounded half up to the fen", () => {
    const decision = policy.decide({ receipt: sale({ lines: [{ unitPrice: 1999 }] }), member: silverMember() });
    expect(decision.lines[0]).toMatchObject({ gross: 1999, discount: 100, payable: 1899, rules: ["silver-full-price", "qualifying-department-store"] });
  });

  it("traces every rule for every line, fired or not, in document order", () => {
    const decision = policy.decide({ receipt: sale({ lines: [{}, { lineId: "2" }] }), member: null });
    const lineRules = policy.plan.scopes.line.map((rule) => rule.id);
    expect(decision.trace.filter((t) => t.scope === "line").map((t) => `${t.lineId}:${t.rule}`)).toEqual([...lineRules.map((r) => `1:${r}`), ...lineRules.map((r) => `2:${r}`)]);
  });
});
