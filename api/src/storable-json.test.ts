import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, mayBeUnstorable, unstorableField } from "./storable-json";

// Strings likely to hold what PostgreSQL cannot store: U+0000 and UTF-16 halves, paired or not.
const awkwardString = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom("a", "\u0000", "\uD83D", "\uDE00", "\uD83D\uDE00", "é", "\\", '"') }));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small" }, awkwardString, fc.integer(), fc.constant(null), fc.array(tie("node"), { maxLength: 3 }), fc.dictionary(awkwardString, tie("node"), { maxKeys: 3 })),
})).node;

/** Nested arrays `depth` deep around a value. */
function nested(depth: number, inner: unknown): unknown {
  let out = inner;
  for (let i = 0; i < depth; i++) out = [out];
  return out;
}

describe("the storable-JSON pre-check", () => {
  it("never lets through a body the walk would refuse", () => {
    fc.assert(
      fc.property(value, (parsed) => {
        // As a body arrives: JSON text decoded from UTF-8, where a lone surrogate can only be an escape.
        const text = new TextDecoder().decode(new TextEncoder().encode(JSON.stringify(parsed)));
        if (unstorableField(JSON.parse(text)) !== null) expect(mayBeUnstorable(text)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("sends escapes and deep nesting to the walk, and a plain receipt past it", () => {
    expect(mayBeUnstorable(JSON.stringify({ sku: "a\u0000b" }))).toBe(true);
    expect(mayBeUnstorable(JSON.stringify({ sku: "\uD83D" }))).toBe(true);
    expect(mayBeUnstorable(JSON.stringify(nested(MAX_JSON_DEPTH + 1, 1)))).toBe(true);
    expect(unstorableField(nested(MAX_JSON_DEPTH + 1, 1))).not.toBeNull();
    expect(mayBeUnstorable(JSON.stringify({ storeId: "beiguo-central", lines: [{ lineId: "1", brand: "李宁", quantity: 1 }], tenders: [] }))).toBe(false);
  });
});
