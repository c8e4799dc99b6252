/**
 * A till's retry after the service dies mid-burst: the service is SIGKILLed while commits are in
 * flight, restarted on the same PGlite data directory, and every receipt of the burst is sent
 * again. Each is recorded exactly once, what was acknowledged survives, and the member's balances
 * are still what the ledger says.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inArray, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/client";
import { decisions, ledgerEntries, receipts } from "../src/db/schema";
import { expectBalancesMatchLedger } from "./ledger-audit";
import { ENTRY_SPEND, sale, type ReceiptBody } from "./pos";
import { call, startService, type Answer, type ServiceProcess } from "./service-process";

const BURST = 200;
const CONCURRENCY = 10;
/** Commits answered before the kill. */
const KILL_AFTER = 70;
const DAY = "2026-11-22";

/** Runs `task` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index]!, index);
      }
    }),
  );
}

describe("SIGKILL in the middle of a burst of commits (PGlite)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mps-crash-"));
  const dataDir = join(dir, "pglite");
  const key = `crash-${randomBytes(24).toString("base64url")}`;
  const env = { DATA_DIR: dataDir, BOOTSTRAP_ADMIN_KEY: key };
  const services: ServiceProcess[] = [];
  afterAll(async () => {
    for (const service of services) if (service.running()) await service.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("records every receipt exactly once after a restart, keeps what was acknowledged, and keeps balances equal to the ledger", { timeout: 240_000 }, async () => {
    const first = await startService(env);
    services.push(first);
    const api = (service: ServiceProcess, method: string, path: string, body?: unknown) => call(service.base, key, method, path, body);

    // A silver member enrolled on the day's evidence, the way the desk does it.
    const evidence = sale(`${DAY}T10:00:00+08:00`, [{ unitPrice: ENTRY_SPEND.silver }]);
    expect((await api(first, "POST", "/v1/transactions", evidence)).status).toBe(201);
    const enrolled = await api(first, "POST", "/v1/members", { storeId: evidence.storeId, at: `${DAY}T11:00:00+08:00`, program: "beiguo", evidenceReceiptIds: [evidence.receiptId], profile: { name: "Crash", phone: "13800000000", student: false, studentOfficer: false } });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    const memberId = enrolled.body.member.id as string;

    // Odd prices, some not full price, some upgrading the member part-way through.
    const burst: ReceiptBody[] = Array.from({ length: BURST }, (_, i) =>
      sale(`${DAY}T12:${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}+08:00`, [{ unitPrice: 10_005 + ((i * 7_919) % 40_000), quantity: 1 + (i % 3), fullPrice: i % 5 !== 0 }], { memberId }),
    );
    const before: (Answer | { error: string } | undefined)[] = new Array(BURST);
    let answered = 0;
    let killed: Promise<unknown> | null = null;
    await pool(burst, CONCURRENCY, async (body, i) => {
      try {
        before[i] = await api(first, "POST", "/v1/transactions", body);
        answered += 1;
        // SIGKILL while the other workers' commits are in flight.
        if (answered === KILL_AFTER) killed = first.kill("SIGKILL");
      } catch (error) {
        before[i] = { error: String(error) };
      }
    });
    expect(await killed).toEqual({ code: null, signal: "SIGKILL" });
    const acknowledged = before.map((a, i) => (a && "status" in a && a.status === 201 ? i : -1)).filter((i) => i >= 0);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER - 1);
    expect(acknowledged.length, "the kill came before the burst ended").toBeLessThan(BURST);
    for (const a of before) if (a && "status" in a) expect([201, 200], JSON.stringify(a.body)).toContain(a.status);

    // Restart on the same data directory and retry every receipt of the burst.
    const second = await startService(env);
    services.push(second);
    const after: Answer[] = new Array(BURST);
    await pool(burst, CONCURRENCY, async (body, i) => {
      after[i] = await api(second, "POST", "/v1/transactions", body);
    });
    let created = 0;
    after.forEach((answer, i) => {
      const context = `${burst[i]!.receiptId}: ${JSON.stringify(answer.body).slice(0, 300)}`;
      expect([200, 201], context).toContain(answer.status);
      if (answer.status === 201) created += 1;
      const earlier = before[i];
      // Acknowledged before the crash: still there, and answered with the very same decision.
      if (earlier && "status" in earlier && earlier.status === 201) {
        expect(answer.status, context).toBe(200);
        expect(answer.body, context).toEqual(earlier.body);
      }
    });
    expect(created, "receipts the kill kept from committing commit on retry").toBeGreaterThan(0);

    // Through the API: the member's balances are the sums of its ledger, one spend entry per receipt.
    const member = await api(second, "GET", `/v1/members/${memberId}`);
    const ledger = await api(second, "GET", `/v1/members/${memberId}/ledger`);
    expect(member.status).toBe(200);
    expect(ledger.status).toBe(200);
    const entries = ledger.body.entries as { kind: string; points: number; debt: number; spend: number; parkingHours: number; cycleStart: string | null; receiptId: string | null }[];
    const sum = (pick: (e: (typeof entries)[number]) => number) => entries.reduce((total, e) => total + pick(e), 0);
    expect(member.body.points.balance).toBe(sum((e) => e.points));
    expect(member.body.points.debt).toBe(sum((e) => e.debt));
    expect(member.body.parkingHours).toBe(sum((e) => e.parkingHours));
    expect(member.body.cycle.qualifyingSpend).toBe(sum((e) => (e.cycleStart === member.body.cycle.start ? e.spend : 0)));
    const burstIds = burst.map((b) => b.receiptId!);
    // One spend and one points entry per receipt that earned them (bulk buys of one style earn neither).
    burstIds.forEach((receiptId, i) => {
      const decision = after[i]!.body;
      expect(entries.filter((e) => e.receiptId === receiptId && e.kind === "spend"), receiptId).toHaveLength(decision.totals.qualifyingSpend > 0 ? 1 : 0);
      expect(entries.filter((e) => e.receiptId === receiptId && e.kind === "points_earned"), receiptId).toHaveLength(decision.points.earned > 0 ? 1 : 0);
    });
    const qualifying = after.filter((a) => a.body.totals.qualifyingSpend > 0).length;
    expect(qualifying).toBeGreaterThan(BURST / 2);

    // In the database itself, once the service has stopped (PGlite admits one process at a time).
    expect(await second.kill("SIGTERM")).toEqual({ code: 0, signal: null });
    const database = await createDb({ dataDir });
    try {
      const perReceipt = await database.db
        .select({ receiptId: receipts.receiptId, n: sql<string>`count(*)` })
        .from(receipts)
        .where(inArray(receipts.receiptId, burstIds))
        .groupBy(receipts.receiptId);
      expect(perReceipt).toHaveLength(BURST);
      expect(perReceipt.every((r) => Number(r.n) === 1)).toBe(true);
      const commits = await database.db
        .select({ receiptId: decisions.receiptId, n: sql<string>`count(*)` })
        .from(decisions)
        .where(sql`${decisions.kind} = 'commit' and ${inArray(decisions.receiptId, burstIds)}`)
        .groupBy(decisions.receiptId);
      expect(commits.map((c) => [c.receiptId, Number(c.n)]).filter(([, n]) => n !== 1)).toEqual([]);
      expect(commits).toHaveLength(BURST);
      const [spends] = await database.db.select({ n: sql<string>`count(*)` }).from(ledgerEntries).where(sql`${ledgerEntries.kind} = 'spend' and ${inArray(ledgerEntries.receiptId, burstIds)}`);
      expect(Number(spends!.n)).toBe(qualifying);
      await expectBalancesMatchLedger(database.db, memberId, "after the crash and the retries");
    } finally {
      await database.close();
    }
  });
});
