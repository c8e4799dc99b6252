import { DECIMAL_SCALE, divideFloor, toScaled } from "../money";

/**
 * Points for a base amount in fen at `perYuan` points per yuan times every multiplier,
 * computed exactly and floored once.
 */
export function pointsFor(baseFen: number, perYuan: number, factors: readonly number[]): number {
  if (baseFen <= 0 || perYuan <= 0) return 0;
  // In doubles while every product is a safe integer (any receipt a till sends): `%` is exact
  // there, and so is dividing a multiple. A product past 2^53 rounds to at least 2^53, so the
  // check below sees it, and BigInt takes over.
  let product = baseFen * toScaled(perYuan);
  let scale = 100 * DECIMAL_SCALE;
  for (let i = 0; i < factors.length; i++) {
    product *= toScaled(factors[i]!);
    scale *= DECIMAL_SCALE;
  }
  if (product <= Number.MAX_SAFE_INTEGER && scale <= Number.MAX_SAFE_INTEGER) return (product - (product % scale)) / scale;
  let numerator = BigInt(baseFen) * BigInt(toScaled(perYuan));
  let denominator = 100n * BigInt(DECIMAL_SCALE);
  for (const factor of factors) {
    numerator *= BigInt(toScaled(factor));
    denominator *= BigInt(DECIMAL_SCALE);
  }
  return Number(divideFloor(numerator, denominator));
}

/**
 * Points for priced lines, each at its own rate per yuan of its payable, scaled down to the share
 * paid in money when that is less than the whole, times every multiplier: exact, floored once.
 * With one rate for every line this is `pointsFor(paidInMoney, rate, factors)`.
 */
export function pointsForLines(lines: readonly { payable: number }[], perYuan: readonly number[], paidInMoney: number, factors: readonly number[]): number {
  let numerator = 0n;
  let payable = 0;
  for (let i = 0; i < lines.length; i++) {
    payable += lines[i]!.payable;
    if (perYuan[i]! > 0) numerator += BigInt(lines[i]!.payable) * BigInt(toScaled(perYuan[i]!));
  }
  if (numerator <= 0n || paidInMoney <= 0) return 0;
  let denominator = 100n * BigInt(DECIMAL_SCALE);
  if (paidInMoney < payable) {
    numerator *= BigInt(paidInMoney);
    denominator *= BigInt(payable);
  }
  for (const factor of factors) {
    numerator *= BigInt(toScaled(factor));
    denominator *= BigInt(DECIMAL_SCALE);
  }
  return Number(divideFloor(numerator, denominator));
}
