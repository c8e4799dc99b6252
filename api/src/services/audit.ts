import { and, asc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Principal } from "../auth";
import type { Db, Tx } from "../db/client";
import { auditEvents } from "../db/schema";

/** What happened, in the closed vocabulary of the audit trail. */
export type AuditAction =
  | "draft.created"
  | "draft.updated"
  | "version.submitted"
  | "version.approved"
  | "version.published"
  | "version.end_scheduled"
  | "version.imported"
  | "key.created"
  | "key.revoked";

/** One event to record. */
export interface AuditInput {
  action: AuditAction;
  programId?: string | null;
  version?: number | null;
  beforeHash?: string | null;
  afterHash?: string | null;
  detail?: Record<string, unknown>;
}

/** Filters of the audit trail; every one optional. */
export interface AuditFilter {
  programId?: string | undefined;
  actor?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** The append-only audit trail: who did what to which version, when, with the hashes before and after. */
export class AuditTrail {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** Records an event in the caller's transaction, so it lands exactly when the change does. */
  async record(tx: Tx, principal: Principal, event: AuditInput): Promise<void> {
    await tx.insert(auditEvents).values({
      at: this.now().toISOString(),
      actorKeyId: principal.keyId,
      actorName: principal.name,
      actorRole: principal.role,
      action: event.action,
      programId: event.programId ?? null,
      version: event.version ?? null,
      beforeHash: event.beforeHash ?? null,
      afterHash: event.afterHash ?? null,
      detail: event.detail ?? {},
    });
  }

  /** The events matching a filter, oldest first. */
  async list(filter: AuditFilter) {
    const where: SQL[] = [];
    if (filter.programId) where.push(eq(auditEvents.programId, filter.programId));
    if (filter.actor) where.push(eq(auditEvents.actorName, filter.actor));
    if (filter.from) where.push(gte(auditEvents.at, new Date(filter.from).toISOString()));
    if (filter.to) where.push(lt(auditEvents.at, new Date(filter.to).toISOString()));
    const rows = await this.db.select().from(auditEvents).where(and(...where)).orderBy(asc(auditEvents.id));
    return rows.map((r) => ({ id: r.id, at: new Date(r.at).toISOString(), actor: { keyId: r.actorKeyId, name: r.actorName, role: r.actorRole }, action: r.action, programId: r.programId, version: r.version, beforeHash: r.beforeHash, afterHash: r.afterHash, detail: r.detail as Record<string, unknown> }));
  }
}

const CSV_COLUMNS = ["id", "at", "actor_name", "actor_role", "actor_key_id", "action", "program_id", "version", "before_hash", "after_hash", "detail"] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  // Quote every cell that could break a row, and defuse spreadsheet formulas.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The audit events as CSV (RFC 4180), one row an event. */
export function auditCsv(events: Awaited<ReturnType<AuditTrail["list"]>>): string {
  const rows = events.map((e) => [e.id, e.at, e.actor.name, e.actor.role, e.actor.keyId, e.action, e.programId, e.version, e.beforeHash, e.afterHash, e.detail].map(csvCell).join(","));
  return [CSV_COLUMNS.join(","), ...rows].join("\r\n") + "\r\n";
}
