import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pointsFor } from "./points";

/** The definition: base × rate × every factor, in exact fractions, floored once. */
function exactPoints(baseFen: number, perYuan: number, factors: readonly number[]): number {
  if (baseFen <= 0 || perYuan <= 0) return 0;
  let numerator = BigInt(baseFen) * BigInt(Math.round(perYuan * 10_000));
  let denominator = 1_000_000n;
  for (const factor of factors) {
    numerator *= BigInt(Math.round(factor * 10_000));
    denominator *= 10_000n;
  }
  return Number(numerator / denominator);
}

// Policy decimals have at most four places.
const decimal = (max: number) => fc.integer({ min: 0, max: max * 10_000 }).map((n) => n / 10_000);

describe("pointsFor", () => {
  it("floors base × rate × factors exactly, for till-sized and for enormous amounts", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -10, max: 10_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), decimal(20), fc.array(decimal(10), { maxLength: 4 }), (base, rate, factors) => {
        expect(pointsFor(base, rate, factors)).toBe(exactPoints(base, rate, factors));
      }),
      { numRuns: 2_000 },
    );
  });

  it("floors where a double would round up: 1 fen short of a whole point earns nothing more", () => {
    expect(pointsFor(99, 1, [])).toBe(0);
    expect(pointsFor(100, 1, [])).toBe(1);
    expect(pointsFor(199, 1, [2])).toBe(3);
    expect(pointsFor(333, 0.3, [])).toBe(0);
    expect(pointsFor(334, 0.3, [])).toBe(1);
  });
});
