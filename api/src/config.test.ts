import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config";

describe("loadConfig", () => {
  it("defaults to port 3000 and ./data, with PGlite and no bootstrap key", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: "./data", POLICIES_DIR: "./policies", DEFAULT_PROGRAM: "beiguo", LOG_LEVEL: "info" });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.BOOTSTRAP_ADMIN_KEY).toBeUndefined();
  });

  it("treats empty variables as unset", () => {
    const config = loadConfig({ PORT: "", DATA_DIR: "", DATABASE_URL: "" });
    expect(config).toMatchObject({ PORT: 3000, DATA_DIR: "./data" });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("reads what the environment sets, ignoring unrelated variables", () => {
    const config = loadConfig({ PORT: "0", DATA_DIR: "/tmp/mps", DATABASE_URL: "postgres://postgres@127.0.0.1:5432/db", BOOTSTRAP_ADMIN_KEY: "a-long-enough-bootstrap-key", LOG_LEVEL: "silent", HOME: "/root" });
    expect(config).toMatchObject({ PORT: 0, DATA_DIR: "/tmp/mps", DATABASE_URL: "postgres://postgres@127.0.0.1:5432/db", BOOTSTRAP_ADMIN_KEY: "a-long-enough-bootstrap-key", LOG_LEVEL: "silent" });
  });

  it("names every bad variable at once", () => {
    const bad = { PORT: "eighty", DATABASE_URL: "not a url", BOOTSTRAP_ADMIN_KEY: "short", BODY_LIMIT: "10", LOG_LEVEL: "verbose" };
    let message = "";
    try {
      loadConfig({ ...bad, DATA_DIR: "/tmp/ok" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid configuration/);
    for (const name of Object.keys(bad)) expect(message).toMatch(new RegExp(`^\\s*${name}: `, "m"));
    expect(message).not.toMatch(/DATA_DIR/);
  });

  it("rejects a port out of range", () => {
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT/);
  });

  it("never echoes the bootstrap key it refuses", () => {
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_KEY: "secret-ish" })).toThrow(/BOOTSTRAP_ADMIN_KEY/);
    try {
      loadConfig({ BOOTSTRAP_ADMIN_KEY: "secret-ish" });
    } catch (error) {
      expect((error as Error).message).not.toContain("secret-ish");
    }
  });

  it("serves from one process per core on PostgreSQL, and from one on PGlite, unless WORKERS says otherwise", () => {
    expect(loadConfig({}).WORKERS).toBe(1);
    expect(loadConfig({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/db" }).WORKERS).toBe(availableParallelism());
    expect(loadConfig({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/db", WORKERS: "3" }).WORKERS).toBe(3);
    expect(loadConfig({ WORKERS: "1" }).WORKERS).toBe(1);
    expect(() => loadConfig({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/db", WORKERS: "0" })).toThrow(/WORKERS/);
  });

  it("refuses more than one worker on PGlite, saying why", () => {
    expect(() => loadConfig({ WORKERS: "2" })).toThrow(/^\s*WORKERS: more than one process needs DATABASE_URL/m);
  });
});
