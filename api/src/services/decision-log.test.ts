import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, drivers, type TestApp } from "../../test/harness";
import { decisions } from "../db/schema";
import { DecisionLog, type DecisionRecord } from "./decision-log";

const record = (id: string): DecisionRecord => ({ id, kind: "quote", policyId: "beiguo", policyVersion: 1, receiptId: null, memberId: null, keyId: null, input: { n: id }, result: { decisionId: id } });

describe.each(drivers)("the batched decision log on %s", (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(driver);
  });
  afterAll(async () => t?.close());

  it("stores a buffered record as it was given, created_at the time it is written and what it leaves out NULL", async () => {
    const log = new DecisionLog(t.database.db, (error) => {
      throw error;
    });
    const before = Date.now();
    const quote: DecisionRecord = { ...record("d_whole"), receiptId: "R-1", memberId: "m_1", keyId: "k_1", input: { lines: [{ unitPrice: 100 }], note: "引号\"" }, result: { totals: { payable: 100 } }, context: { member: null, dayPayableBefore: 0 } };
    const enrolment: DecisionRecord = { id: "d_bare", kind: "enrolment", policyId: "beiguo", policyVersion: 1, memberId: null, keyId: "k_1", input: [1, 2], result: "ok" };
    log.enqueue(quote);
    log.enqueue(enrolment);
    await log.flush();
    const [storedQuote] = await t.database.db.select().from(decisions).where(eq(decisions.id, "d_whole"));
    const [storedEnrolment] = await t.database.db.select().from(decisions).where(eq(decisions.id, "d_bare"));
    expect(storedQuote).toEqual({ ...quote, createdAt: expect.any(String) });
    expect(Date.parse(storedQuote!.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
    expect(storedEnrolment).toEqual({ ...enrolment, receiptId: null, context: null, createdAt: expect.any(String) });
  });

  it("keeps every good record of a batch that one bad record makes fail, and reports the bad one", async () => {
    const errors: unknown[] = [];
    const log = new DecisionLog(t.database.db, (error) => errors.push(error));
    log.enqueue(record("d_batch_1"));
    await log.flush();
    // The second batch repeats an id already stored: as one statement it would fail whole.
    for (const id of ["d_batch_2", "d_batch_1", "d_batch_3"]) log.enqueue(record(id));
    await log.flush();
    const stored = await t.database.db.select({ id: decisions.id }).from(decisions).where(inArray(decisions.id, ["d_batch_1", "d_batch_2", "d_batch_3"]));
    expect(stored.map((r) => r.id).sort()).toEqual(["d_batch_1", "d_batch_2", "d_batch_3"]);
    expect(errors).toHaveLength(1);
  });
});
