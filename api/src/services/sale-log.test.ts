import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, drivers, type TestApp } from "../../test/harness";
import { commit, commitOk, enrolAt, returnOf, sale } from "../../test/pos";
import { decisions } from "../db/schema";

describe.each(drivers)("a sale's decision in the log on %s", (driver) => {
  let t: TestApp;
  let member: string;
  beforeAll(async () => {
    t = await createTestApp(driver);
    member = await enrolAt(t, "silver");
  });
  afterAll(async () => t?.close());

  it("keeps the context instead of the trace, and answers a replay and an audit read with the trace as it was first answered", async () => {
    // Spend earlier that store-day, so the context's day total is not zero.
    await commitOk(t, sale("2026-11-23T10:00:00+08:00", [{ unitPrice: 30_000 }], { memberId: member }));
    const body = sale("2026-11-23T15:00:00+08:00", [{ unitPrice: 50_000 }, { unitPrice: 8_000, department: "dining", brand: "Haidilao" }], { memberId: member });
    const first = await commit(t, body);
    expect(first.status).toBe(201);
    expect(first.body.trace.length).toBeGreaterThan(0);

    const [row] = await t.database.db.select().from(decisions).where(eq(decisions.id, first.body.decisionId));
    expect((row!.result as Record<string, unknown>).trace).toBeUndefined();
    expect(row!.context).toMatchObject({ member: { id: member, tier: "silver" }, dayPayableBefore: 28_500 });

    const replay = await commit(t, body);
    expect(replay.status).toBe(200);
    expect(JSON.stringify(replay.body)).toBe(JSON.stringify(first.body));

    const read = await t.request("GET", `/v1/decisions/${first.body.decisionId}`, { role: "auditor" });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body.result)).toBe(JSON.stringify(first.body));
  });

  it("logs a return's decision whole, as it was answered", async () => {
    const bought = sale("2026-11-23T16:00:00+08:00", [{ unitPrice: 20_000, quantity: 2 }], { memberId: member });
    await commitOk(t, bought);
    const returned = await commitOk(t, returnOf(bought, "2026-11-24T10:00:00+08:00", { "1": 1 }));
    const [row] = await t.database.db.select().from(decisions).where(eq(decisions.id, returned.decisionId));
    expect(row!.context).toBeNull();
    expect(JSON.stringify(row!.result)).toBe(JSON.stringify(returned));
  });
});
