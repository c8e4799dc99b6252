/**
 * Security beyond the route × role table of app.test.ts: across a realistic session of every role
 * (errors, revocation and a failing database included) no API key (nor its hash) appears in a log
 * line, a response after its creation, or a stored row; a 5xx log holds no request data; and a
 * policy document cannot run code — parsePolicy refuses paths, operators and references that
 * reach for the prototype or script, and the reference evaluator never hands a path to jsonpath-plus.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { sql } from "drizzle-orm";
import { Engine } from "json-rules-engine";
import { afterEach, describe, expect, it, vi } from "vitest";
import { compilePolicy, createReferencePolicy, parsePolicy, type Policy } from "../../engine/src/index";
import { sale as engineSale, silverMember } from "../../engine/test/factories";
import { sha256 } from "../src/ids";
import { createTestApp, drivers, type TestApp } from "./harness";
import { ENTRY_SPEND, fullReturnOf, sale, STORE } from "./pos";

const POLICY_TEXT = readFileSync(new URL("../../policies/beiguo/v1.json", import.meta.url), "utf8");
const policyDocument = () => JSON.parse(POLICY_TEXT) as { rules: { scope: string; conditions: unknown; id: string }[] } & Record<string, unknown>;
const TABLES = ["api_keys", "policy_versions", "members", "receipts", "decisions", "ledger_entries", "point_lots", "audit_events", "lifecycle_runs"];

async function rowsOf(t: TestApp, table: string): Promise<string> {
  const result = await t.database.db.execute(sql.raw(`select row_to_json(t)::text as row from ${table} t`));
  const rows = (Array.isArray(result) ? result : (result as unknown as { rows: { row: string }[] }).rows) as { row: string }[];
  return rows.map((r) => r.row).join("\n");
}

describe.each(drivers)("API keys stay secret across a session on %s", (driver) => {
  it("never shows a key after its creation, nor logs it, nor stores it; 5xx logs hold no request data", { timeout: 60_000 }, async () => {
    const t = await createTestApp(driver);
    const responses: string[] = [];
    const call = async (method: string, path: string, options: { key?: string; body?: unknown } = {}) => {
      const res = await t.request(method, path, { role: null, ...options });
      responses.push(typeof res.body === "string" ? res.body : JSON.stringify(res.body));
      res.headers.forEach((value, name) => responses.push(`${name}: ${value}`));
      return res;
    };
    try {
      // The admin hands out keys; each is shown once, in the answer that creates it.
      const created: Record<string, { id: string; key: string }> = {};
      for (const [name, role] of [["till 7", "pos"], ["Li (marketing)", "marketer"], ["Wang (approvals)", "approver"], ["Zhao (audit)", "auditor"]] as const) {
        const res = await t.request("POST", "/v1/api-keys", { role: "admin", body: { role, name } });
        expect(res.status).toBe(201);
        expect(res.body.key).toMatch(/^mps_[A-Za-z0-9_-]{40,}$/);
        created[role] = { id: res.body.id, key: res.body.key };
      }
      const till = created.pos!.key;
      const marketer = created.marketer!.key;
      const approver = created.approver!.key;
      const auditor = created.auditor!.key;

      // The till: sales, an enrolment, quotes, a replay, a conflict, a return, a claim, mistakes.
      const evidence = sale("2026-11-22T10:00:00+08:00", [{ unitPrice: ENTRY_SPEND.silver }]);
      expect((await call("POST", "/v1/transactions", { key: till, body: evidence })).status).toBe(201);
      const enrolled = await call("POST", "/v1/members", { key: till, body: { storeId: STORE, at: "2026-11-22T11:00:00+08:00", program: "beiguo", evidenceReceiptIds: [evidence.receiptId], profile: { name: "李雷", phone: "13912345678" } } });
      expect(enrolled.status).toBe(201);
      const memberId = enrolled.body.member.id as string;
      const bought = sale("2026-11-22T12:00:00+08:00", [{ unitPrice: 88_800 }, { quantity: 2 }], { memberId });
      expect((await call("POST", "/v1/decisions", { key: till, body: bought })).status).toBe(200);
      const committed = await call("POST", "/v1/transactions", { key: till, body: bought });
      expect(committed.status).toBe(201);
      expect((await call("POST", "/v1/transactions", { key: till, body: bought })).status).toBe(200);
      expect((await call("POST", "/v1/transactions", { key: till, body: { ...bought, storeId: "beiguo-east" } })).status).toBe(409);
      expect((await call("POST", "/v1/transactions", { key: till, body: fullReturnOf(bought, "2026-11-22T13:00:00+08:00") })).status).toBe(201);
      const anonymous = sale("2026-11-22T14:00:00+08:00", [{ unitPrice: 30_000 }]);
      expect((await call("POST", "/v1/transactions", { key: till, body: anonymous })).status).toBe(201);
      expect((await call("POST", `/v1/transactions/${anonymous.receiptId}/claim`, { key: till, body: { memberId, at: "2026-11-22T15:00:00+08:00" } })).status).toBe(200);
      expect((await call("GET", `/v1/members/${memberId}`, { key: till })).status).toBe(200);
      expect((await call("GET", `/v1/members/${memberId}/ledger`, { key: till })).status).toBe(200);
      expect((await call("POST", "/v1/transactions", { key: till, body: { ...bought, lines: [] } })).status).toBe(400);
      expect((await call("GET", "/v1/members/m_nobody", { key: till })).status).toBe(404);
      expect((await call("POST", "/v1/programs/beiguo/versions", { key: till, body: { basedOn: 1 } })).status).toBe(403);
      expect((await call("POST", "/v1/api-keys", { key: till, body: { role: "admin", name: "escalate" } })).status).toBe(403);

      // A program change: the marketer drafts and submits, the approver approves and publishes.
      expect((await call("GET", "/v1/programs", { key: marketer })).status).toBe(200);
      const draft = await call("POST", "/v1/programs/beiguo/versions", { key: marketer, body: { basedOn: 1 } });
      expect(draft.status).toBe(201);
      const version = draft.body.version as number;
      const edited = { ...policyDocument(), description: { zh: "春季版", en: "Spring edition" } };
      expect((await call("PUT", `/v1/programs/beiguo/versions/${version}`, { key: marketer, body: { document: edited } })).status).toBe(200);
      expect((await call("POST", `/v1/programs/beiguo/versions/${version}/validate`, { key: marketer })).body.ok).toBe(true);
      expect((await call("POST", `/v1/programs/beiguo/versions/${version}/submit`, { key: marketer })).status).toBe(200);
      expect((await call("POST", `/v1/programs/beiguo/versions/${version}/approve`, { key: approver })).status).toBe(200);
      expect((await call("POST", `/v1/programs/beiguo/versions/${version}/publish`, { key: approver, body: { effectiveFrom: "2027-01-01T00:00:00+08:00" } })).status).toBe(200);
      expect((await call("GET", `/v1/programs/beiguo/diff?from=1&to=${version}`, { key: approver })).status).toBe(200);

      // The auditor and the admin look back; the admin revokes the till's key.
      expect((await call("GET", "/v1/audit", { key: auditor })).status).toBe(200);
      expect((await call("GET", `/v1/decisions/${committed.body.decisionId}`, { key: auditor })).status).toBe(200);
      expect((await call("GET", "/v1/api-keys", { key: t.keys.admin })).status).toBe(200);
      expect((await call("GET", "/v1/whoami", { key: marketer })).status).toBe(200);
      expect((await call("DELETE", `/v1/api-keys/${created.pos!.id}`, { key: t.keys.admin })).status).toBe(204);
      expect((await call("POST", "/v1/decisions", { key: till, body: bought })).status).toBe(401);

      // Keys where they do not belong: guessed, or in the URL of a request.
      const guessed = `mps_${randomBytes(32).toString("base64url")}`;
      expect((await call("GET", "/v1/whoami", { key: guessed })).status).toBe(401);
      expect((await call("GET", `/v1/whoami?api_key=${encodeURIComponent(marketer)}`, { key: marketer })).status).toBe(200);

      // A failing database: the 5xx is logged, with the failed query's SQL but not its parameters.
      const before5xx = t.logs.length;
      const failing = vi.spyOn(t.services.members, "view").mockImplementationOnce(async () => {
        await t.database.db.execute(sql`select * from no_such_table where id = ${"m_secret_parameter"} and note = ${"13912345678"}`);
        throw new Error("unreachable");
      });
      expect((await call("GET", `/v1/members/${memberId}`, { key: auditor })).status).toBe(500);
      failing.mockRestore();
      const errorLines = t.logs.slice(before5xx).filter((l) => l.level === "error");
      expect(errorLines).toHaveLength(1);
      expect(String(errorLines[0]!.error)).toContain("no_such_table");
      expect(JSON.stringify(errorLines)).not.toContain("m_secret_parameter");
      expect(JSON.stringify(errorLines)).not.toContain("13912345678");

      await t.services.log.flush();
      const secrets = [till, marketer, approver, auditor, guessed, ...Object.values(t.keys)];
      const forbidden = [...secrets, ...secrets.map((k) => k.replace(/^mps_/, "")), ...secrets.map(sha256)];
      const logs = JSON.stringify(t.logs);
      expect(t.logs.length).toBeGreaterThan(30);
      const stored = (await Promise.all(TABLES.map((table) => rowsOf(t, table)))).join("\n");
      for (const secret of forbidden) {
        expect(logs.includes(secret), "a key or its hash in the logs").toBe(false);
        expect(responses.some((text) => text.includes(secret)), "a key or its hash in a response after its creation").toBe(false);
      }
      for (const secret of secrets) expect(stored.includes(secret.replace(/^mps_/, "")), "a key in a stored row").toBe(false);
      // Requests are logged by key id, never by key.
      expect(t.logs.filter((l) => l.key !== undefined).every((l) => typeof l.key === "string" && /^k_/.test(l.key as string))).toBe(true);
    } finally {
      await t.close();
    }
  });
});

describe("policy documents cannot run code", () => {
  const receiptRule = policyDocument().rules.findIndex((r) => r.scope === "receipt");
  const withCondition = (condition: unknown) => {
    const doc = policyDocument();
    doc.rules[receiptRule]!.conditions = { all: [condition] };
    return doc;
  };
  const at = `/rules/${receiptRule}/conditions/all/0`;
  const hostile: [string, unknown, string, string][] = [
    ["a path to the Function constructor", { fact: "tenderTotals", path: "$.constructor.constructor", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a path to the prototype", { fact: "tenderTotals", path: "$.__proto__", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a path to an inherited method", { fact: "tenderTotals", path: "$.cash.toString", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a path to prototype", { fact: "tenderTotals", path: "$[0].prototype", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a JSONPath filter", { fact: "tenderTotals", path: "$..[?(@.x)]", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a JSONPath script", { fact: "tenderTotals", path: "$[(@.length-1)]", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a JSONPath filter calling code", { fact: "tenderTotals", path: "$[?(@.constructor.constructor('return process')())]", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["recursive descent", { fact: "tenderTotals", path: "$..*", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a bracketed name", { fact: "tenderTotals", path: "$['constructor']", operator: "equal", value: 1 }, "schema", `${at}/path`],
    ["a fact-valued right-hand side with a bad path", { fact: "receiptGross", operator: "equal", value: { fact: "tenderTotals", path: "$.constructor" } }, "schema", `${at}/value/path`],
    ["the toString operator", { fact: "receiptGross", operator: "toString", value: 1 }, "unknown_operator", `${at}/operator`],
    ["the constructor operator", { fact: "receiptGross", operator: "constructor", value: 1 }, "unknown_operator", `${at}/operator`],
    ["a decorated __proto__ operator", { fact: "receiptGross", operator: "not:__proto__", value: 1 }, "unknown_operator", `${at}/operator`],
    ["a hasOwnProperty decorator", { fact: "receiptGross", operator: "hasOwnProperty:equal", value: 1 }, "unknown_operator", `${at}/operator`],
    ["a constructor fact", { fact: "constructor", operator: "equal", value: 1 }, "unknown_fact", `${at}/fact`],
    ["a __proto__ fact", { fact: "__proto__", operator: "equal", value: 1 }, "unknown_fact", `${at}/fact`],
    ["a reference to constructor", { condition: "constructor" }, "unknown_condition", `${at}/condition`],
    ["a reference to __proto__", { condition: "__proto__" }, "unknown_condition", `${at}/condition`],
    ["a reference to toString", { condition: "toString" }, "unknown_condition", `${at}/condition`],
  ];

  it.each(hostile)("parsePolicy refuses %s with a diagnostic at the field", (_name, condition, code, path) => {
    const result = parsePolicy(withCondition(condition));
    expect(result.ok).toBe(false);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toContainEqual(expect.objectContaining({ code, path }));
  });

  it("keeps such a document a draft: validation reports it and submitting it is refused", async () => {
    const t = await createTestApp("pglite");
    try {
      const draft = await t.request("POST", "/v1/programs/beiguo/versions", { role: "marketer", body: { document: withCondition(hostile[0]![1]) } });
      expect(draft.status).toBe(201);
      expect(draft.body.validation.ok).toBe(false);
      expect(draft.body.validation.diagnostics).toContainEqual(expect.objectContaining({ code: "schema", path: `${at}/path` }));
      const submitted = await t.request("POST", `/v1/programs/beiguo/versions/${draft.body.version}/submit`, { role: "marketer" });
      expect(submitted.status).toBe(422);
    } finally {
      await t.close();
    }
  });

  describe("the reference evaluator and jsonpath-plus", () => {
    // json-rules-engine reads JSONPath through this module's export at call time (almanac.js), so replacing the export sees every call.
    const jsonpath = createRequire(createRequire(import.meta.url).resolve("json-rules-engine"))("jsonpath-plus") as { JSONPath: (...args: unknown[]) => unknown };
    const original = jsonpath.JSONPath;
    const calls: unknown[] = [];
    const spy = (...args: unknown[]) => {
      calls.push(args[0]);
      return original(...args);
    };
    afterEach(() => {
      jsonpath.JSONPath = original;
      calls.length = 0;
    });

    it("is seen by the spy when json-rules-engine resolves a path itself (the control)", async () => {
      jsonpath.JSONPath = spy;
      const engine = new Engine([{ conditions: { all: [{ fact: "tenders", path: "$.cash", operator: "greaterThan", value: 0 }] }, event: { type: "paid-cash" } }]);
      const { events } = await engine.run({ tenders: { cash: 5 } });
      expect(events.map((e) => e.type)).toEqual(["paid-cash"]);
      expect(calls.length).toBeGreaterThan(0);
    });

    it("is never called by the reference evaluator, which resolves paths on its own", async () => {
      const doc = policyDocument();
      doc.rules.push({ id: "cash-payers", name: { zh: "现金", en: "cash" }, scope: "receipt", conditions: { all: [{ fact: "tenderTotals", path: "$.cash", operator: "greaterThanInclusive", value: 10_000 }] }, event: { type: "benefits", params: { flags: ["cash-payer"] } } } as never);
      const parsed = parsePolicy(doc);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
      const policy: Policy = parsed.value;
      jsonpath.JSONPath = spy;
      const reference = createReferencePolicy(policy);
      const compiled = compilePolicy(policy);
      const cash = engineSale({ tenders: [{ type: "cash", amount: 20_000 }] });
      const card = engineSale({ tenders: [{ type: "bank_card", amount: 20_000 }] });
      for (const [receipt, expected] of [[cash, true], [card, false]] as const) {
        const input = { receipt, member: silverMember() };
        const decided = await reference.decide(input);
        expect(decided.benefits.includes("cash-payer")).toBe(expected);
        expect(compiled.decide(input).benefits.includes("cash-payer")).toBe(expected);
      }
      expect(calls).toEqual([]);
    });
  });
});
