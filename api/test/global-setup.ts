import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { createDb, dumpPglite } from "../src/db/client";
import { readShippedPolicies, seedPolicies } from "../src/services/policies";

/** Builds the migrated, seeded PGlite template once per run; every test clones it. */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "mps-template-"));
  const database = await createDb({ memory: true });
  await database.migrate();
  await seedPolicies(database.db, readShippedPolicies(fileURLToPath(new URL("../../policies", import.meta.url))));
  const blob = await dumpPglite(database);
  await database.close();
  const file = join(dir, "template.tar");
  writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
  project.provide("pgliteTemplate", file);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
