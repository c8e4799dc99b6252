import { and, asc, eq, gt, gte, lt, lte, sql } from "drizzle-orm";
import { endOfLocalDate, localDayOf, parseInstant, yearOf, type MemberChangeDecision } from "../../../engine/src/index";
import type { Db, Tx } from "../db/client";
import { ledgerEntries, lifecycleRuns, lifecycleSteps, members, pointLots } from "../db/schema";
import { newId } from "../ids";
import type { DecisionLog } from "./decision-log";
import { lockMember, MemberLedger, snapshotOf, type Cause, type MemberRow } from "./ledger";
import type { PolicyRegistry, PublishedVersion } from "./policies";

/** What a year end or a lifecycle step changed, summed over members. */
export interface MemberChangeCounts {
  members: number;
  supremeGranted: number;
  supremeRevoked: number;
  statusChanged: Record<string, number>;
  bonusPoints: number;
  pointsForfeited: number;
}

/** What one lifecycle run changed. */
export interface LifecycleResult {
  asOf: string;
  pointsExpired: { members: number; lots: number; points: number };
  /** Calendar years closed by this run, with what their year-end rules changed. */
  yearEnds: MemberChangeCounts & { years: number[] };
  /** What the lifecycle rules (dormancy, cancellation, reactivation) changed as of `asOf`. */
  lifecycle: MemberChangeCounts;
}

/** Members are read a page at a time, in id order: a run over every member holds one page of them. */
const PAGE_SIZE = 1_000;

const NO_YEARS: ReadonlySet<number> = new Set();

/** A calendar year of a member's still to close: when it ended, in which time zone, and the version then in force. */
interface DueYear {
  year: number;
  timezone: string;
  endsAt: string;
  version: PublishedVersion;
}

/** Where a calendar year of a time zone starts and ends, as instants: ledger entries at or after `from` and before `to` are in it. */
function yearBounds(year: number, timezone: string): { from: string; to: string } {
  const instant = (date: string) => new Date(parseInstant(endOfLocalDate(date, timezone))).toISOString();
  return { from: instant(`${year - 1}-12-31`), to: instant(`${year}-12-31`) };
}

const spendKey = (timezone: string, year: number) => `${timezone} ${year}`;

function noChanges(): MemberChangeCounts {
  return { members: 0, supremeGranted: 0, supremeRevoked: 0, statusChanged: {}, bonusPoints: 0, pointsForfeited: 0 };
}

function changesSomething(decision: MemberChangeDecision): boolean {
  return decision.status !== null || decision.supreme !== null || decision.bonusPoints !== null || decision.forfeitPoints !== null;
}

/**
 * Lifecycle steps due up to `asOf`: points expiry, then every calendar year end not yet done for
 * each member (supreme club grant, demotion, reward), then the lifecycle rules (dormancy,
 * cancellation with forfeiture). Every change is made in a transaction of its member's (year ends
 * that change nothing are recorded a page at a time), and every step either records that it was
 * done (year ends, in lifecycle_steps) or finds nothing left to do when run again, so an
 * interrupted run is resumed by running it again and a repeated run changes nothing.
 */
export class LifecycleService {
  constructor(private readonly deps: { db: Db; registry: PolicyRegistry; log: DecisionLog; pageSize?: number }) {}

  async run(asOf: string, keyId: string | null): Promise<LifecycleResult> {
    const asOfMs = parseInstant(asOf);
    const result: LifecycleResult = { asOf, pointsExpired: await this.expirePoints(asOf, keyId), yearEnds: { ...noChanges(), years: [] }, lifecycle: noChanges() };
    // Read after expiry, so that each page shows the balances expiry left.
    for (let after: string | null = null; ; ) {
      const page: MemberRow[] = await this.deps.db.select().from(members).where(after === null ? undefined : gt(members.id, after)).orderBy(asc(members.id)).limit(this.deps.pageSize ?? PAGE_SIZE);
      if (page.length === 0) break;
      const closed = await this.closedYearEnds(page[0]!.id, page[page.length - 1]!.id);
      const due = new Map(page.map((member) => [member.id, this.dueYears(member, closed.get(member.id) ?? NO_YEARS, asOfMs)]));
      const changing = await this.closeQuietYears(page, due, asOf, result.yearEnds);
      for (const member of page) {
        const years = changing.get(member.id)!;
        await this.yearEnds(member.id, years, asOf, keyId, result.yearEnds);
        await this.lifecycleStep(member, years.length > 0, asOf, asOfMs, keyId, result.lifecycle);
      }
      after = page[page.length - 1]!.id;
    }
    result.yearEnds.years.sort((a, b) => a - b);
    await this.deps.db.insert(lifecycleRuns).values({ asOf: new Date(asOfMs).toISOString(), result, keyId }).onConflictDoNothing();
    return result;
  }

  /** Expires every lot whose validity ended by `asOf`. */
  private async expirePoints(asOf: string, keyId: string | null): Promise<LifecycleResult["pointsExpired"]> {
    const asOfMs = parseInstant(asOf);
    const asOfIso = new Date(asOfMs).toISOString();
    const totals = { members: 0, lots: 0, points: 0 };
    const due = await this.deps.db.selectDistinct({ memberId: pointLots.memberId }).from(pointLots).where(and(lte(pointLots.expiresAt, asOfIso), gt(pointLots.remaining, 0))).orderBy(asc(pointLots.memberId));
    for (const { memberId } of due) {
      await this.deps.db.transaction(async (tx) => {
        const member = await lockMember(tx, memberId);
        const version = this.deps.registry.inForce(member.programId, asOfMs);
        const lots = await tx.select().from(pointLots).where(and(eq(pointLots.memberId, memberId), lte(pointLots.expiresAt, asOfIso), gt(pointLots.remaining, 0))).orderBy(asc(pointLots.id)).for("update");
        if (lots.length === 0) return;
        const ledger = new MemberLedger(tx, member, version.compiled.policy);
        // Each member's expiry is a logged decision, so that its ledger entries name what caused them.
        const decisionId = newId("d");
        const expired = lots.map((lot) => ({ lotId: lot.id, receiptId: lot.receiptId, earnedOn: lot.earnedOn, expiresAt: lot.expiresAt, points: lot.remaining }));
        for (const lot of lots) {
          await ledger.expireLot(lot, { decisionId, receiptId: lot.receiptId, policyId: version.programId, policyVersion: version.version, rule: "settings/points/expireAfterYears", at: asOf });
        }
        const points = expired.reduce((sum, lot) => sum + lot.points, 0);
        await this.deps.log.write(tx, { id: decisionId, kind: "points_expiry", policyId: version.programId, policyVersion: version.version, receiptId: null, memberId, keyId, input: { asOf, memberId }, result: { decisionId, expired, points } });
        await ledger.flush();
        totals.lots += lots.length;
        totals.points += points;
        totals.members += 1;
      });
    }
    return totals;
  }

  /** The years closed for the members of ids from `first` to `last`, by member. */
  private async closedYearEnds(first: string, last: string): Promise<Map<string, Set<number>>> {
    const rows = await this.deps.db
      .select({ memberId: lifecycleSteps.memberId, period: lifecycleSteps.period })
      .from(lifecycleSteps)
      .where(and(gte(lifecycleSteps.memberId, first), lte(lifecycleSteps.memberId, last), eq(lifecycleSteps.step, "year-end")));
    const closed = new Map<string, Set<number>>();
    for (const { memberId, period } of rows) {
      let years = closed.get(memberId);
      if (!years) closed.set(memberId, (years = new Set()));
      years.add(Number(period));
    }
    return closed;
  }

  /** The member's calendar years that ended by `asOfMs` and are not in `closedYears`, oldest first, but those whose version has no year-end rules. */
  private dueYears(row: MemberRow, closedYears: ReadonlySet<number>, asOfMs: number): DueYear[] {
    const timezone = this.deps.registry.inForce(row.programId, asOfMs).compiled.policy.settings.timezone;
    const lastClosed = yearOf(localDayOf(asOfMs, timezone).date) - 1;
    const due: DueYear[] = [];
    for (let year = yearOf(row.issuedOn); year <= lastClosed; year++) {
      if (closedYears.has(year)) continue;
      const endsAt = endOfLocalDate(`${year}-12-31`, timezone);
      const version = this.deps.registry.inForce(row.programId, parseInstant(endsAt) - 1);
      if (version.compiled.plan.scopes["year-end"].length > 0) due.push({ year, timezone, endsAt, version });
    }
    return due;
  }

  /**
   * Closes in one statement the due years of a page's members whose year-end rules change
   * nothing, decided on the page's read of each member and of its spend: of each member's due
   * years, those before the first one its rules would change it in. Answers, by member, that
   * year and the later ones, whose decisions depend on it: they are to be closed under the
   * member's lock. Deciding on the read is deciding as of that moment, as closing the year a
   * moment earlier would have; a year closed meanwhile by a concurrent run is left as that run
   * closed it.
   */
  private async closeQuietYears(page: MemberRow[], due: ReadonlyMap<string, DueYear[]>, asOf: string, counts: LifecycleResult["yearEnds"]): Promise<Map<string, DueYear[]>> {
    const spend = await this.spendByYear(page[0]!.id, page[page.length - 1]!.id, [...due.values()].flat());
    const quiet: (typeof lifecycleSteps.$inferInsert)[] = [];
    const changing = new Map<string, DueYear[]>();
    for (const member of page) {
      const years = due.get(member.id)!;
      let closing = 0;
      for (; closing < years.length; closing++) {
        const { year, timezone, version } = years[closing]!;
        const spent = (y: number) => spend.get(spendKey(timezone, y))?.get(member.id) ?? 0;
        const decision = version.compiled.yearEnd({ member: snapshotOf(member), year, yearQualifyingSpend: spent(year), priorYearQualifyingSpend: spent(year - 1), pointsBalance: member.pointsBalance });
        if (changesSomething(decision)) break;
        // A year end that changes nothing logs no decision; its step still names an id of its own, as under a lock.
        quiet.push({ memberId: member.id, step: "year-end", period: String(year), decisionId: newId("d"), asOf });
      }
      changing.set(member.id, years.slice(closing));
    }
    if (quiet.length > 0) {
      const closed = await this.deps.db.insert(lifecycleSteps).values(quiet).onConflictDoNothing().returning({ period: lifecycleSteps.period });
      for (const { period } of closed) if (!counts.years.includes(Number(period))) counts.years.push(Number(period));
    }
    return changing;
  }

  /**
   * Qualifying spend in each time zone's year that `due` years and their prior years ask for, by
   * that key and by member, for the members of ids from `first` to `last`, as spendIn reads it.
   */
  private async spendByYear(first: string, last: string, due: DueYear[]): Promise<Map<string, Map<string, number>>> {
    const wanted = new Map<string, { timezone: string; year: number }>();
    for (const { timezone, year } of due) for (const y of [year - 1, year]) wanted.set(spendKey(timezone, y), { timezone, year: y });
    const spend = new Map<string, Map<string, number>>();
    for (const [key, { timezone, year }] of wanted) {
      const { from, to } = yearBounds(year, timezone);
      const rows = await this.deps.db
        .select({ memberId: ledgerEntries.memberId, total: sql<string>`coalesce(sum(${ledgerEntries.spend}), 0)` })
        .from(ledgerEntries)
        .where(and(gte(ledgerEntries.memberId, first), lte(ledgerEntries.memberId, last), gte(ledgerEntries.at, from), lt(ledgerEntries.at, to)))
        .groupBy(ledgerEntries.memberId);
      spend.set(key, new Map(rows.map((row) => [row.memberId, Number(row.total)])));
    }
    return spend;
  }

  /** Closes the member's `due` years, oldest first, each under its lock and the policy version in force when the year ended. */
  private async yearEnds(memberId: string, due: readonly DueYear[], asOf: string, keyId: string | null, counts: LifecycleResult["yearEnds"]): Promise<void> {
    for (const { year, timezone, endsAt, version } of due) {
      await this.deps.db.transaction(async (tx) => {
        const member = await lockMember(tx, memberId);
        // Checked again under the member's lock: a concurrent run may have closed the year meanwhile.
        const [done] = await tx.select({ period: lifecycleSteps.period }).from(lifecycleSteps).where(and(eq(lifecycleSteps.memberId, memberId), eq(lifecycleSteps.step, "year-end"), eq(lifecycleSteps.period, String(year))));
        if (done) return;
        const [yearSpend, priorYearSpend] = await Promise.all([this.spendIn(tx, memberId, year, timezone), this.spendIn(tx, memberId, year - 1, timezone)]);
        const decision = version.compiled.yearEnd({ member: snapshotOf(member), year, yearQualifyingSpend: yearSpend, priorYearQualifyingSpend: priorYearSpend, pointsBalance: member.pointsBalance });
        const decisionId = newId("d");
        if (changesSomething(decision)) {
          await this.apply(tx, member, version, decision, { decisionId, receiptId: null, policyId: version.programId, policyVersion: version.version, at: endsAt }, counts);
          await this.deps.log.write(tx, { id: decisionId, kind: "year_end", policyId: version.programId, policyVersion: version.version, receiptId: null, memberId, keyId, input: { asOf, memberId, year, yearQualifyingSpend: yearSpend, priorYearQualifyingSpend: priorYearSpend }, result: { decisionId, ...decision } });
        }
        await tx.insert(lifecycleSteps).values({ memberId, step: "year-end", period: String(year), decisionId, asOf });
        if (!counts.years.includes(year)) counts.years.push(year);
      });
    }
  }

  /** Qualifying spend of a member in a calendar year, from the ledger (returns count in the year they happen). */
  private async spendIn(tx: Tx, memberId: string, year: number, timezone: string): Promise<number> {
    const { from, to } = yearBounds(year, timezone);
    const [row] = await tx
      .select({ total: sql<string>`coalesce(sum(${ledgerEntries.spend}), 0)` })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.memberId, memberId), gte(ledgerEntries.at, from), lt(ledgerEntries.at, to)));
    return Number(row?.total ?? 0);
  }

  /**
   * Applies the lifecycle rules to a member as of `asOf`. They are decided first on `row`, the
   * member as its page read it (unless `changedSince`, its year end having just been closed): a
   * member they leave unchanged, most of them on most days, costs no transaction. Deciding on that
   * read is deciding as of that moment, as a run a moment earlier would have; what changes after it
   * is the next run's. A member they change is decided again on its state under its lock.
   */
  private async lifecycleStep(row: MemberRow, changedSince: boolean, asOf: string, asOfMs: number, keyId: string | null, counts: MemberChangeCounts): Promise<void> {
    const version = this.deps.registry.inForce(row.programId, asOfMs);
    if (version.compiled.plan.scopes.lifecycle.length === 0) return;
    const decide = (member: MemberRow) => version.compiled.lifecycle({ member: snapshotOf(member), at: asOf, lastQualifyingOn: member.lastQualifyingOn, pointsBalance: member.pointsBalance });
    if (!changedSince && !changesSomething(decide(row))) return;
    const memberId = row.id;
    await this.deps.db.transaction(async (tx) => {
      const member = await lockMember(tx, memberId);
      const decision = decide(member);
      if (!changesSomething(decision)) return;
      const decisionId = newId("d");
      await this.apply(tx, member, version, decision, { decisionId, receiptId: null, policyId: version.programId, policyVersion: version.version, at: asOf }, counts);
      await this.deps.log.write(tx, { id: decisionId, kind: "lifecycle", policyId: version.programId, policyVersion: version.version, receiptId: null, memberId, keyId, input: { asOf, memberId, lastQualifyingOn: member.lastQualifyingOn }, result: { decisionId, ...decision } });
    });
  }

  /** Writes what a year end or lifecycle decision changes, each change a ledger entry naming its rule. */
  private async apply(tx: Tx, member: MemberRow, version: PublishedVersion, decision: MemberChangeDecision, cause: Cause, counts: MemberChangeCounts): Promise<void> {
    const ledger = new MemberLedger(tx, member, version.compiled.policy);
    const timezone = version.compiled.policy.settings.timezone;
    if (decision.supreme) {
      ledger.change("supreme", decision.supreme.to, { ...cause, rule: decision.supreme.rule });
      if (decision.supreme.to) counts.supremeGranted += 1;
      else counts.supremeRevoked += 1;
    }
    if (decision.bonusPoints) {
      await ledger.earn(decision.bonusPoints.points, localDayOf(parseInstant(cause.at), timezone).date, { ...cause, rule: decision.bonusPoints.rule }, "points_bonus");
      counts.bonusPoints += decision.bonusPoints.points;
    }
    if (decision.status) {
      ledger.change("status", decision.status.to, { ...cause, rule: decision.status.rule });
      counts.statusChanged[decision.status.to] = (counts.statusChanged[decision.status.to] ?? 0) + 1;
    }
    if (decision.forfeitPoints) {
      counts.pointsForfeited += await ledger.take(ledger.member.pointsBalance, { ...cause, rule: decision.forfeitPoints.rule }, "points_forfeited");
    }
    await ledger.flush();
    counts.members += 1;
  }
}
