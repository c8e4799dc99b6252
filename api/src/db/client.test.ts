import { existsSync } from "node:fs";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, postgresTarget } from "./client";

describe("postgresTarget", () => {
  it("leaves a TCP connection string as it is", () => {
    expect(postgresTarget("postgres://app:secret@db.example:6432/membership?sslmode=require")).toEqual({ url: "postgres://app:secret@db.example:6432/membership?sslmode=require" });
  });

  it("turns libpq's host=/directory into the socket path postgres.js takes, on the URL's port", () => {
    expect(postgresTarget("postgres://postgres@localhost/test?host=/var/run/postgresql")).toEqual({ url: "postgres://postgres@localhost/test", path: "/var/run/postgresql/.s.PGSQL.5432" });
    expect(postgresTarget("postgres://postgres@localhost:5433/test?host=/tmp/&application_name=mps")).toEqual({ url: "postgres://postgres@localhost:5433/test?application_name=mps", path: "/tmp/.s.PGSQL.5433" });
  });

  it("keeps a host parameter that is not a directory for postgres.js to read", () => {
    expect(postgresTarget("postgres://postgres@localhost/test?host=db.internal")).toEqual({ url: "postgres://postgres@localhost/test?host=db.internal" });
  });
});

const url = process.env.TEST_DATABASE_URL;
const socketDir = "/var/run/postgresql";
const socketUrl = url && existsSync(`${socketDir}/.s.PGSQL.${new URL(url).port || "5432"}`) ? `${url}${url.includes("?") ? "&" : "?"}host=${socketDir}` : null;

describe.skipIf(!socketUrl)("a PostgreSQL server's Unix socket", () => {
  it("serves the service's connections where DATABASE_URL names its directory", async () => {
    const database = await createDb({ url: socketUrl! });
    try {
      const rows = (await database.db.execute(sql`select inet_server_addr() as addr`)) as unknown as Record<string, unknown>[];
      // A socket connection has no server address.
      expect(rows[0]).toEqual({ addr: null });
    } finally {
      await database.close();
    }
  });
});
