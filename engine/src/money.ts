/**
 * Exact integer arithmetic for money (fen) and points. Every rounding rule of the
 * programs lives here, so that no float ever reaches a balance.
 */

/** Rounds numerator / denominator half up (away from zero on ties for non-negative values). */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  if (numerator >= 0n) return (numerator * 2n + denominator) / (denominator * 2n);
  return -((-numerator * 2n + denominator) / (denominator * 2n));
}

/** Floors numerator / denominator for non-negative values. */
export function divideFloor(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  const q = numerator / denominator;
  return numerator < 0n && q * denominator !== numerator ? q - 1n : q;
}

/** A decimal written in the policy (a rate, a percent) as an exact fraction scaled by 10^4. */
export const DECIMAL_SCALE = 10_000;

/** Converts a policy decimal with at most four decimals to its scaled integer; the schema guarantees the precision. */
export function toScaled(value: number): number {
  return Math.round(value * DECIMAL_SCALE);
}

/** The discount in fen of `percent` % on `gross` fen, rounded half up to the fen. */
export function percentOf(gross: number, percent: number): number {
  const basisPoints = toScaled(percent); // percent × 10^4, so the divisor is 100 × 10^4
  // Exact in doubles while gross × basisPoints × 2 < 2^53; the receipt schema caps line amounts far below that.
  return Math.floor((gross * basisPoints * 2 + 1_000_000) / 2_000_000);
}
