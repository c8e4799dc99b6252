import { DECIMAL_SCALE, divideFloor, toScaled } from "../money";

/**
 * Points for a base amount in fen at `perYuan` points per yuan times every multiplier,
 * computed exactly and floored once.
 */
export function pointsFor(baseFen: number, perYuan: number, factors: readonly number[]): number {
  if (baseFen <= 0 || perYuan <= 0) return 0;
  let numerator = BigInt(baseFen) * BigInt(toScaled(perYuan));
  let denominator = 100n * BigInt(DECIMAL_SCALE);
  for (const factor of factors) {
    numerator *= BigInt(toScaled(factor));
    denominator *= BigInt(DECIMAL_SCALE);
  }
  return Number(divideFloor(numerator, denominator));
}
