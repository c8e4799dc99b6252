/**
 * The POS listener (quotes and commits on node:http) against the Hono routes it stands in for:
 * every request here goes to both, and both must answer alike (status, content type, body and
 * the request log line; ids aside), successes and every kind of failure, in the order the
 * checks are made. Requests the listener declines must still be served, by Hono.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { posListener } from "../src/pos-listener";
import { quoteCall } from "../src/routes/decisions/index";
import { createTestApp, drivers, type TestApp } from "./harness";
import { enrolAt, sale, STORE } from "./pos";

interface Sent {
  path: string;
  key?: string | null;
  contentType?: string;
  body: string;
}

interface Answer {
  status: number;
  type: string | null;
  requestId: string | null;
  body: unknown;
  log: Record<string, unknown> | undefined;
}

/** An answer with the ids each request makes afresh replaced, for comparison. */
function comparable(answer: Answer): unknown {
  const body = answer.body && typeof answer.body === "object" ? { ...answer.body, decisionId: "(id)", requestId: "(id)" } : answer.body;
  const log = answer.log && { ...answer.log, requestId: "(id)", ms: "(ms)" };
  return { ...answer, requestId: answer.requestId ? "(id)" : null, body, log };
}

describe.each(drivers)("POS listener on %s", (driver) => {
  let t: TestApp;
  let hono: ReturnType<typeof createApp>;
  const honoLogs: Record<string, unknown>[] = [];
  let memberId: string;
  beforeAll(async () => {
    t = await createTestApp(driver);
    hono = createApp(t.services, { logger: (line) => honoLogs.push(line), bodyLimit: 200_000 });
    memberId = await enrolAt(t, "silver");
  });
  afterAll(async () => t?.close());

  function headersOf(sent: Sent): Record<string, string> {
    const headers: Record<string, string> = { "content-type": sent.contentType ?? "application/json" };
    const key = sent.key === undefined ? t.keys.pos : sent.key;
    if (key !== null) headers.authorization = key.startsWith("Basic ") ? key : `Bearer ${key}`;
    return headers;
  }

  async function answerOf(res: Response, logs: Record<string, unknown>[], logged: number): Promise<Answer> {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: compare the text
    }
    const lines = logs.slice(logged).filter((line) => line.level === "info");
    return { status: res.status, type: res.headers.get("content-type"), requestId: res.headers.get("x-request-id"), body, log: lines.at(-1) };
  }

  async function viaListener(sent: Sent): Promise<Answer> {
    const logged = t.logs.length;
    const res = await fetch(t.origin + sent.path, { method: "POST", headers: headersOf(sent), body: sent.body });
    return answerOf(res, t.logs, logged);
  }

  async function viaHono(sent: Sent): Promise<Answer> {
    const logged = honoLogs.length;
    const res = await hono.request(sent.path, { method: "POST", headers: headersOf(sent), body: sent.body });
    return answerOf(res, honoLogs, logged);
  }

  async function expectAlike(sent: Sent, status: number): Promise<Answer> {
    const listener = await viaListener(sent);
    const expected = await viaHono(sent);
    expect(listener.status).toBe(status);
    expect(comparable(listener)).toEqual(comparable(expected));
    expect(listener.requestId).toMatch(/^req_/);
    return listener;
  }

  const quote = (body: unknown, extra: Partial<Sent> = {}): Sent => ({ path: "/v1/decisions", body: typeof body === "string" ? body : JSON.stringify(body), ...extra });
  const anonymous = () => ({ ...sale("2026-11-23T11:00:00+08:00", [{ unitPrice: 129_900 }, { department: "supermarket", unitPrice: 5_000 }]), receiptId: undefined });

  describe("quotes", () => {
    it("answer an anonymous and a member's receipt alike, trace and all", async () => {
      const anon = await expectAlike(quote(anonymous()), 200);
      expect((anon.body as any).totals.payable).toBe(134_900);
      const member = await expectAlike(quote({ ...anonymous(), memberId }), 200);
      expect((member.body as any).member).toEqual({ id: memberId, tier: "silver" });
      expect((member.body as any).trace.length).toBeGreaterThan(0);
      expect(member.log).toMatchObject({ method: "POST", path: "/v1/decisions", status: 200, key: expect.stringMatching(/^k_/) });
    });

    it("take a charset parameter and a byte order mark as Hono does", async () => {
      await expectAlike(quote(anonymous(), { contentType: "application/json; charset=utf-8" }), 200);
      await expectAlike(quote("\uFEFF" + JSON.stringify(anonymous())), 200);
    });

    it("refuse a missing, malformed or unknown key with 401, before anything else", async () => {
      await expectAlike(quote(anonymous(), { key: null }), 401);
      await expectAlike(quote(anonymous(), { key: "Basic abc" }), 401);
      await expectAlike(quote("{not json", { key: "mps_unknown" }), 401);
    });

    it("refuse a role that may not quote with 403, after the storable check and before the JSON and schema checks", async () => {
      await expectAlike(quote(anonymous(), { key: t.keys.auditor }), 403);
      await expectAlike(quote("{not json", { key: t.keys.auditor }), 403);
      await expectAlike(quote({ storeId: 5 }, { key: t.keys.auditor }), 403);
      const unstorable = await expectAlike(quote({ ...anonymous(), storeId: "a\u0000b" }, { key: t.keys.auditor }), 400);
      expect((unstorable.body as any).errors).toEqual([{ path: "/storeId", message: expect.stringContaining("U+0000") }]);
    });

    it("name every bad field of a body that is not a receipt with 400", async () => {
      const bad = await expectAlike(quote({ ...anonymous(), storeId: "", lines: [{ lineId: "1", quantity: -1, unitPrice: 1.5 }], colour: "red" }), 400);
      expect((bad.body as any).errors.map((error: any) => error.path)).toEqual(expect.arrayContaining(["/storeId", "/lines/0/quantity", "/lines/0/unitPrice", "/colour"]));
      for (const body of ["{not json", "", "null", "[]", "1", '"text"', "[".repeat(100) + "]".repeat(100)]) await expectAlike(quote(body), 400);
    });

    it("answer an unknown member with 404 and a return of nothing committed with 422", async () => {
      await expectAlike(quote({ ...anonymous(), memberId: "m_nobody" }), 404);
      await expectAlike(quote({ ...anonymous(), type: "return", originalReceiptId: "R-never" }), 422);
    });

    it("leave to Hono what they decline: a query, another content type, a body over the limit", async () => {
      expect((await viaListener(quote(anonymous(), { path: "/v1/decisions?x=1" }))).status).toBe(200);
      await expectAlike(quote(anonymous(), { contentType: "text/plain" }), 400);
      await expectAlike(quote(anonymous(), { contentType: "application/problem+json" }), 200);
      const huge = JSON.stringify({ ...anonymous(), storeId: "x".repeat(200_001) });
      await expectAlike(quote(huge), 413);
    });

    it("serve a chunked body, which only Hono reads", async () => {
      const body = new TextEncoder().encode(JSON.stringify(anonymous()));
      const stream = new ReadableStream({ start: (controller) => (controller.enqueue(body), controller.close()) });
      const res = await fetch(t.origin + "/v1/decisions", { method: "POST", headers: headersOf(quote("")), body: stream, duplex: "half" } as RequestInit);
      expect(res.status).toBe(200);
      expect((await res.json()).totals.payable).toBe(134_900);
    });
  });

  it("serve what they take themselves and hand the rest to the next listener untouched", async () => {
    const declined: string[] = [];
    const server = createServer(
      posListener(t.services, { calls: [quoteCall], bodyLimit: 10_000, logger: () => {} }, (req, res) => {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
          declined.push(`${req.url} ${body.length}`);
          res.writeHead(599).end();
        });
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const send = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
        fetch(origin + path, { method: "POST", headers: { ...headersOf(quote("")), ...headers }, body, duplex: "half" } as RequestInit).then((res) => res.status);
      const receipt = JSON.stringify(anonymous());
      expect(await send("/v1/decisions", receipt)).toBe(200);
      expect(await send("/v1/decisions", receipt, { "content-type": "application/json; charset=utf-8" })).toBe(200);
      expect(declined).toEqual([]);
      const stream = new ReadableStream({ start: (controller) => (controller.enqueue(new TextEncoder().encode(receipt)), controller.close()) });
      expect(await send("/v1/decisions", stream)).toBe(599);
      expect(await send("/v1/decisions?x=1", receipt)).toBe(599);
      expect(await send("/v1/decisions/", receipt)).toBe(599);
      expect(await send("/v1/transactions", receipt)).toBe(599);
      expect(await send("/v1/decisions", receipt, { "content-type": "text/plain" })).toBe(599);
      expect(await send("/v1/decisions", JSON.stringify({ ...anonymous(), storeId: "x".repeat(10_000) }))).toBe(599);
      // Each reached the next listener with its body unread.
      expect(declined.map((line) => Number(line.split(" ")[1]))).toEqual([receipt.length, receipt.length, receipt.length, receipt.length, receipt.length, receipt.length + 10_000 - STORE.length]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe("commits", () => {
    const commitOf = (body: unknown, extra: Partial<Sent> = {}): Sent => ({ path: "/v1/transactions", body: JSON.stringify(body), ...extra });

    it("commit on either path and replay on the other with the same decision", async () => {
      for (const [first, again] of [
        [viaListener, viaHono],
        [viaHono, viaListener],
      ] as const) {
        const body = { ...sale("2026-11-23T12:00:00+08:00", [{ unitPrice: 20_000 }]), memberId };
        const created = await first(commitOf(body));
        const replayed = await again(commitOf(body));
        expect(created.status).toBe(201);
        expect(replayed.status).toBe(200);
        expect(replayed.body).toEqual(created.body);
        expect(replayed.type).toBe(created.type);
      }
    });

    it("refuse what the Hono route refuses, with the same answer", async () => {
      const body = { ...sale("2026-11-23T13:00:00+08:00", [{ unitPrice: 20_000 }]), memberId };
      await expectAlike(commitOf(body, { key: t.keys.marketer }), 403);
      await expectAlike(commitOf({ ...body, receiptId: undefined }), 400);
      await expectAlike(commitOf({ ...body, memberId: "m_nobody" }), 404);
      await expectAlike(commitOf({ ...body, type: "return", originalReceiptId: "R-never" }), 422);
      expect((await viaListener(commitOf(body))).status).toBe(201);
      await expectAlike(commitOf({ ...body, lines: [{ ...body.lines[0], unitPrice: 20_001 }] }), 409);
    });
  });
});
