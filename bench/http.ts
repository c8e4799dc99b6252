/**
 * HTTP figures: quotes and commits per second with p50/p99 latency, load from this process
 * against the service in a child process, on PGlite and on PostgreSQL: saturating (autocannon)
 * and, on PostgreSQL, at the targets' rates sent open loop at a constant pace (bench/paced.ts).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { generateRawSales } from "./generate";
import { pacedLoad } from "./paced";
import { call, enrolMembers, freePort, postgresAvailable, startServer, waitUntilServing, type BenchServer } from "./server";
import type { Figure, SectionResult } from "./section";

const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
/** Unmeasured load before the measured runs of each route: every worker compiles its hot paths first. */
const WARMUP_S = 3;
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 16);
const MEMBERS = 200;
/** Worker processes of the service on PostgreSQL: one per core of this 2-core machine (PGlite serves from one). */
const POSTGRES_WORKERS = Number(process.env.BENCH_HTTP_WORKERS ?? 2);
/** The offered loads of the targets (issue #3), at which latency is measured besides the saturating runs. */
const QUOTE_RATE = 3_000;
/** Half the target: the service's latency where the machine is not saturated. */
const QUOTE_HALF_RATE = QUOTE_RATE / 2;
const COMMIT_RATE = 800;
/** About the size of the service's answer to a generated quote, trace included (5.9 KB): what the baseline server answers. */
const BASELINE_ANSWER_BYTES = 6_000;
/** A fixed-rate run sustained its rate when it completed at least this share of the requests offered. */
const SUSTAINED = 0.98;

interface LoadResult {
  perSecond: number;
  /** Requests answered per second over the whole run (total / duration). */
  achieved: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
  /** The service's CPU time per request, in µs: unlike the rates, barely moved by other load on the machine. */
  cpuPerRequest: number | null;
}

/**
 * Load for DURATION_S on CONNECTIONS connections: as fast as the service answers (autocannon,
 * closed loop), or, given a `rate`, that many requests per second sent open loop at a constant
 * pace, each timed from when it was due (see pacedLoad).
 */
async function load(server: BenchServer, key: string, path: string, bodyFor: (i: number) => string, rate?: number): Promise<LoadResult> {
  const cpuBefore = server.cpuSeconds();
  const result = rate ? await pacedFor(server, key, path, bodyFor, rate) : await loadFor(server, key, path, bodyFor, DURATION_S);
  const cpuAfter = server.cpuSeconds();
  const cpuPerRequest = cpuBefore === null || cpuAfter === null || result.total === 0 ? null : Math.round(((cpuAfter - cpuBefore) / result.total) * 1e6);
  return { ...result, cpuPerRequest };
}

async function pacedFor(server: BenchServer, key: string, path: string, bodyFor: (i: number) => string, rate: number): Promise<Omit<LoadResult, "cpuPerRequest">> {
  const result = await pacedLoad({ url: server.url, path, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: bodyFor, rate, seconds: DURATION_S, connections: CONNECTIONS });
  return { perSecond: result.achieved, achieved: result.achieved, p50: result.p50, p99: result.p99, errors: result.errors, total: result.total };
}

function loadFor(server: BenchServer, key: string, path: string, bodyFor: (i: number) => string, seconds: number): Promise<Omit<LoadResult, "cpuPerRequest">> {
  let counter = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: server.url,
        connections: CONNECTIONS,
        duration: seconds,
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
        resolve({ perSecond: Math.round(result.requests.average), achieved: Math.round(result.requests.total / seconds), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx, total: result.requests.total });
      },
    );
  });
}

async function measure(driver: "pglite" | "postgres"): Promise<Figure[]> {
  const server = await startServer(driver, driver === "postgres" ? POSTGRES_WORKERS : 1);
  try {
    const { key } = await call(server, server.adminKey, "POST", "/v1/api-keys", { role: "pos", name: "bench till" });
    const members = await enrolMembers(server, key, MEMBERS, "2026-12-01");
    // Returns in the generated stream name originals this server never saw: load with sales only.
    const sales = generateRawSales(5_000, 7).filter((sale) => sale.receipt.type !== "return");
    const quoteBodies = sales.map((sale, i) => JSON.stringify({ ...sale.receipt, receiptId: undefined, memberId: i % 5 === 0 ? null : members[i % members.length], at: "2026-12-08T15:00:00+08:00" }));
    const quote = (i: number) => quoteBodies[i % quoteBodies.length]!;
    let runs = 0;
    const commit = () => {
      // Every run commits receipts of its own: a receipt id sent again would be a replay, not a commit.
      const run = `${Date.now()}-${runs++}`;
      return (i: number) => {
        const sale = sales[i % sales.length]!;
        return JSON.stringify({ ...sale.receipt, receiptId: `B-${run}-${i}`, memberId: i % 5 === 0 ? null : members[(i * 31) % members.length], at: "2026-12-09T15:00:00+08:00" });
      };
    };
    const fixedRate = driver === "postgres";
    await loadFor(server, key, "/v1/decisions", quote, WARMUP_S);
    const quotes = await load(server, key, "/v1/decisions", quote);
    const quotesAtRate = fixedRate ? await load(server, key, "/v1/decisions", quote, QUOTE_RATE) : null;
    const quotesAtHalfRate = fixedRate ? await load(server, key, "/v1/decisions", quote, QUOTE_HALF_RATE) : null;
    // The same bodies against the member-reading baseline, while the service's database holds these members.
    const floor = fixedRate && server.databaseUrl ? await measureBaseline({ databaseUrl: server.databaseUrl, bodies: quoteBodies }) : [];
    await loadFor(server, key, "/v1/transactions", commit(), WARMUP_S);
    const commits = await load(server, key, "/v1/transactions", commit());
    const commitsAtRate = fixedRate ? await load(server, key, "/v1/transactions", commit(), COMMIT_RATE) : null;
    const label = driver === "pglite" ? "PGlite" : "PostgreSQL";
    const processes = (server.workers === 1 ? "one service process" : `${server.workers} worker processes`) + (server.postgresVia ? ` on PostgreSQL by ${server.postgresVia}` : "");
    const how = `saturating: ${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s unmeasured, autocannon in a second process; ${processes}; 80 % member receipts`;
    const cpu = (name: string, result: LoadResult): Figure[] => (result.cpuPerRequest === null ? [] : [{ name, value: result.cpuPerRequest, unit: "µs/req", note: "user and system CPU time of the service's processes over the saturating run, per request" }]);
    const atRate = (what: string, rate: number, result: LoadResult | null): Figure[] => {
      if (!result) return [];
      const at = `at ${rate.toLocaleString("en")}/s`;
      const sustained = result.achieved >= rate * SUSTAINED && result.errors === 0;
      return [
        { name: `${what} p50 ${at} (${label})`, value: result.p50, unit: "ms", note: `${rate.toLocaleString("en")} req/s sent at a constant pace for ${DURATION_S} s (open loop, timed from when each was due; bench/paced.ts) on at most ${CONNECTIONS} connections; ${processes}` },
        { name: `${what} p99 ${at} (${label})`, value: result.p99, unit: "ms" },
        { name: `${what}s/s answered ${at} (${label})`, value: result.achieved, unit: "req/s", note: `${sustained ? "sustained" : "not sustained"}; errors ${result.errors} of ${result.total}; CPU ${result.cpuPerRequest ?? "?"} µs/req` },
      ];
    };
    return [
      { name: `quotes/s (${label})`, value: quotes.perSecond, unit: "req/s", note: `${how}; errors ${quotes.errors} of ${quotes.total}` },
      { name: `quote p50 (${label})`, value: quotes.p50, unit: "ms" },
      { name: `quote p99 (${label})`, value: quotes.p99, unit: "ms" },
      ...cpu(`quote CPU (${label})`, quotes),
      ...atRate("quote", QUOTE_RATE, quotesAtRate),
      ...atRate("quote", QUOTE_HALF_RATE, quotesAtHalfRate),
      { name: `commits/s (${label})`, value: commits.perSecond, unit: "req/s", note: `${how}; errors ${commits.errors} of ${commits.total}` },
      { name: `commit p50 (${label})`, value: commits.p50, unit: "ms" },
      { name: `commit p99 (${label})`, value: commits.p99, unit: "ms" },
      ...cpu(`commit CPU (${label})`, commits),
      ...atRate("commit", COMMIT_RATE, commitsAtRate),
      ...floor,
    ];
  } finally {
    await server.stop();
  }
}

/** What a baseline run adds to parsing each body: a read of the member it names from the service's database. */
interface MemberRead {
  databaseUrl: string;
  /** Bodies naming the service's members (and some naming none), as the quotes sent. */
  bodies: readonly string[];
}

/**
 * The floor under the latency figures: the same paced load at the quote target's rate against a
 * server that only parses each body and answers a fixed document (bench/baseline-server.ts), in
 * as many worker processes. What it measures is this machine and the load generator, which
 * shares the machine's cores: no service can answer faster here. With `memberRead`, the server
 * also reads each named member's row from PostgreSQL: the floor of any service that decides a
 * quote from the member's stored state.
 */
async function measureBaseline(memberRead?: MemberRead): Promise<Figure[]> {
  const port = await freePort();
  const script = fileURLToPath(new URL("baseline-server.ts", import.meta.url));
  const env: Record<string, string> = { ...(process.env as Record<string, string>), PORT: String(port), WORKERS: String(POSTGRES_WORKERS), ANSWER_BYTES: String(BASELINE_ANSWER_BYTES) };
  if (memberRead) env.DATABASE_URL = memberRead.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", script], { env, stdio: ["ignore", "ignore", "inherit"] });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitUntilServing(child, "the baseline server", () => fetch(url, { method: "POST", body: "{}" }), 30);
    const bodies = memberRead?.bodies ?? generateRawSales(5_000, 7).map((sale) => JSON.stringify(sale.receipt));
    const load = { url, path: "/", headers: { "content-type": "application/json" }, body: (i: number) => bodies[i % bodies.length]!, rate: QUOTE_RATE, connections: CONNECTIONS };
    await pacedLoad({ ...load, seconds: WARMUP_S });
    const result = await pacedLoad({ ...load, seconds: DURATION_S });
    const at = `at ${QUOTE_RATE.toLocaleString("en")}/s`;
    const name = memberRead ? "baseline with a member read" : "baseline";
    const does = memberRead ? ", reads the member each names (80 %) from the service's PostgreSQL database by primary key," : "";
    return [
      { name: `${name} p50 ${at}`, value: result.p50, unit: "ms", note: `the same paced load against a server that parses each body${does} and answers ${BASELINE_ANSWER_BYTES.toLocaleString("en")} fixed bytes, in ${POSTGRES_WORKERS} worker processes (bench/baseline-server.ts): the floor of this machine and load generator${memberRead ? " for a service that reads the member" : ""}` },
      { name: `${name} p99 ${at}`, value: result.p99, unit: "ms", note: `answered ${result.achieved}/s; errors ${result.errors} of ${result.total}` },
    ];
  } finally {
    child.kill("SIGTERM");
  }
}

/** Runs the HTTP section on PGlite, and on PostgreSQL when a server answers (BENCH_HTTP_DRIVERS=postgres runs one). */
export async function run(): Promise<SectionResult> {
  const drivers = (process.env.BENCH_HTTP_DRIVERS ?? "pglite,postgres").split(",");
  const figures = drivers.includes("pglite") ? await measure("pglite") : [];
  if (!drivers.includes("postgres")) return { section: "http", figures };
  if (await postgresAvailable()) figures.push(...(await measure("postgres")), ...(await measureBaseline()));
  else figures.push({ name: "PostgreSQL", value: 0, unit: "-", note: "no PostgreSQL server answered; not measured" });
  return { section: "http", figures };
}
