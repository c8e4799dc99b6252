import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, drivers, type TestApp } from "../../test/harness";
import { commitOk, enrolAt, sale, STORE } from "../../test/pos";
import { QuoteMembers } from "./quote-members";

const OTHER_STORE = "beiguo-yuhua";
const DAY = "2026-11-23";

describe.each(drivers)("quote members read together on %s", (driver) => {
  let t: TestApp;
  let silver: string;
  let platinum: string;
  beforeAll(async () => {
    t = await createTestApp(driver);
    silver = await enrolAt(t, "silver");
    platinum = await enrolAt(t, "platinum");
    // The silver member spends 300 + 120 yuan at the store on DAY, 50 yuan at another store; the platinum member nothing.
    await commitOk(t, sale(`${DAY}T10:00:00+08:00`, [{ unitPrice: 30_000, fullPrice: false }], { memberId: silver }));
    await commitOk(t, sale(`${DAY}T12:00:00+08:00`, [{ unitPrice: 12_000, fullPrice: false }], { memberId: silver }));
    await commitOk(t, sale(`${DAY}T12:00:00+08:00`, [{ unitPrice: 5_000, fullPrice: false }], { memberId: silver, storeId: OTHER_STORE }));
  });
  afterAll(async () => t?.close());

  it("answers each quote of a batch with its own member and store-day total, and null for no such member", async () => {
    const reader = new QuoteMembers(t.database.db);
    // Asked in one turn of the event loop: one batch.
    const answers = await Promise.all([
      reader.read({ memberId: silver, storeId: STORE, localDate: DAY }),
      reader.read({ memberId: platinum, storeId: STORE, localDate: DAY }),
      reader.read({ memberId: "m_nobody", storeId: STORE, localDate: DAY }),
      reader.read({ memberId: silver, storeId: OTHER_STORE, localDate: DAY }),
      reader.read({ memberId: silver, storeId: STORE, localDate: "2026-11-24" }),
      reader.read({ memberId: silver, storeId: STORE, localDate: DAY }),
    ]);
    expect(answers.map((a) => a && { id: a.member.id, tier: a.member.tier, dayBefore: a.dayBefore })).toEqual([
      { id: silver, tier: "silver", dayBefore: 42_000 },
      { id: platinum, tier: "platinum", dayBefore: 0 },
      null,
      { id: silver, tier: "silver", dayBefore: 5_000 },
      { id: silver, tier: "silver", dayBefore: 0 },
      { id: silver, tier: "silver", dayBefore: 42_000 },
    ]);
  });

  it("answers a quote asked alone", async () => {
    const found = await new QuoteMembers(t.database.db).read({ memberId: platinum, storeId: OTHER_STORE, localDate: DAY });
    expect(found?.member.id).toBe(platinum);
    expect(found?.dayBefore).toBe(0);
  });

  it("gives quotes sent at once over HTTP the answers they get one at a time", async () => {
    const body = (memberId: string | null, unitPrice: number) => ({ storeId: STORE, at: `${DAY}T18:00:00+08:00`, memberId, lines: [{ lineId: "1", sku: "S", styleId: `Q-${unitPrice}`, department: "department_store", quantity: 1, unitPrice, fullPrice: true }] });
    const bodies = [body(silver, 70_000), body(platinum, 20_000), body(null, 10_000), body("m_nobody", 10_000), body(silver, 10_000), body(platinum, 90_000)];
    const alone = [];
    for (const b of bodies) alone.push(await t.request("POST", "/v1/decisions", { role: "pos", body: b }));
    const together = await Promise.all(bodies.map((b) => t.request("POST", "/v1/decisions", { role: "pos", body: b })));
    const comparable = (res: { status: number; body: any }) => ({ status: res.status, body: res.status === 200 ? { ...res.body, decisionId: undefined } : res.body.detail });
    expect(together.map(comparable)).toEqual(alone.map(comparable));
    expect(alone.map((res) => res.status)).toEqual([200, 200, 200, 404, 200, 200]);
    // The silver member's 420 yuan earlier that day count toward today's parking.
    expect(alone[0]!.body.parking.freeHoursToday).toBeGreaterThan(together[4]!.body.parking.freeHoursToday);
  });
});
