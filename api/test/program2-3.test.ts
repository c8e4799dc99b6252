/**
 * Programs 2 and 3 on the Beiguo card, end to end over HTTP: the supreme VIP club's year ends
 * (grant, reward, demotion), card hygiene (dormant, cancelled with points forfeited, woken by a
 * sale), and gift redemption at catalog and supreme prices. Every number is worked out from
 * programs.md §2–3 in the comments; a lifecycle run repeated for the same asOf changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MemberLedger } from "../src/services/ledger";
import { createTestApp, drivers, type TestApp } from "./harness";
import { expectBalancesMatchLedger } from "./ledger-audit";
import { commit, commitOk, enrolAt, getLedger, getMember, sale } from "./pos";

/** A promotional department-store line: it qualifies, and no member discount applies, so payable = gross. */
const spend = (fen: number) => [{ unitPrice: fen, fullPrice: false }];

describe.each(drivers)("programs 2–3 over HTTP on %s", (driver) => {
  describe("the supreme VIP club's year ends and card hygiene", () => {
    let t: TestApp;
    const ids: Record<"m1" | "m2" | "m3", string> = { m1: "", m2: "", m3: "" };
    const lifecycle = (asOf: string) => t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf } });
    const everyone = async () => Promise.all(Object.values(ids).map(async (id) => ({ member: await getMember(t, id), ledger: await getLedger(t, id) })));

    beforeAll(async () => {
      t = await createTestApp(driver, { start: "2026-01-10T12:00:00+08:00" });
      for (const name of ["m1", "m2", "m3"] as const) ids[name] = await enrolAt(t, "guest", "2026-01-10");
      // 2026: m1 spends 200,000.01 yuan, m2 100,000 yuan, m3 exactly 200,000 yuan.
      await commitOk(t, sale("2026-03-01T15:00:00+08:00", spend(20_000_001), { memberId: ids.m1 }));
      await commitOk(t, sale("2026-03-01T15:00:00+08:00", spend(10_000_000), { memberId: ids.m2 }));
      await commitOk(t, sale("2026-03-01T15:00:00+08:00", spend(20_000_000), { memberId: ids.m3 }));
    });
    afterAll(async () => t?.close());

    it("closes 2026: more than 200,000 yuan in one year makes m1 supreme; exactly 200,000 or 100,000 in one year does not", async () => {
      const res = await lifecycle("2027-01-01T00:00:00+08:00");
      expect(res.status).toBe(200);
      expect(res.body.yearEnds).toEqual({ years: [2026], members: 1, supremeGranted: 1, supremeRevoked: 0, statusChanged: {}, bonusPoints: 0, pointsForfeited: 0 });
      expect(res.body.lifecycle.members).toBe(0);
      expect((await getMember(t, ids.m1)).supreme).toBe(true);
      expect((await getMember(t, ids.m2)).supreme).toBe(false);
      expect((await getMember(t, ids.m3)).supreme).toBe(false);
      const grant = (await getLedger(t, ids.m1)).find((e) => e.kind === "supreme_granted");
      expect(grant).toMatchObject({ rule: "supreme-grant-one-year", policy: { id: "beiguo", version: 1 }, detail: { from: false, to: true } });
      expect(Date.parse(grant.at)).toBe(Date.parse("2027-01-01T00:00:00+08:00"));
      // The club's benefits show on the member.
      expect((await getMember(t, ids.m1)).benefits).toEqual(expect.arrayContaining(["supreme_gift_prices", "free_card_replacement", "fast_checkout", "birthday_gift"]));
      expect((await getMember(t, ids.m2)).benefits).not.toContain("supreme_gift_prices");
    });

    it("running the same asOf again changes nothing", async () => {
      const before = await everyone();
      const again = await lifecycle("2027-01-01T00:00:00+08:00");
      expect(again.status).toBe(200);
      expect(again.body.yearEnds).toEqual({ years: [], members: 0, supremeGranted: 0, supremeRevoked: 0, statusChanged: {}, bonusPoints: 0, pointsForfeited: 0 });
      expect(again.body.lifecycle.members).toBe(0);
      expect(again.body.pointsExpired).toEqual({ members: 0, lots: 0, points: 0 });
      expect(await everyone()).toEqual(before);
    });

    it("closes 2027: m1 (supreme, more than 200,000) gets 20,000 points once; m2 (100,000 in each of two years) joins; silent m3 turns dormant", async () => {
      await commitOk(t, sale("2027-06-01T15:00:00+08:00", spend(20_000_001), { memberId: ids.m1 }));
      await commitOk(t, sale("2027-06-01T15:00:00+08:00", spend(10_000_000), { memberId: ids.m2 }));
      const res = await lifecycle("2028-01-01T00:00:00+08:00");
      expect(res.status).toBe(200);
      expect(res.body.yearEnds).toEqual({ years: [2027], members: 2, supremeGranted: 1, supremeRevoked: 0, statusChanged: {}, bonusPoints: 20_000, pointsForfeited: 0 });
      // m3's last qualifying sale was 2026-03-01: 22 months of silence by 2028-01-01.
      expect(res.body.lifecycle).toMatchObject({ members: 1, statusChanged: { dormant: 1 } });
      const bonus = (await getLedger(t, ids.m1)).filter((e) => e.kind === "points_bonus");
      expect(bonus).toHaveLength(1);
      expect(bonus[0]).toMatchObject({ points: 20_000, rule: "supreme-year-end-reward", policy: { id: "beiguo", version: 1 } });
      expect((await getLedger(t, ids.m2)).find((e) => e.kind === "supreme_granted")).toMatchObject({ rule: "supreme-grant-two-years" });
      expect(await getMember(t, ids.m3)).toMatchObject({ status: "dormant", supreme: false });
      expect((await getLedger(t, ids.m3)).find((e) => e.kind === "status_changed")).toMatchObject({ rule: "dormant-after-12-months", detail: { from: "active", to: "dormant" } });
      // The reward is paid once per year: running 2028-01-01 again pays nothing more.
      expect((await lifecycle("2028-01-01T00:00:00+08:00")).body.yearEnds.bonusPoints).toBe(0);
    });

    it("prices gifts for supreme members at the club's price", async () => {
      const gifts = await t.request("GET", `/v1/members/${ids.m1}/gifts`, { role: "pos" });
      expect(gifts.status).toBe(200);
      expect(gifts.body.gifts.map((g: any) => [g.id, g.catalogPoints, g.points])).toEqual([
        ["umbrella", 2_000, 1_500],
        ["tea-set", 8_000, 6_000],
        ["luggage", 30_000, 22_000],
      ]);
      const ordinary = await t.request("GET", `/v1/members/${ids.m3}/gifts`, { role: "pos" });
      expect(ordinary.body.gifts.map((g: any) => g.points)).toEqual([2_000, 8_000, 30_000]);
      const balance = (await getMember(t, ids.m1)).points.balance;
      const res = await t.request("POST", `/v1/members/${ids.m1}/redemptions`, { role: "pos", body: { redemptionId: "RD-m1-1", storeId: "beiguo-central", at: "2028-01-05T10:00:00+08:00", giftId: "umbrella" } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ giftId: "umbrella", quantity: 1, unitPoints: 1_500, points: { redeemed: 1_500, balance: balance - 1_500 }, rules: ["supreme-price-umbrella"] });
    });

    it("closes 2028: below 50,000 yuan demotes; 24 silent months cancel m3 and forfeit its points by ledger entries, history kept", async () => {
      await commitOk(t, sale("2028-06-01T15:00:00+08:00", spend(4_999_999), { memberId: ids.m1 }));
      // A supermarket purchase earns m3 points but is no qualifying sale: the card stays silent.
      const market = await commitOk(t, sale("2028-02-01T15:00:00+08:00", [{ department: "supermarket", unitPrice: 30_000 }], { memberId: ids.m3 }));
      // m3 reached diamond with its 200,000 yuan of 2026 (the cycle runs to 2027-12-31, its tier stays): 2.5 points per yuan of 300 yuan.
      expect(market.points.earned).toBe(750);
      expect(market.totals.qualifyingSpend).toBe(0);
      const before = await getLedger(t, ids.m3);

      const res = await lifecycle("2029-01-01T00:00:00+08:00");
      expect(res.status).toBe(200);
      // m1: 49,999.99 yuan; m2: nothing in 2028. Both leave the club.
      expect(res.body.yearEnds).toEqual({ years: [2028], members: 2, supremeRevoked: 2, supremeGranted: 0, statusChanged: {}, bonusPoints: 0, pointsForfeited: 0 });
      // m3: silent since 2026-03-01 (34 months): cancelled, its 750 points forfeited. m2: silent since 2027-06-01 (19 months): dormant.
      expect(res.body.lifecycle).toEqual({ members: 2, supremeGranted: 0, supremeRevoked: 0, statusChanged: { cancelled: 1, dormant: 1 }, bonusPoints: 0, pointsForfeited: 750 });
      expect(await getMember(t, ids.m1)).toMatchObject({ supreme: false, status: "active" });
      expect((await getLedger(t, ids.m1)).filter((e) => e.kind === "supreme_revoked")).toMatchObject([{ rule: "supreme-demote", detail: { from: true, to: false } }]);
      const m3 = await getMember(t, ids.m3);
      expect(m3).toMatchObject({ status: "cancelled", points: { balance: 0 } });
      const after = await getLedger(t, ids.m3);
      // History stays: every earlier entry is still there, followed by the cancellation and the forfeiture.
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.slice(before.length).map((e) => [e.kind, e.points, e.rule])).toEqual([
        ["status_changed", 0, "cancel-after-24-months"],
        ["points_forfeited", -750, "forfeit-on-cancel"],
      ]);
    });

    it("refuses sales and redemptions on a cancelled card, and a repeated run changes nothing", async () => {
      const refused = await commit(t, sale("2029-01-05T15:00:00+08:00", spend(10_000), { memberId: ids.m3 }));
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toContain("cancelled");
      const redemption = await t.request("POST", `/v1/members/${ids.m3}/redemptions`, { role: "pos", body: { redemptionId: "RD-m3-1", storeId: "beiguo-central", at: "2029-01-05T10:00:00+08:00", giftId: "umbrella" } });
      expect(redemption.status).toBe(422);
      const before = await everyone();
      const again = await lifecycle("2029-01-01T00:00:00+08:00");
      expect(again.body.yearEnds.members + again.body.lifecycle.members + again.body.pointsExpired.members).toBe(0);
      expect(await everyone()).toEqual(before);
    });

    it("wakes a dormant card with a qualifying sale, as a ledger entry", async () => {
      await commitOk(t, sale("2029-02-01T15:00:00+08:00", spend(10_000), { memberId: ids.m2 }));
      expect((await getMember(t, ids.m2)).status).toBe("active");
      const woken = (await getLedger(t, ids.m2)).filter((e) => e.kind === "status_changed").at(-1);
      expect(woken).toMatchObject({ detail: { from: "dormant", to: "active" } });
      for (const id of Object.values(ids)) await expectBalancesMatchLedger(t.database.db, id);
    });
  });

  describe("an interrupted lifecycle run", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(driver, { start: "2026-01-10T12:00:00+08:00" });
    });
    afterAll(async () => t?.close());

    it("keeps the members it finished, and a second run finishes the rest without doing any twice", async () => {
      const members: string[] = [];
      for (let i = 0; i < 3; i++) {
        const id = await enrolAt(t, "guest", "2026-01-10");
        await commitOk(t, sale("2026-03-01T15:00:00+08:00", spend(20_000_001), { memberId: id }));
        members.push(id);
      }
      // The connection drops while the second member's year end is written.
      const flush = MemberLedger.prototype.flush;
      let calls = 0;
      vi.spyOn(MemberLedger.prototype, "flush").mockImplementation(async function (this: MemberLedger) {
        calls += 1;
        if (calls === 2) throw new Error("connection lost");
        return flush.call(this);
      });
      const asOf = "2027-01-01T00:00:00+08:00";
      expect((await t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf } })).status).toBe(500);
      vi.restoreAllMocks();
      const supreme = async () => Promise.all(members.map(async (id) => (await getMember(t, id)).supreme));
      // The first member's year end was done in its own transaction; the run stopped at the second.
      expect((await supreme()).filter(Boolean)).toHaveLength(1);

      const resumed = await t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf } });
      expect(resumed.status).toBe(200);
      expect(resumed.body.yearEnds).toMatchObject({ years: [2026], members: 2, supremeGranted: 2 });
      expect(await supreme()).toEqual([true, true, true]);
      for (const id of members) {
        expect((await getLedger(t, id)).filter((e) => e.kind === "supreme_granted")).toHaveLength(1);
        await expectBalancesMatchLedger(t.database.db, id);
      }
    });
  });

  describe("gift redemption", () => {
    let t: TestApp;
    let memberId: string;
    const redeem = (body: Record<string, unknown>) => t.request("POST", `/v1/members/${memberId}/redemptions`, { role: "pos", body: { storeId: "beiguo-central", at: "2027-02-02T10:00:00+08:00", ...body } });

    beforeAll(async () => {
      t = await createTestApp(driver);
      memberId = await enrolAt(t, "guest");
      await commitOk(t, sale("2026-11-22T15:00:00+08:00", spend(300_000), { memberId })); // 3,000 points, valid through 2027-12-31
      await commitOk(t, sale("2027-02-01T15:00:00+08:00", spend(200_000), { memberId })); // 2,000 points, valid through 2028-12-31
    });
    afterAll(async () => t?.close());

    it("spends the oldest points first", async () => {
      const res = await redeem({ redemptionId: "RD-1", giftId: "umbrella" });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ unitPoints: 2_000, points: { redeemed: 2_000, balance: 3_000 }, rules: [] });
      const member = await getMember(t, memberId);
      expect(member.points.expiring.map((e: any) => [Date.parse(e.expiresAt), e.points])).toEqual([
        [Date.parse("2028-01-01T00:00:00+08:00"), 1_000],
        [Date.parse("2029-01-01T00:00:00+08:00"), 2_000],
      ]);
      const entries = (await getLedger(t, memberId)).filter((e) => e.kind === "points_redeemed");
      expect(entries.map((e) => e.points)).toEqual([-2_000]);
      expect(entries[0].decisionId).toBe(res.body.decisionId);
    });

    it("is idempotent on redemptionId: the same body answers the same, another body is a conflict", async () => {
      const ledger = await getLedger(t, memberId);
      const again = await redeem({ redemptionId: "RD-1", giftId: "umbrella" });
      expect(again.status).toBe(200);
      expect(again.body.points).toEqual({ redeemed: 2_000, balance: 3_000 });
      expect((await redeem({ redemptionId: "RD-1", giftId: "tea-set" })).status).toBe(409);
      expect(await getLedger(t, memberId)).toEqual(ledger);
    });

    it("refuses a gift the balance cannot pay, with the shortfall, and writes nothing", async () => {
      const ledger = await getLedger(t, memberId);
      const short = await redeem({ redemptionId: "RD-2", giftId: "tea-set" });
      expect(short.status).toBe(422);
      expect(short.body).toMatchObject({ shortfall: 5_000, points: 8_000, balance: 3_000 });
      const two = await redeem({ redemptionId: "RD-3", giftId: "umbrella", quantity: 2 });
      expect(two.status).toBe(422);
      expect(two.body.shortfall).toBe(1_000);
      const unknown = await redeem({ redemptionId: "RD-4", giftId: "piano" });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors).toEqual([{ path: "/giftId", message: 'no gift "piano" in the catalog' }]);
      expect(await getLedger(t, memberId)).toEqual(ledger);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });
});
