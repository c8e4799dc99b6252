/**
 * The cost preview of the form view: one fixed sample of synthetic receipts decided by the
 * baseline version and by the draft, in the browser, with what each costs the store.
 */
import { memberSnapshotSchema, receiptSchema, type CompiledPolicy, type SaleInput } from "../../../engine/src/index";
import { seededRandom, syntheticInstant, syntheticLines, tierWeights } from "./synthetic";

/** What one version gives away over the sample. Money in fen. */
export interface CostTotals {
  receipts: number;
  discount: number;
  points: number;
  /** The points' worth at the version's own point value (settings.points.valueFen). */
  pointsLiability: number;
  parkingHours: number;
  upgrades: number;
  /** Receipts the version could not decide (e.g. a member of a tier it does not know). */
  errors: number;
}

/** Baseline, draft and draft − baseline over one sample. */
export interface CostComparison {
  receipts: number;
  baseline: CostTotals;
  draft: CostTotals;
  delta: CostTotals;
}

/**
 * A deterministic sample of sales for a program's tiers: most receipts by members (lower tiers
 * more common), in one month that holds a member day, with spend already counted in the cycle
 * so that some receipts cross an upgrade threshold.
 */
export function syntheticSales(tierIds: readonly string[], options: { count?: number; seed?: number; month?: string } = {}): SaleInput[] {
  const random = seededRandom(options.seed ?? 20261122);
  const count = options.count ?? 300;
  const weights = tierWeights(tierIds.length);
  const total = weights.reduce((a, b) => a + b, 0);
  const sales: SaleInput[] = [];
  for (let i = 0; i < count; i++) {
    let member: SaleInput["member"] = null;
    if (tierIds.length > 0 && random() >= 0.12) {
      let r = random() * total;
      let tier = tierIds[tierIds.length - 1]!;
      for (let t = 0; t < tierIds.length; t++) {
        r -= weights[t]!;
        if (r < 0) {
          tier = tierIds[t]!;
          break;
        }
      }
      member = memberSnapshotSchema.parse({ id: `m_preview_${i}`, tier, issuedOn: "2026-03-01", cycleStart: "2026-03-01", cycleSpend: Math.round(random() * random() * 13_000_000) });
    }
    const receipt = receiptSchema.parse({ storeId: "preview", at: syntheticInstant(random, options.month ?? "2026-11"), lines: syntheticLines(random, i) });
    const sale: SaleInput = { receipt, member };
    if (member && random() < 0.25) sale.dayPayableBefore = Math.round(random() * 80_000);
    sales.push(sale);
  }
  return sales;
}

const zero = (): CostTotals => ({ receipts: 0, discount: 0, points: 0, pointsLiability: 0, parkingHours: 0, upgrades: 0, errors: 0 });

/** What a compiled version gives away over the sales. */
export function costOf(policy: CompiledPolicy, sales: readonly SaleInput[]): CostTotals {
  const totals = zero();
  const valueFen = policy.policy.settings.points.valueFen;
  for (const sale of sales) {
    try {
      const decision = policy.decide(sale);
      totals.receipts += 1;
      totals.discount += decision.totals.discount;
      totals.points += decision.points.earned;
      totals.parkingHours += decision.parking.freeHoursToday;
      if (decision.tierChange) totals.upgrades += 1;
    } catch {
      totals.errors += 1;
    }
  }
  totals.pointsLiability = Math.round(totals.points * valueFen);
  return totals;
}

/** The draft against the baseline over the same sales. */
export function compareCosts(baseline: CompiledPolicy, draft: CompiledPolicy, sales: readonly SaleInput[]): CostComparison {
  const a = costOf(baseline, sales);
  const b = costOf(draft, sales);
  const delta = zero();
  for (const key of Object.keys(delta) as (keyof CostTotals)[]) delta[key] = b[key] - a[key];
  return { receipts: sales.length, baseline: a, draft: b, delta };
}
