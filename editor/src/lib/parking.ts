/** The live parking table of the form view: the spends where the free hours change, and the hours there. */
import { parkingHoursFor, type ParkingFormula } from "../../../engine/src/index";

/** A row of the table: a same-day spend in fen and its free hours. */
export interface ParkingRow {
  spend: number;
  hours: number;
}

/**
 * The spends worth showing for a formula: zero, each threshold and one fen below it, up to the
 * first spend that reaches the cap, and one step beyond it.
 */
export function parkingTable(formula: ParkingFormula, maxRows = 24): ParkingRow[] {
  const spends = new Set<number>([0]);
  if (formula.minSpend > 0) spends.add(formula.minSpend - 1);
  spends.add(formula.minSpend);
  if (formula.stepSpend > 0) {
    for (let k = 1; spends.size < maxRows; k++) {
      const at = formula.stepFrom + k * formula.stepSpend;
      if (at >= formula.minSpend) {
        spends.add(at - 1);
        spends.add(at);
      }
      if (parkingHoursFor(formula, at) >= formula.maxHours) {
        spends.add(at + formula.stepSpend);
        break;
      }
      if (k > 1000) break;
    }
  }
  return [...spends]
    .filter((s) => s >= 0)
    .sort((a, b) => a - b)
    .slice(0, maxRows)
    .map((spend) => ({ spend, hours: parkingHoursFor(formula, spend) }));
}
