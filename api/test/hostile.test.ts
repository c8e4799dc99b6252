/**
 * Hostile input on every POST and PUT route, read from the app's own OpenAPI document so a new
 * route is covered the day it lands: malformed JSON, `fc.anything()`, valid bodies broken in one
 * place, deep nesting, huge strings, numbers out of range, prototype-pollution keys, unicode, and
 * policy drafts whose documents try to reach code. Only 4xx answers (drafts excepted: any document
 * is a legitimate draft), nothing written, no prototype polluted, memory flat.
 */
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../src/auth";
import { createTestApp, drivers, type TestApp } from "./harness";
import { ENTRY_SPEND, nextReceiptId, sale, STORE } from "./pos";

const POLICY = JSON.parse(readFileSync(new URL("../../policies/beiguo/v1.json", import.meta.url), "utf8")) as { rules: Record<string, unknown>[] } & Record<string, unknown>;
/** Requests per driver: the full 10,000 on PGlite; on PostgreSQL, where every suite runs a second time, fewer. */
const RUNS = { pglite: 10_000, postgres: 3_000 } as const;
const TABLES = ["receipts", "decisions", "ledger_entries", "point_lots", "members", "policy_versions", "api_keys", "audit_events", "lifecycle_runs"] as const;

/** A number written exactly as given, for values JSON.stringify cannot produce (1e309, 400 digits, -0). */
class RawNumber {
  constructor(readonly text: string) {}
}
/** Text spliced into the body as is (deep nesting, malformed fragments). */
class RawText {
  constructor(readonly text: string) {}
}

/** Serializes a value that may hold raw numbers and raw text; keys are written as given, "__proto__" included. */
function toJsonText(value: unknown): string {
  if (value instanceof RawNumber || value instanceof RawText) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (value !== null && typeof value === "object") return `{${Object.keys(value).map((k) => `${JSON.stringify(k)}:${toJsonText((value as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/** An object with an own property of any name, "__proto__" included (a literal would set the prototype). */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every JSON pointer (as steps) into a body, the root excluded. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value instanceof RawNumber || value instanceof RawText) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
  return [];
}

/** A deep copy that keeps raw numbers and text, and own "__proto__" keys. */
function clone(value: unknown): unknown {
  if (value instanceof RawNumber || value instanceof RawText) return value;
  if (Array.isArray(value)) return value.map(clone);
  if (value !== null && typeof value === "object") return Object.keys(value).reduce((o, k) => withKey(o, k, clone((value as Record<string, unknown>)[k])), {} as Record<string, unknown>);
  return value;
}

function setAt(root: unknown, path: (string | number)[], replace: (old: unknown) => unknown): unknown {
  const copy = clone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  node[last] = replace(node[last]);
  return copy;
}

function objectsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value instanceof RawNumber || value instanceof RawText) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => objectsOf(v, [...prefix, i]));
  if (value !== null && typeof value === "object") return [prefix, ...Object.entries(value).flatMap(([k, v]) => objectsOf(v, [...prefix, k]))];
  return [];
}

const kindOf = (v: unknown) => (v === null ? "null" : v instanceof RawNumber ? "number" : v instanceof RawText ? "raw" : Array.isArray(v) ? "array" : typeof v);

// ---------------------------------------------------------------------------------------------
// Hostile values

const PROTO_KEYS = ["__proto__", "constructor", "prototype", "__defineGetter__", "toString", "hasOwnProperty"];
const unicodeArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("会员", "\u202Emirror\u202C", "\u200B\u200D\uFEFF", "\uD800", "\uDFFF", "a\u0000b", "\u0000", "😀".repeat(50), "ﷺ", "\u0085\u2028\u2029", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"),
);
const hugeStringArb = fc.integer({ min: 1, max: 4 }).chain((k) => fc.constantFrom("x", "会", "😀", "\\", '"').map((unit) => unit.repeat(k * 60_000)));
const outOfRangeArb = fc.constantFrom(
  new RawNumber("1e309"),
  new RawNumber("-1e309"),
  new RawNumber("1" + "0".repeat(400)),
  new RawNumber("-0"),
  new RawNumber("1e-400"),
  new RawNumber("9007199254740993"),
  new RawNumber("1.5"),
  -1,
  2 ** 63,
  Number.MAX_SAFE_INTEGER,
  1e21,
);
/** A value of any JSON type but `null` (null is valid for nullish fields), hostile where it can be. */
const replacementArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null),
  unicodeArb,
  outOfRangeArb,
  fc.constantFrom<unknown>(true, false, [], {}, [null], "", "true", "1", "null"),
  fc.constantFrom(...PROTO_KEYS).map((k) => withKey({}, k, { polluted: true })),
);
/** A replacement whose JSON type differs from `old`'s and is never null: always invalid for a typed field. */
const wrongTypeFor = (old: unknown) => replacementArb.filter((v) => kindOf(v) !== kindOf(old));

function deepText(depth: number, kind: "array" | "object" | "mixed"): string {
  if (kind === "array") return "[".repeat(depth) + "1" + "]".repeat(depth);
  if (kind === "object") return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  return '[{"all":'.repeat(depth) + "[]" + "}]".repeat(depth);
}
const deepArb = fc.record({ depth: fc.oneof(fc.integer({ min: 20, max: 2_000 }), fc.integer({ min: 2_000, max: 60_000 })), kind: fc.constantFrom("array" as const, "object" as const, "mixed" as const) }).map(({ depth, kind }) => new RawText(deepText(depth, kind)));

/** Bodies that are no body of any route: malformed text, any JSON, any value, deep, huge. */
const genericBodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true, withBoxedValues: true, withSparseArray: true }).map((v) => toJsonText(JSON.parse(JSON.stringify(v) ?? "null"))) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 120 }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "{", "[", "nul", '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', "\uFEFF{}", '"\\ud800"', "NaN", "Infinity", "-", "0x10", '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}') },
  { weight: 1, arbitrary: deepArb.map((d) => d.text) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("storeId", "lines", "document", "name", "asOf"), hugeStringArb).map(([k, s]) => JSON.stringify({ [k]: s })) },
);

/**
 * A valid body broken for sure in one place (a field of another JSON type, or an unknown key in
 * a strict object), with more hostile changes on top; always rejected by the route's schema.
 */
function brokenBodyArb(valid: Json): fc.Arbitrary<string> {
  const paths = pathsOf(valid);
  // First noise anywhere (which may or may not break the body), then the one change that surely does.
  const noised = fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(replacementArb, deepArb, hugeStringArb, fc.constant(null))), { maxLength: 2 }).map((changes) =>
    changes.reduce<unknown>((body, [path, v]) => {
      try {
        return setAt(body, path, () => v);
      } catch {
        return body; // an earlier change took the path away
      }
    }, valid),
  );
  return noised
    .chain((body) => {
      const wrongType = fc.constantFrom(...pathsOf(body)).chain((path) => {
        const at = (root: unknown) => path.reduce<unknown>((node, step) => (node !== null && typeof node === "object" ? (node as Record<string | number, unknown>)[step] : undefined), root);
        // Of another type than the route expects there (the valid body says which), and than the noise left.
        const expected = at(valid);
        return wrongTypeFor(at(body))
          .filter((v) => expected === undefined || kindOf(v) !== kindOf(expected))
          .map((v) => setAt(body, path, () => v));
      });
      const unknownKey = fc.tuple(fc.constantFrom(...objectsOf(body)), fc.oneof(fc.constantFrom(...PROTO_KEYS), unicodeArb.filter((k) => k.length > 0)), replacementArb).map(([path, key, v]) =>
        path.length === 0 ? withKey(clone(body) as Record<string, unknown>, key, v) : setAt(body, path, (o) => withKey(clone(o) as Record<string, unknown>, key, v)),
      );
      return fc.oneof(wrongType, unknownKey);
    })
    .map(toJsonText);
}

/** A hostile policy document, and whether validation must refuse it (a long list of sound rules is a policy). */
interface HostileDocument {
  document: unknown;
  refused: boolean;
}

/** Policy documents that try to reach code or to exhaust the service: refused by validation, never by a 5xx. */
function hostileDocumentArb(): fc.Arbitrary<HostileDocument> {
  const receiptRule = POLICY.rules.findIndex((r) => r.scope === "receipt");
  const withLeaf = (leaf: unknown): HostileDocument => {
    const document = clone(POLICY) as typeof POLICY;
    document.rules[receiptRule]!.conditions = { all: [leaf] };
    return { document, refused: true };
  };
  const deepCondition = (depth: number) => new RawText('{"all":['.repeat(depth) + '{"fact":"receiptGross","operator":"equal","value":1}' + "]}".repeat(depth));
  const paths = ["$..[?(@.x)]", "$.constructor.constructor", "$.__proto__", "$[?(@.constructor)]", "$..[(@.length-1)]", "$..*", "$.cash.constructor", "$['constructor']", "$[0].prototype", "$.toString"];
  return fc.oneof(
    fc.tuple(fc.constantFrom(...paths), fc.constantFrom("equal", "toString", "constructor", "__proto__", "not:valueOf", "greaterThan")).map(([path, operator]) => withLeaf({ fact: "tenderTotals", path, operator, value: 0 })),
    fc.constantFrom(...PROTO_KEYS).map((name) => withLeaf({ condition: name })),
    fc.constantFrom(...PROTO_KEYS).map((fact) => withLeaf({ fact, operator: "equal", value: 1 })),
    fc.constantFrom(...paths).map((path) => withLeaf({ fact: "receiptGross", operator: "equal", value: { fact: "tenderTotals", path } })),
    // Huge rule lists, just under and over the body limit.
    fc.integer({ min: 50, max: 900 }).map((n) => ({ document: { ...(clone(POLICY) as object), rules: Array.from({ length: n }, (_, i) => ({ ...POLICY.rules[receiptRule], id: `rule-${i}` })) }, refused: false })),
    // Deeply nested conditions: sound while shallow, refused (400) past the depth limit.
    fc.integer({ min: 10, max: 20_000 }).map((depth) => ({ ...withLeaf(deepCondition(depth)), refused: false })),
    fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null && typeof v === "object" && !Array.isArray(v)).map((document) => ({ document, refused: true })),
    // Rules of any shape ([] among them: a program without rules is a policy).
    replacementArb.map((v) => ({ document: withKey(clone(POLICY) as Record<string, unknown>, "rules", v), refused: false })),
  );
}

// ---------------------------------------------------------------------------------------------

/** A path segment; a lone surrogate becomes the bytes of invalid UTF-8 (%ED%A0%80), as a hostile client would send them. */
function encodeParam(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return `%ED%A0%80${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, "?"))}`;
  }
}

/** A POST or PUT route of the OpenAPI document, with the roles it admits. */
interface Route {
  method: "POST" | "PUT";
  template: string;
  role: Role;
}

function routesOf(openapi: { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> }): Route[] {
  return Object.entries(openapi.paths).flatMap(([template, operations]) =>
    Object.entries(operations)
      .filter(([method]) => method === "post" || method === "put")
      .map(([method, operation]) => ({ method: method.toUpperCase() as Route["method"], template, role: (Object.values(operation.security?.[0] ?? {})[0]?.[0] ?? "admin") as Role })),
  );
}

/** Peak-free heap size: what is still reachable after a full collection. */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe.each(drivers)("hostile input on %s", (driver) => {
  let t: TestApp;
  let draftVersion = 0;
  let routes: Route[] = [];
  let member = "";

  beforeAll(async () => {
    t = await createTestApp(driver);
    const openapi = await t.request("GET", "/openapi.json", { role: null });
    routes = routesOf(openapi.body);
    const draft = await t.request("POST", "/v1/programs/beiguo/versions", { role: "marketer", body: { basedOn: 1 } });
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    draftVersion = draft.body.version;
    const evidence = sale("2026-11-22T10:00:00+08:00", [{ unitPrice: ENTRY_SPEND.guest }]);
    expect((await t.request("POST", "/v1/transactions", { role: "pos", body: evidence })).status).toBe(201);
    const enrolled = await t.request("POST", "/v1/members", { role: "pos", body: { storeId: STORE, at: "2026-11-22T11:00:00+08:00", program: "beiguo", evidenceReceiptIds: [evidence.receiptId], profile: { name: "Hostile", phone: "13800000000" } } });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    member = enrolled.body.member.id;
  });
  afterAll(async () => t?.close());

  async function enrolDiamond(): Promise<string> {
    const evidence = sale("2026-12-08T10:00:00+08:00", [{ unitPrice: ENTRY_SPEND.diamond }]);
    expect((await t.request("POST", "/v1/transactions", { role: "pos", body: evidence })).status).toBe(201);
    const enrolled = await t.request("POST", "/v1/members", { role: "pos", body: { storeId: STORE, at: "2026-12-08T11:00:00+08:00", program: "beiguo", evidenceReceiptIds: [evidence.receiptId] } });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    return enrolled.body.member.id;
  }

  async function counts(): Promise<Record<string, number>> {
    await t.services.log.flush();
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const result = await t.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
      const rows = (Array.isArray(result) ? result : (result as unknown as { rows: { n: number }[] }).rows) as { n: number }[];
      out[table] = Number(rows[0]!.n);
    }
    return out;
  }

  it("lists the POST and PUT routes it attacks", () => {
    const listed = routes.map((r) => `${r.method} ${r.template}`);
    expect(listed).toEqual(expect.arrayContaining(["POST /v1/decisions", "POST /v1/transactions", "POST /v1/transactions/{receiptId}/claim", "POST /v1/members", "POST /v1/api-keys", "POST /v1/lifecycle/runs", "POST /v1/programs/{programId}/versions", "PUT /v1/programs/{programId}/versions/{version}"]));
  });

  it("refuses with 400 and a pointer what PostgreSQL cannot store or what nests too deep, in bodies and in URLs", async () => {
    const body = (sku: unknown) => ({ ...sale("2026-11-22T14:05:00+08:00", [{}]), lines: [{ lineId: "1", sku, styleId: "ST-1", department: "department_store", quantity: 1, unitPrice: 100 }] });
    const cases: [string, string, string, string][] = [
      ["POST", "/v1/transactions", JSON.stringify(body("a\u0000b")), "/lines/0/sku"],
      ["POST", "/v1/transactions", JSON.stringify(body("\ud800")), "/lines/0/sku"],
      ["POST", "/v1/decisions", JSON.stringify(body("\udc00x")), "/lines/0/sku"],
      ["POST", "/v1/decisions", JSON.stringify(body("x")).replace('"storeId"', '"a\\u0000":1,"storeId"'), "/a\u0000"],
      ["POST", "/v1/decisions", JSON.stringify(body("x")).replace('"sku":"x"', `"sku":${"[".repeat(100)}${"]".repeat(100)}`), `/lines/0/sku${"/0".repeat(61)}`],
      ["GET", `/v1/members/${encodeURIComponent("m_\u0000")}`, "", "/params"],
      ["GET", "/v1/audit?programId=%00", "", "/query/programId"],
    ];
    const before = await counts();
    for (const [method, path, rawBody, pointer] of cases) {
      const res = await t.request(method, path, { role: method === "GET" ? "auditor" : "pos", ...(rawBody ? { rawBody } : {}) });
      expect(res.status, `${method} ${path} ${rawBody.slice(0, 80)}`).toBe(400);
      expect(res.body.errors, `${method} ${path}`).toEqual([{ path: pointer, message: expect.any(String) }]);
    }
    // A sound receipt with unusual but storable text is still accepted.
    expect((await t.request("POST", "/v1/transactions", { role: "pos", body: body("会员 😀 \u202e \ufeff ﷺ") })).status).toBe(201);
    expect((await counts()).receipts).toBe(before.receipts! + 1);
  });

  it("decides and commits the largest receipt the schema admits, and refuses a line one fen larger with 400", async () => {
    // 500 lines of 10,000,000 yuan each, for a diamond member on a member day: money and points far beyond 2^31.
    const diamond = await enrolDiamond();
    const lines = Array.from({ length: 500 }, (_, i) => (i % 2 ? { quantity: 1, unitPrice: 1_000_000_000 } : { quantity: 100_000, unitPrice: 10_000 }));
    const body = { ...sale("2026-12-08T14:05:00+08:00", lines, { memberId: diamond }), tenders: [{ type: "cash", amount: 100_000_000_000 }] };
    const quote = await t.request("POST", "/v1/decisions", { role: "pos", body });
    expect(quote.status, JSON.stringify(quote.body).slice(0, 300)).toBe(200);
    expect(quote.body.totals.gross).toBe(500_000_000_000);
    const committed = await t.request("POST", "/v1/transactions", { role: "pos", body });
    expect(committed.status, JSON.stringify(committed.body).slice(0, 300)).toBe(201);
    const member = await t.request("GET", `/v1/members/${diamond}`, { role: "pos" });
    expect(member.body.points.balance).toBe(committed.body.points.earned);
    expect(member.body.points.balance).toBeGreaterThan(2 ** 31);
    const over = { ...body, receiptId: nextReceiptId("OVER"), lines: body.lines.map((l, i) => (i === 1 ? { ...l, unitPrice: 1_000_000_001 } : l)) };
    const refused = await t.request("POST", "/v1/transactions", { role: "pos", body: over });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toContainEqual({ path: "/lines/1/unitPrice", message: expect.any(String) });
    expect(refused.body.errors.every((e: { path: string }) => e.path.startsWith("/lines/1/"))).toBe(true);
  });

  it(`answers ${RUNS[driver].toLocaleString("en")} hostile requests with 4xx (drafts: 2xx or 4xx), writes nothing but drafts, and keeps memory flat`, { timeout: 150_000 }, async () => {
    const receipt = { ...sale("2026-11-22T14:05:00+08:00", [{ brand: "Acme", zone: "womenswear" }, { quantity: 2, fullPrice: false }], { memberId: member }), tenders: [{ type: "cash", amount: 30_000 }] };
    const samples: Record<string, Json> = {
      "POST /v1/decisions": receipt as unknown as Json,
      "POST /v1/transactions": { ...receipt, receiptId: nextReceiptId("HOSTILE") } as unknown as Json,
      "POST /v1/transactions/{receiptId}/claim": { memberId: member, at: "2026-11-22T15:00:00+08:00" },
      "POST /v1/members": { storeId: STORE, at: "2026-11-22T11:00:00+08:00", program: "beiguo", evidenceReceiptIds: ["R-1"], profile: { name: "王", phone: "13800000000", student: false, studentOfficer: false } },
      "POST /v1/api-keys": { role: "pos", name: "till" },
      "POST /v1/lifecycle/runs": { asOf: "2027-01-01T00:00:00+08:00" },
      "POST /v1/programs/{programId}/versions/{version}/publish": { effectiveFrom: "2030-01-01T00:00:00+08:00" },
      "POST /v1/programs/{programId}/versions/{version}/end": { effectiveTo: "2030-01-01T00:00:00+08:00" },
    };
    const isDraft = (r: Route) => r.template === "/v1/programs/{programId}/versions" || (r.method === "PUT" && r.template === "/v1/programs/{programId}/versions/{version}");
    const hostileParam = fc.oneof(unicodeArb.filter((s) => s.length > 0), fc.constantFrom("__proto__", "constructor", "../../etc/passwd", "%00", "x".repeat(5_000), "-1", "1e309", "NaN", "0", "9".repeat(400)));
    const paramArb = (route: Route, name: string): fc.Arbitrary<string> => {
      const usual =
        name === "programId" ? "beiguo" : name === "version" ? (route.method === "PUT" ? String(draftVersion) : "999") : name === "receiptId" ? "R-missing" : `${name}_missing`;
      return fc.oneof({ weight: 6, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: hostileParam });
    };
    const requestArb = fc.constantFrom(...routes).chain((route) => {
      const names = [...route.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const path = fc.tuple(...names.map((n) => paramArb(route, n))).map((values) => names.reduce((p, n, i) => p.replace(`{${n}}`, encodeParam(values[i]!)), route.template));
      const key = `${route.method} ${route.template}`;
      // `refused`: a draft that must come back with validation.ok false.
      const bodies: fc.Arbitrary<{ body: string; refused: boolean }>[] = [genericBodyArb.map((body) => ({ body, refused: false }))];
      if (samples[key]) bodies.push(brokenBodyArb(samples[key]).map((body) => ({ body, refused: false })));
      if (isDraft(route)) {
        bodies.push(hostileDocumentArb().map(({ document, refused }) => ({ body: toJsonText({ document }), refused })));
        // Cases of any shape on a sound document: validation reports them, the document stays a draft.
        bodies.push(brokenBodyArb({ document: POLICY as unknown as Json, cases: [] }).map((body) => ({ body, refused: false })));
      }
      return fc.record({ route: fc.constant(route), path, request: fc.oneof(...bodies) });
    });

    const before = await counts();
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const accepted = { created: 0, updated: 0 };
    const statuses = new Map<number, number>();
    let runs = 0;
    let heapBefore = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(requestArb, async ({ route, path, request: { body, refused } }) => {
        runs += 1;
        if (runs === 1_000) {
          t.logs.length = 0;
          heapBefore = heapAfterGc();
        }
        const res = await t.request(route.method, path, { role: route.role, rawBody: body });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const context = `${route.method} ${path.slice(0, 200)} ← ${body.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        if (isDraft(route) && res.status < 300) {
          expect([200, 201], context).toContain(res.status);
          if (res.status === 201) accepted.created += 1;
          else accepted.updated += 1;
          // Accepted as a draft, never as a policy: a hostile document fails validation.
          if (refused) expect(res.body.validation.ok, context).toBe(false);
          return;
        }
        expect(res.status, context).toBeGreaterThanOrEqual(400);
        expect(res.status, context).toBeLessThan(500);
        expect(res.headers.get("content-type"), context).toMatch(/^application\/problem\+json/);
      }),
      {
        numRuns: RUNS[driver],
        endOnFailure: true,
        // The default report prints the whole body, up to megabytes of it: keep the assertion's own summary.
        reporter: (details) => {
          if (details.failed) throw new Error(`failed after ${details.numRuns} requests (seed ${details.seed}, path ${details.counterexamplePath}): ${String((details.errorInstance as Error)?.message ?? details.errorInstance).slice(0, 1_500)}`);
        },
      },
    );
    const elapsed = performance.now() - started;
    t.logs.length = 0;
    const heapAfter = heapAfterGc();

    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const after = await counts();
    expect(after).toEqual({ ...before, policy_versions: before.policy_versions! + accepted.created, audit_events: before.audit_events! + accepted.created + accepted.updated });
    expect(heapAfter - heapBefore, `heap grew from ${heapBefore} to ${heapAfter} bytes`).toBeLessThan(10 * 1024 * 1024);
    expect(elapsed, "time for the hostile requests (ms)").toBeLessThan(90_000);
    // Every kind of refusal came up: invalid (400), unknown route or version (404), too large (413).
    expect([...statuses.keys()].filter((s) => s >= 400).sort()).toEqual(expect.arrayContaining([400, 404, 413]));
  });
});
