/**
 * Recomputes a member's balances from the append-only tables, independently of the cached
 * columns on `members`: the ledger is the truth, the member row only a cache of it.
 */
import { and, eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "../src/db/client";
import { ledgerEntries, members, pointLots } from "../src/db/schema";

/** What the member row caches: balances, and the standing that status, club and plan entries change. */
interface Balances {
  pointsBalance: number;
  pointsDebt: number;
  cycleSpend: number;
  parkingHours: number;
  storedValue: number;
  status: string;
  supreme: boolean;
  plan: string | null;
}

/** Balances as cached on the member row and as derived from ledger entries and point lots. */
export interface MemberAudit {
  cached: Balances;
  derived: Balances;
  lotsRemaining: number;
  /** Lots whose used points differ from what the entries naming them took out. */
  lotMismatches: { lotId: number; points: number; remaining: number; takenByEntries: number }[];
}

/** Reads one member's cache and recomputes it from `ledger_entries` and `point_lots`. */
export async function auditMember(db: Db, memberId: string): Promise<MemberAudit> {
  const [member] = await db.select().from(members).where(eq(members.id, memberId));
  if (!member) throw new Error(`no member ${memberId}`);
  const [sums] = await db
    .select({
      points: sql<string>`coalesce(sum(${ledgerEntries.points}), 0)`,
      debt: sql<string>`coalesce(sum(${ledgerEntries.debt}), 0)`,
      parking: sql<string>`coalesce(sum(${ledgerEntries.parkingHours}), 0)`,
      storedValue: sql<string>`coalesce(sum(${ledgerEntries.storedValue}), 0)`,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.memberId, memberId));
  // Qualifying spend counts per cycle: the cache holds the cycle that starts on members.cycle_start.
  const [spend] = await db
    .select({ spend: sql<string>`coalesce(sum(${ledgerEntries.spend}), 0)` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.memberId, memberId), eq(ledgerEntries.cycleStart, member.cycleStart)));
  const lots = await db.select().from(pointLots).where(eq(pointLots.memberId, memberId));
  const taken = await db
    .select({ lotId: ledgerEntries.lotId, points: sql<string>`sum(${ledgerEntries.points})` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.memberId, memberId), sql`${ledgerEntries.lotId} is not null`))
    .groupBy(ledgerEntries.lotId);
  // The standing is the last change of each kind, or what an enrolment starts with.
  const changes = await db.select({ kind: ledgerEntries.kind, detail: ledgerEntries.detail }).from(ledgerEntries).where(and(eq(ledgerEntries.memberId, memberId), sql`${ledgerEntries.detail} is not null`)).orderBy(ledgerEntries.id);
  const lastTo = <T>(kinds: string[], initial: T): T => changes.filter((c) => kinds.includes(c.kind)).reduce((value, c) => (c.detail as { to: T }).to, initial);
  const takenByLot = new Map(taken.map((row) => [Number(row.lotId), -Number(row.points)]));
  return {
    cached: { pointsBalance: member.pointsBalance, pointsDebt: member.pointsDebt, cycleSpend: member.cycleSpend, parkingHours: member.parkingHours, storedValue: member.storedValue, status: member.status, supreme: member.supreme, plan: member.plan },
    derived: {
      pointsBalance: Number(sums!.points),
      pointsDebt: Number(sums!.debt),
      cycleSpend: Number(spend!.spend),
      parkingHours: Number(sums!.parking),
      storedValue: Number(sums!.storedValue),
      status: lastTo(["status_changed"], "active"),
      supreme: lastTo(["supreme_granted", "supreme_revoked"], false),
      plan: lastTo<string | null>(["plan_changed"], null),
    },
    lotsRemaining: lots.reduce((sum, lot) => sum + lot.remaining, 0),
    lotMismatches: lots
      .map((lot) => ({ lotId: lot.id, points: lot.points, remaining: lot.remaining, takenByEntries: takenByLot.get(lot.id) ?? 0 }))
      .filter((lot) => lot.points - lot.remaining !== lot.takenByEntries || lot.remaining < 0 || lot.remaining > lot.points),
  };
}

/** Asserts that the member's cached balances are exactly what its ledger and lots say, and none is negative. */
export async function expectBalancesMatchLedger(db: Db, memberId: string, context = ""): Promise<MemberAudit> {
  const audit = await auditMember(db, memberId);
  const where = `${memberId}${context ? ` (${context})` : ""}`;
  expect(audit.cached, `cached balances of ${where}`).toEqual(audit.derived);
  expect(audit.lotsRemaining, `points remaining in the lots of ${where}`).toBe(audit.cached.pointsBalance);
  expect(audit.lotMismatches, `lots of ${where}`).toEqual([]);
  expect(audit.cached.pointsBalance, `balance of ${where}`).toBeGreaterThanOrEqual(0);
  expect(audit.cached.pointsDebt, `debt of ${where}`).toBeGreaterThanOrEqual(0);
  expect(audit.cached.cycleSpend, `cycle spend of ${where}`).toBeGreaterThanOrEqual(0);
  return audit;
}
