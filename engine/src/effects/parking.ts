import type { Effect } from "../policy/schema";

/** The parameters of a parking-hours effect. */
export type ParkingFormula = Extract<Effect, { type: "parking-hours" }>["params"];

/**
 * Free parking hours for a same-day spend: none below `minSpend`; otherwise `baseHours`, plus
 * `stepHours` for each full `stepSpend` above `stepFrom`, at most `maxHours`.
 */
export function parkingHoursFor(formula: ParkingFormula, spend: number): number {
  if (spend < formula.minSpend) return 0;
  const steps = spend > formula.stepFrom ? Math.floor((spend - formula.stepFrom) / formula.stepSpend) : 0;
  return Math.min(formula.maxHours, formula.baseHours + steps * formula.stepHours);
}
