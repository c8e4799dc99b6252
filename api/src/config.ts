import { availableParallelism } from "node:os";
import { z } from "zod";

/** The service's configuration, read from the environment once at start-up. */
export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    DATABASE_URL: z.string().url().optional(),
    DATA_DIR: z.string().min(1).default("./data"),
    POLICIES_DIR: z.string().min(1).default("./policies"),
    /** The built editor served at `/` (`vite build --config editor/vite.config.ts` writes it). */
    EDITOR_DIR: z.string().min(1).default("./editor/dist"),
    BOOTSTRAP_ADMIN_KEY: z.string().min(16, "use at least 16 characters").optional(),
    /** The program that anonymous receipts are decided under (a member's own program otherwise). */
    DEFAULT_PROGRAM: z.string().min(1).default("beiguo"),
    /** Largest request body accepted, in bytes. */
    BODY_LIMIT: z.coerce.number().int().min(1024).default(1_000_000),
    LOG_LEVEL: z.enum(["silent", "error", "info"]).default("info"),
    /** Processes serving HTTP; default one per core with PostgreSQL, and always one with PGlite. */
    WORKERS: z.coerce.number().int().min(1).max(256).optional(),
  })
  .superRefine((config, ctx) => {
    // PGlite runs inside the process that opened its data directory: a second process cannot share it.
    if (!config.DATABASE_URL && config.WORKERS !== undefined && config.WORKERS > 1)
      ctx.addIssue({ code: "custom", path: ["WORKERS"], message: "more than one process needs DATABASE_URL (PostgreSQL); the embedded PGlite database serves one process only" });
  })
  .transform((config) => ({ ...config, WORKERS: config.WORKERS ?? (config.DATABASE_URL ? availableParallelism() : 1) }));
export type Config = z.output<typeof configSchema>;

/** Parses the environment, naming every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
