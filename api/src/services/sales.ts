import { and, eq, sql } from "drizzle-orm";
import {
  checkReturn,
  cycleOn,
  cycleSpendBefore,
  decideReturn,
  localDayOf,
  parseInstant,
  receiptSchema,
  tenderAmount,
  type Decision,
  type MemberSnapshot,
  type Policy,
  type Receipt,
} from "../../../engine/src/index";
import type { Principal } from "../auth";
import { insertWrite, statement, writeLast, writeTogether, type Db, type Tx, type Write } from "../db/client";
import { decisions, members, receipts } from "../db/schema";
import { ApiError, isUniqueViolation } from "../errors";
import { canonicalJson, newId, sha256 } from "../ids";
import type { DecisionLog } from "./decision-log";
import { cycleSpendOf, dayPayableBefore, lockMember, MemberLedger, refuseBeyondStoredValue, snapshotOf, type Cause, type MemberRow } from "./ledger";
import type { PolicyRegistry, PublishedVersion } from "./policies";
import { QuoteMembers } from "./quote-members";

/** A decision as the API answers it: the engine's decision with the id it is logged under. */
export type ApiDecision = { decisionId: string } & Omit<Decision, "trace"> & { trace: Decision["trace"] };

/**
 * What the engine saw for a sale besides the receipt: enough to decide it again, trace and all.
 * Logged with quotes and sale commits instead of their trace, which is most of a decision's size.
 */
export interface SaleContext {
  member: MemberSnapshot | null;
  dayPayableBefore: number;
}

/** A logged decision as the log keeps it. */
export interface LoggedDecision {
  policyId: string;
  policyVersion: number;
  input: unknown;
  result: unknown;
  context: unknown;
}

/** What the log keeps of an answered decision: a sale's context in place of its trace (see answeredResult), anything else whole. */
export function loggedResult(result: ApiDecision, context: SaleContext | null): Pick<LoggedDecision, "result" | "context"> {
  return context ? { result: { ...result, trace: undefined }, context } : { result, context: null };
}

/** A logged decision's result as it was answered: the trace, left out of a sale's log, re-derived from its receipt, context and policy version. */
export function answeredResult(registry: PolicyRegistry, logged: LoggedDecision): Record<string, unknown> {
  const result = logged.result as Record<string, unknown>;
  if (!logged.context || result.trace !== undefined) return result;
  const context = logged.context as SaleContext;
  const receipt = receiptSchema.parse(logged.input);
  const { trace } = registry.version(logged.policyId, logged.policyVersion).compiled.decide({ receipt, member: context.member, dayPayableBefore: context.dayPayableBefore });
  return { ...result, trace };
}

/** What the sales service needs. */
export interface SalesDeps {
  db: Db;
  registry: PolicyRegistry;
  log: DecisionLog;
  defaultProgram: string;
}

type ReceiptRow = typeof receipts.$inferSelect;

function bodyHashOf(receipt: Receipt): string {
  return sha256(canonicalJson(receipt));
}

const findReceiptStatement = statement((db) => db.select().from(receipts).where(eq(receipts.receiptId, sql.placeholder("receiptId"))).limit(1));
const storedDecisionStatement = statement((db) =>
  db.select({ policyId: decisions.policyId, policyVersion: decisions.policyVersion, input: decisions.input, result: decisions.result, context: decisions.context }).from(decisions).where(eq(decisions.id, sql.placeholder("decisionId"))).limit(1),
);

/** Quotes, commits (sales and returns) and claims: every change a receipt makes, in one transaction each. */
export class SalesService {
  private readonly quoteMembers: QuoteMembers;

  constructor(private readonly deps: SalesDeps) {
    this.quoteMembers = new QuoteMembers(deps.db);
  }

  private async memberFor(tx: Tx, memberId: string | null | undefined, lock: boolean): Promise<MemberRow | null> {
    if (!memberId) return null;
    if (lock) return lockMember(tx, memberId);
    const [row] = await tx.select().from(members).where(eq(members.id, memberId)).limit(1);
    if (!row) throw new ApiError("not_found", `no member "${memberId}"`);
    return row;
  }

  /**
   * A quote's member and its same store-day total in one round trip, shared with the quotes that
   * arrived with it (see QuoteMembers); the day is taken in the default program's time zone and
   * re-read if the member's differs.
   */
  private async memberForQuote(receipt: Receipt): Promise<{ member: MemberRow | null; dayBefore: number | undefined }> {
    if (!receipt.memberId) return { member: null, dayBefore: 0 };
    const day = this.defaultDay(receipt);
    const row = await this.quoteMembers.read({ memberId: receipt.memberId, storeId: receipt.storeId, localDate: day.date });
    if (!row) throw new ApiError("not_found", `no member "${receipt.memberId}"`);
    return { member: row.member, dayBefore: this.dayTotalFor(row.member, receipt, day.timezone, Number(row.dayBefore)) };
  }

  /** A receipt's store-day in the default program's time zone, read before the member's program is known. */
  private defaultDay(receipt: Receipt): { timezone: string; date: string } {
    const timezone = this.versionFor(null, parseInstant(receipt.at)).compiled.policy.settings.timezone;
    return { timezone, date: localDayOf(parseInstant(receipt.at), timezone).date };
  }

  /** A day total read for the default program's store-day, or undefined when the member's program keeps another time zone (decideSale then reads its own). */
  private dayTotalFor(member: MemberRow, receipt: Receipt, timezone: string, total: number): number | undefined {
    return this.versionFor(member, parseInstant(receipt.at)).compiled.policy.settings.timezone === timezone ? total : undefined;
  }

  private versionFor(member: MemberRow | null, atMs: number): PublishedVersion {
    return this.deps.registry.inForce(member?.programId ?? this.deps.defaultProgram, atMs);
  }

  private async decideSale(tx: Tx, receipt: Receipt, member: MemberRow | null, pricesFixed = false, knownDayBefore?: number) {
    const atMs = parseInstant(receipt.at);
    const version = this.versionFor(member, atMs);
    const policy = version.compiled.policy;
    const day = localDayOf(atMs, policy.settings.timezone);
    if (member?.status === "cancelled") throw new ApiError("unprocessable", `member "${member.id}" is cancelled`);
    // A quote answers as its commit would: stored value the member does not hold is refused by both.
    if (member && !pricesFixed && holdsStoredValue(version)) refuseBeyondStoredValue(member.storedValue, tenderAmount(receipt, "stored_value"));
    const snapshot = member ? await this.snapshotOn(tx, member, policy, day.date) : null;
    const before = !member ? 0 : knownDayBefore ?? (await dayPayableBefore(tx, member.id, receipt.storeId, day.date));
    const decision = version.compiled.decide({ receipt, member: snapshot, dayPayableBefore: before, pricesFixed });
    const cycle = snapshot ? cycleSpendBefore(policy, snapshot, day.date) : null;
    return { version, policy, day, decision, cycle, snapshot, before };
  }

  /**
   * The member as the engine should see it on `date`. A receipt of a cycle before the cached one
   * (a till that synced late) is judged against that cycle's spend, read from the ledger.
   */
  private async snapshotOn(tx: Tx, member: MemberRow, policy: Policy, date: string): Promise<MemberSnapshot> {
    const snapshot = snapshotOf(member);
    const cycle = cycleOn(member.issuedOn, date, policy.settings.cycle.firstCycleExtraYears);
    if (cycle.start >= member.cycleStart) return snapshot;
    return { ...snapshot, cycleStart: cycle.start, cycleSpend: await cycleSpendOf(tx, member.id, cycle.start) };
  }

  /** Decides a receipt without changing anything; the decision is logged as a quote. */
  async quote(receipt: Receipt, principal: Principal): Promise<ApiDecision> {
    const db = this.deps.db;
    let decision: Decision;
    let member: MemberRow | null;
    let context: SaleContext | null = null;
    if (receipt.type === "return") {
      // The same body as a transaction: what this return would reverse, as things stand now.
      const original = await this.findReceipt(db, receipt.originalReceiptId!);
      if (!original || original.type !== "sale") throw new ApiError("unprocessable", "a return needs a committed sale to return", [{ path: "/originalReceiptId", message: `no committed sale "${receipt.originalReceiptId}"` }]);
      member = await this.memberFor(db, original.memberId ?? original.claimedBy, false);
      decision = await this.decideReturnOf(db, receipt, original, member);
    } else {
      const found = await this.memberForQuote(receipt);
      member = found.member;
      const decided = await this.decideSale(db, receipt, member, false, found.dayBefore);
      decision = decided.decision;
      context = { member: decided.snapshot, dayPayableBefore: decided.before };
    }
    const result: ApiDecision = { decisionId: newId("d"), ...decision };
    this.deps.log.enqueue({ id: result.decisionId, kind: "quote", policyId: decision.policy.id, policyVersion: decision.policy.version, receiptId: receipt.receiptId ?? null, memberId: member?.id ?? null, keyId: principal.keyId, input: receipt, ...loggedResult(result, context) });
    return result;
  }

  /** Commits a receipt once: the same body again answers the stored decision; another body with the same id is a conflict. */
  async commit(receipt: Receipt, principal: Principal): Promise<{ created: boolean; decision: ApiDecision }> {
    const receiptId = receipt.receiptId;
    if (!receiptId) throw new ApiError("invalid_request", "a transaction needs its receiptId", [{ path: "/receiptId", message: "required for transactions" }]);
    const bodyHash = bodyHashOf(receipt);
    try {
      return await this.deps.db.transaction(async (tx) => {
        if (receipt.type === "sale") {
          const { existing, member, dayBefore } = await this.lockForSale(tx, receipt, receiptId);
          if (existing) return { created: false, decision: await this.replay(tx, existing, bodyHash) };
          return { created: true, decision: await this.commitSale(tx, receipt, receiptId, bodyHash, member, principal, dayBefore) };
        }
        // A receipt already committed answers as a replay whatever its new body names: a body that
        // differs is a conflict even when it names another sale.
        const existing = await this.findReceipt(tx, receiptId);
        if (existing) return { created: false, decision: await this.replay(tx, existing, bodyHash) };
        // Locks are always taken receipt first, then member (as claims and enrolments do).
        const original = await this.lockOriginal(tx, receipt);
        const member = await this.memberFor(tx, this.returnMemberId(receipt, original), true);
        // A concurrent commit of the same receipt may have finished while this one waited for a lock.
        const committed = await this.findReceipt(tx, receiptId);
        if (committed) return { created: false, decision: await this.replay(tx, committed, bodyHash) };
        return { created: true, decision: await this.commitReturn(tx, receipt, receiptId, bodyHash, original, member, principal) };
      });
    } catch (error) {
      // A concurrent commit of the same receiptId won the insert: answer as a replay.
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.findReceipt(this.deps.db, receiptId);
      if (!existing) throw error;
      return { created: false, decision: await this.replay(this.deps.db, existing, bodyHash) };
    }
  }

  /**
   * What a sale is committed against, in one round trip (the transaction's BEGIN goes with it): its
   * member, locked until the transaction ends; the receipt, if it is already committed; the
   * member's payable total that store-day. The three statements go as one pipeline, each starting
   * when the one before it has ended, so the last two see every commit that finished while the
   * lock was awaited.
   */
  private async lockForSale(tx: Tx, receipt: Receipt, receiptId: string): Promise<{ existing: ReceiptRow | null; member: MemberRow | null; dayBefore: number | undefined }> {
    const memberId = receipt.memberId;
    const day = this.defaultDay(receipt);
    const [locked, found, total] = await Promise.allSettled([
      memberId ? lockMember(tx, memberId) : null,
      this.findReceipt(tx, receiptId),
      memberId ? dayPayableBefore(tx, memberId, receipt.storeId, day.date) : 0,
    ]);
    // A receipt already committed answers as a replay whatever its new body names: a body that
    // differs is a conflict even when it names an unknown member.
    if (found.status === "fulfilled" && found.value) return { existing: found.value, member: null, dayBefore: undefined };
    if (locked.status === "rejected") throw locked.reason;
    if (found.status === "rejected") throw found.reason;
    if (total.status === "rejected") throw total.reason;
    const member = locked.value;
    return { existing: null, member, dayBefore: member ? this.dayTotalFor(member, receipt, day.timezone, total.value) : 0 };
  }

  private async findReceipt(tx: Tx, receiptId: string): Promise<ReceiptRow | null> {
    const [row] = await findReceiptStatement.run(tx, { receiptId });
    return row ?? null;
  }

  private async storedDecision(tx: Tx, decisionId: string): Promise<ApiDecision> {
    const [row] = await storedDecisionStatement.run(tx, { decisionId });
    if (!row) throw new Error(`decision ${decisionId} is missing from the log`);
    return answeredResult(this.deps.registry, row) as ApiDecision;
  }

  private async replay(tx: Tx, existing: ReceiptRow, bodyHash: string): Promise<ApiDecision> {
    if (existing.bodyHash !== bodyHash) throw new ApiError("conflict", `receipt "${existing.receiptId}" was already committed with a different body`);
    return this.storedDecision(tx, existing.decisionId);
  }

  private async commitSale(tx: Tx, receipt: Receipt, receiptId: string, bodyHash: string, member: MemberRow | null, principal: Principal, knownDayBefore?: number): Promise<ApiDecision> {
    const { decision, day, cycle, policy, version, snapshot, before } = await this.decideSale(tx, receipt, member, false, knownDayBefore);
    const result: ApiDecision = { decisionId: newId("d"), ...decision };
    const cause: Cause = { decisionId: result.decisionId, receiptId, policyId: decision.policy.id, policyVersion: decision.policy.version, at: receipt.at };
    const ledger = member && cycle ? new MemberLedger(tx, member, policy) : null;
    if (ledger) {
      await applySale(ledger, decision, cause, day.date, cycle!.start);
      if (holdsStoredValue(version)) ledger.addStoredValue(-tenderAmount(receipt, "stored_value"), cause, "stored_value_spent");
    }
    // The receipt, its decision and the ledger in one statement, and the COMMIT right behind it.
    const context: SaleContext = { member: snapshot, dayPayableBefore: before };
    const writes = [...commitWrites(this.deps.log, { receipt, receiptId, bodyHash, result, context, localDate: day.date, memberId: member?.id ?? null, keyId: principal.keyId, kind: "commit", originalReceiptId: null, cycleStart: cycle?.start ?? null }), ...(ledger?.writes() ?? [])];
    await finishCommit(tx, writes, member, policy, decision.referrerPoints, cause, day.date);
    return result;
  }

  /**
   * The sale a return returns, locked until the transaction ends: returns of one sale (and a
   * claim of it) queue up, so that two returns can never together give back more than was bought.
   */
  private async lockOriginal(tx: Tx, receipt: Receipt): Promise<ReceiptRow> {
    const [original] = await tx.select().from(receipts).where(eq(receipts.receiptId, receipt.originalReceiptId!)).for("update");
    if (!original || original.type !== "sale") throw new ApiError("unprocessable", "a return needs a committed sale to return", [{ path: "/originalReceiptId", message: `no committed sale "${receipt.originalReceiptId}"` }]);
    return original;
  }

  private returnMemberId(receipt: Receipt, original: ReceiptRow): string | null {
    const owner = original.memberId ?? original.claimedBy ?? null;
    if (receipt.memberId && owner && receipt.memberId !== owner) throw new ApiError("unprocessable", "the return names another member than its original sale", [{ path: "/memberId", message: `the original sale belongs to "${owner}"` }]);
    return owner;
  }

  /** The reversal a return causes, checked against its original sale and the returns before it. */
  private async decideReturnOf(tx: Tx, receipt: Receipt, original: ReceiptRow, member: MemberRow | null) {
    const earlier = await tx.select({ body: receipts.body }).from(receipts).where(and(eq(receipts.originalReceiptId, original.receiptId), eq(receipts.type, "return")));
    const returnedBefore: Record<string, number> = {};
    for (const row of earlier) for (const line of (row.body as Receipt).lines) returnedBefore[line.lineId] = (returnedBefore[line.lineId] ?? 0) + line.quantity;
    const originalDecision = await this.storedDecision(tx, original.claimDecisionId ?? original.decisionId);
    const input = { original: { receipt: original.body as Receipt, decision: originalDecision }, returnedBefore, lines: receipt.lines, memberTierNow: member?.tier ?? null };
    const refusals = checkReturn(input);
    if (refusals.length > 0) throw new ApiError("unprocessable", "the return does not match what was bought", refusals);
    return decideReturn(input);
  }

  private async commitReturn(tx: Tx, receipt: Receipt, receiptId: string, bodyHash: string, original: ReceiptRow, member: MemberRow | null, principal: Principal): Promise<ApiDecision> {
    const decision = await this.decideReturnOf(tx, receipt, original, member);
    const version = this.deps.registry.version(decision.policy.id, decision.policy.version);
    const day = localDayOf(parseInstant(receipt.at), version.compiled.policy.settings.timezone);
    const result: ApiDecision = { decisionId: newId("d"), ...decision };
    const cause: Cause = { decisionId: result.decisionId, receiptId, policyId: decision.policy.id, policyVersion: decision.policy.version, at: receipt.at };
    const ledger = member ? new MemberLedger(tx, member, version.compiled.policy) : null;
    if (ledger) {
      await ledger.take(-decision.points.earned, cause, "points_reversed", original.receiptId);
      if (original.cycleStart) ledger.addSpend(decision.totals.qualifyingSpend, original.cycleStart, cause);
      if (holdsStoredValue(version)) ledger.addStoredValue(decision.refund.storedValue, cause, "stored_value_refund");
    }
    const writes = [...commitWrites(this.deps.log, { receipt, receiptId, bodyHash, result, localDate: day.date, memberId: member?.id ?? null, keyId: principal.keyId, kind: "return", originalReceiptId: original.receiptId, cycleStart: original.cycleStart }), ...(ledger?.writes() ?? [])];
    await finishCommit(tx, writes, member, version.compiled.policy, decision.referrerPoints, cause, day.date, original.receiptId);
    return result;
  }

  /** Attaches an anonymous sale to a member for points, on the same store-day only. */
  async claim(receiptId: string, memberId: string, at: string, principal: Principal): Promise<ApiDecision> {
    return this.deps.db.transaction(async (tx) => {
      // Receipt first, then member: the order commits of returns and enrolments lock in too.
      const [row] = await tx.select().from(receipts).where(eq(receipts.receiptId, receiptId)).for("update");
      if (!row) throw new ApiError("not_found", `no committed receipt "${receiptId}"`);
      const member = await lockMember(tx, memberId);
      if (row.type !== "sale") throw new ApiError("unprocessable", "only sales can be claimed");
      if (row.claimedBy === memberId && row.claimDecisionId) return this.storedDecision(tx, row.claimDecisionId);
      if (row.memberId || row.claimedBy) throw new ApiError("unprocessable", "the sale already belongs to a member");
      if (row.evidenceFor) throw new ApiError("unprocessable", "the sale was used as enrolment evidence and earns no points");
      // The claim decides the whole sale: after a return it would earn points on goods given back.
      const [returned] = await tx.select({ receiptId: receipts.receiptId }).from(receipts).where(and(eq(receipts.originalReceiptId, receiptId), eq(receipts.type, "return"))).limit(1);
      if (returned) throw new ApiError("unprocessable", `the sale was already partly or wholly returned (${returned.receiptId}); it can no longer be claimed`);
      const receipt = row.body as Receipt;
      const version = this.versionFor(member, parseInstant(receipt.at));
      const claimDay = localDayOf(parseInstant(at), version.compiled.policy.settings.timezone);
      if (claimDay.date !== row.localDate) throw new ApiError("unprocessable", `points for an unswiped sale must be claimed on its store-day (${row.localDate}), not ${claimDay.date}`, [{ path: "/at", message: "not the sale's store-day" }]);
      const { decision, day, cycle, policy } = await this.decideSale(tx, { ...receipt, memberId }, member, true);
      const result: ApiDecision = { decisionId: newId("d"), ...decision };
      await this.deps.log.write(tx, { id: result.decisionId, kind: "claim", policyId: decision.policy.id, policyVersion: decision.policy.version, receiptId, memberId, keyId: principal.keyId, input: { receiptId, memberId, at }, result });
      await tx.update(receipts).set({ claimedBy: memberId, claimDecisionId: result.decisionId, qualifyingSpend: decision.totals.qualifyingSpend, pointsEarned: decision.points.earned, cycleStart: cycle!.start }).where(eq(receipts.receiptId, receiptId));
      const ledger = new MemberLedger(tx, member, policy);
      await applySale(ledger, decision, { decisionId: result.decisionId, receiptId, policyId: decision.policy.id, policyVersion: decision.policy.version, at: receipt.at }, day.date, cycle!.start);
      await ledger.flush();
      return result;
    });
  }
}

/**
 * The writes that store a committed receipt with its decision and log the decision. A concurrent
 * commit of the same receipt fails the receipt's insert (23505), and with it the statement, so
 * the commit answers as a replay.
 */
function commitWrites(
  log: DecisionLog,
  c: { receipt: Receipt; receiptId: string; bodyHash: string; result: ApiDecision; context?: SaleContext; localDate: string; memberId: string | null; keyId: string; kind: "commit" | "return"; originalReceiptId: string | null; cycleStart: string | null },
): (Write | null)[] {
  const { result } = c;
  return [
    insertWrite(receipts, [{
      receiptId: c.receiptId,
      type: c.kind === "return" ? "return" : "sale",
      originalReceiptId: c.originalReceiptId,
      memberId: c.memberId,
      storeId: c.receipt.storeId,
      at: c.receipt.at,
      localDate: c.localDate,
      body: c.receipt,
      bodyHash: c.bodyHash,
      decisionId: result.decisionId,
      policyId: result.policy.id,
      policyVersion: result.policy.version,
      payable: result.totals.payable,
      qualifyingSpend: result.totals.qualifyingSpend,
      pointsEarned: result.points.earned,
      cycleStart: c.cycleStart,
    }]),
    // A return's decision (no context) is logged whole.
    log.entry({ id: result.decisionId, kind: c.kind, policyId: result.policy.id, policyVersion: result.policy.version, receiptId: c.receiptId, memberId: c.memberId, keyId: c.keyId, input: c.receipt, ...loggedResult(result, c.context ?? null) }),
  ];
}

/** What a member's sale adds to the ledger: points, qualifying spend in its cycle, a tier move and its gift hours. */
async function applySale(ledger: MemberLedger, decision: Decision, cause: Cause, localDate: string, cycleStart: string): Promise<void> {
  ledger.enterCycle(cycleStart);
  await ledger.earn(decision.points.earned, localDate, { ...cause, rule: decision.points.rules[0] ?? null });
  ledger.addSpend(decision.totals.qualifyingSpend, cycleStart, cause);
  if (decision.totals.qualifyingSpend > 0) {
    ledger.set({ lastQualifyingOn: localDate });
    // A qualifying sale wakes a dormant card.
    if (ledger.member.status === "dormant") ledger.change("status", "active", cause);
  }
  if (decision.tierChange) {
    ledger.set({ tier: decision.tierChange.to });
    ledger.giftParking(decision.tierChange.giftParkingHours, { ...cause, rule: decision.tierChange.rules[0] ?? null });
  }
}

/**
 * Whether this service holds the program's stored value: programs with recharge rules sell it
 * here, so their stored_value tenders spend it; other programs' stored value lives elsewhere.
 */
function holdsStoredValue(version: PublishedVersion): boolean {
  return version.compiled.plan.scopes.recharge.length > 0;
}

/**
 * Ends a commit: its receipt, decision and ledger writes in one statement with the COMMIT right
 * behind it, or, when the member's referrer gains or loses points by it, that statement and then
 * the referrer's points (see payReferrer), which must come after it in the same transaction.
 */
async function finishCommit(tx: Tx, writes: (Write | null)[], member: MemberRow | null, policy: Policy, share: Decision["referrerPoints"], cause: Cause, localDate: string, originalReceiptId?: string): Promise<void> {
  if (!member?.referredBy || share.earned === 0) return writeLast(tx, writes);
  await writeTogether(tx, writes);
  await payReferrer(tx, member.referredBy, policy, share, cause, localDate, originalReceiptId);
}

/**
 * Credits (or, for a return, takes back) the points a referral-share rule gives a member's
 * referrer. The referrer's row is locked after the member's: a referrer always enrolled before
 * the members it referred, so these locks are always taken newer member first and cannot cycle.
 */
async function payReferrer(tx: Tx, referrerId: string, policy: Policy, share: Decision["referrerPoints"], cause: Cause, localDate: string, originalReceiptId?: string): Promise<void> {
  const referrer = new MemberLedger(tx, await lockMember(tx, referrerId), policy);
  const referralCause = { ...cause, rule: share.rules[0] ?? null };
  if (share.earned > 0) await referrer.earn(share.earned, localDate, referralCause, "points_referral");
  else await referrer.take(-share.earned, referralCause, "points_reversed", originalReceiptId);
  await referrer.flush();
}
