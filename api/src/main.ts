import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { createDb } from "./db/client";
import { readShippedPolicies, seedPolicies } from "./services/policies";
import { createServices } from "./services";

/** Starts the service: configuration → database → migrations → shipped policies → HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = config.LOG_LEVEL === "silent" ? () => {} : (line: Record<string, unknown>) => {
    if (config.LOG_LEVEL === "info" || line.level === "error") process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...line }) + "\n");
  };
  const database = await createDb(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: config.DATA_DIR });
  await database.migrate();
  const services = createServices(database.db, { defaultProgram: config.DEFAULT_PROGRAM, onError: (error) => logger({ level: "error", error: String(error) }) });
  const added = await seedPolicies(database.db, readShippedPolicies(config.POLICIES_DIR));
  await services.registry.reload();
  if (config.BOOTSTRAP_ADMIN_KEY) await services.keys.ensureBootstrapAdmin(config.BOOTSTRAP_ADMIN_KEY);
  const app = createApp(services, { bodyLimit: config.BODY_LIMIT, logger, editorDir: config.EDITOR_DIR });
  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    logger({ level: "info", message: `listening on http://localhost:${info.port}`, database: database.driver === "pglite" ? `PGlite in ${config.DATA_DIR}` : "PostgreSQL", programs: services.registry.programs(), seededVersions: added });
  });
  const stop = async () => {
    server.close();
    await services.log.flush();
    await database.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
