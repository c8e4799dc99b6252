import { PGlite } from "@electric-sql/pglite";
import { getTableColumns, is, SQL, sql, type Column } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTable } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import * as schema from "./schema";

/** The database as the repositories see it: the PostgreSQL dialect, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction or the database itself. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0] | Db;

/** A connected database with its migration step and its way to close. */
export interface Database {
  db: Db;
  driver: "pglite" | "postgres";
  migrate(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** Where the data lives: PostgreSQL through postgres.js, or PGlite in a directory, in memory, or cloned from a dump. */
export type DbTarget = { url: string; schema?: string } | { dataDir: string } | { memory: true; loadDataDir?: Blob };

/** Opens the database; only this function knows which driver is used. */
export async function createDb(target: DbTarget): Promise<Database> {
  if ("url" in target) {
    const searchPath = target.schema;
    const sql = postgres(target.url, {
      max: 10,
      onnotice: () => {},
      connect_timeout: 5,
      // Reconnect at most 100 ms after a connection closed: postgres.js's default backoff grows to
      // 20 s while the server is away, and a request waiting for it would hang instead of failing fast.
      backoff: () => 0.1,
      ...(searchPath ? { connection: { search_path: searchPath } } : {}),
    });
    const client = withSafeTransactions(sql);
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return {
      db,
      driver: "postgres",
      migrate: () => migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: MIGRATIONS, ...(searchPath ? { migrationsSchema: searchPath } : {}) }),
      close: () => sql.end({ timeout: 5 }),
    };
  }
  let client: PGlite;
  if ("dataDir" in target) {
    mkdirSync(target.dataDir, { recursive: true });
    client = new PGlite(target.dataDir);
  } else client = new PGlite(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {});
  await client.waitReady;
  const db = drizzlePglite(client, { schema });
  return {
    db: db as unknown as Db,
    driver: "pglite",
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS }),
    close: () => client.close(),
  };
}

// Errors that mean the connection itself is gone (postgres.js codes, socket codes, server shutdown).
const CONNECTION_LOST = new Set(["CONNECTION_CLOSED", "CONNECTION_DESTROYED", "ECONNRESET", "EPIPE", "57P01", "57P02"]);

function isConnectionLost(error: unknown): boolean {
  // Drizzle wraps driver errors in its own, with the driver's error as the cause.
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (CONNECTION_LOST.has((e as { code?: unknown }).code as string)) return true;
  return false;
}

// Statements with more parameters than this are taken to vary in text (multi-row inserts, long lists).
const MAX_PREPARED_PARAMETERS = 64;

/**
 * Asks postgres.js to prepare the application's fixed statements. Drizzle runs its queries
 * unprepared (`prepare: false` unless named), and postgres.js then sends a statement with
 * parameters in two round trips (Parse and Describe, then Bind and Execute, planned afresh each
 * time) and pipelines nothing behind it on that connection. Prepared, a statement is parsed once
 * per connection and then costs one round trip. Statements with no parameters gain nothing, and
 * those with many vary in text with their row count and would only fill each connection's
 * statement cache (freed when postgres.js recycles the connection), so they stay as they are.
 */
function preparedIfFixed(args: Parameters<postgres.Sql["unsafe"]>): Parameters<postgres.Sql["unsafe"]> {
  const [query, parameters, options] = args;
  const count = parameters?.length ?? 0;
  if (count === 0 || count > MAX_PREPARED_PARAMETERS) return args;
  return [query, parameters, { ...options, prepare: true }];
}

/**
 * postgres.js 3.4.9 schedules small writes with setImmediate, and a write to a connection whose
 * socket has closed throws from that callback and ends the process (porsager/postgres#1154,
 * #1208). Its transactions write to their connection after it died: the ROLLBACK after a failed
 * query, the COMMIT after the body, or the body's next query. So once a transaction's connection
 * is lost (one of its queries failed for it, or the connection closed), the transaction fails at
 * once and never writes to that connection again; its body is left pending.
 */
function withSafeTransactions(sql: postgres.Sql): postgres.Sql {
  type Fn = (tx: postgres.TransactionSql) => unknown;
  type Query = ReturnType<postgres.TransactionSql["unsafe"]>;
  const guard = (tx: postgres.TransactionSql, state: { lost: unknown }): postgres.TransactionSql =>
    new Proxy(tx, {
      get(target, property, receiver) {
        if (property === "unsafe")
          return (...args: Parameters<postgres.TransactionSql["unsafe"]>) => {
            const query: Query | null = state.lost ? null : target.unsafe(...preparedIfFixed(args));
            // What drizzle does with a query: `.values()` on it, then await it.
            const watched = {
              values: () => (query?.values(), watched),
              then: (resolve?: (rows: unknown) => unknown, reject?: (error: unknown) => unknown) =>
                (query ?? Promise.reject(state.lost))
                  .then(undefined, (error: unknown) => {
                    if (isConnectionLost(error)) state.lost ??= error;
                    throw error;
                  })
                  .then(resolve, reject),
            };
            return watched;
          };
        if (property === "savepoint") return (fn: Fn) => (state.lost ? Promise.reject(state.lost) : target.savepoint((inner) => fn(guard(inner, state))));
        return Reflect.get(target, property, receiver);
      },
    });
  const begin = (...args: [Fn] | [string, Fn]) =>
    new Promise((resolve, reject) => {
      const [options, fn] = args.length === 2 ? args : ["", args[0]];
      const state: { lost: unknown } = { lost: null };
      const never = new Promise<never>(() => {});
      sql
        .begin(options, async (tx) => {
          let result: unknown;
          try {
            result = await fn(guard(tx, state));
          } catch (error) {
            if (!state.lost) throw error;
            reject(error);
            return never;
          }
          return state.lost ? never : result;
        })
        .then(resolve, (error: unknown) => {
          // postgres.js rejects the transaction as soon as its connection closes, even between queries.
          if (isConnectionLost(error)) state.lost ??= error;
          reject(error);
        });
    });
  const unsafe = (...args: Parameters<postgres.Sql["unsafe"]>) => sql.unsafe(...preparedIfFixed(args));
  return new Proxy(sql, { get: (target, property, receiver) => (property === "begin" ? begin : property === "unsafe" ? unsafe : Reflect.get(target, property, receiver)) });
}

/**
 * Runs statements of one transaction together: postgres.js pipelines them on the transaction's
 * connection, so they cost one round trip instead of one each; PGlite runs them one after another.
 * Pass drizzle queries unawaited (they start when awaited here) or calls of async functions; a
 * null is skipped. Waits for every one, then fails with the first failure in the order given.
 */
export async function pipeline(statements: (PromiseLike<unknown> | null)[]): Promise<void> {
  const settled = await Promise.allSettled(statements);
  for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
}

/**
 * Inserts rows as one jsonb parameter expanded by `jsonb_populate_recordset`, for the hot paths:
 * drizzle's insert builder spends 100–200 µs of CPU a row on type checks, more than deciding a
 * receipt, while this statement is built from one parameter whatever the number of rows. Values
 * go as JSON: jsonb columns as their JSON, timestamps as ISO strings. A column that no row sets
 * takes its database default (ids, created_at); one that some rows leave out takes its literal
 * default (or NULL) in those rows.
 */
export async function insertRows<T extends PgTable>(tx: Tx, table: T, rows: T["$inferInsert"][]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows as Record<string, unknown>[];
  const columns = Object.entries(getTableColumns(table) as Record<string, Column>).filter(([property]) => values.some((row) => row[property] !== undefined));
  const names = sql.raw(columns.map(([, column]) => `"${column.name}"`).join(", "));
  const json = values.map((row) => Object.fromEntries(columns.map(([property, column]) => [column.name, row[property] !== undefined ? row[property] : literalDefault(column)])));
  await tx.execute(sql`insert into ${table} (${names}) select ${names} from jsonb_populate_recordset(null::${table}, ${JSON.stringify(json)}::jsonb)`);
}

function literalDefault(column: Column): unknown {
  if (is(column.default, SQL)) throw new Error(`column ${column.name} has an SQL default: set it in every row or in none`);
  return column.default ?? null;
}

/** Dumps an in-memory PGlite database, to clone fresh copies of a migrated template in tests. */
export async function dumpPglite(database: Database): Promise<Blob> {
  const client = (database.db as unknown as { $client: PGlite }).$client;
  return client.dumpDataDir("none");
}
