/**
 * Lifecycle figures: how many members a run gets through per second, on PostgreSQL when a server
 * answers (else PGlite), over members enrolled and buying through the API. Three runs, each the
 * kind an operator schedules: the first year end (every member's year closed), a day with nothing
 * due (the nightly run on most days), and the day points expire, with the next year end and every
 * card turned dormant.
 */
import { call, eachAtOnce, enrolMembers, postgresAvailable, startServer, type BenchServer } from "./server";
import type { Figure, SectionResult } from "./section";

const MEMBERS = Number(process.env.BENCH_LIFECYCLE_MEMBERS ?? 2_000);
const ENROLLED_ON = "2026-12-01";

interface Run {
  name: string;
  asOf: string;
  /** What the run does, for the figure's note. */
  does: string;
}

const RUNS: Run[] = [
  { name: "year end", asOf: "2027-01-02T03:00:00+08:00", does: "closes 2026 for every member (supreme club rules)" },
  { name: "nothing due", asOf: "2027-01-03T03:00:00+08:00", does: "the next night: no year to close, no points expiring, no card silent for 12 months" },
  { name: "expiry, year end and dormancy", asOf: "2028-01-02T03:00:00+08:00", does: "every member's points expire (end of the year after they were earned), 2027 closes, and every card, silent since December 2026, turns dormant" },
];

/** One sale a member, so that every member has points that will expire. */
async function buyOnce(server: BenchServer, key: string, members: string[]): Promise<void> {
  const at = "2026-12-05T15:00:00+08:00";
  await eachAtOnce(members.length, async (i) => {
    await call(server, key, "POST", "/v1/transactions", { receiptId: `LS-${i}`, memberId: members[i], storeId: "beiguo-central", at, lines: [{ lineId: "1", sku: "S", styleId: "ST-L", department: "department_store", quantity: 1, unitPrice: 50_000 }] });
  });
}

export async function run(): Promise<SectionResult> {
  const driver = (await postgresAvailable()) ? "postgres" : "pglite";
  const server = await startServer(driver, 1);
  try {
    const { key } = await call(server, server.adminKey, "POST", "/v1/api-keys", { role: "pos", name: "bench till" });
    const members = await enrolMembers(server, key, MEMBERS, ENROLLED_ON);
    await buyOnce(server, key, members);
    const where = driver === "postgres" ? `PostgreSQL by ${server.postgresVia}` : "PGlite";
    const figures: Figure[] = [];
    for (const { name, asOf, does } of RUNS) {
      const started = performance.now();
      const result = await call(server, server.adminKey, "POST", "/v1/lifecycle/runs", { asOf });
      const seconds = (performance.now() - started) / 1000;
      const changed = `expired ${result.pointsExpired.members}, year ends changed ${result.yearEnds.members}, hygiene changed ${result.lifecycle.members}`;
      figures.push({ name: `${name} (${driver === "postgres" ? "PostgreSQL" : "PGlite"})`, value: Math.round(MEMBERS / seconds), unit: "members/s", note: `POST /v1/lifecycle/runs over ${MEMBERS.toLocaleString("en")} members on ${where}: ${does}; ${seconds.toFixed(2)} s; members ${changed}` });
    }
    return { section: "lifecycle", figures };
  } finally {
    await server.stop();
  }
}
