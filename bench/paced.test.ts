import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { pacedLoad, type PacedLoad } from "./paced";

/** What the test server saw of one request. */
interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const servers: http.Server[] = [];

/** A running test server: its base URL and how many connections it has accepted. */
interface TestServer {
  url: string;
  connections(): number;
}

/**
 * Starts a node:http server on a free loopback port that hands each whole request to `answer`,
 * with its socket for answers written byte for byte (node:http would frame them itself).
 */
async function startServer(answer: (request: Received, response: http.ServerResponse, index: number, socket: Socket) => void): Promise<TestServer> {
  let index = 0;
  let connections = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => answer({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") }, response, index++, request.socket));
  });
  server.on("connection", () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A load against `url`, short enough for a test, with overrides. */
function loadOf(url: string, overrides: Partial<PacedLoad> = {}): PacedLoad {
  return { url, path: "/v1/decisions", headers: { "content-type": "application/json" }, body: (i) => JSON.stringify({ i }), rate: 200, seconds: 0.5, connections: 4, drainMs: 2_000, ...overrides };
}

const json = JSON.stringify({ ok: true, items: Array.from({ length: 50 }, (_, i) => ({ i, name: `item ${i}` })) });

describe("pacedLoad", () => {
  it("answers and counts every request at 500/s for 1 s", async () => {
    const server = await startServer((_request, response) => response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) }).end(json));
    const result = await pacedLoad(loadOf(server.url, { rate: 500, seconds: 1, connections: 8 }));
    expect(result.total).toBe(500);
    expect(result.errors).toBe(0);
    expect(Number.isFinite(result.max)).toBe(true);
    // Kept alive: never more connections than allowed, however the answers fell.
    expect(server.connections()).toBeLessThanOrEqual(8);
  });

  it("reads Content-Length answers, chunked ones with bodies split across writes and trailers, and bodiless ones", async () => {
    const server = await startServer((_request, response, index) => {
      switch (index % 4) {
        case 0:
          response.writeHead(200, { "content-length": Buffer.byteLength(json) }).end(json);
          break;
        case 1:
          // No length given: node:http frames the body in chunks, one per write, sent as they come.
          response.writeHead(201, { "content-type": "application/json" });
          response.write(json.slice(0, 100));
          setTimeout(() => {
            response.write(json.slice(100, 101));
            setTimeout(() => response.end(json.slice(101)), 2);
          }, 2);
          break;
        case 2:
          response.writeHead(200, { trailer: "x-done" });
          response.write("hello");
          response.write("0123456789");
          response.addTrailers({ "x-done": "yes" });
          response.end();
          break;
        default:
          response.writeHead(204).end();
      }
    });
    const result = await pacedLoad(loadOf(server.url, { rate: 200, seconds: 1 }));
    expect(result).toMatchObject({ total: 200, errors: 0 });
    // An answer misread would leave the connection out of step with its requests and have it dropped and replaced.
    expect(server.connections()).toBeLessThanOrEqual(4);
  });

  it("reads answers written byte by byte, and several chunks, an interim 100 and the final answer in one write", async () => {
    const text = "答复";
    const server = await startServer((_request, _response, index, socket) => {
      if (index % 2 === 1) {
        socket.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-done\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nx-done: yes\r\n\r\n");
        return;
      }
      const bytes = Buffer.from(`HTTP/1.1 200 OK\r\nCONTENT-LENGTH: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
      let at = 0;
      const next = () => {
        if (at === bytes.length) return;
        socket.write(bytes.subarray(at, ++at));
        setTimeout(next, 1);
      };
      next();
    });
    const result = await pacedLoad(loadOf(server.url, { rate: 20, seconds: 0.5, connections: 2 }));
    expect(result).toMatchObject({ total: 10, errors: 0 });
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it("counts non-2xx answers as errors", async () => {
    const server = await startServer((_request, response, index) => response.writeHead(index % 2 === 0 ? 500 : 200, { "content-type": "text/plain" }).end("body"));
    const result = await pacedLoad(loadOf(server.url, { rate: 100, seconds: 1 }));
    expect(result).toMatchObject({ total: 100, errors: 50 });
  });

  it("counts requests whose connection is destroyed mid-answer as errors, and replaces the connection for the rest", async () => {
    const server = await startServer((_request, response, index) => {
      if (index % 5 !== 0) return void response.writeHead(200, { "content-length": 2 }).end("ok");
      response.writeHead(200, { "content-length": 1_000 });
      response.write("partial");
      setTimeout(() => response.socket!.destroy(), 5);
    });
    const result = await pacedLoad(loadOf(server.url, { rate: 100, seconds: 1, connections: 2 }));
    expect(result).toMatchObject({ total: 100, errors: 20 });
    expect(server.connections()).toBeGreaterThan(2);
  });

  it("counts requests still unanswered after the drain time as errors and still finishes", async () => {
    const server = await startServer((_request, response, index) => {
      if (index % 10 !== 0) response.writeHead(200, { "content-length": 2 }).end("ok");
    });
    const result = await pacedLoad(loadOf(server.url, { rate: 100, seconds: 0.5, connections: 10, drainMs: 1_000 }));
    // Every hung request holds its connection: the 5 hung ones leave 5 connections for the other 45.
    expect(result).toMatchObject({ total: 50, errors: 5 });
    expect(result.max).toBe(Number.POSITIVE_INFINITY);
  });

  it("retires a connection the server closes with Connection: close and goes on with the queue", async () => {
    const server = await startServer((_request, response) => response.writeHead(200, { "content-length": 2, connection: "close" }).end("ok"));
    const result = await pacedLoad(loadOf(server.url, { rate: 100, seconds: 0.5, connections: 2 }));
    expect(result).toMatchObject({ total: 50, errors: 0 });
    expect(server.connections()).toBe(50);
  });

  it("counts requests as errors when nothing listens", async () => {
    // A port that was just listening and is closed again: every connection attempt is refused.
    const server = await startServer(() => {});
    for (const closing of servers.splice(0)) await new Promise((resolve) => closing.close(resolve));
    const result = await pacedLoad(loadOf(server.url, { rate: 100, seconds: 0.2 }));
    expect(result).toMatchObject({ total: 20, errors: 20 });
  });

  it("delivers the path, the given headers and a non-ASCII body intact, with its length in bytes", async () => {
    const received: Received[] = [];
    const server = await startServer((request, response) => {
      received.push(request);
      response.writeHead(200, { "content-length": 0 }).end();
    });
    const body = (i: number) => JSON.stringify({ i, note: `北国商城会员积分 ${i} 号收据` });
    const result = await pacedLoad(loadOf(server.url, { headers: { authorization: "Bearer k_test", "content-type": "application/json", "x-till": "7" }, body, rate: 40, seconds: 0.5 }));
    expect(result).toMatchObject({ total: 20, errors: 0 });
    expect(received.map((request) => request.body).sort()).toEqual(Array.from({ length: 20 }, (_, i) => body(i)).sort());
    for (const request of received) {
      expect(request).toMatchObject({ method: "POST", url: "/v1/decisions" });
      expect(request.headers).toMatchObject({ authorization: "Bearer k_test", "content-type": "application/json", "x-till": "7", host: new URL(server.url).host, "content-length": String(Buffer.byteLength(request.body)) });
    }
  });
});
