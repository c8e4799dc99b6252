import { PGlite } from "@electric-sql/pglite";
import { getTableColumns, getTableName, is, SQL, sql, type Column } from "drizzle-orm";
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
  /**
   * Follows a notification channel of this database schema (see `notify`): `onMessage` gets each
   * payload; `onListen` runs once listening and again after every reconnect, since notifications
   * sent while the listening connection was down are lost. Resolves with a way to stop.
   */
  listen(channel: string, onMessage: (payload: string) => void, onListen: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** Where the data lives: PostgreSQL through postgres.js, or PGlite in a directory, in memory, or cloned from a dump. */
export type DbTarget = { url: string; schema?: string } | { dataDir: string } | { memory: true; loadDataDir?: Blob };

/**
 * postgres.js's connection string and options for a DATABASE_URL. A `host` parameter naming a
 * directory (libpq's way, `postgres://user@localhost/db?host=/var/run/postgresql`) connects through
 * the server's Unix socket there, which postgres.js takes only as its `path` option: on one machine,
 * cheaper for both sides than TCP on loopback.
 */
export function postgresTarget(url: string): { url: string; path?: string } {
  const parsed = new URL(url);
  const host = parsed.searchParams.get("host");
  if (!host?.startsWith("/")) return { url };
  parsed.searchParams.delete("host");
  return { url: parsed.toString(), path: `${host.replace(/\/+$/, "")}/.s.PGSQL.${parsed.port || "5432"}` };
}

/** Opens the database; only this function knows which driver is used. */
export async function createDb(target: DbTarget): Promise<Database> {
  if ("url" in target) {
    const searchPath = target.schema;
    const { url, path } = postgresTarget(target.url);
    const sql = postgres(url, {
      ...(path ? { path } : {}),
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
      async migrate() {
        // Services starting together on one database (several machines) migrate one at a time:
        // drizzle's migrator is not safe to run concurrently. A session lock, so on one connection.
        const lock = await sql.reserve();
        try {
          await lock`select pg_advisory_lock(hashtext('mps migrate ' || current_schema()))`;
          await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: MIGRATIONS, ...(searchPath ? { migrationsSchema: searchPath } : {}) });
        } finally {
          await lock`select pg_advisory_unlock(hashtext('mps migrate ' || current_schema()))`.catch(() => {});
          lock.release();
        }
      },
      async listen(channel, onMessage, onListen) {
        // postgres.js listens on a connection of its own and listens again after it reconnects, calling onListen each time.
        const [row] = await sql<{ schema: string }[]>`select current_schema() as schema`;
        const { unlisten } = await sql.listen(scopedChannel(channel, row!.schema), onMessage, onListen);
        return unlisten;
      },
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
    async listen(channel, onMessage, onListen) {
      const { rows } = await client.query<{ schema: string }>("select current_schema() as schema");
      // PGlite puts the name into LISTEN as written: quote it. Its one in-process session never reconnects.
      const unlisten = await client.listen(`"${scopedChannel(channel, rows[0]!.schema).replace(/"/g, '""')}"`, onMessage);
      onListen();
      return () => unlisten();
    },
    close: () => client.close(),
  };
}

// The name `notify` sends to: services on other schemas of the same database do not hear each other.
function scopedChannel(channel: string, schema: string): string {
  return `${channel} ${schema}`;
}

/**
 * Notifies the listeners of `channel` on this database schema (see `Database.listen`), this
 * process's included. In a transaction the notification goes out when it commits, and never if it
 * rolls back; PostgreSQL folds identical notifications of one transaction into one.
 */
export async function notify(tx: Tx, channel: string, payload: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${channel} || ' ' || current_schema(), ${payload})`);
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

// The function on a transaction's client that `writeLast` hands its statement to.
const deferLast = Symbol("deferLast");
type TxState = { lost: unknown; last: Promise<unknown> | null };

/**
 * Transactions on postgres.js, in as few round trips as their statements allow, that fail cleanly
 * when their connection dies.
 *
 * Round trips: postgres.js's `begin` waits for BEGIN's answer before it runs the body, and for the
 * body's last statement before it sends COMMIT. Here a transaction reserves a connection and sends
 * BEGIN with the body's first statements (one write, one round trip), and a body that ends with
 * `writeLast` has its COMMIT sent right behind that statement.
 *
 * Connections that die: postgres.js 3.4.9 schedules small writes with setImmediate, and a write to
 * a connection whose socket has closed throws from that callback and ends the process
 * (porsager/postgres#1154, #1208). So once a transaction's connection is lost (one of its queries
 * failed for it, or the connection closed), the transaction fails at once and never writes to that
 * connection again (no ROLLBACK, no COMMIT, no next statement), nor hands it back to the pool: it
 * stays with postgres.js's closed connections, which reconnect when needed. Its body is left pending.
 */
function withSafeTransactions(sql: postgres.Sql): postgres.Sql {
  type Fn = (tx: postgres.TransactionSql) => unknown;
  type Query = ReturnType<postgres.TransactionSql["unsafe"]>;
  const guard = (tx: postgres.TransactionSql, state: TxState): postgres.TransactionSql =>
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
        if (property === deferLast)
          return (last: Promise<unknown>) => {
            state.last = last;
            // Observed at once: it settles before the COMMIT's answer, which `begin` awaits first.
            last.catch(() => {});
          };
        if (property === "savepoint") throw new Error("savepoints are not supported: nest no transactions");
        return Reflect.get(target, property, receiver);
      },
    });

  const begin = async (...args: [Fn] | [string, Fn]): Promise<unknown> => {
    const [options, fn] = args.length === 2 ? args : ["", args[0]];
    const reserved = await sql.reserve();
    const state: TxState = { lost: null, last: null };
    let onLost: (error: unknown) => void = () => {};
    const lost = new Promise<never>((_, reject) => (onLost = reject));
    lost.catch(() => {});
    const loseConnection = (error: unknown) => {
      state.lost ??= error;
      onLost(state.lost);
    };
    let connection: { onclose?: ((error: unknown) => void) | null } | null = null;
    // Sent now and not awaited: the body's first statements queue behind it and go in the same write.
    const began = reserved
      .unsafe(`begin ${options.replace(/[^a-z ]/gi, "")}`, [], {
        onexecute: (c: NonNullable<typeof connection>) => {
          connection = c;
          // postgres.js calls this when the connection closes, even with nothing of ours in flight.
          c.onclose = (error) => loseConnection(error ?? new Error("CONNECTION_CLOSED"));
          return true;
        },
      } as postgres.UnsafeQueryOptions)
      .execute();
    began.catch(() => {});
    const tx = guard(reserved as unknown as postgres.TransactionSql, state);
    const run = async () => {
      try {
        const result = await fn(tx);
        await began;
        if (state.lost) throw state.lost;
        await tx.unsafe("commit");
        // A failed last statement made PostgreSQL answer the COMMIT with a ROLLBACK: fail with its error.
        if (state.last) await state.last;
        return result;
      } catch (error) {
        if (isConnectionLost(error)) loseConnection(error);
        if (!state.lost) await reserved.unsafe("rollback").catch(() => {});
        throw error;
      }
    };
    try {
      return await Promise.race([run(), lost]);
    } finally {
      if (!state.lost) {
        if (connection) (connection as { onclose?: unknown }).onclose = null;
        reserved.release();
      }
    }
  };
  const unsafe = (...args: Parameters<postgres.Sql["unsafe"]>) => sql.unsafe(...preparedIfFixed(args));
  return new Proxy(sql, { get: (target, property, receiver) => (property === "begin" ? begin : property === "unsafe" ? unsafe : Reflect.get(target, property, receiver)) });
}

// What of drizzle's internals `statement` and `writeTogether` use: a database or transaction's
// session, which holds its driver client and prepares queries; its dialect, which writes SQL; and
// a prepared query's `client`, the connection it runs on. Every database test goes through them.
interface PreparedQuery {
  client: unknown;
  execute(values?: Record<string, unknown>): Promise<unknown>;
}
interface Internals {
  session: { client: unknown; prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string | undefined, isResponseInArrayMode: boolean): PreparedQuery };
  dialect: { sqlToQuery(sql: SQL): { sql: string; params: unknown[] } };
}
const internalsOf = (tx: Tx) => tx as unknown as Internals;

/** A query built once, run by any transaction with its placeholders bound (see `statement`). */
export interface Statement<Result> {
  run(tx: Tx, values?: Record<string, unknown>): Promise<Result>;
}

type Preparable = { prepare(name: string): { execute(values?: Record<string, unknown>): Promise<unknown> } };

/**
 * A drizzle query built once and run by any transaction, binding its `sql.placeholder(name)`s to
 * the values of each run, for the hot paths. Drizzle builds a query's SQL afresh every time it
 * runs, which cost a commit about 15 % of its CPU; a query from drizzle's `.prepare()` keeps its
 * SQL, parameters and row mapping, but runs on the connection it was prepared with. So the query
 * is prepared once per driver (on the first transaction that runs it) and every run shares it on
 * its own transaction's connection.
 */
export function statement<P extends Preparable>(build: (db: Tx) => P): Statement<Awaited<ReturnType<ReturnType<P["prepare"]>["execute"]>>> {
  const byDriver = new Map<unknown, PreparedQuery>();
  return {
    run(tx, values = {}) {
      const { session } = internalsOf(tx);
      let prepared = byDriver.get(session.constructor);
      if (!prepared) {
        prepared = build(tx).prepare("statement") as unknown as PreparedQuery;
        byDriver.set(session.constructor, prepared);
      }
      const onTx = Object.create(prepared) as PreparedQuery;
      onTx.client = session.client;
      return onTx.execute(values) as never;
    },
  };
}

/**
 * One write of `writeTogether`: an insert or update whose SQL depends only on its `shape`, with
 * placeholders for its values.
 */
export interface Write {
  shape: string;
  /** The statement, naming each placeholder `name(placeholder)`. */
  sql(tx: Tx, name: (placeholder: string) => string): SQL;
  values: Record<string, unknown>;
}

/**
 * Rows to insert as one json parameter expanded by `json_populate_recordset` (null for no rows):
 * drizzle's insert builder spends 100–200 µs of CPU a row on type checks, more than deciding a
 * receipt, while this statement is written once for each set of columns and takes one parameter
 * whatever the number of rows. Values go as JSON: json and jsonb columns as their JSON, timestamps as ISO
 * strings. A column that no row sets takes its database default (ids, created_at); one that some
 * rows leave out takes its literal default (or NULL) in those rows.
 */
export function insertWrite<T extends PgTable>(table: T, rows: T["$inferInsert"][]): Write | null {
  if (rows.length === 0) return null;
  const values = rows as Record<string, unknown>[];
  const columns = Object.entries(getTableColumns(table) as Record<string, Column>).filter(([property]) => values.some((row) => row[property] !== undefined));
  const json = values.map((row) => Object.fromEntries(columns.map(([property, column]) => [column.name, row[property] !== undefined ? row[property] : literalDefault(column)])));
  return populateWrite(table, columns.map(([, column]) => column.name), JSON.stringify(json));
}

/** The insert of insertWrite: rows given as the text of a JSON array of objects keyed by column name. */
function populateWrite(table: PgTable, columnNames: string[], rowsJson: string): Write {
  return {
    shape: `insert ${getTableName(table)} ${columnNames.join()}`,
    sql(_tx, name) {
      const names = sql.raw(columnNames.map((column) => `"${column}"`).join(", "));
      // The rows as json, not jsonb: each value is converted once, into its column's type, rather than the whole batch first.
      return sql`insert into ${table} (${names}) select ${names} from json_populate_recordset(null::${table}, ${sql.placeholder(name("rows"))}::json)`;
    },
    values: { rows: rowsJson },
  };
}

/**
 * Rows of a fixed set of columns, each turned into JSON when it comes and inserted later with
 * others (as insertWrite inserts them): a buffer of such rows holds one string each rather than
 * its object graph, and the insert only joins them. A property a row leaves undefined is NULL;
 * the table's other columns take their database defaults.
 */
export class JsonRows<T extends PgTable> {
  private readonly columns: [property: string, name: string][];
  private readonly names: string[];

  constructor(
    private readonly table: T,
    properties: readonly (keyof T["$inferInsert"] & string)[],
  ) {
    const columns = getTableColumns(table) as Record<string, Column>;
    this.columns = properties.map((property) => [property, columns[property]!.name]);
    this.names = this.columns.map(([, name]) => name);
  }

  /** One row's JSON. */
  json(row: T["$inferInsert"]): string {
    const named: Record<string, unknown> = {};
    for (const [property, name] of this.columns) named[name] = (row as Record<string, unknown>)[property];
    return JSON.stringify(named);
  }

  /** The insert of rows made by `json`, for writeTogether; null for none. */
  write(rows: string[]): Write | null {
    return rows.length === 0 ? null : populateWrite(this.table, this.names, `[${rows.join(",")}]`);
  }
}

// The SQL of writeTogether by the shapes of its writes: a few combinations, each written once.
const combinedQueries = new Map<string, { sql: string; params: unknown[] }>();

/**
 * Runs writes as one statement (data-modifying WITH clauses, all of which run): one round trip,
 * one write to the connection and one result, where a statement each would cost as many. Either
 * every write is done or, when one fails, none; the statement fails with that write's error (a
 * unique violation of an insert, say).
 */
export async function writeTogether(tx: Tx, writes: (Write | null)[]): Promise<void> {
  const parts = writes.filter((write): write is Write => write !== null);
  if (parts.length === 0) return;
  const shape = parts.map((part) => part.shape).join("; ");
  let query = combinedQueries.get(shape);
  if (!query) {
    const statements = parts.map((part, i) => part.sql(tx, (placeholder) => `w${i}_${placeholder}`));
    const combined = statements.length === 1 ? statements[0]! : sql`with ${sql.join(statements.map((statement, i) => sql`${sql.raw(`w${i}`)} as (${statement})`), sql`, `)} select 1`;
    query = internalsOf(tx).dialect.sqlToQuery(combined);
    if (combinedQueries.size >= 1_000) combinedQueries.clear();
    combinedQueries.set(shape, query);
  }
  const values: Record<string, unknown> = {};
  parts.forEach((part, i) => {
    for (const [name, value] of Object.entries(part.values)) values[`w${i}_${name}`] = value;
  });
  await internalsOf(tx).session.prepareQuery(query, undefined, undefined, false).execute(values);
}

/**
 * Runs a transaction's last writes (in one statement, see `writeTogether`) and lets the transaction
 * end without waiting for their answer: on PostgreSQL its COMMIT goes out right behind them, one
 * round trip for both. Should the statement fail, PostgreSQL answers the COMMIT of the failed
 * transaction with a ROLLBACK, and the transaction fails with the statement's error. Nothing of
 * the transaction may come after it. Outside a transaction, and on PGlite, it simply runs.
 */
export async function writeLast(tx: Tx, writes: (Write | null)[]): Promise<void> {
  const done = writeTogether(tx, writes);
  const defer = (internalsOf(tx).session.client as { [deferLast]?: (last: Promise<unknown>) => void })[deferLast];
  if (defer) defer(done);
  else await done;
}

/** Inserts rows in one statement (see `insertWrite`). */
export async function insertRows<T extends PgTable>(tx: Tx, table: T, rows: T["$inferInsert"][]): Promise<void> {
  await writeTogether(tx, [insertWrite(table, rows)]);
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
