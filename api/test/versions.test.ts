/**
 * Issue #4 over HTTP: a marketer changes Beiguo without a developer, a second person approves,
 * the change takes effect at a future instant, and an auditor can tell which version decided a
 * receipt, who changed it and who approved it. One walk through the life of a change (each step
 * builds on the one before, as the people involved would), then the audit trail and the exports.
 * Every expected amount is worked out by hand in the comments.
 */
import { sql } from "drizzle-orm";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { createTestApp, drivers, type TestApp } from "./harness";
import { commitOk, enrolAt, sale } from "./pos";

const PROGRAM = "/v1/programs/beiguo";
const V1_FILE = readFileSync(fileURLToPath(new URL("../../policies/beiguo/v1.json", import.meta.url)), "utf8");

/** The instants the walk happens at (the service's clock): every 2027 date is in the future. */
const DAY = { drafted: "2026-11-22T12:00:00+08:00", approved: "2026-11-23T10:00:00+08:00", published: "2026-11-24T10:00:00+08:00", later: "2026-11-25T10:00:00+08:00" };
const NEW_YEAR = "2027-01-01T00:00:00+08:00";

type Json = any;

/** The document with the silver full-price discount at 8 % and the rule's name saying so. */
function silverAt8(document: Json): Json {
  const copy = structuredClone(document);
  const rule = copy.rules.find((r: Json) => r.id === "silver-full-price");
  rule.event.params.percent = 8;
  rule.name = { zh: "银卡正价商品9.2折", en: "Silver: 8 % off full-price goods" };
  return copy;
}

/**
 * The shipped cases that a silver discount of 8 % breaks (found by the English end of their
 * names), with the expectations rewritten by hand.
 */
const CASES_AT_8: Record<string, { expect: Record<string, unknown>; member?: Json }> = {
  // 3 × 10,000 = 30,000 at 8 % → 2,400 off, 27,600 payable.
  "bulk lines still get the member discount (silver)": { expect: { "lines.0.discount": 2400, "lines.0.payable": 27600 } },
  // 10,000 at 8 % → 800 off: 9,200 payable, and qualifying.
  "qualifying spend is the payable after the member discount": { expect: { "lines.0.payable": 9200, "totals.qualifyingSpend": 9200 } },
  "discount: silver, full-price goods: 5 %": { expect: { "lines.0.discount": 800, "lines.0.payable": 9200 } },
  "discount: full-price goods of department other (silver)": { expect: { "lines.0.discount": 800 } },
  // 1,999 × 8 % = 159.92 → 160; 1,999 − 160 = 1,839.
  "rounding: 5 % of 1,999 fen = 99.95 → 100": { expect: { "lines.0.discount": 160, "lines.0.payable": 1839 } },
  // 1,010 × 8 % = 80.8 → 81 per line; 162 in all; 2,020 − 162 = 1,858.
  "rounding per line: two lines of 1,010 fen at 5 % → 51 + 51": { expect: { "lines.0.discount": 81, "lines.1.discount": 81, "totals.discount": 162, "totals.payable": 1858 } },
  // 3,998 × 8 % = 319.84 → 320.
  "the discount is on the line amount: 2 × 1,999 fen at 5 % → 200": { expect: { "lines.0.discount": 320 } },
  // 92 yuan × 1.5 = 138.
  "points on the payable after discount: silver 100 yuan full price → 95 × 1.5": { expect: { "points.earned": 138 } },
  // 21,000 × 92 % = 19,320.
  "parking on the payable: silver 210 yuan full price pays 199.50 → 0 h": { expect: { "lines.0.payable": 19320 } },
  // Still crossing 50,000 yuan: 4,990,800 + 9,200 = 5,000,000.
  "silver → platinum: crossing receipt at 5 % and ×1.5, its payable counted": { member: { tier: "silver", cycleSpend: 4_990_800 }, expect: { "lines.0.discount": 800, "totals.qualifyingSpend": 9200, "points.earned": 138 } },
};
/** A case that still passes at 8 % but would no longer test what it says: one fen short is now 4,990,799 + 9,200 = 4,999,999. */
const ONE_FEN_SHORT = "silver one fen short after the discount: no upgrade";

function casesAt8(cases: Json[]): Json[] {
  return cases.map((c) => {
    const key = Object.keys(CASES_AT_8).find((k) => c.name.endsWith(k));
    if (key) {
      const { expect: e, member } = CASES_AT_8[key]!;
      return { ...c, input: member ? { ...c.input, member } : c.input, expect: { ...c.expect, ...e } };
    }
    if (c.name.endsWith(ONE_FEN_SHORT)) return { ...c, input: { ...c.input, member: { tier: "silver", cycleSpend: 4_990_799 } } };
    return c;
  });
}

/** The messages of an error and of its causes: drivers wrap the database's own message. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) parts.push(String(e.message ?? e));
  return parts.join(" / ");
}

/** Object keys sorted at every level. */
function keysSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSorted);
  if (value === null || typeof value !== "object") return true;
  const keys = Object.keys(value);
  return keys.every((k, i) => i === 0 || keys[i - 1]! < k) && Object.values(value).every(keysSorted);
}

/** RFC 4180 rows: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    } else cell += ch;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

describe.each(drivers)("policy versions over HTTP on %s", (driver) => {
  let t: TestApp;
  /** The raw response of a GET: exports are bytes, which the harness would parse as JSON. */
  let raw: (path: string, key: string) => Promise<Response>;
  const v1 = { hash: "", cases: [] as Json[] };
  const v2 = { hash: "", cases: [] as Json[], document: null as Json };

  beforeAll(async () => {
    t = await createTestApp(driver, { start: DAY.drafted });
    const app = createApp(t.services);
    raw = async (path, key) => app.request(path, { headers: { authorization: `Bearer ${key}` } });
  });
  afterAll(async () => t?.close());

  const as = (role: "marketer" | "approver" | "auditor" | "admin" | "pos") => ({ role });
  const publish = (version: number, body: Json, options: { role?: "approver" | "marketer" | "pos"; key?: string } = { role: "approver" }) => t.request("POST", `${PROGRAM}/versions/${version}/publish`, { ...options, body });
  async function version(n: number): Promise<Json> {
    const res = await t.request("GET", `${PROGRAM}/versions/${n}`, as("auditor"));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  describe("the life of a change", () => {
    it("starts as a draft of v1 that validates, carrying v1's content and cases", async () => {
      v1.hash = (await version(1)).contentHash;
      const res = await t.request("POST", `${PROGRAM}/versions`, { ...as("marketer"), body: { basedOn: 1 } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ programId: "beiguo", version: 2, status: "draft", basedOn: 1, effectiveFrom: null, effectiveTo: null, contentHash: v1.hash });
      expect(res.body.validation.ok).toBe(true);
      expect(res.body.validation.cases.failed).toEqual([]);

      const draft = await version(2);
      const shipped = await version(1);
      v1.cases = shipped.cases;
      expect(draft.document.version).toBe(2);
      expect(draft.document.rules).toEqual(shipped.document.rules);
      // The cases come along; the one checking that decisions name their version now names this one.
      const withoutVersion = (cases: Json[]) => cases.map((c) => ({ ...c, expect: { ...c.expect, "policy.version": undefined } }));
      expect(withoutVersion(draft.cases)).toEqual(withoutVersion(shipped.cases));
      expect(shipped.cases.filter((c: Json) => "policy.version" in c.expect).map((c: Json) => c.expect["policy.version"])).toEqual([1]);
      expect(draft.cases.filter((c: Json) => "policy.version" in c.expect).map((c: Json) => c.expect["policy.version"])).toEqual([2]);
      expect(draft.cases.length).toBe(res.body.validation.cases.total);
      expect(draft.cases.length).toBeGreaterThan(100);
      v2.cases = draft.cases;
      v2.document = draft.document;
    });

    it("shows which shipped cases an 8 % silver discount breaks, and refuses to submit it naming them", async () => {
      const res = await t.request("PUT", `${PROGRAM}/versions/2`, { ...as("marketer"), body: { document: silverAt8(v2.document) } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.status).toBe("draft");
      expect(res.body.contentHash).not.toBe(v1.hash);
      const { validation } = res.body;
      expect(validation.ok).toBe(false);
      expect(validation.diagnostics.filter((d: Json) => d.severity === "error")).toEqual([]);
      const failed: string[] = validation.cases.failed.map((f: Json) => f.name);
      expect(failed).toHaveLength(Object.keys(CASES_AT_8).length);
      for (const key of Object.keys(CASES_AT_8)) expect(failed.filter((name) => name.endsWith(key)), key).toHaveLength(1);
      // 10,000 fen at 8 %: 800 off and 9,200 to pay, where the case expects 500 and 9,500.
      const plain = validation.cases.failed.find((f: Json) => f.name.endsWith("discount: silver, full-price goods: 5 %"));
      expect([...plain.mismatches].sort((a: Json, b: Json) => a.path.localeCompare(b.path))).toEqual([
        { path: "lines.0.discount", expected: 500, actual: 800 },
        { path: "lines.0.payable", expected: 9500, actual: 9200 },
      ]);

      const submit = await t.request("POST", `${PROGRAM}/versions/2/submit`, as("marketer"));
      expect(submit.status).toBe(422);
      expect(submit.headers.get("content-type")).toContain("application/problem+json");
      for (const name of failed) expect(submit.body.errors.some((e: Json) => e.path === "/cases" && e.message.includes(name)), name).toBe(true);
      expect((await version(2)).status).toBe("draft");
    });

    it("submits once the affected cases' expectations are updated in the same PUT", async () => {
      const res = await t.request("PUT", `${PROGRAM}/versions/2`, { ...as("marketer"), body: { document: silverAt8(v2.document), cases: casesAt8(v2.cases) } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.validation).toMatchObject({ ok: true, cases: { total: v2.cases.length, failed: [] } });
      v2.hash = res.body.contentHash;

      const validate = await t.request("POST", `${PROGRAM}/versions/2/validate`, as("approver"));
      expect(validate.status).toBe(200);
      expect(validate.body.ok).toBe(true);

      const submit = await t.request("POST", `${PROGRAM}/versions/2/submit`, as("marketer"));
      expect(submit.status, JSON.stringify(submit.body)).toBe(200);
      expect(submit.body).toMatchObject({ version: 2, status: "submitted", contentHash: v2.hash });
    });

    it("refuses edits to a submitted version and to a published one", async () => {
      const submitted = await t.request("PUT", `${PROGRAM}/versions/2`, { ...as("marketer"), body: { document: v2.document } });
      expect(submitted.status).toBe(409);
      const published = await t.request("PUT", `${PROGRAM}/versions/1`, { ...as("marketer"), body: { cases: [] } });
      expect(published.status).toBe(409);
      expect((await version(2)).contentHash).toBe(v2.hash);
      expect((await version(1)).cases).toEqual(v1.cases);
    });

    it("refuses approval by the submitter, even under an approver key of the same name, and takes another approver's", async () => {
      t.clock.set(DAY.approved);
      const byRole = await t.request("POST", `${PROGRAM}/versions/2/approve`, as("marketer"));
      expect(byRole.status).toBe(403);

      for (const name of ["test marketer", "  Test Marketer "]) {
        const created = await t.request("POST", "/v1/api-keys", { ...as("admin"), body: { role: "approver", name } });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        const self = await t.request("POST", `${PROGRAM}/versions/2/approve`, { key: created.body.key });
        expect(self.status, name).toBe(403);
        expect(self.body.detail).toMatch(/four-eyes/);
      }
      expect((await version(2)).status).toBe("submitted");

      const approved = await t.request("POST", `${PROGRAM}/versions/2/approve`, as("approver"));
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      expect(approved.body).toMatchObject({ status: "approved", contentHash: v2.hash });
    });

    it("publishes only by an approver, only approved versions, never from the past", async () => {
      t.clock.set(DAY.published);
      expect((await publish(2, { effectiveFrom: NEW_YEAR }, { role: "pos" })).status).toBe(403);
      expect((await publish(2, { effectiveFrom: NEW_YEAR }, { role: "marketer" })).status).toBe(403);
      const past = await publish(2, { effectiveFrom: "2026-11-01T00:00:00+08:00" });
      expect(past.status).toBe(422);
      expect(past.body.errors).toEqual([expect.objectContaining({ path: "/effectiveFrom" })]);
      expect((await version(2)).status).toBe("approved");

      const res = await publish(2, { effectiveFrom: NEW_YEAR });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ version: 2, status: "published", effectiveFrom: "2026-12-31T16:00:00.000Z", effectiveTo: null, contentHash: v2.hash });
      // v1 was open-ended: it now ends where v2 begins.
      expect(await version(1)).toMatchObject({ status: "published", effectiveTo: "2026-12-31T16:00:00.000Z" });
      expect((await t.request("PUT", `${PROGRAM}/versions/2`, { ...as("marketer"), body: { document: v2.document } })).status).toBe(409);
      expect((await t.request("POST", `${PROGRAM}/versions/2/publish`, { ...as("approver"), body: { effectiveFrom: "2027-02-01T00:00:00+08:00" } })).status).toBe(409);
    });

    it("decides each receipt with the version in force at its time, and the decision log names it", async () => {
      const member = await enrolAt(t, "silver");
      // 129,900 full price: 5 % = 6,495 off under v1; 8 % = 10,392 off under v2.
      const before = await commitOk(t, sale("2026-12-31T23:59:59+08:00", [{ unitPrice: 129_900 }], { memberId: member }));
      const after = await commitOk(t, sale("2027-01-01T00:00:01+08:00", [{ unitPrice: 129_900 }], { memberId: member }));
      expect(before.policy).toEqual({ id: "beiguo", version: 1 });
      expect(before.lines[0]).toMatchObject({ gross: 129_900, discount: 6_495, payable: 123_405 });
      expect(before.lines[0].rules).toContain("silver-full-price");
      expect(after.policy).toEqual({ id: "beiguo", version: 2 });
      expect(after.lines[0]).toMatchObject({ gross: 129_900, discount: 10_392, payable: 119_508 });
      expect(after.lines[0].rules).toContain("silver-full-price");

      for (const [decision, expected] of [
        [before, { version: 1, discount: 6_495 }],
        [after, { version: 2, discount: 10_392 }],
      ] as const) {
        const logged = await t.request("GET", `/v1/decisions/${decision.decisionId}`, as("auditor"));
        expect(logged.status, JSON.stringify(logged.body)).toBe(200);
        expect(logged.body.policy).toEqual({ id: "beiguo", version: expected.version });
        expect(logged.body.result.totals.discount).toBe(expected.discount);
      }
    });

    it("keeps a draft that does not lint, but refuses to submit or publish it, naming the document pointers", async () => {
      t.clock.set(DAY.later);
      const bad = structuredClone(silverAt8(v2.document));
      bad.rules.find((r: Json) => r.id === "silver-full-price").conditions.all[0].fact = "memberColour";
      const res = await t.request("POST", `${PROGRAM}/versions`, { ...as("marketer"), body: { basedOn: 2, document: bad } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ version: 3, status: "draft", basedOn: 2 });
      expect(res.body.validation.ok).toBe(false);
      expect(res.body.validation.diagnostics).toContainEqual(expect.objectContaining({ code: "unknown_fact", severity: "error", path: "/rules/1/conditions/all/0/fact" }));

      const submit = await t.request("POST", `${PROGRAM}/versions/3/submit`, as("marketer"));
      expect(submit.status).toBe(422);
      expect(submit.body.errors).toContainEqual(expect.objectContaining({ path: "/document/rules/1/conditions/all/0/fact" }));
      expect(submit.body.errors.every((e: Json) => e.path.startsWith("/document/"))).toBe(true);

      const draft = await publish(3, { effectiveFrom: "2027-06-01T00:00:00+08:00" });
      expect(draft.status).toBe(409);
      expect((await version(3)).status).toBe("draft");
    });

    it("refuses windows that overlap another version's, and lets an approver schedule an end instead", async () => {
      // Fix v3: v2's rules with a new description; its cases came from v2.
      const document = { ...silverAt8(v2.document), description: { zh: "2027年夏季版", en: "Summer 2027 edition" } };
      const fixed = await t.request("PUT", `${PROGRAM}/versions/3`, { ...as("marketer"), body: { document } });
      expect(fixed.body.validation, JSON.stringify(fixed.body.validation.cases.failed)).toMatchObject({ ok: true });
      expect((await t.request("POST", `${PROGRAM}/versions/3/submit`, as("marketer"))).status).toBe(200);
      expect((await t.request("POST", `${PROGRAM}/versions/3/approve`, as("approver"))).status).toBe(200);

      // v2 runs open-ended from 2027-01-01: ending v3 in 2028 would end v2 too and leave nothing after.
      const bounded = await publish(3, { effectiveFrom: "2027-06-01T00:00:00+08:00", effectiveTo: "2028-01-01T00:00:00+08:00" });
      expect(bounded.status).toBe(409);
      expect(bounded.body.detail).toMatch(/version 2/);
      // Starting when v2 starts overlaps it; so does anything before (v1 now ends then).
      expect((await publish(3, { effectiveFrom: NEW_YEAR })).status).toBe(409);
      expect((await publish(3, { effectiveFrom: "2026-12-01T00:00:00+08:00", effectiveTo: "2027-02-01T00:00:00+08:00" })).status).toBe(409);
      expect(await version(2)).toMatchObject({ effectiveTo: null });
      expect((await version(3)).status).toBe("approved");

      // Ending v2 first makes room for a bounded v3.
      expect((await t.request("POST", `${PROGRAM}/versions/2/end`, { ...as("marketer"), body: { effectiveTo: "2027-06-01T00:00:00+08:00" } })).status).toBe(403);
      const end = await t.request("POST", `${PROGRAM}/versions/2/end`, { ...as("approver"), body: { effectiveTo: "2027-06-01T00:00:00+08:00" } });
      expect(end.status, JSON.stringify(end.body)).toBe(200);
      expect(end.body.effectiveTo).toBe("2027-05-31T16:00:00.000Z");
      const published = await publish(3, { effectiveFrom: "2027-06-01T00:00:00+08:00", effectiveTo: "2028-01-01T00:00:00+08:00" });
      expect(published.status, JSON.stringify(published.body)).toBe(200);
      expect(published.body).toMatchObject({ status: "published", effectiveFrom: "2027-05-31T16:00:00.000Z", effectiveTo: "2027-12-31T16:00:00.000Z" });

      // An end moved into the next version's window is an overlap as well.
      expect((await t.request("POST", `${PROGRAM}/versions/2/end`, { ...as("approver"), body: { effectiveTo: "2027-07-01T00:00:00+08:00" } })).status).toBe(409);
      expect((await t.request("POST", `${PROGRAM}/versions/1/end`, { ...as("approver"), body: { effectiveTo: "2027-02-01T00:00:00+08:00" } })).status).toBe(409);
      const windows = (await t.request("GET", `${PROGRAM}/versions`, as("auditor"))).body.versions.map((v: Json) => [v.version, v.status, v.effectiveFrom, v.effectiveTo]);
      expect(windows).toEqual([
        [3, "published", "2027-05-31T16:00:00.000Z", "2027-12-31T16:00:00.000Z"],
        [2, "published", "2026-12-31T16:00:00.000Z", "2027-05-31T16:00:00.000Z"],
        [1, "published", "2000-01-01T00:00:00.000Z", "2026-12-31T16:00:00.000Z"],
      ]);
    });

    it("rolls back as a new draft of v1's content, with v1's content hash", async () => {
      const res = await t.request("POST", `${PROGRAM}/versions`, { ...as("marketer"), body: { basedOn: 1 } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ version: 4, status: "draft", basedOn: 1, contentHash: v1.hash });
      expect(res.body.contentHash).not.toBe(v2.hash);
      expect(res.body.validation).toMatchObject({ ok: true, cases: { failed: [] } });
      const diff = await t.request("GET", `${PROGRAM}/diff?from=1&to=4`, as("auditor"));
      expect(diff.status).toBe(200);
      expect(diff.body.changes).toEqual([]);
    });

    it("describes what changed from v1 to v2 in words, with the JSON pointer of the percent", async () => {
      const res = await t.request("GET", `${PROGRAM}/diff?from=1&to=2`, as("auditor"));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.from).toEqual({ version: 1, contentHash: v1.hash });
      expect(res.body.to).toEqual({ version: 2, contentHash: v2.hash });
      expect(res.body.changes.map((c: Json) => c.path)).toEqual(["/rules/1/name", "/rules/1/event/params/percent"]);
      const percent = res.body.changes[1];
      expect(percent).toMatchObject({ kind: "changed", subject: "rule", id: "silver-full-price", before: 5, after: 8 });
      expect(percent.message.en).toContain("discount 5 % → 8 %");
      expect(percent.message.zh).toContain("折扣 5 % → 8 %");
      // The pointer leads to the percent in v2's document.
      expect((await version(2)).document.rules[1].event.params.percent).toBe(8);
    });
  });

  describe("the audit trail", () => {
    const audit = (query = "") => t.request("GET", `/v1/audit${query}`, as("auditor"));

    it("records who did what to which version, with the hashes before and after", async () => {
      const res = await audit("?program=beiguo");
      expect(res.status).toBe(200);
      const events = res.body.events as Json[];
      const marketer = { name: "test marketer", role: "marketer" };
      const approver = { name: "test approver", role: "approver" };
      expect(events.map((e) => [e.action, e.version, e.actor.name, e.actor.role])).toEqual([
        ["draft.created", 2, marketer.name, marketer.role],
        ["draft.updated", 2, marketer.name, marketer.role],
        ["draft.updated", 2, marketer.name, marketer.role],
        ["version.submitted", 2, marketer.name, marketer.role],
        ["version.approved", 2, approver.name, approver.role],
        ["version.end_scheduled", 1, approver.name, approver.role],
        ["version.published", 2, approver.name, approver.role],
        ["draft.created", 3, marketer.name, marketer.role],
        ["draft.updated", 3, marketer.name, marketer.role],
        ["version.submitted", 3, marketer.name, marketer.role],
        ["version.approved", 3, approver.name, approver.role],
        ["version.end_scheduled", 2, approver.name, approver.role],
        ["version.published", 3, approver.name, approver.role],
        ["draft.created", 4, marketer.name, marketer.role],
      ]);
      expect(events.every((e) => e.programId === "beiguo" && /^k_/.test(e.actor.keyId))).toBe(true);
      // A draft of v1 starts from v1's content; the first edit changes it; the second only the cases.
      expect(events.slice(0, 7).map((e) => [e.beforeHash, e.afterHash])).toEqual([
        [null, v1.hash],
        [v1.hash, v2.hash],
        [v2.hash, v2.hash],
        [null, v2.hash],
        [null, v2.hash],
        [null, v1.hash],
        [null, v2.hash],
      ]);
      expect(events[1].detail).toEqual({ changed: ["document"] });
      expect(events[2].detail).toEqual({ changed: ["cases"] });
      expect(events[5].detail).toMatchObject({ effectiveTo: "2026-12-31T16:00:00.000Z", supersededBy: 2 });
      expect(events[6].detail).toEqual({ effectiveFrom: "2026-12-31T16:00:00.000Z", effectiveTo: null });
      expect(events[13].afterHash).toBe(v1.hash);
      expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
      expect((await audit("?program=nowhere")).body.events).toEqual([]);
    });

    it("filters by person and by period", async () => {
      const approver = (await audit("?actor=" + encodeURIComponent("test approver"))).body.events as Json[];
      expect(approver.map((e) => `${e.action} v${e.version}`)).toEqual(["version.approved v2", "version.end_scheduled v1", "version.published v2", "version.approved v3", "version.end_scheduled v2", "version.published v3"]);
      const marketer = (await audit("?actor=" + encodeURIComponent("test marketer"))).body.events as Json[];
      expect(marketer.length).toBe(8);
      expect(marketer.every((e) => e.actor.name === "test marketer" && e.actor.role === "marketer")).toBe(true);

      // Key changes (made by the admin) fall in these periods too: look at this program's events.
      const day = (from: string, to: string) => audit(`?program=beiguo&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      const approvedDay = (await day("2026-11-23T00:00:00+08:00", "2026-11-24T00:00:00+08:00")).body.events as Json[];
      expect(approvedDay.map((e) => [e.action, e.version, e.at])).toEqual([["version.approved", 2, "2026-11-23T02:00:00.000Z"]]);
      const publishedDay = (await day("2026-11-24T00:00:00+08:00", "2026-11-25T00:00:00+08:00")).body.events as Json[];
      expect(publishedDay.map((e) => [e.action, e.version])).toEqual([
        ["version.end_scheduled", 1],
        ["version.published", 2],
      ]);
      // The end of a period is exclusive: an event at exactly 10:00 is in the next one.
      expect((await day("2026-11-23T00:00:00+08:00", "2026-11-23T10:00:00+08:00")).body.events).toEqual([]);
      const both = (await audit(`?program=beiguo&actor=${encodeURIComponent("test approver")}&from=${encodeURIComponent("2026-11-25T00:00:00+08:00")}`)).body.events as Json[];
      expect(both.map((e) => `${e.action} v${e.version}`)).toEqual(["version.approved v3", "version.end_scheduled v2", "version.published v3"]);
    });

    it("exports as CSV: a header row and one row per event", async () => {
      const json = (await audit("?program=beiguo")).body.events as Json[];
      const res = await raw(`/v1/audit?program=beiguo&format=csv`, t.keys.auditor);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/csv");
      const rows = parseCsv(await res.text());
      expect(rows[0]).toEqual(["id", "at", "actor_name", "actor_role", "actor_key_id", "action", "program_id", "version", "before_hash", "after_hash", "detail"]);
      expect(rows.length).toBe(json.length + 1);
      rows.slice(1).forEach((row, i) => {
        const e = json[i]!;
        expect(row).toEqual([String(e.id), e.at, e.actor.name, e.actor.role, e.actor.keyId, e.action, "beiguo", String(e.version), e.beforeHash ?? "", e.afterHash ?? "", JSON.stringify(e.detail)]);
      });
      const filtered = parseCsv(await (await raw(`/v1/audit?format=csv&actor=${encodeURIComponent("test approver")}`, t.keys.auditor)).text());
      expect(filtered.length).toBe(1 + 6);
    });

    it("is read by auditors, who can change nothing", async () => {
      expect((await t.request("GET", "/v1/audit", as("marketer"))).status).toBe(403);
      expect((await t.request("GET", "/v1/audit", as("pos"))).status).toBe(403);
      const before = (await audit()).body.events.length;
      const receipt = sale("2026-11-25T10:00:00+08:00", [{}]);
      const calls: [string, string, unknown][] = [
        ["POST", `${PROGRAM}/versions`, { basedOn: 1 }],
        ["PUT", `${PROGRAM}/versions/4`, { cases: [] }],
        ["POST", `${PROGRAM}/versions/4/validate`, undefined],
        ["POST", `${PROGRAM}/versions/4/submit`, undefined],
        ["POST", `${PROGRAM}/versions/4/approve`, undefined],
        ["POST", `${PROGRAM}/versions/4/publish`, { effectiveFrom: "2028-01-01T00:00:00+08:00" }],
        ["POST", `${PROGRAM}/versions/3/end`, { effectiveTo: "2027-09-01T00:00:00+08:00" }],
        ["POST", "/v1/api-keys", { role: "admin", name: "auditor's friend" }],
        ["DELETE", "/v1/api-keys/k_anything", undefined],
        ["POST", "/v1/decisions", receipt],
        ["POST", "/v1/transactions", receipt],
        ["POST", `/v1/transactions/${receipt.receiptId}/claim`, { memberId: "m_x", at: "2026-11-25T10:00:00+08:00" }],
        ["POST", "/v1/members", { storeId: "s", at: "2026-11-25T10:00:00+08:00", program: "beiguo", evidenceReceiptIds: [], profile: { name: "A", phone: "1", student: false, studentOfficer: false } }],
        ["POST", "/v1/lifecycle/runs", { asOf: "2027-01-01T00:00:00+08:00" }],
      ];
      for (const [method, path, body] of calls) {
        const res = await t.request(method, path, { ...as("auditor"), body });
        expect(res.status, `${method} ${path}`).toBe(403);
      }
      expect((await audit()).body.events.length).toBe(before);
      expect((await version(4)).status).toBe("draft");
    });

    it("is append-only in the database itself", async () => {
      const before = (await audit()).body.events as Json[];
      expect(before.length).toBeGreaterThan(0);
      const refused = async (statement: ReturnType<typeof sql>) => {
        let error: unknown = null;
        try {
          await t.services.db.execute(statement);
        } catch (e) {
          error = e;
        }
        expect(error, "the database accepted the change").not.toBeNull();
        expect(errorText(error)).toMatch(/append-only/);
      };
      await refused(sql`update audit_events set actor_name = 'someone else'`);
      await refused(sql`delete from audit_events`);
      expect((await audit()).body.events).toEqual(before);
    });
  });

  describe("export and programs", () => {
    it("exports an imported version as the file's exact bytes", async () => {
      const res = await raw(`${PROGRAM}/versions/1/export`, t.keys.auditor);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(V1_FILE, "utf8"))).toBe(true);
    });

    it("exports a draft as its canonical JSON: sorted keys, indented, whatever order it was written in", async () => {
      const text = await (await raw(`${PROGRAM}/versions/4/export`, t.keys.marketer)).text();
      const document = (await version(4)).document;
      expect(JSON.parse(text)).toEqual(document);
      expect(keysSorted(JSON.parse(text))).toBe(true);
      expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2) + "\n");

      const reversed = Object.fromEntries(Object.entries(document).reverse());
      const put = await t.request("PUT", `${PROGRAM}/versions/4`, { ...as("marketer"), body: { document: reversed } });
      expect(put.status).toBe(200);
      expect(put.body.contentHash).toBe(v1.hash);
      expect(await (await raw(`${PROGRAM}/versions/4/export`, t.keys.marketer)).text()).toBe(text);
    });

    it("lists beiguo with the version in force now", async () => {
      const inForce = async () => {
        const res = await t.request("GET", "/v1/programs", as("auditor"));
        expect(res.status).toBe(200);
        expect(res.body.programs.map((p: Json) => p.id)).toEqual(["beiguo", "campus", "netcafe", "stored-value", "zhenzi"]);
        return res.body.programs.filter((p: Json) => p.id === "beiguo").map((p: Json) => [p.id, p.versions, p.inForce]);
      };
      expect(await inForce()).toEqual([["beiguo", 4, 1]]);
      t.clock.set("2027-01-01T00:00:00+08:00");
      expect(await inForce()).toEqual([["beiguo", 4, 2]]);
      t.clock.set("2027-06-01T00:00:00+08:00");
      expect(await inForce()).toEqual([["beiguo", 4, 3]]);
      // v3 was published to end with 2027, and nothing follows it.
      t.clock.set("2028-01-01T00:00:00+08:00");
      expect(await inForce()).toEqual([["beiguo", 4, null]]);
    });
  });
});
