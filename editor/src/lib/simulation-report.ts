/**
 * What the simulate screen shows, whoever computed it: the simulations API (its results are
 * read defensively, as that API evolves on its own) or the browser's estimate on synthetic data.
 */

/** A figure of both versions. `unit` says how to show it. */
export interface ReportMetric {
  key: "cost" | "discount" | "pointsLiability" | "points" | "parkingHours" | "upgrades" | "supremeGranted" | "bonusPoints" | "pointsForfeited";
  unit: "fen" | "count" | "hours";
  baseline: number | null;
  draft: number;
}

/** A member whose outcome differs most between the versions. */
export interface AffectedMember {
  memberId: string;
  receipts: number;
  discountFen: number;
  pointsValueFen: number;
  /** Discount plus points value, draft − baseline. */
  deltaFen: number;
  baselinePath: string | null;
  draftPath: string | null;
}

/** A simulation's results, ready to draw. */
export interface SimulationReport {
  computedBy: "server" | "browser";
  receipts: number;
  tiers: string[];
  tierByMonth: { month: string; baseline: Record<string, number> | null; draft: Record<string, number> }[];
  metrics: ReportMetric[];
  mostAffected: AffectedMember[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const counts = (v: unknown): Record<string, number> => Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, number] => typeof e[1] === "number"));

function monthly(version: Obj): { month: string; counts: Record<string, number> }[] {
  const list = Array.isArray(version.tierByMonth) ? version.tierByMonth : [];
  return list.flatMap((m) => {
    const o = obj(m);
    return typeof o.month === "string" ? [{ month: o.month, counts: counts(o.counts) }] : [];
  });
}

/** Reads the simulations API's results (a SimulationResult of the engine) into a report. */
export function reportFromServer(results: unknown, tierOrder: readonly string[] = []): SimulationReport {
  const r = obj(results);
  const draft = obj(r.draft);
  const baseline = r.baseline ? obj(r.baseline) : null;
  const draftMonths = monthly(draft);
  const baselineMonths = new Map((baseline ? monthly(baseline) : []).map((m) => [m.month, m.counts]));
  const seen = new Set<string>(tierOrder);
  for (const m of draftMonths) for (const tier of Object.keys(m.counts)) seen.add(tier);
  for (const c of baselineMonths.values()) for (const tier of Object.keys(c)) seen.add(tier);
  const figure = (version: Obj | null, read: (v: Obj) => unknown): number | null => (version ? num(read(version)) : null);
  const metric = (key: ReportMetric["key"], unit: ReportMetric["unit"], read: (v: Obj) => unknown): ReportMetric[] => {
    const d = figure(draft, read);
    return d === null ? [] : [{ key, unit, draft: d, baseline: figure(baseline, read) }];
  };
  const parking = (v: Obj) => (num(obj(v.parking).freeHours) ?? 0) + (num(obj(v.parking).giftHours) ?? 0);
  const affected = Array.isArray(obj(r.diff).mostAffected) ? (obj(r.diff).mostAffected as unknown[]) : [];
  return {
    computedBy: "server",
    receipts: num(obj(draft.receipts).sales) ?? num(r.events) ?? 0,
    tiers: [...seen],
    tierByMonth: draftMonths.map((m) => ({ month: m.month, draft: m.counts, baseline: baseline ? (baselineMonths.get(m.month) ?? {}) : null })),
    metrics: [
      ...metric("cost", "fen", (v) => v.costFen),
      ...metric("discount", "fen", (v) => obj(v.money).discount),
      ...metric("pointsLiability", "fen", (v) => obj(v.points).liabilityFen),
      ...metric("points", "count", (v) => obj(v.points).issued),
      ...metric("parkingHours", "hours", parking),
      ...metric("upgrades", "count", (v) => obj(v.upgrades).total),
      // Year ends and lifecycle rules, for programs that have them (the API's results carry them since they do).
      ...metric("supremeGranted", "count", (v) => obj(v.lifecycle).supremeGranted),
      ...metric("bonusPoints", "count", (v) => obj(v.lifecycle).bonusPoints),
      ...metric("pointsForfeited", "count", (v) => obj(v.lifecycle).pointsForfeited),
    ],
    mostAffected: affected.map((m) => {
      const o = obj(m);
      const discountFen = num(o.discountFen) ?? 0;
      const pointsValueFen = num(o.pointsValueFen) ?? 0;
      return {
        memberId: String(o.customerId ?? o.memberId ?? ""),
        receipts: num(o.receipts) ?? 0,
        discountFen,
        pointsValueFen,
        deltaFen: num(o.deltaFen) ?? discountFen + pointsValueFen,
        baselinePath: typeof o.baselinePath === "string" ? o.baselinePath : null,
        draftPath: typeof o.draftPath === "string" ? o.draftPath : null,
      };
    }),
  };
}
