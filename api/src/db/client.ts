import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
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
      ...(searchPath ? { connection: { search_path: searchPath } } : {}),
    });
    const db = drizzlePostgres(sql, { schema }) as unknown as Db;
    return {
      db,
      driver: "postgres",
      migrate: () => migratePostgres(drizzlePostgres(sql, { schema }), { migrationsFolder: MIGRATIONS, ...(searchPath ? { migrationsSchema: searchPath } : {}) }),
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

/** Dumps an in-memory PGlite database, to clone fresh copies of a migrated template in tests. */
export async function dumpPglite(database: Database): Promise<Blob> {
  const client = (database.db as unknown as { $client: PGlite }).$client;
  return client.dumpDataDir("none");
}
