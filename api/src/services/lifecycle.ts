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

function noChanges(): MemberChangeCounts {
  return { members: 0, supremeGranted: 0, supremeRevoked: 0, statusChanged: {}, bonusPoints: 0, pointsForfeited: 0 };
}

function changesSomething(decision: MemberChangeDecision): boolean {
  return decision.status !== null || decision.supreme !== null || decision.bonusPoints !== null || decision.forfeitPoints !== null;
}

/**
 * Lifecycle steps due up to `asOf`: points expiry, then every calendar year end not yet done for
 * each member (supreme club grant, demotion, reward), then the lifecycle rules (dormancy,
 * cancellation with forfeiture). One member per transaction, and every step either records that
 * it was done (year ends, in lifecycle_steps) or finds nothing left to do when run again, so an
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
      for (const member of page) {
        const closedNow = await this.yearEnds(member, closed.get(member.id) ?? NO_YEARS, asOf, asOfMs, keyId, result.yearEnds);
        await this.lifecycleStep(member, closedNow, asOf, asOfMs, keyId, result.lifecycle);
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

  /**
   * Closes, oldest first, every calendar year of the member that ended by `asOf` and is not in
   * `closedYears`, each under the policy version in force when that year ended; says whether it
   * closed any.
   */
  private async yearEnds(row: MemberRow, closedYears: ReadonlySet<number>, asOf: string, asOfMs: number, keyId: string | null, counts: LifecycleResult["yearEnds"]): Promise<boolean> {
    const memberId = row.id;
    const timezone = this.deps.registry.inForce(row.programId, asOfMs).compiled.policy.settings.timezone;
    const lastClosed = yearOf(localDayOf(asOfMs, timezone).date) - 1;
    let closedAny = false;
    for (let year = yearOf(row.issuedOn); year <= lastClosed; year++) {
      if (closedYears.has(year)) continue;
      const endsAt = endOfLocalDate(`${year}-12-31`, timezone);
      const version = this.deps.registry.inForce(row.programId, parseInstant(endsAt) - 1);
      if (version.compiled.plan.scopes["year-end"].length === 0) continue;
      closedAny = true;
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
    return closedAny;
  }

  /** Qualifying spend of a member in a calendar year, from the ledger (returns count in the year they happen). */
  private async spendIn(tx: Tx, memberId: string, year: number, timezone: string): Promise<number> {
    const from = new Date(parseInstant(endOfLocalDate(`${year - 1}-12-31`, timezone))).toISOString();
    const to = new Date(parseInstant(endOfLocalDate(`${year}-12-31`, timezone))).toISOString();
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
