import { and, asc, desc, eq, gt, or, sql, type SQLWrapper } from "drizzle-orm";
import { endOfLocalDate, pointsValidThrough, type MemberSnapshot, type Policy } from "../../../engine/src/index";
import { insertRows, insertWrite, statement, writeTogether, type Tx, type Write } from "../db/client";
import { ledgerEntries, members, pointLots, receipts } from "../db/schema";
import { ApiError } from "../errors";

/** A member row as stored. */
export type MemberRow = typeof members.$inferSelect;

/** The ledger entry kinds; every change of a balance is one of these. */
export type EntryKind =
  | "points_earned"
  | "points_reversed"
  | "points_expired"
  | "points_forfeited"
  | "points_bonus"
  | "points_redeemed"
  | "points_debt"
  | "debt_repaid"
  | "spend"
  | "spend_reversed"
  | "parking_gift"
  | "points_referral"
  | "stored_value_recharge"
  | "stored_value_bonus"
  | "stored_value_spent"
  | "stored_value_refund"
  | "status_changed"
  | "supreme_granted"
  | "supreme_revoked"
  | "plan_changed";

/** What caused a ledger entry: the decision, receipt, policy version and rule. */
export interface Cause {
  decisionId: string | null;
  receiptId: string | null;
  policyId: string;
  policyVersion: number;
  rule?: string | null;
  at: string;
}

/** The engine's view of a stored member. */
export function snapshotOf(row: MemberRow): MemberSnapshot {
  const profile = row.profile as { student?: boolean; studentOfficer?: boolean };
  return {
    id: row.id,
    tier: row.tier,
    status: row.status as MemberSnapshot["status"],
    supreme: row.supreme,
    issuedOn: row.issuedOn,
    cycleStart: row.cycleStart,
    cycleSpend: row.cycleSpend,
    profile: { student: profile.student ?? false, studentOfficer: profile.studentOfficer ?? false },
    plan: row.plan,
    referred: row.referredBy !== null,
  };
}

/** Refuses (422) to spend `amount` fen of stored value when the member holds only `balance`. */
export function refuseBeyondStoredValue(balance: number, amount: number): void {
  if (amount > balance) throw new ApiError("unprocessable", `the stored value of ${balance} fen is ${amount - balance} fen short of ${amount}`, [{ path: "/tenders", message: "stored_value exceeds the member's stored value" }]);
}

const lockMemberStatement = statement((db) => db.select().from(members).where(eq(members.id, sql.placeholder("id"))).for("update"));

/** Reads a member and locks its row until the transaction ends, so concurrent commits queue up. */
export async function lockMember(tx: Tx, id: string): Promise<MemberRow> {
  const [row] = await lockMemberStatement.run(tx, { id });
  if (!row) throw new ApiError("not_found", `no member "${id}"`);
  return row;
}

/** A member's sales, committed or claimed, at a store on a local date (by default those of the `storeId` and `localDate` placeholders). */
function salesOnStoreDay(memberId: SQLWrapper, storeId: SQLWrapper = sql.placeholder("storeId"), localDate: SQLWrapper = sql.placeholder("localDate")) {
  return and(eq(receipts.type, "sale"), eq(receipts.storeId, storeId), eq(receipts.localDate, localDate), or(eq(receipts.memberId, memberId), eq(receipts.claimedBy, memberId)));
}

/** SQL for the payable total of the enclosing query's `members` row at a store on a local date. */
export function sameDayPayable(storeId: SQLWrapper, localDate: SQLWrapper) {
  return sql<string>`(select coalesce(sum(${receipts.payable}), 0) from ${receipts} where ${salesOnStoreDay(members.id, storeId, localDate)})`;
}

const dayPayableStatement = statement((db) =>
  db
    .select({ total: sql<string>`coalesce(sum(${receipts.payable}), 0)` })
    .from(receipts)
    .where(salesOnStoreDay(sql.placeholder("memberId"))),
);

/** The member's payable total at a store on a local date, over the sales already committed or claimed. */
export async function dayPayableBefore(tx: Tx, memberId: string, storeId: string, localDate: string): Promise<number> {
  const [row] = await dayPayableStatement.run(tx, { memberId, storeId, localDate });
  return Number(row?.total ?? 0);
}

/** A member's qualifying spend in the cycle starting on `cycleStart`, summed from the ledger (the row caches only the latest cycle). */
export async function cycleSpendOf(tx: Tx, memberId: string, cycleStart: string): Promise<number> {
  const [row] = await tx
    .select({ total: sql<string>`coalesce(sum(${ledgerEntries.spend}), 0)` })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.memberId, memberId), eq(ledgerEntries.cycleStart, cycleStart)));
  return Number(row?.total ?? 0);
}

/**
 * Changes to one member's balances within a transaction: every change is a ledger entry, and the
 * member row (the cache of those entries) is written once at the end.
 */
export class MemberLedger {
  private readonly changes: Partial<MemberRow> = {};
  readonly entries: (typeof ledgerEntries.$inferInsert)[] = [];
  // Lots earned but not yet inserted: written with the entries, or before points are taken.
  private readonly lots: (typeof pointLots.$inferInsert)[] = [];

  constructor(
    private readonly tx: Tx,
    readonly member: MemberRow,
    private readonly policy: Policy,
  ) {}

  private get current(): MemberRow {
    return { ...this.member, ...this.changes };
  }

  private entry(kind: EntryKind, cause: Cause, values: Partial<typeof ledgerEntries.$inferInsert>): void {
    this.entries.push({ memberId: this.member.id, kind, decisionId: cause.decisionId, receiptId: cause.receiptId, policyId: cause.policyId, policyVersion: cause.policyVersion, rule: cause.rule ?? null, at: cause.at, ...values });
  }

  /** Earns points: debt is repaid first, the rest becomes a lot that expires per the policy. */
  async earn(points: number, earnedOn: string, cause: Cause, kind: "points_earned" | "points_bonus" | "points_referral" = "points_earned"): Promise<void> {
    if (points <= 0) return;
    const { pointsDebt, pointsBalance } = this.current;
    this.entry(kind, cause, { points });
    const repay = Math.min(points, pointsDebt);
    if (repay > 0) this.entry("debt_repaid", cause, { points: -repay, debt: -repay });
    const kept = points - repay;
    if (kept > 0) {
      const validThrough = pointsValidThrough(earnedOn, this.policy.settings.points.expireAfterYears);
      this.lots.push({ memberId: this.member.id, earnedOn, expiresAt: endOfLocalDate(validThrough, this.policy.settings.timezone), points: kept, remaining: kept, receiptId: cause.receiptId, decisionId: cause.decisionId });
    }
    this.changes.pointsBalance = pointsBalance + kept;
    this.changes.pointsDebt = pointsDebt - repay;
  }

  /**
   * Takes points back: from the lots of `preferReceiptId` first, then oldest first. What the
   * balance cannot cover is recorded as a debt against future points; nothing goes negative.
   */
  async take(points: number, cause: Cause, kind: "points_reversed" | "points_redeemed" | "points_forfeited", preferReceiptId?: string | null): Promise<number> {
    if (points <= 0) return 0;
    // Lots earned through this ledger must be stored to be taken from.
    await insertRows(this.tx, pointLots, this.lots.splice(0));
    const lots = await this.tx
      .select()
      .from(pointLots)
      .where(and(eq(pointLots.memberId, this.member.id), gt(pointLots.remaining, 0)))
      .orderBy(...(preferReceiptId ? [desc(sql`${pointLots.receiptId} is not distinct from ${preferReceiptId}`)] : []), asc(pointLots.expiresAt), asc(pointLots.id))
      .for("update");
    let left = points;
    for (const lot of lots) {
      if (left === 0) break;
      const used = Math.min(left, lot.remaining);
      await this.tx.update(pointLots).set({ remaining: lot.remaining - used }).where(eq(pointLots.id, lot.id));
      this.entry(kind, cause, { points: -used, lotId: lot.id });
      left -= used;
    }
    const taken = points - left;
    this.changes.pointsBalance = this.current.pointsBalance - taken;
    if (left > 0 && kind === "points_reversed") {
      this.entry("points_debt", cause, { debt: left });
      this.changes.pointsDebt = this.current.pointsDebt + left;
    } else if (left > 0) throw new ApiError("unprocessable", `the balance is ${taken} points short of ${points}`);
    return taken;
  }

  /** Expires one lot's remaining points. */
  async expireLot(lot: typeof pointLots.$inferSelect, cause: Cause): Promise<void> {
    if (lot.remaining <= 0) return;
    await this.tx.update(pointLots).set({ remaining: 0 }).where(eq(pointLots.id, lot.id));
    this.entry("points_expired", cause, { points: -lot.remaining, lotId: lot.id });
    this.changes.pointsBalance = this.current.pointsBalance - lot.remaining;
  }

  /** Adds (or, negative, reverses) qualifying spend in a cycle; only the member's current cycle is cached. */
  addSpend(amount: number, cycleStart: string, cause: Cause): void {
    if (amount === 0) return;
    this.entry(amount > 0 ? "spend" : "spend_reversed", cause, { spend: amount, cycleStart });
    const current = this.current;
    if (cycleStart === current.cycleStart) this.changes.cycleSpend = Math.max(0, current.cycleSpend + amount);
    else if (amount > 0 && cycleStart > current.cycleStart) {
      this.changes.cycleStart = cycleStart;
      this.changes.cycleSpend = amount;
    }
  }

  /** Rolls the cached cycle forward to `cycleStart` when a new cycle has begun. */
  enterCycle(cycleStart: string): void {
    if (cycleStart > this.current.cycleStart) {
      this.changes.cycleStart = cycleStart;
      this.changes.cycleSpend = 0;
    }
  }

  /** Credits gift parking hours. */
  giftParking(hours: number, cause: Cause): void {
    if (hours <= 0) return;
    this.entry("parking_gift", cause, { parkingHours: hours });
    this.changes.parkingHours = this.current.parkingHours + hours;
  }

  /** Adds stored value (a recharge, its bonus credit, a refund) or, negative, spends it; spending more than the balance is refused. */
  addStoredValue(amount: number, cause: Cause, kind: "stored_value_recharge" | "stored_value_bonus" | "stored_value_spent" | "stored_value_refund"): void {
    if (amount === 0) return;
    const balance = this.current.storedValue;
    if (amount < 0) refuseBeyondStoredValue(balance, -amount);
    this.entry(kind, cause, { storedValue: amount });
    this.changes.storedValue = balance + amount;
  }

  /** Changes the member's status, supreme club membership or stored-value plan, as a ledger entry naming what changed. */
  change(field: "status" | "supreme" | "plan", to: string | boolean | null, cause: Cause): void {
    const from = this.current[field];
    if (from === to) return;
    const kind: EntryKind = field === "status" ? "status_changed" : field === "plan" ? "plan_changed" : to ? "supreme_granted" : "supreme_revoked";
    this.entry(kind, cause, { detail: { from, to } });
    Object.assign(this.changes, { [field]: to });
  }

  /** Changes fields that are not balances (tier, status, last qualifying day). */
  set(fields: Partial<Pick<MemberRow, "tier" | "status" | "supreme" | "lastQualifyingOn">>): void {
    Object.assign(this.changes, fields);
  }

  /** The writes of the lots, the entries and the member row, for the caller to run with its own (see `writeTogether`). */
  writes(): (Write | null)[] {
    return [insertWrite(pointLots, this.lots.splice(0)), insertWrite(ledgerEntries, this.entries), Object.keys(this.changes).length > 0 ? memberUpdate(this.member.id, this.changes) : null];
  }

  /** Writes the lots, the entries and the member row, in one statement. */
  async flush(): Promise<MemberRow> {
    await writeTogether(this.tx, this.writes());
    return this.current;
  }
}

/** Sets fields of a member row: a statement of the same shape for the same fields. */
function memberUpdate(id: string, changes: Partial<MemberRow>): Write {
  const fields = Object.keys(changes).sort() as (keyof MemberRow)[];
  return {
    shape: `update members ${fields.join()}`,
    sql: (tx, name) =>
      tx
        .update(members)
        .set(Object.fromEntries(fields.map((field) => [field, sql.placeholder(name(field))])))
        .where(eq(members.id, sql.placeholder(name("id"))))
        .getSQL(),
    values: { ...changes, id },
  };
}
