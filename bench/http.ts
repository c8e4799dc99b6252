/**
 * HTTP figures: quotes and commits per second with p50/p99 latency, load from this process
 * (autocannon) against the service in a child process, on PGlite and on PostgreSQL.
 */
import autocannon from "autocannon";
import { generateRawSales } from "./generate";
import { postgresAvailable, startServer, type BenchServer } from "./server";
import type { Figure, SectionResult } from "./section";

const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 16);
const MEMBERS = 200;

async function call(server: BenchServer, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Enrols members through the API: one anonymous evidence sale of 1,000–60,000 yuan each. */
async function enrolMembers(server: BenchServer, key: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const at = "2026-12-01T10:00:00+08:00";
    const receiptId = `EV-${i}`;
    const unitPrice = 100_000 + ((i * 7919) % 59) * 100_000;
    await call(server, key, "POST", "/v1/transactions", { receiptId, storeId: "beiguo-central", at, lines: [{ lineId: "1", sku: "S", styleId: `ST-${i}`, department: "department_store", quantity: 1, unitPrice }] });
    const { member } = await call(server, key, "POST", "/v1/members", { storeId: "beiguo-central", at, program: "beiguo", evidenceReceiptIds: [receiptId] });
    ids.push(member.id);
  }
  return ids;
}

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
  /** The service's CPU time per request, in µs: unlike the rates, barely moved by other load on the machine. */
  cpuPerRequest: number | null;
}

async function load(server: BenchServer, key: string, path: string, bodyFor: (i: number) => string): Promise<LoadResult> {
  const cpuBefore = server.cpuSeconds();
  const result = await loadFor(server, key, path, bodyFor);
  const cpuAfter = server.cpuSeconds();
  const cpuPerRequest = cpuBefore === null || cpuAfter === null || result.total === 0 ? null : Math.round(((cpuAfter - cpuBefore) / result.total) * 1e6);
  return { ...result, cpuPerRequest };
}

function loadFor(server: BenchServer, key: string, path: string, bodyFor: (i: number) => string): Promise<Omit<LoadResult, "cpuPerRequest">> {
  let counter = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: server.url,
        connections: CONNECTIONS,
        duration: DURATION_S,
        requests: [
          {
            method: "POST",
            path,
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            setupRequest: (request) => {
              request.body = bodyFor(counter++);
              return request;
            },
          },
        ],
      },
      (error: Error | null, result: any) => {
        if (error) return reject(error);
        resolve({ perSecond: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx, total: result.requests.total });
      },
    );
  });
}

async function measure(driver: "pglite" | "postgres"): Promise<Figure[]> {
  const server = await startServer(driver);
  try {
    const { key } = await call(server, server.adminKey, "POST", "/v1/api-keys", { role: "pos", name: "bench till" });
    const members = await enrolMembers(server, key);
    // Returns in the generated stream name originals this server never saw: load with sales only.
    const sales = generateRawSales(5_000, 7).filter((sale) => sale.receipt.type !== "return");
    const quoteBodies = sales.map((sale, i) => JSON.stringify({ ...sale.receipt, receiptId: undefined, memberId: i % 5 === 0 ? null : members[i % members.length], at: "2026-12-08T15:00:00+08:00" }));
    const quotes = await load(server, key, "/v1/decisions", (i) => quoteBodies[i % quoteBodies.length]!);
    const runId = Date.now();
    const commits = await load(server, key, "/v1/transactions", (i) => {
      const sale = sales[i % sales.length]!;
      return JSON.stringify({ ...sale.receipt, receiptId: `B-${runId}-${i}`, memberId: i % 5 === 0 ? null : members[(i * 31) % members.length], at: "2026-12-09T15:00:00+08:00" });
    });
    const label = driver === "pglite" ? "PGlite" : "PostgreSQL";
    const how = `${CONNECTIONS} connections, ${DURATION_S} s, autocannon in a second process; 80 % member receipts`;
    const cpu = (name: string, result: LoadResult): Figure[] => (result.cpuPerRequest === null ? [] : [{ name, value: result.cpuPerRequest, unit: "µs/req", note: "the service process's user and system CPU time over the run, per request" }]);
    return [
      { name: `quotes/s (${label})`, value: quotes.perSecond, unit: "req/s", note: `${how}; errors ${quotes.errors} of ${quotes.total}` },
      { name: `quote p50 (${label})`, value: quotes.p50, unit: "ms" },
      { name: `quote p99 (${label})`, value: quotes.p99, unit: "ms" },
      ...cpu(`quote CPU (${label})`, quotes),
      { name: `commits/s (${label})`, value: commits.perSecond, unit: "req/s", note: `${how}; errors ${commits.errors} of ${commits.total}` },
      { name: `commit p50 (${label})`, value: commits.p50, unit: "ms" },
      { name: `commit p99 (${label})`, value: commits.p99, unit: "ms" },
      ...cpu(`commit CPU (${label})`, commits),
    ];
  } finally {
    await server.stop();
  }
}

/** Runs the HTTP section on PGlite, and on PostgreSQL when a server answers. */
export async function run(): Promise<SectionResult> {
  const figures = await measure("pglite");
  if (await postgresAvailable()) figures.push(...(await measure("postgres")));
  else figures.push({ name: "PostgreSQL", value: 0, unit: "-", note: "no PostgreSQL server answered; not measured" });
  return { section: "http", figures };
}
