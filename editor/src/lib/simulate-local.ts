/**
 * A simulation in the browser, for when the simulations API is not there: synthetic members
 * shop month by month; each version carries its own copy of every member (tier, cycle spend)
 * through the same receipts, so tier paths may part.
 */
import { cycleSpendBefore, memberSnapshotSchema, receiptSchema, type CompiledPolicy, type MemberSnapshot } from "../../../engine/src/index";
import type { AffectedMember, ReportMetric, SimulationReport } from "./simulation-report";
import { seededRandom, syntheticInstant, syntheticLines, tierWeights } from "./synthetic";

/** The size of a browser simulation. */
export interface LocalSimulationOptions {
  members: number;
  months: number;
  /** The first month, `YYYY-MM`. */
  startMonth?: string;
  seed?: number;
}

interface Side {
  members: MemberSnapshot[];
  discount: number;
  points: number;
  parkingHours: number;
  upgrades: number;
  /** Per member: discount plus points value, and the tiers it went through. */
  value: number[];
  path: string[][];
}

function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, "0")}`;
}

function tally(members: readonly MemberSnapshot[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of members) out[m.tier] = (out[m.tier] ?? 0) + 1;
  return out;
}

/**
 * Runs the simulation one month per step; each step yields the share done (0–1), and the
 * generator returns the report.
 */
export function* simulateInBrowser(baseline: CompiledPolicy | null, draft: CompiledPolicy, options: LocalSimulationOptions): Generator<number, SimulationReport> {
  const random = seededRandom(options.seed ?? 7);
  const start = options.startMonth ?? "2026-01";
  const tiers = draft.policy.tiers.map((t) => t.id);
  const weights = tierWeights(tiers.length);
  const total = weights.reduce((a, b) => a + b, 0);
  const people = Array.from({ length: options.members }, (_, i) => {
    let r = random() * total;
    let tier = tiers[0]!;
    for (let t = 0; t < tiers.length; t++) {
      r -= weights[t]!;
      if (r < 0) {
        tier = tiers[t]!;
        break;
      }
    }
    const issuedOn = `${addMonths(start, -1 - Math.floor(random() * 12))}-01`;
    return memberSnapshotSchema.parse({ id: `m_sim_${String(i + 1).padStart(4, "0")}`, tier, issuedOn, cycleStart: issuedOn, cycleSpend: 0 });
  });
  const side = (): Side => ({ members: people.map((p) => ({ ...p })), discount: 0, points: 0, parkingHours: 0, upgrades: 0, value: people.map(() => 0), path: people.map((p) => [p.tier]) });
  const sides: { policy: CompiledPolicy; state: Side }[] = [{ policy: draft, state: side() }];
  if (baseline) sides.push({ policy: baseline, state: side() });
  const tierByMonth: SimulationReport["tierByMonth"] = [];
  const receiptCounts = people.map(() => 0);
  let receipts = 0;
  for (let month = 0; month < options.months; month++) {
    const label = addMonths(start, month);
    for (let i = 0; i < people.length; i++) {
      const visits = Math.floor(random() * random() * 5);
      for (let v = 0; v < visits; v++) {
        const receipt = receiptSchema.parse({ storeId: "simulation", at: syntheticInstant(random, label), lines: syntheticLines(random, receipts) });
        receipts += 1;
        receiptCounts[i]! += 1;
        for (const { policy, state } of sides) {
          const before = state.members[i]!;
          const cycle = cycleSpendBefore(policy.policy, before, receipt.at.slice(0, 10));
          const member = { ...before, cycleStart: cycle.start, cycleSpend: cycle.spend };
          try {
            const decision = policy.decide({ receipt, member });
            state.discount += decision.totals.discount;
            state.points += decision.points.earned;
            state.parkingHours += decision.parking.freeHoursToday + (decision.tierChange?.giftParkingHours ?? 0);
            state.value[i]! += decision.totals.discount + decision.points.earned * policy.policy.settings.points.valueFen;
            const next = { ...member, cycleSpend: member.cycleSpend + decision.totals.qualifyingSpend };
            if (decision.tierChange) {
              state.upgrades += 1;
              next.tier = decision.tierChange.to;
              state.path[i]!.push(decision.tierChange.to);
            }
            state.members[i] = next;
          } catch {
            // A member of a tier this version does not know: left as it is.
          }
        }
      }
    }
    tierByMonth.push({ month: label, draft: tally(sides[0]!.state.members), baseline: sides[1] ? tally(sides[1].state.members) : null });
    yield (month + 1) / options.months;
  }
  const d = sides[0]!.state;
  const b = sides[1]?.state ?? null;
  const valueFen = (policy: CompiledPolicy | undefined, points: number) => Math.round(points * (policy?.policy.settings.points.valueFen ?? 0));
  const metrics: ReportMetric[] = [
    { key: "cost", unit: "fen", draft: d.discount + valueFen(draft, d.points), baseline: b ? b.discount + valueFen(baseline!, b.points) : null },
    { key: "discount", unit: "fen", draft: d.discount, baseline: b?.discount ?? null },
    { key: "pointsLiability", unit: "fen", draft: valueFen(draft, d.points), baseline: b ? valueFen(baseline!, b.points) : null },
    { key: "points", unit: "count", draft: d.points, baseline: b?.points ?? null },
    { key: "parkingHours", unit: "hours", draft: d.parkingHours, baseline: b?.parkingHours ?? null },
    { key: "upgrades", unit: "count", draft: d.upgrades, baseline: b?.upgrades ?? null },
  ];
  const mostAffected: AffectedMember[] = people
    .map((p, i) => ({
      memberId: p.id,
      receipts: receiptCounts[i]!,
      discountFen: 0,
      pointsValueFen: 0,
      deltaFen: Math.round(d.value[i]! - (b?.value[i] ?? 0)),
      baselinePath: b ? b.path[i]!.join(" → ") : null,
      draftPath: d.path[i]!.join(" → "),
    }))
    .filter((m) => m.deltaFen !== 0)
    .sort((x, y) => Math.abs(y.deltaFen) - Math.abs(x.deltaFen) || (x.memberId < y.memberId ? -1 : 1))
    .slice(0, 10);
  return { computedBy: "browser", receipts, tiers, tierByMonth, metrics, mostAffected };
}
