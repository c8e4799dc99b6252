import { and, asc, desc, eq, inArray, ne } from "drizzle-orm";
import { diffPolicies, loadCases, parsePolicy, runCase, compilePolicy, type Diagnostic, type Policy, type PolicyCase } from "../../../engine/src/index";
import type { Principal } from "../auth";
import type { Db, Tx } from "../db/client";
import { apiKeys, policyVersions } from "../db/schema";
import { ApiError } from "../errors";
import { canonicalJson, newId } from "../ids";
import type { AuditTrail } from "./audit";
import { announce } from "./changes";
import { contentHash, type PolicyRegistry } from "./policies";

type VersionRow = typeof policyVersions.$inferSelect;

/** Where a version is in its life. */
export type VersionStatus = "draft" | "submitted" | "approved" | "published";

/** The result of validating a version: schema and lint diagnostics, and how its cases fared. */
export interface Validation {
  ok: boolean;
  diagnostics: Diagnostic[];
  cases: { total: number; failed: { name: string; mismatches: { path: string; expected: unknown; actual: unknown }[] }[] };
}

/**
 * The exact text a document is stored and exported as when it did not come from a file: its
 * canonical JSON (keys sorted), indented, so equal content always exports as equal bytes.
 */
export function formatDocument(document: unknown): string {
  return JSON.stringify(JSON.parse(canonicalJson(document)), null, 2) + "\n";
}


function summary(row: VersionRow) {
  return {
    id: row.id,
    programId: row.programId,
    version: row.version,
    status: row.status as VersionStatus,
    // Derived from the document, not the column: seeded rows store a hash that includes the version number.
    contentHash: row.contentHash,
    effectiveFrom: row.effectiveFrom ? new Date(row.effectiveFrom).toISOString() : null,
    effectiveTo: row.effectiveTo ? new Date(row.effectiveTo).toISOString() : null,
    basedOn: row.basedOn,
    createdBy: row.createdBy,
    submittedBy: row.submittedBy,
    approvedBy: row.approvedBy,
    publishedBy: row.publishedBy,
    createdAt: new Date(row.createdAt).toISOString(),
    publishedAt: row.publishedAt ? new Date(row.publishedAt).toISOString() : null,
  };
}

/**
 * Policy versions through their life: draft (editable) → submitted (validated) → approved by
 * another person → published with an effective window. Published content never changes.
 */
export class VersionsService {
  constructor(private readonly deps: { db: Db; registry: PolicyRegistry; audit: AuditTrail; now: () => Date }) {}

  private async row(tx: Tx, programId: string, version: number, lock = false): Promise<VersionRow> {
    const query = tx.select().from(policyVersions).where(and(eq(policyVersions.programId, programId), eq(policyVersions.version, version)));
    const [row] = lock ? await query.for("update") : await query;
    if (!row) throw new ApiError("not_found", `program "${programId}" has no version ${version}`);
    return row;
  }

  /** Every version of a program, newest first. */
  async list(programId: string) {
    const rows = await this.deps.db.select().from(policyVersions).where(eq(policyVersions.programId, programId)).orderBy(desc(policyVersions.version));
    if (rows.length === 0) throw new ApiError("not_found", `no program "${programId}"`);
    return rows.map(summary);
  }

  /** Programs with their versions' count and the version in force now. */
  async programs() {
    const rows = await this.deps.db.select({ programId: policyVersions.programId, version: policyVersions.version, status: policyVersions.status, document: policyVersions.document }).from(policyVersions).orderBy(asc(policyVersions.programId), asc(policyVersions.version));
    const now = this.deps.now().getTime();
    const programs = new Map<string, { id: string; name: unknown; versions: number; inForce: number | null }>();
    for (const r of rows) {
      const entry = programs.get(r.programId) ?? { id: r.programId, name: (r.document as Policy).name, versions: 0, inForce: null };
      entry.versions += 1;
      programs.set(r.programId, entry);
    }
    for (const entry of programs.values()) {
      try {
        entry.inForce = this.deps.registry.inForce(entry.id, now).version;
      } catch {
        entry.inForce = null;
      }
    }
    return [...programs.values()];
  }

  /** One version with its document and cases. */
  async get(programId: string, version: number) {
    const row = await this.row(this.deps.db, programId, version);
    return { ...summary(row), document: row.document, cases: row.cases };
  }

  /** The exact bytes of a version as a policy file: what was imported, or the canonical JSON of what was edited. */
  async export(programId: string, version: number): Promise<string> {
    return (await this.row(this.deps.db, programId, version)).source;
  }

  /** Starts a draft: from a document, or from an existing version's content (a rollback is a draft of an old version). */
  async createDraft(programId: string, input: { document?: unknown; cases?: unknown; basedOn?: number | undefined }, principal: Principal) {
    return this.deps.db.transaction(async (tx) => {
      const [latest] = await tx.select({ version: policyVersions.version }).from(policyVersions).where(eq(policyVersions.programId, programId)).orderBy(desc(policyVersions.version)).limit(1).for("update");
      const version = (latest?.version ?? 0) + 1;
      let document = input.document;
      let cases = input.cases;
      if (input.basedOn !== undefined) {
        const base = await this.row(tx, programId, input.basedOn);
        document ??= structuredClone(base.document);
        cases ??= carryCases(base.cases, base.version, version);
      }
      if (document === undefined || document === null || typeof document !== "object" || Array.isArray(document)) throw new ApiError("invalid_request", "a draft needs a document or a version to start from", [{ path: "/document", message: "required unless basedOn is given" }]);
      const doc = { ...(document as Record<string, unknown>), id: programId, version };
      const row = { id: newId("pv"), programId, version, status: "draft", document: doc, cases: cases ?? [], source: formatDocument(doc), contentHash: contentHash(doc), basedOn: input.basedOn ?? null, createdBy: principal.keyId };
      await tx.insert(policyVersions).values(row);
      await this.deps.audit.record(tx, principal, { action: "draft.created", programId, version, afterHash: row.contentHash, detail: { basedOn: input.basedOn ?? null } });
      return this.validated(row.document, row.cases, { ...summary({ ...row, effectiveFrom: null, effectiveTo: null, submittedBy: null, approvedBy: null, publishedBy: null, createdAt: this.deps.now().toISOString(), publishedAt: null, basedOn: row.basedOn }) });
    });
  }

  /** Replaces a draft's document and/or cases; only drafts can change. */
  async updateDraft(programId: string, version: number, input: { document?: unknown; cases?: unknown }, principal: Principal) {
    return this.deps.db.transaction(async (tx) => {
      const row = await this.row(tx, programId, version, true);
      if (row.status !== "draft") throw new ApiError("conflict", `version ${version} is ${row.status}; only drafts can be edited`);
      const document = input.document === undefined ? row.document : { ...(input.document as Record<string, unknown>), id: programId, version };
      const cases = input.cases === undefined ? row.cases : input.cases;
      const hash = contentHash(document);
      await tx.update(policyVersions).set({ document, cases, source: formatDocument(document), contentHash: hash }).where(eq(policyVersions.id, row.id));
      // The hash covers the document only, so say what changed: a cases-only edit would otherwise look like no change.
      const changed = [...(canonicalJson(document) === canonicalJson(row.document) ? [] : ["document"]), ...(canonicalJson(cases) === canonicalJson(row.cases) ? [] : ["cases"])];
      await this.deps.audit.record(tx, principal, { action: "draft.updated", programId, version, beforeHash: contentHash(row.document), afterHash: hash, detail: { changed } });
      return this.validated(document, cases, summary({ ...row, document, cases, contentHash: hash }));
    });
  }

  private validated<T>(document: unknown, cases: unknown, extra: T): T & { validation: Validation } {
    return { ...extra, validation: validateVersion(document, cases) };
  }

  /** Validates a version: schema, lint and its cases. */
  async validate(programId: string, version: number): Promise<Validation> {
    const row = await this.row(this.deps.db, programId, version);
    return validateVersion(row.document, row.cases);
  }

  /** Submits a draft for approval; refused unless it validates. */
  async submit(programId: string, version: number, principal: Principal) {
    return this.deps.db.transaction(async (tx) => {
      const row = await this.row(tx, programId, version, true);
      if (row.status !== "draft") throw new ApiError("conflict", `version ${version} is ${row.status}, not a draft`);
      const validation = validateVersion(row.document, row.cases);
      if (!validation.ok) throw new ApiError("unprocessable", "the draft does not validate", validationErrors(validation), { validation });
      await tx.update(policyVersions).set({ status: "submitted", submittedBy: principal.keyId }).where(eq(policyVersions.id, row.id));
      await this.deps.audit.record(tx, principal, { action: "version.submitted", programId, version, afterHash: contentHash(row.document) });
      return summary({ ...row, status: "submitted", submittedBy: principal.keyId });
    });
  }

  /** Approves a submitted version: the approver must be another person than its author and submitter. */
  async approve(programId: string, version: number, principal: Principal) {
    return this.deps.db.transaction(async (tx) => {
      const row = await this.row(tx, programId, version, true);
      if (row.status !== "submitted") throw new ApiError("conflict", `version ${version} is ${row.status}; only submitted versions can be approved`);
      const involved = [row.createdBy, row.submittedBy].filter((id): id is string => Boolean(id));
      const names = involved.length ? await tx.select({ id: apiKeys.id, name: apiKeys.name }).from(apiKeys).where(inArray(apiKeys.id, involved)) : [];
      const same = (name: string) => name.trim().toLowerCase() === principal.name.trim().toLowerCase();
      if (involved.includes(principal.keyId) || names.some((n) => same(n.name))) throw new ApiError("forbidden", "four-eyes rule: a version cannot be approved by the person who wrote or submitted it");
      await tx.update(policyVersions).set({ status: "approved", approvedBy: principal.keyId }).where(eq(policyVersions.id, row.id));
      await this.deps.audit.record(tx, principal, { action: "version.approved", programId, version, afterHash: contentHash(row.document) });
      return summary({ ...row, status: "approved", approvedBy: principal.keyId });
    });
  }

  /**
   * Publishes an approved version from `effectiveFrom` (now or later, never in the past). An
   * open-ended version this one follows is scheduled to end at that instant, when this one is
   * open-ended too; any other overlap is refused, so publishing never leaves two versions in
   * force at once, nor silently none.
   */
  async publish(programId: string, version: number, window: { effectiveFrom: string; effectiveTo?: string | undefined }, principal: Principal) {
    const from = Date.parse(window.effectiveFrom);
    const to = window.effectiveTo ? Date.parse(window.effectiveTo) : null;
    if (to !== null && to <= from) throw new ApiError("invalid_request", "effectiveTo must be after effectiveFrom", [{ path: "/effectiveTo", message: "must be after effectiveFrom" }]);
    if (from < this.deps.now().getTime()) throw new ApiError("unprocessable", "a version cannot take effect in the past: decisions already made would change", [{ path: "/effectiveFrom", message: "must not be in the past" }]);
    const result = await this.deps.db.transaction(async (tx) => {
      const row = await this.row(tx, programId, version, true);
      if (row.status !== "approved") throw new ApiError("conflict", `version ${version} is ${row.status}; only approved versions can be published`);
      const validation = validateVersion(row.document, row.cases);
      if (!validation.ok) throw new ApiError("unprocessable", "the version does not validate", validationErrors(validation), { validation });
      const others = await tx.select().from(policyVersions).where(and(eq(policyVersions.programId, programId), eq(policyVersions.status, "published"), ne(policyVersions.id, row.id))).for("update");
      const closing: VersionRow[] = [];
      for (const other of others) {
        const oFrom = Date.parse(other.effectiveFrom!);
        const oTo = other.effectiveTo ? Date.parse(other.effectiveTo) : null;
        const overlaps = oFrom < (to ?? Infinity) && from < (oTo ?? Infinity);
        if (!overlaps) continue;
        if (oFrom < from && oTo === null) {
          // Closing the open-ended version for a bounded one would leave nothing in force after it ends.
          if (to !== null) throw new ApiError("conflict", `version ${other.version} is open-ended; a window ending ${new Date(to).toISOString()} would end it too and leave no version in force afterwards. Publish without effectiveTo, or schedule version ${other.version}'s end first`, [{ path: "/effectiveTo", message: `would leave no version in force after it; version ${other.version} is open-ended` }]);
          closing.push(other);
        } else throw new ApiError("conflict", `the window overlaps version ${other.version} (${new Date(oFrom).toISOString()} – ${oTo === null ? "open" : new Date(oTo).toISOString()})`, [{ path: "/effectiveFrom", message: `overlaps version ${other.version}` }]);
      }
      for (const other of closing) {
        await tx.update(policyVersions).set({ effectiveTo: new Date(from).toISOString() }).where(eq(policyVersions.id, other.id));
        await this.deps.audit.record(tx, principal, { action: "version.end_scheduled", programId, version: other.version, afterHash: contentHash(other.document), detail: { effectiveTo: new Date(from).toISOString(), supersededBy: version } });
      }
      const publishedAt = this.deps.now().toISOString();
      await tx.update(policyVersions).set({ status: "published", effectiveFrom: new Date(from).toISOString(), effectiveTo: to === null ? null : new Date(to).toISOString(), publishedBy: principal.keyId, publishedAt }).where(eq(policyVersions.id, row.id));
      await this.deps.audit.record(tx, principal, { action: "version.published", programId, version, afterHash: contentHash(row.document), detail: { effectiveFrom: new Date(from).toISOString(), effectiveTo: to === null ? null : new Date(to).toISOString() } });
      await announce(tx, { topic: "policies" });
      return summary({ ...row, status: "published", effectiveFrom: new Date(from).toISOString(), effectiveTo: to === null ? null : new Date(to).toISOString(), publishedBy: principal.keyId, publishedAt });
    });
    await this.deps.registry.reload();
    return result;
  }

  /** Schedules a published version to end: not in the past, not before it starts, not once it has ended, and not into another version's window. */
  async scheduleEnd(programId: string, version: number, effectiveTo: string, principal: Principal) {
    const to = Date.parse(effectiveTo);
    if (to < this.deps.now().getTime()) throw new ApiError("unprocessable", "a version cannot end in the past", [{ path: "/effectiveTo", message: "must not be in the past" }]);
    const result = await this.deps.db.transaction(async (tx) => {
      const row = await this.row(tx, programId, version, true);
      if (row.status !== "published") throw new ApiError("conflict", `version ${version} is ${row.status}, not published`);
      if (to <= Date.parse(row.effectiveFrom!)) throw new ApiError("unprocessable", "the end must come after the start", [{ path: "/effectiveTo", message: "must be after effectiveFrom" }]);
      // An end already reached is history: moving it would change which version was in force in the past.
      if (row.effectiveTo !== null && Date.parse(row.effectiveTo) <= this.deps.now().getTime()) throw new ApiError("conflict", `version ${version} already ended at ${new Date(row.effectiveTo).toISOString()}`);
      const from = Date.parse(row.effectiveFrom!);
      const others = await tx.select().from(policyVersions).where(and(eq(policyVersions.programId, programId), eq(policyVersions.status, "published"), ne(policyVersions.id, row.id)));
      for (const other of others) {
        const oFrom = Date.parse(other.effectiveFrom!);
        const oTo = other.effectiveTo ? Date.parse(other.effectiveTo) : null;
        if (oFrom < to && from < (oTo ?? Infinity)) throw new ApiError("conflict", `the window would overlap version ${other.version} (${new Date(oFrom).toISOString()} – ${oTo === null ? "open" : new Date(oTo).toISOString()})`, [{ path: "/effectiveTo", message: `overlaps version ${other.version}` }]);
      }
      await tx.update(policyVersions).set({ effectiveTo: new Date(to).toISOString() }).where(eq(policyVersions.id, row.id));
      await this.deps.audit.record(tx, principal, { action: "version.end_scheduled", programId, version, afterHash: contentHash(row.document), detail: { effectiveTo: new Date(to).toISOString() } });
      await announce(tx, { topic: "policies" });
      return summary({ ...row, effectiveTo: new Date(to).toISOString() });
    });
    await this.deps.registry.reload();
    return result;
  }

  /** The readable structural difference between two versions. */
  async diff(programId: string, from: number, to: number) {
    const [a, b] = await Promise.all([this.row(this.deps.db, programId, from), this.row(this.deps.db, programId, to)]);
    const before = parsePolicy(a.document);
    const after = parsePolicy(b.document);
    if (!before.ok || !after.ok) throw new ApiError("unprocessable", "both versions must be valid policies to compare them", [...(before.ok ? [] : before.diagnostics.map((d) => ({ path: `/from${d.path}`, message: d.message }))), ...(after.ok ? [] : after.diagnostics.map((d) => ({ path: `/to${d.path}`, message: d.message })))]);
    return { programId, from: { version: from, contentHash: contentHash(a.document) }, to: { version: to, contentHash: contentHash(b.document) }, changes: diffPolicies(before.value, after.value) };
  }
}

/**
 * A base version's cases for a draft of it. Cases only ever run against their own version, so one
 * expecting `policy.version` to be the base's number means "this version": it follows the draft.
 */
function carryCases(cases: unknown, from: number, to: number): unknown {
  if (!Array.isArray(cases)) return structuredClone(cases);
  return cases.map((c: unknown) => {
    const expect = (c as { expect?: unknown } | null)?.expect;
    if (!expect || typeof expect !== "object" || (expect as Record<string, unknown>)["policy.version"] !== from) return structuredClone(c);
    return { ...structuredClone(c as Record<string, unknown>), expect: { ...(expect as Record<string, unknown>), "policy.version": to } };
  });
}

/** Schema, lint and cases of a document; ok when there is no error and every case passes. */
export function validateVersion(document: unknown, cases: unknown): Validation {
  const parsed = parsePolicy(document);
  const diagnostics = [...parsed.diagnostics];
  const failed: Validation["cases"]["failed"] = [];
  let list: PolicyCase[] = [];
  try {
    list = loadCases(cases ?? []);
  } catch (error) {
    diagnostics.push({ code: "bad_cases", severity: "error", message: error instanceof Error ? error.message : String(error), path: "/cases" });
  }
  if (parsed.ok) {
    const compiled = compilePolicy(parsed.value);
    for (const c of list) {
      const mismatches = runCase(compiled, c);
      if (mismatches.length > 0) failed.push({ name: c.name, mismatches });
    }
  }
  const ok = parsed.ok && failed.length === 0 && !diagnostics.some((d) => d.severity === "error");
  return { ok, diagnostics, cases: { total: list.length, failed } };
}

function validationErrors(validation: Validation): { path: string; message: string }[] {
  return [
    ...validation.diagnostics.filter((d) => d.severity === "error").map((d) => ({ path: `/document${d.path}`, message: `${d.code}: ${d.message}` })),
    ...validation.cases.failed.map((f) => ({ path: "/cases", message: `case "${f.name}" fails: ${f.mismatches.map((m) => `${m.path} expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.actual)}`).join("; ")}` })),
  ];
}
