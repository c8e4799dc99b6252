import { and, asc, eq, gt, inArray, or, sql } from "drizzle-orm";
import { cycleOn, localDayOf, parseInstant, zoneGroupsOf, type CompiledPolicy, type Decision, type Receipt } from "../../../engine/src/index";
import type { Principal } from "../auth";
import type { Db, Tx } from "../db/client";
import { decisions, ledgerEntries, members, pointLots, receipts } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import type { DecisionLog } from "./decision-log";
import { MemberLedger, type MemberRow } from "./ledger";
import { memberBenefits } from "./benefits";
import type { PolicyRegistry } from "./policies";

type ReceiptRow = typeof receipts.$inferSelect;

/** An enrolment request of the POS contract. */
export interface EnrolmentRequest {
  storeId: string;
  at: string;
  program: string;
  evidenceReceiptIds: string[];
  profile: { name?: string | undefined; phone?: string | undefined; student: boolean; studentOfficer: boolean };
  feePaid?: number;
  referrerId?: string | undefined;
}

/** Enrolment, the member view and the member's ledger. */
export class MembersService {
  constructor(private readonly deps: { db: Db; registry: PolicyRegistry; log: DecisionLog; now: () => Date }) {}

  /**
   * Enrols a new member on the evidence of anonymous receipts of the same store-day, each usable
   * once; refuses with the reason and the shortfall when no entry threshold is met.
   */
  async enrol(request: EnrolmentRequest, principal: Principal) {
    const atMs = parseInstant(request.at);
    const version = this.deps.registry.inForce(request.program, atMs);
    const policy = version.compiled.policy;
    const day = localDayOf(atMs, policy.settings.timezone);
    return this.deps.db.transaction(async (tx) => {
      const ids = [...new Set(request.evidenceReceiptIds)];
      const rows = ids.length === 0 ? [] : await tx.select().from(receipts).where(inArray(receipts.receiptId, ids)).for("update");
      const errors: { path: string; message: string }[] = [];
      request.evidenceReceiptIds.forEach((id, i) => {
        const row = rows.find((r) => r.receiptId === id);
        const path = `/evidenceReceiptIds/${i}`;
        if (!row) errors.push({ path, message: `no committed receipt "${id}"` });
        else if (row.type !== "sale") errors.push({ path, message: "a return is not evidence" });
        else if (row.memberId || row.claimedBy) errors.push({ path, message: "a receipt that earned points cannot be evidence" });
        else if (row.evidenceFor) errors.push({ path, message: "this receipt was already used as evidence" });
        else if (row.storeId !== request.storeId || row.localDate !== day.date) errors.push({ path, message: `evidence must be of the same store-day (${request.storeId}, ${day.date}), not ${row.storeId}, ${row.localDate}` });
      });
      const referrer = request.referrerId ? await this.referrer(tx, request.referrerId, policy.id, errors) : null;
      if (errors.length > 0) throw new ApiError("unprocessable", "the evidence cannot be used", errors);
      const evidence = await evidenceSpend(tx, rows, version.compiled);
      const spend = evidence.total;
      const decision = version.compiled.enrol({
        at: request.at,
        storeId: request.storeId,
        evidenceQualifyingSpend: spend,
        evidenceReceiptCount: rows.length,
        evidenceLargestReceiptSpend: evidence.largestReceipt,
        evidenceSpendByZoneGroup: evidence.byZoneGroup,
        feePaid: request.feePaid ?? 0,
        referral: referrer !== null,
        profile: { student: request.profile.student, studentOfficer: request.profile.studentOfficer },
      });
      const decisionId = newId("d");
      if (!decision.accepted) {
        // A refusal changes nothing, but it is a decision like any other: log it outside this transaction.
        this.deps.log.enqueue({ id: decisionId, kind: "enrolment", policyId: policy.id, policyVersion: policy.version, memberId: null, keyId: principal.keyId, input: request, result: decision });
        throw new ApiError("unprocessable", decision.reason, undefined, { reason: decision.reason, shortfall: decision.shortfall, tier: decision.lowestTier, evidenceQualifyingSpend: spend, decisionId });
      }
      const id = newId("m");
      const [created] = await tx.insert(members).values({ id, programId: policy.id, tier: decision.tier, issuedOn: day.date, cycleStart: day.date, cycleSpend: 0, profile: request.profile, storeId: request.storeId, enrolledAt: request.at, referredBy: referrer?.id ?? null }).returning();
      if (ids.length > 0) await tx.update(receipts).set({ evidenceFor: id }).where(inArray(receipts.receiptId, ids));
      await this.deps.log.write(tx, { id: decisionId, kind: "enrolment", policyId: policy.id, policyVersion: policy.version, memberId: id, keyId: principal.keyId, input: request, result: decision });
      const cause = { decisionId, receiptId: null, policyId: policy.id, policyVersion: policy.version, at: request.at };
      if (decision.bonusPoints) {
        const ledger = new MemberLedger(tx, created!, policy);
        await ledger.earn(decision.bonusPoints.points, day.date, { ...cause, rule: decision.bonusPoints.rule }, "points_bonus");
        await ledger.flush();
      }
      if (referrer && decision.referrerBonus) {
        const ledger = new MemberLedger(tx, referrer, policy);
        await ledger.earn(decision.referrerBonus.points, day.date, { ...cause, rule: decision.referrerBonus.rule }, "points_referral");
        await ledger.flush();
      }
      return { decisionId, member: await this.view(id, tx) , decision };
    });
  }

  /** The referring member, locked (it may earn a referral bonus); a problem is added to `errors` when it cannot refer. */
  private async referrer(tx: Tx, id: string, programId: string, errors: { path: string; message: string }[]): Promise<MemberRow | null> {
    const [row] = await tx.select().from(members).where(eq(members.id, id)).for("update");
    if (!row) errors.push({ path: "/referrerId", message: `no member "${id}"` });
    else if (row.programId !== programId) errors.push({ path: "/referrerId", message: `the referrer belongs to program "${row.programId}"` });
    else if (row.status === "cancelled") errors.push({ path: "/referrerId", message: "the referrer's card is cancelled" });
    else return row;
    return null;
  }

  /** The member as the POS contract shows it, with its current cycle as of now. */
  async view(id: string, db: Db | Parameters<Parameters<Db["transaction"]>[0]>[0] = this.deps.db) {
    const [row] = await db.select().from(members).where(eq(members.id, id)).limit(1);
    if (!row) throw new ApiError("not_found", `no member "${id}"`);
    const now = this.deps.now();
    const version = this.deps.registry.inForce(row.programId, now.getTime());
    const policy = version.compiled.policy;
    const today = localDayOf(now.getTime(), policy.settings.timezone).date;
    const cycle = cycleOn(row.issuedOn, today < row.cycleStart ? row.cycleStart : today, policy.settings.cycle.firstCycleExtraYears);
    const expiring = await db
      .select({ expiresAt: pointLots.expiresAt, points: sql<string>`sum(${pointLots.remaining})` })
      .from(pointLots)
      .where(and(eq(pointLots.memberId, id), gt(pointLots.remaining, 0)))
      .groupBy(pointLots.expiresAt)
      .orderBy(asc(pointLots.expiresAt));
    return {
      id: row.id,
      program: row.programId,
      tier: row.tier,
      status: row.status,
      supreme: row.supreme,
      issuedOn: row.issuedOn,
      cycle: { start: cycle.start, end: cycle.end, qualifyingSpend: cycle.start === row.cycleStart ? row.cycleSpend : 0 },
      points: { balance: row.pointsBalance, debt: row.pointsDebt, expiring: expiring.map((e) => ({ expiresAt: new Date(e.expiresAt).toISOString(), points: Number(e.points) })) },
      parkingHours: row.parkingHours,
      benefits: memberBenefits(version.compiled, row, now.toISOString()),
      storedValue: { balance: row.storedValue, plan: row.plan },
      referredBy: row.referredBy,
    };
  }

  /** Every ledger entry of a member, oldest first, each naming what caused it. */
  async ledger(id: string) {
    const [row] = await this.deps.db.select({ id: members.id }).from(members).where(eq(members.id, id)).limit(1);
    if (!row) throw new ApiError("not_found", `no member "${id}"`);
    const entries = await this.deps.db.select().from(ledgerEntries).where(eq(ledgerEntries.memberId, id)).orderBy(asc(ledgerEntries.id));
    return entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      points: e.points,
      debt: e.debt,
      spend: e.spend,
      parkingHours: e.parkingHours,
      storedValue: e.storedValue,
      detail: e.detail,
      cycleStart: e.cycleStart,
      lotId: e.lotId,
      decisionId: e.decisionId,
      receiptId: e.receiptId,
      policy: { id: e.policyId, version: e.policyVersion },
      rule: e.rule,
      at: e.at,
    }));
  }

  /** Receipts of a member (committed or claimed), for audit and tests. */
  async receipts(id: string): Promise<Receipt[]> {
    const rows = await this.deps.db.select({ body: receipts.body }).from(receipts).where(or(eq(receipts.memberId, id), eq(receipts.claimedBy, id)));
    return rows.map((r) => r.body as Receipt);
  }
}

/**
 * What the evidence receipts (net of their returns) bring to an enrolment: the qualifying spend in
 * all, of the largest single receipt, and by zone group (qualifying lines' payable, by the zone of
 * the line; lines in no group under `outside`). A receipt decided under another program (an
 * anonymous sale is decided under the store's default program) is decided again, net of what was
 * returned of it, under the program applied for.
 */
async function evidenceSpend(tx: Tx, rows: ReceiptRow[], compiled: CompiledPolicy): Promise<{ total: number; largestReceipt: number; byZoneGroup: Record<string, number> }> {
  const policy = compiled.policy;
  const ids = rows.map((r) => r.receiptId);
  const returns = ids.length === 0 ? [] : await tx.select().from(receipts).where(inArray(receipts.originalReceiptId, ids));
  const decisionIds = [...rows, ...returns].map((r) => r.decisionId);
  const logged = decisionIds.length === 0 ? [] : await tx.select({ id: decisions.id, result: decisions.result }).from(decisions).where(inArray(decisions.id, decisionIds));
  const decisionOf = new Map(logged.map((d) => [d.id, d.result as Decision]));
  const byZoneGroup: Record<string, number> = {};
  let total = 0;
  let largestReceipt = 0;
  for (const row of rows) {
    const receipt = row.body as Receipt;
    const own = returns.filter((r) => r.originalReceiptId === row.receiptId);
    let spend: number;
    let lines: Decision["lines"];
    if (row.policyId === policy.id) {
      spend = row.qualifyingSpend + own.reduce((sum, r) => sum + r.qualifyingSpend, 0);
      lines = [row, ...own].flatMap((r) => decisionOf.get(r.decisionId)?.lines ?? []);
    } else {
      const net = netOfReturns(receipt, own.map((r) => r.body as Receipt));
      const decision = net ? compiled.decide({ receipt: net, member: null }) : null;
      spend = decision?.totals.qualifyingSpend ?? 0;
      lines = decision?.lines ?? [];
    }
    total += spend;
    largestReceipt = Math.max(largestReceipt, spend);
    const zoneOf = new Map(receipt.lines.map((line) => [line.lineId, line.zone]));
    for (const line of lines) {
      if (!line.qualifying) continue;
      const groups = zoneGroupsOf(policy, zoneOf.get(line.lineId));
      for (const group of groups.length > 0 ? groups : ["outside"]) byZoneGroup[group] = (byZoneGroup[group] ?? 0) + line.payable;
    }
  }
  return { total, largestReceipt, byZoneGroup };
}

/** A sale less what its returns gave back, or null when nothing is left of it. */
function netOfReturns(sale: Receipt, returns: Receipt[]): Receipt | null {
  const returned = new Map<string, number>();
  for (const r of returns) for (const line of r.lines) returned.set(line.lineId, (returned.get(line.lineId) ?? 0) + line.quantity);
  const lines = sale.lines.map((line) => ({ ...line, quantity: line.quantity - (returned.get(line.lineId) ?? 0) })).filter((line) => line.quantity > 0);
  return lines.length === 0 ? null : { ...sale, lines };
}
