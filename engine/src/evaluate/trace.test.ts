import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { factCatalog, type FactName } from "../facts/catalog";
import { isLineFact } from "./conditions";
import { factsCopier, factsCopierByName } from "./trace";

const names = Object.keys(factCatalog) as FactName[];
const value = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 2 }));
const facts = (keys: readonly string[]) => fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<string, fc.Arbitrary<unknown>>);

describe("trace facts copier", () => {
  it("copies what a rule read, in its order: line-only facts from the line, the rest from the receipt", () => {
    const copy = factsCopier(["lineBrand", "memberTier", "lineGross"]);
    const copied = copy({ line: { lineBrand: "b", lineGross: 100, memberTier: "wrong" }, receipt: { memberTier: "gold", lineBrand: "wrong" } });
    expect(Object.entries(copied)).toEqual([["lineBrand", "b"], ["memberTier", "gold"], ["lineGross", 100]]);
  });

  it("reads line facts from the receipt where there is no line (receipt-scope rules)", () => {
    expect(factsCopier(["lineGross"])({ line: null, receipt: { lineGross: 7 } })).toEqual({ lineGross: 7 });
  });

  it("generated code and the by-name fallback copy the same keys in the same order with the same values", () => {
    const lineKeys = names.filter(isLineFact);
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...names), { maxLength: 8 }), facts(names), fc.option(facts(lineKeys)), (read, receipt, line) => {
        const ctx = { receipt, line };
        expect(Object.entries(factsCopier(read)(ctx))).toEqual(Object.entries(factsCopierByName(read)(ctx)));
      }),
      { numRuns: 300 },
    );
  });
});
