import { inArray } from "drizzle-orm";
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
