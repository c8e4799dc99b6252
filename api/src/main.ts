import cluster from "node:cluster";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequestListener } from "./app";
import type { Logger } from "./request-log";
import { KeyStore } from "./auth";
import { superviseWorkers } from "./cluster";
import { loadConfig, type Config } from "./config";
import { createDb, type Database } from "./db/client";
import { PolicyRegistry, readShippedPolicies, seedPolicies } from "./services/policies";
import { createServices } from "./services";

/** How long a stopping process lets its open requests finish before it closes their connections. */
const CLOSE_GRACE_MS = 5_000;

function createLogger(config: Config, fields: Record<string, unknown> = {}): Logger {
  if (config.LOG_LEVEL === "silent") return () => {};
  return (line) => {
    if (config.LOG_LEVEL === "info" || line.level === "error") process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...fields, ...line }) + "\n");
  };
}

function openDatabase(config: Config): Promise<Database> {
  return createDb(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR });
}

/** Migrations, shipped policies and the bootstrap key: done once, before any process serves. Returns how many versions were new. */
async function prepareDatabase(database: Database, config: Config): Promise<number> {
  await database.migrate();
  const added = await seedPolicies(database.db, readShippedPolicies(config.POLICIES_DIR));
  if (config.BOOTSTRAP_ADMIN_KEY) await new KeyStore(database.db).ensureBootstrapAdmin(config.BOOTSTRAP_ADMIN_KEY);
  return added;
}

/** Stops accepting connections, lets open requests finish, and closes each connection once it is idle (all of them after the grace period). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Serves HTTP from this process until SIGTERM or SIGINT (for a worker, also until its primary is
 * gone), then stops gracefully: open requests finish, and buffered quote decisions are written.
 */
async function serveHttp(config: Config, database: Database, logger: Logger, onListening: (port: number, programs: string[]) => void): Promise<void> {
  const services = createServices(database.db, { defaultProgram: config.DEFAULT_PROGRAM, onError: (error) => logger({ level: "error", error: String(error) }) });
  await services.registry.reload();
  // Other processes on the database (workers, other machines) publish versions and revoke keys too.
  const unfollow = database.driver === "postgres" ? await services.changes.follow(database) : async () => {};
  const server: Server = createServer(createRequestListener(services, { bodyLimit: config.BODY_LIMIT, logger, editorDir: config.EDITOR_DIR }));
  server.listen(config.PORT, () => onListening((server.address() as AddressInfo).port, services.registry.programs()));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    closeServer(server)
      .then(() => services.log.flush())
      .then(unfollow)
      .then(() => database.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger({ level: "error", message: "stopping failed", error: String(error) });
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  if (cluster.isWorker) process.on("disconnect", stop);
}

/**
 * Starts the service: configuration → database → migrations → shipped policies → HTTP, in this
 * process, or (WORKERS > 1) in worker processes once the primary has prepared the database.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) {
    const id = cluster.worker!.id;
    const logger = createLogger(config, { worker: id });
    return serveHttp(config, await openDatabase(config), logger, (port) => logger({ level: "info", message: `worker ${id} serving on port ${port}`, pid: process.pid }));
  }
  const logger = createLogger(config);
  const database = await openDatabase(config);
  const seededVersions = await prepareDatabase(database, config);
  const where = database.driver === "pglite" ? `PGlite in ${config.DATA_DIR}` : "PostgreSQL";
  const listening = (port: number, programs: string[]) => logger({ level: "info", message: `listening on http://localhost:${port}`, database: where, workers: config.WORKERS, programs, seededVersions });
  if (config.WORKERS === 1) return serveHttp(config, database, logger, listening);
  // Compiling every published version here stops the start on a store no worker could load.
  const registry = new PolicyRegistry(database.db);
  await registry.reload();
  await database.close();
  superviseWorkers({ count: config.WORKERS, logger, onListening: (port) => listening(port, registry.programs()) });
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
