/**
 * The service's own history: the receipts it committed, the members it enrolled and the sales it
 * attached by claims, as history events in commit order (what the live ledger saw), read in
 * pages so that memory stays bounded whatever the table's size.
 */
import { and, asc, eq, gt, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { HistoryEvent, Receipt } from "../../../engine/src/index";
import type { Db } from "../db/client";
import { decisions, members, receipts } from "../db/schema";

const PAGE = 2_000;

/** A stored timestamp (ISO or PostgreSQL's text form) in microseconds, so that commits a millisecond apart keep their order. */
export function timestampMicros(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (!match) return Date.parse(text) * 1000;
  const [, date, time, fraction = "", zone = "Z"] = match;
  const offset = zone === "Z" ? "Z" : zone.length === 3 ? `${zone}:00` : zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return Date.parse(`${date}T${time}${offset}`) * 1000 + Number(fraction.padEnd(6, "0").slice(0, 6));
}

interface Keyed {
  createdAt: string;
  key: string;
  event: HistoryEvent;
}

/** Reads a table in pages ordered by (created_at, key): each page starts after the last row of the previous. */
async function* paged(load: (after: { createdAt: string; key: string } | null) => Promise<Keyed[]>): AsyncGenerator<Keyed> {
  let after: { createdAt: string; key: string } | null = null;
  for (;;) {
    const rows = await load(after);
    for (const row of rows) yield row;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.createdAt, key: last.key };
  }
}

function afterClause(createdAt: SQL | unknown, key: SQL | unknown, after: { createdAt: string; key: string } | null): SQL | undefined {
  if (after === null) return undefined;
  return or(gt(createdAt as never, after.createdAt), and(eq(createdAt as never, after.createdAt), gt(key as never, after.key)));
}

/** Options of the recorded history. */
export interface RecordedOptions {
  programId: string;
}

/**
 * Recorded receipts as history: a committed sale is a sale (of its member, or anonymous; a sale
 * later used as enrolment evidence is marked as such for that member), a committed return a return,
 * a member an `enrol` event at its enrolment (evidence: its evidence sales), a claim a `claim` event.
 */
export async function* recordedHistory(db: Db, options: RecordedOptions): AsyncGenerator<HistoryEvent[]> {
  const original = alias(receipts, "original");
  const receiptRows = paged(async (after) => {
    const rows = await db
      .select({
        receiptId: receipts.receiptId,
        type: receipts.type,
        memberId: receipts.memberId,
        evidenceFor: receipts.evidenceFor,
        body: receipts.body,
        createdAt: receipts.createdAt,
        originalOwner: sql<string | null>`coalesce(${original.memberId}, ${original.claimedBy}, ${original.evidenceFor})`,
      })
      .from(receipts)
      .leftJoin(original, eq(original.receiptId, receipts.originalReceiptId))
      .where(and(eq(receipts.policyId, options.programId), afterClause(receipts.createdAt, receipts.receiptId, after)))
      .orderBy(asc(receipts.createdAt), asc(receipts.receiptId))
      .limit(PAGE);
    return rows.map((row): Keyed => {
      const receipt = row.body as Receipt;
      const event: HistoryEvent =
        row.type === "return"
          ? { kind: "return", receiptId: row.receiptId, originalReceiptId: receipt.originalReceiptId!, customerId: row.originalOwner, storeId: receipt.storeId, at: receipt.at, lines: receipt.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })) }
          : row.memberId
            ? { kind: "sale", receipt, customerId: row.memberId }
            : row.evidenceFor
              ? { kind: "sale", receipt, customerId: row.evidenceFor, evidence: true }
              : { kind: "sale", receipt, customerId: null };
      return { createdAt: row.createdAt, key: row.receiptId, event };
    });
  });
  const memberRows = paged(async (after) => {
    const rows = await db
      .select({ id: members.id, storeId: members.storeId, enrolledAt: members.enrolledAt, profile: members.profile, createdAt: members.createdAt })
      .from(members)
      .where(and(eq(members.programId, options.programId), afterClause(members.createdAt, members.id, after)))
      .orderBy(asc(members.createdAt), asc(members.id))
      .limit(PAGE);
    return rows.map((row): Keyed => {
      const profile = row.profile as { student?: boolean; studentOfficer?: boolean };
      return { createdAt: row.createdAt, key: row.id, event: { kind: "enrol", customerId: row.id, storeId: row.storeId, at: new Date(row.enrolledAt).toISOString(), profile: { student: profile.student ?? false, studentOfficer: profile.studentOfficer ?? false } } };
    });
  });
  const claimRows = paged(async (after) => {
    const rows = await db
      .select({ id: decisions.id, input: decisions.input, createdAt: decisions.createdAt, body: receipts.body })
      .from(decisions)
      .innerJoin(receipts, eq(receipts.receiptId, decisions.receiptId))
      .where(and(eq(decisions.kind, "claim"), eq(decisions.policyId, options.programId), afterClause(decisions.createdAt, decisions.id, after)))
      .orderBy(asc(decisions.createdAt), asc(decisions.id))
      .limit(PAGE);
    return rows.map((row): Keyed => {
      const input = row.input as { memberId: string; at: string };
      return { createdAt: row.createdAt, key: row.id, event: { kind: "claim", receipt: row.body as Receipt, customerId: input.memberId, at: input.at } };
    });
  });
  const sources = [receiptRows, memberRows, claimRows];
  const heads = await Promise.all(sources.map(async (s) => (await s.next()).value ?? null));
  let batch: HistoryEvent[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head && (best < 0 || timestampMicros(head.createdAt) < timestampMicros(heads[best]!.createdAt))) best = i;
    }
    if (best < 0) break;
    const head = heads[best]!;
    batch.push(head.event);
    if (batch.length >= 1_000) {
      yield batch;
      batch = [];
    }
    heads[best] = (await sources[best]!.next()).value ?? null;
  }
  if (batch.length > 0) yield batch;
}
