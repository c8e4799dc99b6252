import { and, eq, isNull } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { Db, Tx } from "./db/client";
import { apiKeys } from "./db/schema";
import { ApiError } from "./errors";
import { newId, sha256 } from "./ids";
import { announce } from "./services/changes";

/** The roles a key may have. */
export const roles = ["pos", "marketer", "approver", "auditor", "admin"] as const;
export type Role = (typeof roles)[number];

/** Who is calling: the key's id, name and role (never the key itself). */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

/** Hono's environment for this app: what middleware puts on the context. */
export interface AppEnv {
  Variables: { principal: Principal; requestId: string };
}

/**
 * API keys: random 32-byte secrets shown once and stored as SHA-256 hashes. A fast hash is
 * enough because the keys are random, not chosen by people; it keeps every request cheap.
 */
export class KeyStore {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  // Counts `forget` calls: a lookup that started before one must not cache what it read.
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly cacheMs = 30_000,
  ) {}

  /** Creates a key; the returned `key` is the only time it is ever visible. */
  async create(role: Role, name: string, tx: Tx = this.db): Promise<{ id: string; role: Role; name: string; key: string }> {
    const key = `mps_${randomBytes(32).toString("base64url")}`;
    const id = newId("k");
    await tx.insert(apiKeys).values({ id, role, name, keyHash: sha256(key) });
    return { id, role, name, key };
  }

  /** Makes sure an admin key with exactly this value exists (idempotent); processes that cached the previous one forget it. */
  async ensureBootstrapAdmin(key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.insert(apiKeys).values({ id: "k_bootstrap_admin", role: "admin", name: "bootstrap admin", keyHash: sha256(key) }).onConflictDoUpdate({ target: apiKeys.id, set: { keyHash: sha256(key), role: "admin", revokedAt: null } });
      await announce(tx, { topic: "keys" });
    });
    this.forget();
  }

  /**
   * Revokes a key. This process forgets it at once, and every process following the database's
   * changes (this one too) once the transaction commits.
   */
  async revoke(id: string, tx: Tx = this.db): Promise<boolean> {
    const rows = await tx.update(apiKeys).set({ revokedAt: new Date().toISOString() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning({ id: apiKeys.id });
    if (rows.length > 0) await announce(tx, { topic: "keys" });
    this.forget();
    return rows.length > 0;
  }

  /** Drops every cached key: the next request of each key reads it again. */
  forget(): void {
    this.cache.clear();
    this.generation++;
  }

  /** Lists keys without their hashes. */
  async list(): Promise<{ id: string; name: string; role: string; createdAt: string; revokedAt: string | null }[]> {
    return this.db.select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, createdAt: apiKeys.createdAt, revokedAt: apiKeys.revokedAt }).from(apiKeys).orderBy(apiKeys.createdAt);
  }

  /** The principal of a presented key, or null when it is unknown or revoked. */
  async authenticate(key: string, now = Date.now()): Promise<Principal | null> {
    const hash = sha256(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const generation = this.generation;
    const [row] = await this.db.select().from(apiKeys).where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt))).limit(1);
    const principal = row ? { keyId: row.id, name: row.name, role: row.role as Role } : null;
    // A key revoked while this read was on its way may have been read as it was before.
    if (generation !== this.generation) return principal;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: now + this.cacheMs });
    return principal;
  }
}

/** The caller of an `Authorization` header: 401 unless it is `Bearer <key>` with a known key. */
export async function principalOf(keys: KeyStore, header: string | undefined): Promise<Principal> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match) throw new ApiError("unauthorized", "send Authorization: Bearer <key>");
  const principal = await keys.authenticate(match[1]!);
  if (!principal) throw new ApiError("unauthorized", "unknown or revoked API key");
  return principal;
}

/** Requires `Authorization: Bearer <key>` with a known key; 401 otherwise. */
export function authenticate(keys: KeyStore) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("principal", await principalOf(keys, c.req.header("authorization")));
    await next();
  });
}

/** The name of the bearer security scheme in the OpenAPI document. */
export const securityScheme = "apiKey";

/**
 * What a route spreads into its `createRoute` config to admit only these roles: the role check,
 * and the security it documents (OpenAPI 3.1 lets a bearer requirement list role names).
 */
export function allowRoles(...allowed: Role[]) {
  return { middleware: [requireRole(...allowed)], security: [{ [securityScheme]: allowed }] };
}

/** 403 unless the principal has one of the allowed roles. */
export function checkRole(principal: Principal, allowed: readonly Role[]): void {
  if (!allowed.includes(principal.role)) throw new ApiError("forbidden", `role "${principal.role}" may not call this; allowed: ${allowed.join(", ")}`);
}

/** Allows the route to the given roles only; 403 for any other. */
export function requireRole(...allowed: Role[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    checkRole(c.get("principal"), allowed);
    await next();
  });
}
