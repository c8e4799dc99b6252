import { describe, expect, it } from "vitest";
import { fakeApi } from "../test/factories";
import { ApiProblem } from "./api";
import { permissionsFor, Session } from "./session.svelte";

describe("Session", () => {
  it("signs in with a key the API knows, keeps it for the tab, and follows the role", async () => {
    let stored: string | null = null;
    const session = new Session((key) => fakeApi({ whoami: async () => ({ keyId: "k_1", name: `holder of ${key}`, role: "marketer" as const }) }), { get: () => stored, set: (k) => (stored = k) });
    expect(session.can.readPrograms).toBe(false);
    const ok = await session.signIn("  secret  ");
    expect(session.error).toBeNull();
    expect(ok).toBe(true);
    expect(session.principal).toEqual({ keyId: "k_1", name: "holder of secret", role: "marketer" });
    expect(stored).toBe("secret");
    expect(session.can).toMatchObject({ readPrograms: true, editDrafts: true, submit: true, approve: false, readAudit: false });
    session.signOut();
    expect(session.principal).toBeNull();
    expect(stored).toBeNull();
  });

  it("refuses an unknown key and forgets it", async () => {
    let stored: string | null = "old";
    const session = new Session(() => fakeApi({ whoami: () => Promise.reject(new ApiProblem(401, "unauthorized", "unknown or revoked API key")) }), { get: () => stored, set: (k) => (stored = k) });
    expect(await session.resume()).toBe(false);
    expect(session.error?.code).toBe("unauthorized");
    expect(session.api).toBeNull();
    expect(stored).toBeNull();
  });

  it("gives each role what the API allows it", () => {
    expect(permissionsFor("pos")).toMatchObject({ readPrograms: false, quoteOnServer: true, editDrafts: false });
    expect(permissionsFor("approver")).toMatchObject({ readPrograms: true, approve: true, publish: true, editDrafts: false, readAudit: false });
    expect(permissionsFor("auditor")).toMatchObject({ readPrograms: true, readAudit: true, quoteOnServer: false, validate: false });
    expect(permissionsFor("admin")).toMatchObject({ readPrograms: true, readAudit: true, editDrafts: false, approve: false });
    expect(Object.values(permissionsFor(null)).every((v) => v === false)).toBe(true);
  });
});
