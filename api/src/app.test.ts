import { Validator } from "@seriousme/openapi-schema-validator";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, drivers, type TestApp } from "../test/harness";
import { createApp } from "./app";
import { roles, type Role } from "./auth";

/** Every route of the app, with a sample path and the roles that may call it. */
const READERS: readonly Role[] = ["marketer", "approver", "auditor", "admin"];
const routeTable: { method: "GET" | "POST" | "PUT" | "DELETE"; route: string; sample: string; allowed: readonly Role[] }[] = [
  { method: "POST", route: "/v1/api-keys", sample: "/v1/api-keys", allowed: ["admin"] },
  { method: "GET", route: "/v1/api-keys", sample: "/v1/api-keys", allowed: ["admin"] },
  { method: "DELETE", route: "/v1/api-keys/{id}", sample: "/v1/api-keys/k_missing", allowed: ["admin"] },
  { method: "POST", route: "/v1/decisions", sample: "/v1/decisions", allowed: ["pos", "marketer", "approver", "admin"] },
  { method: "GET", route: "/v1/decisions/{id}", sample: "/v1/decisions/d_missing", allowed: ["auditor", "admin"] },
  { method: "POST", route: "/v1/transactions", sample: "/v1/transactions", allowed: ["pos", "admin"] },
  { method: "POST", route: "/v1/transactions/{receiptId}/claim", sample: "/v1/transactions/R-missing/claim", allowed: ["pos", "admin"] },
  { method: "POST", route: "/v1/members", sample: "/v1/members", allowed: ["pos", "admin"] },
  { method: "GET", route: "/v1/members/{id}", sample: "/v1/members/m_missing", allowed: ["pos", "auditor", "admin"] },
  { method: "GET", route: "/v1/members/{id}/ledger", sample: "/v1/members/m_missing/ledger", allowed: ["pos", "auditor", "admin"] },
  { method: "POST", route: "/v1/members/{id}/recharges", sample: "/v1/members/m_missing/recharges", allowed: ["pos", "admin"] },
  { method: "POST", route: "/v1/members/{id}/redemptions", sample: "/v1/members/m_missing/redemptions", allowed: ["pos", "admin"] },
  { method: "GET", route: "/v1/members/{id}/gifts", sample: "/v1/members/m_missing/gifts", allowed: ["pos", "auditor", "admin"] },
  { method: "POST", route: "/v1/lifecycle/runs", sample: "/v1/lifecycle/runs", allowed: ["admin"] },
  { method: "GET", route: "/v1/programs", sample: "/v1/programs", allowed: READERS },
  { method: "GET", route: "/v1/programs/{programId}/versions", sample: "/v1/programs/beiguo/versions", allowed: READERS },
  { method: "POST", route: "/v1/programs/{programId}/versions", sample: "/v1/programs/beiguo/versions", allowed: ["marketer"] },
  { method: "GET", route: "/v1/programs/{programId}/versions/{version}", sample: "/v1/programs/beiguo/versions/99", allowed: READERS },
  { method: "PUT", route: "/v1/programs/{programId}/versions/{version}", sample: "/v1/programs/beiguo/versions/99", allowed: ["marketer"] },
  { method: "GET", route: "/v1/programs/{programId}/versions/{version}/export", sample: "/v1/programs/beiguo/versions/99/export", allowed: READERS },
  { method: "POST", route: "/v1/programs/{programId}/versions/{version}/validate", sample: "/v1/programs/beiguo/versions/99/validate", allowed: ["marketer", "approver"] },
  { method: "POST", route: "/v1/programs/{programId}/versions/{version}/submit", sample: "/v1/programs/beiguo/versions/99/submit", allowed: ["marketer"] },
  { method: "POST", route: "/v1/programs/{programId}/versions/{version}/approve", sample: "/v1/programs/beiguo/versions/99/approve", allowed: ["approver"] },
  { method: "POST", route: "/v1/programs/{programId}/versions/{version}/publish", sample: "/v1/programs/beiguo/versions/99/publish", allowed: ["approver"] },
  { method: "POST", route: "/v1/programs/{programId}/versions/{version}/end", sample: "/v1/programs/beiguo/versions/99/end", allowed: ["approver"] },
  { method: "GET", route: "/v1/programs/{programId}/diff", sample: "/v1/programs/beiguo/diff?from=1&to=1", allowed: READERS },
  { method: "GET", route: "/v1/audit", sample: "/v1/audit", allowed: ["auditor", "admin"] },
  { method: "GET", route: "/v1/whoami", sample: "/v1/whoami", allowed: roles },
  { method: "POST", route: "/v1/simulations", sample: "/v1/simulations", allowed: ["marketer", "approver"] },
  { method: "GET", route: "/v1/simulations", sample: "/v1/simulations", allowed: READERS },
  { method: "GET", route: "/v1/simulations/behaviour-diff", sample: "/v1/simulations/behaviour-diff?programId=beiguo&from=1&to=1", allowed: READERS },
  { method: "GET", route: "/v1/simulations/{id}", sample: "/v1/simulations/sim_missing", allowed: READERS },
  { method: "POST", route: "/v1/simulations/{id}/cancel", sample: "/v1/simulations/sim_missing/cancel", allowed: ["marketer", "approver"] },
];

/** Routes anyone may call, without a key. */
const publicRoutes = [
  { method: "GET", route: "/healthz" },
  { method: "GET", route: "/readyz" },
  { method: "GET", route: "/openapi.json" },
];

const routeKey = (method: string, route: string) => `${method.toUpperCase()} ${route}`;

type Reply = Awaited<ReturnType<TestApp["request"]>>;

/** Asserts an RFC 9457 problem with the given status, carrying the request id of its response. */
function expectProblem(res: Reply, status: number): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), requestId: expect.stringMatching(/^req_/) });
  expect(res.body.detail.length).toBeGreaterThan(0);
  expect(res.headers.get("x-request-id")).toBe(res.body.requestId);
}

const line = (overrides: Record<string, unknown> = {}) => ({ lineId: "1", sku: "SKU-1", styleId: "ST-9", department: "department_store", quantity: 1, unitPrice: 129900, ...overrides });
const receipt = (overrides: Record<string, unknown> = {}) => ({ storeId: "beiguo-central", at: "2026-11-22T14:05:00+08:00", lines: [line()], ...overrides });

describe.each(drivers)("the app on %s", (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(driver);
  });
  afterAll(async () => t?.close());

  describe("route × role table", () => {
    it("lists every route the app registers, and nothing else", () => {
      const app = createApp(t.services);
      const registered = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => routeKey(r.method, r.path.replace(/:(\w+)/g, "{$1}"))));
      const listed = new Set([...routeTable, ...publicRoutes].map((r) => routeKey(r.method, r.route)));
      expect([...registered].sort()).toEqual([...listed].sort());
    });

    const cells = routeTable.flatMap((row) => roles.map((role) => ({ ...row, role, allowed: row.allowed.includes(role) })));
    it.each(cells)("$method $route as $role: allowed=$allowed", async ({ method, sample, role, allowed }) => {
      // An invalid body: a role check that ran after validation would answer 400 to forbidden roles.
      const res = await t.request(method, sample, { role, body: method === "POST" ? {} : undefined });
      if (allowed) {
        expect([401, 403]).not.toContain(res.status);
        expect(res.status).toBeLessThan(500);
      } else {
        expectProblem(res, 403);
        expect(res.body.code).toBe("forbidden");
      }
    });

    it.each(routeTable)("$method $route without a key or with a wrong one: 401", async ({ method, sample }) => {
      const wrongKey = "mps_not-a-key-this-service-ever-issued";
      for (const options of [{ role: null }, { key: wrongKey }, { key: `${t.keys.admin}x` }]) {
        const res = await t.request(method, sample, { ...options, body: method === "POST" ? {} : undefined });
        expectProblem(res, 401);
        expect(res.body.code).toBe("unauthorized");
        expect(JSON.stringify(res.body)).not.toContain(wrongKey);
      }
    });

    it.each(publicRoutes)("$method $route needs no key", async ({ method, route }) => {
      const res = await t.request(method, route, { role: null });
      expect(res.status).toBe(200);
    });
  });

  describe("OpenAPI document", () => {
    let doc: any;
    beforeAll(async () => {
      const res = await t.request("GET", "/openapi.json", { role: null });
      expect(res.status).toBe(200);
      doc = res.body;
    });

    it("is valid OpenAPI 3.1", async () => {
      expect(doc.openapi).toMatch(/^3\.1\./);
      const validator = new Validator();
      const result = await validator.validate(structuredClone(doc));
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
    });

    it("documents every /v1 route with bearer security naming its roles, and 401/403 answers", () => {
      const documented = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) => Object.keys(ops).map((method) => routeKey(method, path)));
      expect(documented.filter((r) => r.includes(" /v1/")).sort()).toEqual(routeTable.map((r) => routeKey(r.method, r.route)).sort());
      const scheme = Object.entries(doc.components.securitySchemes as Record<string, any>).find(([, s]) => s.type === "http" && s.scheme === "bearer");
      expect(scheme).toBeDefined();
      for (const row of routeTable) {
        const op = doc.paths[row.route][row.method.toLowerCase()];
        const security = op.security ?? doc.security;
        expect(security, routeKey(row.method, row.route)).toEqual([{ [scheme![0]]: [...row.allowed] }]);
        expect(Object.keys(op.responses), routeKey(row.method, row.route)).toEqual(expect.arrayContaining(["401", "403"]));
      }
    });

    it.each(["/healthz", "/readyz"])("documents %s as open", (path) => {
      const op = doc.paths[path]?.get;
      expect(op).toBeDefined();
      expect(op.security ?? doc.security).toEqual([]);
    });
  });

  describe("errors", () => {
    it("answers malformed JSON with 400", async () => {
      const res = await t.request("POST", "/v1/decisions", { role: "pos", rawBody: '{"storeId": "s", "lines": [' });
      expectProblem(res, 400);
      expect(res.body.code).toBe("invalid_request");
    });

    it("names every bad field of a receipt with JSON pointers", async () => {
      const body = receipt({
        at: "yesterday",
        storeId: undefined,
        extra: 1,
        lines: [line({ quantity: 0 }), line({ lineId: "2", unitPrice: -1, department: "garden" }), line({ lineId: "3", quantity: 1.5 })],
        tenders: [{ type: "cash", amount: "100" }],
      });
      for (const path of ["/v1/decisions", "/v1/transactions"]) {
        const res = await t.request("POST", path, { role: "pos", body: { ...body, receiptId: "R-bad" } });
        expectProblem(res, 400);
        const pointers = res.body.errors.map((e: { path: string }) => e.path);
        expect(pointers, path).toEqual(expect.arrayContaining(["/at", "/storeId", "/lines/0/quantity", "/lines/1/unitPrice", "/lines/1/department", "/lines/2/quantity", "/tenders/0/amount"]));
        expect(pointers).toContain("/extra");
        for (const error of res.body.errors) expect(error.message).toEqual(expect.any(String));
      }
    });

    it("names a missing receiptId of a transaction along with the other bad fields", async () => {
      const res = await t.request("POST", "/v1/transactions", { role: "pos", body: receipt({ lines: [line({ quantity: 0 })] }) });
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["/receiptId", "/lines/0/quantity"]));
    });

    it("answers an invalid body of the other routes with pointers too", async () => {
      const cases: [string, string, unknown, string[]][] = [
        ["POST", "/v1/api-keys", { role: "root", name: "" }, ["/role", "/name"]],
        ["POST", "/v1/lifecycle/runs", { asOf: "2027-01-01" }, ["/asOf"]],
        ["POST", "/v1/members", { storeId: "s", at: "2026-11-22T14:05:00+08:00", program: "beiguo", profile: { student: "yes", email: "a@b" } }, ["/profile/student", "/profile/email"]],
        ["POST", "/v1/transactions/R-1/claim", { at: "2026-11-22T14:05:00+08:00" }, ["/memberId"]],
      ];
      for (const [method, path, body, pointers] of cases) {
        const res = await t.request(method, path, { role: "admin", body });
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { path: string }) => e.path), path).toEqual(expect.arrayContaining(pointers));
      }
    });

    it("answers an unknown member with 404", async () => {
      for (const path of ["/v1/members/m_nobody", "/v1/members/m_nobody/ledger"]) expectProblem(await t.request("GET", path, { role: "pos" }), 404);
      const res = await t.request("POST", "/v1/decisions", { role: "pos", body: receipt({ memberId: "m_nobody" }) });
      expectProblem(res, 404);
      expect(res.body.code).toBe("not_found");
    });

    it("answers an unknown route with a 404 problem", async () => {
      for (const [method, path] of [["GET", "/v1/nothing-here"], ["PUT", "/v1/members/m_1"], ["GET", "/nothing-here"]] as const) {
        const res = await t.request(method, path, { role: "admin" });
        expectProblem(res, 404);
        expect(res.body.code).toBe("not_found");
      }
    });

    it("answers a body over the limit with 413 and changes nothing", async () => {
      // Valid JSON and a valid receipt: only its size (trailing whitespace) is wrong, so a missing limit would commit it.
      const big = JSON.stringify(receipt({ receiptId: "R-big" })) + " ".repeat(250_000);
      const res = await t.request("POST", "/v1/transactions", { role: "pos", rawBody: big });
      expectProblem(res, 413);
      expect(res.body.code).toBe("payload_too_large");
      const rows = await t.database.db.execute(sql`select count(*)::int as n from receipts where receipt_id = 'R-big'`);
      const [row] = (Array.isArray(rows) ? rows : (rows as unknown as { rows: { n: number }[] }).rows) as { n: number }[];
      expect(row!.n).toBe(0);
    });

    it("accepts a body just under the limit", async () => {
      const res = await t.request("POST", "/v1/decisions", { role: "pos", rawBody: JSON.stringify(receipt()) + " ".repeat(190_000) });
      expect(res.status).toBe(200);
    });
  });

  describe("API keys", () => {
    it("shows a new key once, stores only its hash, never lists or logs it, and stops it on revocation", async () => {
      const responses: string[] = [];
      const call = async (...args: Parameters<TestApp["request"]>) => {
        const res = await t.request(...args);
        responses.push(JSON.stringify(res.body));
        res.headers.forEach((value) => responses.push(value));
        return res;
      };
      const logsBefore = t.logs.length;

      const created = await t.request("POST", "/v1/api-keys", { role: "admin", body: { role: "pos", name: "till 7" } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.stringMatching(/^k_/), role: "pos", key: expect.any(String) });
      const { id, key } = created.body as { id: string; key: string };
      expect(key.length).toBeGreaterThanOrEqual(32);
      const other = await t.request("POST", "/v1/api-keys", { role: "admin", body: { role: "auditor", name: "audit" } });
      expect(other.status).toBe(201);
      expect(other.body.key).not.toBe(key);

      const quote = await call("POST", "/v1/decisions", { key, body: receipt() });
      expect(quote.status).toBe(200);
      expectProblem(await call("POST", "/v1/api-keys", { key, body: { role: "admin", name: "escalate" } }), 403);
      expect((await call("GET", `/v1/decisions/${quote.body.decisionId}`, { key: other.body.key })).status).toBe(200);

      const result = await t.database.db.execute(sql`select * from api_keys`);
      const rows = (Array.isArray(result) ? result : (result as unknown as { rows: Record<string, unknown>[] }).rows) as Record<string, unknown>[];
      const row = rows.find((r) => r.id === id);
      expect(row).toBeDefined();
      for (const stored of rows.flatMap((r) => Object.values(r))) {
        for (const secret of [key, other.body.key, ...Object.values(t.keys)]) expect(String(stored)).not.toContain(secret);
      }
      const secretPart = key.replace(/^[a-z]+_/, "");
      expect(JSON.stringify(rows)).not.toContain(secretPart);

      const list = await call("GET", "/v1/api-keys", { role: "admin" });
      expect(list.status).toBe(200);
      expect(list.body.keys.map((k: { id: string }) => k.id)).toEqual(expect.arrayContaining([id, other.body.id]));
      for (const listed of list.body.keys) expect(Object.keys(listed).sort()).toEqual(["createdAt", "id", "name", "revokedAt", "role"]);
      const hashes = rows.flatMap((r) => Object.values(r)).filter((v): v is string => typeof v === "string" && /^[0-9a-f]{64}$/i.test(v));
      expect(hashes.length).toBeGreaterThan(0);
      for (const hash of hashes) expect(JSON.stringify(list.body)).not.toContain(hash);

      expect((await call("DELETE", `/v1/api-keys/${id}`, { role: "admin" })).status).toBe(204);
      const revoked = await call("POST", "/v1/decisions", { key, body: receipt() });
      expectProblem(revoked, 401);
      expectProblem(await call("DELETE", `/v1/api-keys/${id}`, { role: "admin" }), 404);
      expect((await call("GET", "/v1/api-keys", { role: "admin" })).body.keys.find((k: { id: string }) => k.id === id).revokedAt).toEqual(expect.any(String));

      expect(t.logs.length).toBeGreaterThan(logsBefore);
      const logs = JSON.stringify(t.logs);
      for (const secret of [key, other.body.key, secretPart, ...Object.values(t.keys)]) {
        expect(logs).not.toContain(secret);
        for (const text of responses) expect(text).not.toContain(secret);
      }
    });

    it("lets ensureBootstrapAdmin create exactly one admin key however often it runs", async () => {
      const key = "bootstrap-admin-key-for-tests-0123456789";
      const before = (await t.request("GET", "/v1/api-keys", { role: "admin" })).body.keys.length;
      expectProblem(await t.request("GET", "/v1/api-keys", { key }), 401);
      await t.services.keys.ensureBootstrapAdmin(key);
      await t.services.keys.ensureBootstrapAdmin(key);
      const listed = await t.request("GET", "/v1/api-keys", { key });
      expect(listed.status).toBe(200);
      expect(listed.body.keys.length).toBe(before + 1);
      expect(await t.services.keys.authenticate(key)).toMatchObject({ role: "admin" });
      expect((await t.request("POST", "/v1/lifecycle/runs", { key, body: { asOf: "2026-01-01T00:00:00+08:00" } })).status).toBe(200);
      expect(JSON.stringify(t.logs)).not.toContain(key);
    });
  });
});

describe.each(drivers)("key changes in the audit trail on %s", (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(driver);
  });
  afterAll(async () => t.close());

  it("records who created and revoked a key, without the key itself", async () => {
    const created = await t.request("POST", "/v1/api-keys", { role: "admin", body: { role: "pos", name: "till 7" } });
    expect(created.status).toBe(201);
    expect((await t.request("DELETE", `/v1/api-keys/${created.body.id}`, { role: "admin" })).status).toBe(204);
    const audit = await t.request("GET", "/v1/audit", { role: "auditor" });
    const keyEvents = audit.body.events.filter((e: { action: string }) => e.action.startsWith("key."));
    expect(keyEvents.map((e: { action: string; detail: { keyId: string }; actor: { role: string } }) => [e.action, e.detail.keyId, e.actor.role])).toEqual([
      ["key.created", created.body.id, "admin"],
      ["key.revoked", created.body.id, "admin"],
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(created.body.key);
  });
});
