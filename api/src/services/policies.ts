import { and, asc, eq } from "drizzle-orm";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy, parsePolicy, type CompiledPolicy, type Policy } from "../../../engine/src/index";
import type { Db } from "../db/client";
import { policyVersions } from "../db/schema";
import { ApiError } from "../errors";
import { canonicalJson, newId, sha256 } from "../ids";
import { announce } from "./changes";

/** When shipped versions take effect if nothing else says so: before any receipt this service will see. */
export const SHIPPED_EFFECTIVE_FROM = "2000-01-01T00:00:00.000Z";

/** A published version as the registry keeps it in memory. */
export interface PublishedVersion {
  id: string;
  programId: string;
  version: number;
  effectiveFrom: number;
  effectiveTo: number | null;
  compiled: CompiledPolicy;
}

/**
 * The hash of a version's content: SHA-256 of the canonical JSON of the document without its own
 * version number, which names the version rather than saying what it does — so a rollback draft
 * hashes like the version it restores.
 */
export function contentHash(document: unknown): string {
  if (document === null || typeof document !== "object" || Array.isArray(document)) return sha256(canonicalJson(document));
  const { version: _number, ...content } = document as Record<string, unknown>;
  return sha256(canonicalJson(content));
}

/** A shipped policy file: the parsed policy, its exact bytes, and the program's cases. */
export interface ShippedPolicy {
  policy: Policy;
  source: string;
  cases: unknown[];
}

/**
 * Reads every `policies/<program>/v<N>.json` with the program's `cases.json`, failing on any
 * diagnostic so that a broken seed never starts.
 */
export function readShippedPolicies(dir: string): ShippedPolicy[] {
  const shipped: ShippedPolicy[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const files = readdirSync(join(dir, entry.name));
    const cases = files.includes("cases.json") ? (JSON.parse(readFileSync(join(dir, entry.name, "cases.json"), "utf8")) as unknown[]) : [];
    for (const file of files) {
      if (!/^v\d+\.json$/.test(file)) continue;
      const source = readFileSync(join(dir, entry.name, file), "utf8");
      const result = parsePolicy(JSON.parse(source));
      if (!result.ok) throw new Error(`${entry.name}/${file}: ${result.diagnostics.map((d) => `${d.path} ${d.message}`).join("; ")}`);
      shipped.push({ policy: result.value, source, cases });
    }
  }
  return shipped.sort((a, b) => a.policy.id.localeCompare(b.policy.id) || a.policy.version - b.policy.version);
}

/** Imports shipped versions that the database does not have yet, as published; returns how many were new. */
export async function seedPolicies(db: Db, shipped: readonly ShippedPolicy[]): Promise<number> {
  let added = 0;
  for (const { policy, source, cases } of shipped) {
    const document = JSON.parse(source) as unknown;
    const rows = await db
      .insert(policyVersions)
      .values({
        id: newId("pv"),
        programId: policy.id,
        version: policy.version,
        status: "published",
        document,
        source,
        cases,
        contentHash: contentHash(document),
        effectiveFrom: SHIPPED_EFFECTIVE_FROM,
        createdBy: "seed",
        approvedBy: "seed",
        publishedBy: "seed",
        publishedAt: new Date().toISOString(),
      })
      .onConflictDoNothing()
      .returning({ id: policyVersions.id });
    added += rows.length;
  }
  if (added > 0) await announce(db, { topic: "policies" });
  return added;
}

/** Compiles a stored published document; one that no longer parses is a corrupted store, not a user error. */
function compilePublished(document: unknown, key: string): CompiledPolicy {
  const parsed = parsePolicy(document);
  if (!parsed.ok) throw new Error(`published version ${key} does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  return compilePolicy(parsed.value);
}

/**
 * The published versions of every program, compiled once and kept in memory: immutable, so a
 * version is compiled at most once per process; the list is reloaded when a version is published.
 */
export class PolicyRegistry {
  private byProgram = new Map<string, PublishedVersion[]>();
  private byKey = new Map<string, PublishedVersion>();
  private latest: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db) {}

  /**
   * Loads (or reloads) every published version. A call made while a load runs gets a load of its
   * own after that one, which sees everything committed before the call; loads never overlap, so
   * an older list never replaces a newer one.
   */
  reload(): Promise<void> {
    if (!this.queued) {
      const start = () => {
        this.queued = null;
        return this.load();
      };
      this.queued = this.latest.then(start, start);
      this.latest = this.queued;
    }
    return this.queued;
  }

  /** Reloads in the background for a change heard from another process, trying again (backing off to 30 s) until a load succeeds. */
  refresh(onError: (error: unknown) => void): void {
    const attempt = (delayMs: number): void =>
      void this.reload().then(
        () => {
          if (this.retry) clearTimeout(this.retry);
          this.retry = null;
        },
        (error: unknown) => {
          onError(error);
          if (this.retry) return;
          this.retry = setTimeout(() => {
            this.retry = null;
            attempt(Math.min(delayMs * 2, 30_000));
          }, delayMs);
          this.retry.unref();
        },
      );
    attempt(1_000);
  }

  private async load(): Promise<void> {
    const rows = await this.db.select().from(policyVersions).where(eq(policyVersions.status, "published")).orderBy(asc(policyVersions.programId), asc(policyVersions.version));
    const byProgram = new Map<string, PublishedVersion[]>();
    const byKey = new Map<string, PublishedVersion>();
    for (const row of rows) {
      const key = `${row.programId}@${row.version}`;
      const known = this.byKey.get(key);
      const compiled = known?.compiled ?? compilePublished(row.document, key);
      const published: PublishedVersion = {
        id: row.id,
        programId: row.programId,
        version: row.version,
        effectiveFrom: Date.parse(row.effectiveFrom ?? SHIPPED_EFFECTIVE_FROM),
        effectiveTo: row.effectiveTo ? Date.parse(row.effectiveTo) : null,
        compiled,
      };
      byKey.set(key, published);
      const list = byProgram.get(row.programId) ?? [];
      list.push(published);
      byProgram.set(row.programId, list);
    }
    this.byProgram = byProgram;
    this.byKey = byKey;
  }

  /** The version of a program in force at an instant: the highest version whose window holds it. */
  inForce(programId: string, atMs: number): PublishedVersion {
    const versions = this.byProgram.get(programId);
    if (!versions) throw new ApiError("not_found", `no published program "${programId}"`);
    for (let i = versions.length - 1; i >= 0; i--) {
      const v = versions[i]!;
      if (v.effectiveFrom <= atMs && (v.effectiveTo === null || atMs < v.effectiveTo)) return v;
    }
    throw new ApiError("unprocessable", `no version of program "${programId}" is in force at that time`);
  }

  /** A specific published version. */
  version(programId: string, version: number): PublishedVersion {
    const v = this.byKey.get(`${programId}@${version}`);
    if (!v) throw new ApiError("not_found", `program "${programId}" has no published version ${version}`);
    return v;
  }

  /** The programs that have a published version. */
  programs(): string[] {
    return [...this.byProgram.keys()];
  }
}

/** Reads one stored version row. */
export async function findVersion(db: Db, programId: string, version: number) {
  const [row] = await db.select().from(policyVersions).where(and(eq(policyVersions.programId, programId), eq(policyVersions.version, version))).limit(1);
  return row ?? null;
}
