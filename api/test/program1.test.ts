/**
 * Program 1 (Beiguo four-tier card) end to end over the POS contract: anonymous sales,
 * enrolment, member pricing, points, parking, upgrades, cycles, returns, replays, claims,
 * expiry, the ledger and the decision log. Every expected number is worked out by hand from
 * programs.md §1 (the arithmetic is in the comments), never copied from a run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, drivers, type TestApp } from "./harness";
import { expectBalancesMatchLedger } from "./ledger-audit";
import { commit, commitOk, enrolAt, enrolRequest, fullReturnOf, getLedger, getMember, returnOf, sale, type ReceiptBody, type Tier } from "./pos";

const EVERY_TIER_BENEFITS = ["member_events", "points_for_gifts", "vip_lounge", "alliance_merchants", "gift_delivery", "free_magazine"];
const DIAMOND_BENEFITS = ["dedicated_parking_space", "reserved_parking", "personal_concierge", "free_gift_wrapping", "priority_service"];

function claim(t: TestApp, receiptId: string, memberId: string, at: string) {
  return t.request("POST", `/v1/transactions/${receiptId}/claim`, { role: "pos", body: { memberId, at } });
}

/** What a failed request must leave untouched: the member as shown and its ledger. */
async function snapshot(t: TestApp, memberId: string) {
  return { member: await getMember(t, memberId), ledger: await getLedger(t, memberId) };
}

describe.each(drivers)("program 1 over HTTP on %s", (driver) => {
  // One app for everything that only touches its own members; cycle and lifecycle tests, which
  // move the clock or act on every member, get apps of their own.
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(driver);
  });
  afterAll(async () => t?.close());

  describe("anonymous sales", () => {
    it("get no discount, no points and no parking, but their qualifying spend is computed", async () => {
      const body = sale("2026-11-22T10:00:00+08:00", [{ unitPrice: 129_900 }, { department: "supermarket", unitPrice: 5_000 }, { department: "dining", unitPrice: 8_000 }]);
      const d = await commitOk(t, body);
      expect(d.decisionId).toMatch(/^d_/);
      expect(d.policy).toEqual({ id: "beiguo", version: 1 });
      expect(d.member).toBeNull();
      expect(d.lines.map((l: any) => [l.lineId, l.gross, l.discount, l.payable])).toEqual([
        ["1", 129_900, 0, 129_900],
        ["2", 5_000, 0, 5_000],
        ["3", 8_000, 0, 8_000],
      ]);
      // Only the department-store line qualifies.
      expect(d.totals).toEqual({ gross: 142_900, discount: 0, payable: 142_900, qualifyingSpend: 129_900 });
      expect(d.points.earned).toBe(0);
      expect(d.parking.freeHoursToday).toBe(0);
      expect(d.tierChange).toBeNull();
    });

    it("leave bulk purchases and non-money tenders out of qualifying spend", async () => {
      // Three units of style BULK over two lines: both lines are bulk. Qualifying = min(50,000 eligible, 40,000 cash).
      const body = sale("2026-11-22T10:05:00+08:00", [{ styleId: "BULK", quantity: 2 }, { styleId: "BULK" }, { unitPrice: 50_000 }], {
        tenders: [
          { type: "cash", amount: 40_000 },
          { type: "gift_card", amount: 40_000 },
        ],
      });
      const d = await commitOk(t, body);
      expect(d.lines.map((l: any) => l.qualifying)).toEqual([false, false, true]);
      expect(d.totals).toEqual({ gross: 80_000, discount: 0, payable: 80_000, qualifyingSpend: 40_000 });
    });
  });

  describe("enrolment", () => {
    it("grants guest at 1,000 yuan of same store-day receipts; the card starts empty", async () => {
      const a = sale("2026-11-22T09:00:00+08:00", [{ unitPrice: 60_000 }]);
      const b = sale("2026-11-22T10:30:00+08:00", [{ unitPrice: 40_000 }]);
      await commitOk(t, a);
      await commitOk(t, b);
      const res = await enrolRequest(t, "2026-11-22T11:00:00+08:00", [a.receiptId, b.receiptId]);
      expect(res.status).toBe(201);
      expect(res.body.member.tier).toBe("guest");
      const member = await getMember(t, res.body.member.id);
      expect(member).toMatchObject({ id: res.body.member.id, program: "beiguo", tier: "guest", status: "active", supreme: false, parkingHours: 0 });
      // Issued 2026-11-22: the first cycle runs to 31 December of the following year; evidence does not count in it.
      expect(member.cycle).toEqual({ start: "2026-11-22", end: "2027-12-31", qualifyingSpend: 0 });
      // Evidence earns no points.
      expect(member.points).toMatchObject({ balance: 0, expiring: [] });
      expect(await getLedger(t, member.id)).toEqual([]);
      expect([...member.benefits].sort()).toEqual([...EVERY_TIER_BENEFITS].sort());
    });

    it.each([
      { spend: 100_000, tier: "guest" },
      { spend: 499_999, tier: "guest" },
      { spend: 500_000, tier: "silver" },
      { spend: 999_999, tier: "silver" },
      { spend: 1_000_000, tier: "platinum" },
      { spend: 4_999_999, tier: "platinum" },
      { spend: 5_000_000, tier: "diamond" },
    ])("grants the highest tier reached: $spend fen → $tier, with no gift hours", async ({ spend, tier }) => {
      const evidence = sale("2026-11-22T09:30:00+08:00", [{ unitPrice: spend }]);
      await commitOk(t, evidence);
      const res = await enrolRequest(t, "2026-11-22T11:00:00+08:00", [evidence.receiptId]);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.member.tier).toBe(tier);
      // Direct entry at a higher tier earns no gift.
      expect((await getMember(t, res.body.member.id)).parkingHours).toBe(0);
    });

    it("refuses below 1,000 yuan with the reason and the shortfall in fen, and writes nothing", async () => {
      // 50,000 department store + 200,000 supermarket: only 50,000 qualifies, 50,000 short of 100,000.
      const first = sale("2026-11-22T09:00:00+08:00", [{ unitPrice: 50_000 }, { department: "supermarket", unitPrice: 200_000 }]);
      await commitOk(t, first);
      const refused = await enrolRequest(t, "2026-11-22T11:00:00+08:00", [first.receiptId]);
      expect(refused.status).toBe(422);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(refused.body.shortfall).toBe(50_000);
      expect(typeof refused.body.reason).toBe("string");
      expect(refused.body.reason.length).toBeGreaterThan(0);

      const one = sale("2026-11-22T09:10:00+08:00", [{ unitPrice: 99_999 }]);
      await commitOk(t, one);
      const short = await enrolRequest(t, "2026-11-22T11:00:00+08:00", [one.receiptId]);
      expect(short.status).toBe(422);
      expect(short.body.shortfall).toBe(1);

      // The refusal consumed nothing: the same receipt, with another 50,000, now enrols a guest.
      const second = sale("2026-11-22T10:00:00+08:00", [{ unitPrice: 50_000 }]);
      await commitOk(t, second);
      const accepted = await enrolRequest(t, "2026-11-22T11:30:00+08:00", [first.receiptId, second.receiptId]);
      expect(accepted.status).toBe(201);
      expect(accepted.body.member.tier).toBe("guest");
    });

    it("counts only money tenders and subtracts returns already made on the evidence", async () => {
      // 120,000 paid 80,000 cash + 40,000 gift card: qualifying 80,000, 20,000 short.
      const giftCard = sale("2026-11-22T09:00:00+08:00", [{ unitPrice: 120_000 }], { tenders: [{ type: "cash", amount: 80_000 }, { type: "gift_card", amount: 40_000 }] });
      await commitOk(t, giftCard);
      const a = await enrolRequest(t, "2026-11-22T11:00:00+08:00", [giftCard.receiptId]);
      expect(a.status).toBe(422);
      expect(a.body.shortfall).toBe(20_000);

      // 70,000 + 50,000, then the 50,000 line returned: 70,000 left, 30,000 short.
      const returned = sale("2026-11-22T09:00:00+08:00", [{ unitPrice: 70_000 }, { unitPrice: 50_000 }]);
      await commitOk(t, returned);
      await commitOk(t, returnOf(returned, "2026-11-22T09:30:00+08:00", { "2": 1 }));
      const b = await enrolRequest(t, "2026-11-22T11:00:00+08:00", [returned.receiptId]);
      expect(b.status).toBe(422);
      expect(b.body.shortfall).toBe(30_000);
    });

    it("counts a receipt listed twice once", async () => {
      const r = sale("2026-11-22T09:00:00+08:00", [{ unitPrice: 60_000 }]);
      await commitOk(t, r);
      const res = await enrolRequest(t, "2026-11-22T11:00:00+08:00", [r.receiptId, r.receiptId]);
      expect(res.status).toBe(422);
      expect(res.body.shortfall).toBe(40_000);
    });

    it("refuses evidence used before, of another day or store, that earned points or does not exist, naming each", async () => {
      const used = sale("2026-11-22T09:00:00+08:00", [{ unitPrice: 100_000 }]);
      await commitOk(t, used);
      expect((await enrolRequest(t, "2026-11-22T10:00:00+08:00", [used.receiptId])).status).toBe(201);
      const otherDay = sale("2026-11-21T19:00:00+08:00", [{ unitPrice: 100_000 }]);
      const otherStore = sale("2026-11-22T09:00:00+08:00", [{ unitPrice: 100_000 }], { storeId: "beiguo-east" });
      const memberId = await enrolAt(t, "guest");
      const earned = sale("2026-11-22T12:00:00+08:00", [{ unitPrice: 100_000 }], { memberId });
      const claimed = sale("2026-11-22T12:10:00+08:00", [{ unitPrice: 100_000 }]);
      const good = sale("2026-11-22T12:20:00+08:00", [{ unitPrice: 100_000 }]);
      for (const r of [otherDay, otherStore, earned, claimed, good]) await commitOk(t, r);
      expect((await claim(t, claimed.receiptId, memberId, "2026-11-22T12:30:00+08:00")).status).toBe(200);

      const bad = [used.receiptId, otherDay.receiptId, otherStore.receiptId, earned.receiptId, claimed.receiptId, "R-never-committed"];
      const res = await enrolRequest(t, "2026-11-22T13:00:00+08:00", [good.receiptId, ...bad]);
      expect(res.status).toBe(422);
      const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
      expect(paths).toEqual(bad.map((_, i) => `/evidenceReceiptIds/${i + 1}`));
      for (const path of paths) expect(path).toMatch(/evidenceReceiptIds/i);

      // Each alone is refused too, naming it.
      for (const id of bad) {
        const alone = await enrolRequest(t, "2026-11-22T13:00:00+08:00", [id]);
        expect(alone.status, id).toBe(422);
        expect(alone.body.errors.map((e: any) => e.path), id).toEqual(["/evidenceReceiptIds/0"]);
      }
      // The good receipt was not consumed by the refusals.
      expect((await enrolRequest(t, "2026-11-22T13:10:00+08:00", [good.receiptId])).status).toBe(201);
    });

    it("does not count evidence spend toward the first cycle", async () => {
      // 100,000 evidence + 950,000 would pass the 1,000,000 silver threshold; 950,000 alone does not.
      const memberId = await enrolAt(t, "guest");
      const d = await commitOk(t, sale("2026-11-22T15:00:00+08:00", [{ unitPrice: 950_000 }], { memberId }));
      expect(d.tierChange).toBeNull();
      const member = await getMember(t, memberId);
      expect(member.tier).toBe("guest");
      expect(member.cycle.qualifyingSpend).toBe(950_000);
    });
  });

  describe("sales as a member", () => {
    // Six 100-yuan lines: promotional, full-price, dining, supermarket, appliances, an excluded brand.
    const lines = [{ fullPrice: false }, {}, { department: "dining" as const }, { department: "supermarket" as const }, { department: "appliances" as const }, { brand: "Apple" }];
    it.each([
      // guest: dining 5 % = 500. Payable 59,500 → 595 × 1 = 595 points. Qualifying: promo + full + Apple = 30,000.
      { tier: "guest", discounts: [0, 0, 500, 0, 0, 0], payable: 59_500, qualifying: 30_000, points: 595, rule: "points-guest" },
      // silver: full 5 % = 500, dining 10 % = 1,000. Payable 58,500 → 585 × 1.5 = 877.5 → 877. Qualifying 29,500.
      { tier: "silver", discounts: [0, 500, 1_000, 0, 0, 0], payable: 58_500, qualifying: 29_500, points: 877, rule: "points-silver" },
      // platinum: full 10 %, dining 10 %. Payable 58,000 → 580 × 2 = 1,160. Qualifying 29,000.
      { tier: "platinum", discounts: [0, 1_000, 1_000, 0, 0, 0], payable: 58_000, qualifying: 29_000, points: 1_160, rule: "points-platinum" },
      // diamond: full 15 %, dining 10 %. Payable 57,500 → 575 × 2.5 = 1,437.5 → 1,437. Qualifying 28,500.
      { tier: "diamond", discounts: [0, 1_500, 1_000, 0, 0, 0], payable: 57_500, qualifying: 28_500, points: 1_437, rule: "points-diamond" },
    ])("prices a $tier member's receipt: discount per line, points at the tier rate", async ({ tier, discounts, payable, qualifying, points, rule }) => {
      const memberId = await enrolAt(t, tier as Tier);
      const before = await getMember(t, memberId);
      const d = await commitOk(t, sale("2026-11-23T15:00:00+08:00", lines, { memberId }));
      expect(d.member).toEqual({ id: memberId, tier });
      expect(d.lines.map((l: any) => l.discount)).toEqual(discounts);
      expect(d.totals).toEqual({ gross: 60_000, discount: 60_000 - payable, payable, qualifyingSpend: qualifying });
      expect(d.points).toEqual({ earned: points, rules: [rule] });
      // 575–595 yuan in the day: 2 hours.
      expect(d.parking.freeHoursToday).toBe(2);
      expect(d.tierChange).toBeNull();
      for (const flag of EVERY_TIER_BENEFITS) expect(d.benefits).toContain(flag);
      for (const flag of DIAMOND_BENEFITS) expect(d.benefits.includes(flag)).toBe(tier === "diamond");
      const after = await getMember(t, memberId);
      expect(after.points.balance - before.points.balance).toBe(points);
      expect(after.cycle.qualifyingSpend - before.cycle.qualifyingSpend).toBe(qualifying);
    });

    it("gives the contract's example: silver, 1,299 yuan full price", async () => {
      const memberId = await enrolAt(t, "silver");
      const d = await commitOk(t, sale("2026-11-24T14:05:00+08:00", [{ unitPrice: 129_900 }], { memberId }));
      // 5 % of 129,900 = 6,495; payable 123,405; 1,234.05 × 1.5 = 1,851.075 → 1,851; 1,234.05 yuan in the day → 6 hours.
      expect(d.lines[0]).toMatchObject({ lineId: "1", gross: 129_900, discount: 6_495, payable: 123_405, rules: ["silver-full-price", "qualifying-department-store"] });
      expect(d.totals).toEqual({ gross: 129_900, discount: 6_495, payable: 123_405, qualifyingSpend: 123_405 });
      expect(d.points).toEqual({ earned: 1_851, rules: ["points-silver"] });
      expect(d.parking.freeHoursToday).toBe(6);
    });

    it("earns points only on what was paid in money", async () => {
      const memberId = await enrolAt(t, "guest");
      // 1,000 yuan, 300 cash and 700 stored value: 300 points and 30,000 qualifying.
      const d = await commitOk(t, sale("2026-11-24T15:00:00+08:00", [{ unitPrice: 100_000 }], { memberId, tenders: [{ type: "cash", amount: 30_000 }, { type: "stored_value", amount: 70_000 }] }));
      expect(d.points.earned).toBe(300);
      expect(d.totals.qualifyingSpend).toBe(30_000);
    });

    it("doubles points on member day (the 8th, store-local), before flooring", async () => {
      const guest = await enrolAt(t, "guest");
      const silver = await enrolAt(t, "silver");
      // 100.50 yuan: 100.5 × 1 × 2 = 201 on the 8th; 100 on another day.
      const onThe8th = await commitOk(t, sale("2026-12-08T12:00:00+08:00", [{ unitPrice: 10_050 }], { memberId: guest }));
      expect(onThe8th.points).toEqual({ earned: 201, rules: ["points-guest", "points-member-day"] });
      // 2026-12-07T16:30Z is 00:30 on the 8th in Shanghai; 2026-12-08T16:30Z is 00:30 on the 9th.
      expect((await commitOk(t, sale("2026-12-07T16:30:00Z", [{ unitPrice: 10_050 }], { memberId: guest }))).points.earned).toBe(201);
      expect((await commitOk(t, sale("2026-12-08T16:30:00Z", [{ unitPrice: 10_050 }], { memberId: guest }))).points.earned).toBe(100);
      // Silver: 9,500 payable → 95 × 1.5 × 2 = 285.
      expect((await commitOk(t, sale("2026-12-08T13:00:00+08:00", [{ unitPrice: 10_000 }], { memberId: silver }))).points.earned).toBe(285);
      // Anonymous: nothing, member day or not.
      expect((await commitOk(t, sale("2026-12-08T13:00:00+08:00", [{ unitPrice: 10_000 }]))).points.earned).toBe(0);
    });

    it("gives parking hours on the same store-day total of the member's receipts", async () => {
      const memberId = await enrolAt(t, "guest");
      // Guest: no discount on these lines, so payable = price. Running day total → hours:
      // 150 → 0; 200 → 2; 399.99 → 2; 599.99 → 2; 600 → 3; 800 → 4; 1,000 → 5; 1,199.99 → 5; 1,200 → 6; 6,200 → 6.
      const steps = [
        [15_000, 0],
        [5_000, 2],
        [19_999, 2],
        [20_000, 2],
        [1, 3],
        [20_000, 4],
        [20_000, 5],
        [19_999, 5],
        [1, 6],
        [500_000, 6],
      ] as const;
      let minute = 10;
      for (const [price, hours] of steps) {
        const d = await commitOk(t, sale(`2026-11-25T10:${minute++}:00+08:00`, [{ department: "supermarket", unitPrice: price }], { memberId }));
        expect(d.parking.freeHoursToday, `after ${price}`).toBe(hours);
      }
      // An anonymous receipt of the same day is not the member's.
      await commitOk(t, sale("2026-11-25T11:00:00+08:00", [{ unitPrice: 100_000 }]));
      // Another store the same day, and the same store the next day, start again from 0.
      expect((await commitOk(t, sale("2026-11-25T12:00:00+08:00", [{ unitPrice: 20_000 }], { memberId, storeId: "beiguo-east" }))).parking.freeHoursToday).toBe(2);
      expect((await commitOk(t, sale("2026-11-26T12:00:00+08:00", [{ unitPrice: 20_000 }], { memberId }))).parking.freeHoursToday).toBe(2);
      // Free hours of the day are not credited to the member's parking balance.
      expect((await getMember(t, memberId)).parkingHours).toBe(0);
    });
  });

  describe("upgrades", () => {
    it("moves guest → silver → platinum → diamond, pricing the crossing receipt at the old tier", async () => {
      const memberId = await enrolAt(t, "guest");
      const buy = (day: string, unitPrice: number) => commitOk(t, sale(`${day}T15:00:00+08:00`, [{ unitPrice }], { memberId }));

      // 999,999 as guest: no discount, 9,999.99 → 9,999 points; cycle 999,999.
      const s1 = await buy("2026-11-26", 999_999);
      expect(s1.tierChange).toBeNull();
      expect(s1.points.earned).toBe(9_999);

      // 10,000 more: cycle 1,009,999 ≥ 1,000,000 → silver with 10 gift hours; this receipt is still guest.
      const s2 = await buy("2026-11-27", 10_000);
      expect(s2.member.tier).toBe("guest");
      expect(s2.tierChange).toEqual({ from: "guest", to: "silver", giftParkingHours: 10, rules: ["upgrade-silver"] });
      expect(s2.totals.discount).toBe(0);
      expect(s2.points).toEqual({ earned: 100, rules: ["points-guest"] });
      let member = await getMember(t, memberId);
      expect(member).toMatchObject({ id: memberId, tier: "silver", parkingHours: 10 });
      expect(member.cycle.qualifyingSpend).toBe(1_009_999);
      expect(member.points.balance).toBe(10_099);

      // The next receipt is silver: 5 % → 9,500; 95 × 1.5 = 142.5 → 142. Cycle 1,019,499.
      const s3 = await buy("2026-11-28", 10_000);
      expect(s3.member.tier).toBe("silver");
      expect(s3.totals).toMatchObject({ discount: 500, payable: 9_500 });
      expect(s3.points.earned).toBe(142);
      expect(s3.tierChange).toBeNull();

      // 4,000,000 at silver: payable 3,800,000, cycle 4,819,499 — still below 5,000,000. 38,000 × 1.5 = 57,000.
      const s4 = await buy("2026-11-29", 4_000_000);
      expect(s4.tierChange).toBeNull();
      expect(s4.points.earned).toBe(57_000);

      // 200,000 at silver: payable 190,000, cycle 5,009,499 → platinum with 20 gift hours; 1,900 × 1.5 = 2,850.
      const s5 = await buy("2026-11-30", 200_000);
      expect(s5.member.tier).toBe("silver");
      expect(s5.totals.payable).toBe(190_000);
      expect(s5.tierChange).toEqual({ from: "silver", to: "platinum", giftParkingHours: 20, rules: ["upgrade-platinum"] });
      expect(s5.points.earned).toBe(2_850);
      member = await getMember(t, memberId);
      expect(member).toMatchObject({ tier: "platinum", parkingHours: 30 });

      // Platinum: 10 % → 9,000; 90 × 2 = 180. Cycle 5,018,499.
      const s6 = await buy("2026-12-01", 10_000);
      expect(s6.member.tier).toBe("platinum");
      expect(s6.totals.payable).toBe(9_000);
      expect(s6.points.earned).toBe(180);

      // 8,000,000 at platinum: payable 7,200,000, cycle 12,218,499 ≥ 12,000,000 → diamond, no gift hours. 72,000 × 2 = 144,000.
      const s7 = await buy("2026-12-02", 8_000_000);
      expect(s7.tierChange).toEqual({ from: "platinum", to: "diamond", giftParkingHours: 0, rules: ["upgrade-diamond"] });
      expect(s7.points.earned).toBe(144_000);

      // Diamond: 15 % → 8,500; 85 × 2.5 = 212.5 → 212.
      const s8 = await buy("2026-12-03", 10_000);
      expect(s8.member.tier).toBe("diamond");
      expect(s8.totals.payable).toBe(8_500);
      expect(s8.points.earned).toBe(212);

      member = await getMember(t, memberId);
      expect(member).toMatchObject({ id: memberId, tier: "diamond", parkingHours: 30 });
      // Points and cycle carry over through every move.
      expect(member.points.balance).toBe(9_999 + 100 + 142 + 57_000 + 2_850 + 180 + 144_000 + 212);
      expect(member.cycle).toEqual({ start: "2026-11-22", end: "2027-12-31", qualifyingSpend: 999_999 + 10_000 + 9_500 + 3_800_000 + 190_000 + 9_000 + 7_200_000 + 8_500 });
      for (const flag of DIAMOND_BENEFITS) expect(member.benefits).toContain(flag);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("moves a guest straight to platinum with 20 gift hours, not 30", async () => {
      const memberId = await enrolAt(t, "guest");
      const d = await commitOk(t, sale("2026-11-26T15:00:00+08:00", [{ unitPrice: 5_000_000 }], { memberId }));
      expect(d.tierChange).toEqual({ from: "guest", to: "platinum", giftParkingHours: 20, rules: ["upgrade-platinum"] });
      expect(await getMember(t, memberId)).toMatchObject({ tier: "platinum", parkingHours: 20 });
    });
  });

  describe("validity cycles", () => {
    let c: TestApp;
    beforeAll(async () => {
      c = await createTestApp(driver, { start: "2026-11-22T12:00:00+08:00" });
    });
    afterAll(async () => c?.close());

    it("runs the first cycle to the end of the following year, then calendar years counted from 0", async () => {
      const memberId = await enrolAt(c, "guest");
      expect((await getMember(c, memberId)).cycle).toEqual({ start: "2026-11-22", end: "2027-12-31", qualifyingSpend: 0 });

      // The first cycle spans two calendar years: 600,000 in 2026 and 400,000 in 2027 reach silver.
      const other = await enrolAt(c, "guest");
      await commitOk(c, sale("2026-12-20T15:00:00+08:00", [{ unitPrice: 600_000 }], { memberId: other }));
      const crossing = await commitOk(c, sale("2027-06-01T15:00:00+08:00", [{ unitPrice: 400_000 }], { memberId: other }));
      expect(crossing.tierChange?.to).toBe("silver");

      // 900,000 on the last evening of the first cycle.
      expect((await commitOk(c, sale("2027-12-31T23:30:00+08:00", [{ unitPrice: 900_000 }], { memberId }))).tierChange).toBeNull();
      c.clock.set("2027-12-31T23:45:00+08:00");
      expect((await getMember(c, memberId)).cycle).toEqual({ start: "2026-11-22", end: "2027-12-31", qualifyingSpend: 900_000 });

      // In 2028 a new calendar-year cycle holds, with nothing in it yet.
      c.clock.set("2028-01-02T10:00:00+08:00");
      expect((await getMember(c, memberId)).cycle).toEqual({ start: "2028-01-01", end: "2028-12-31", qualifyingSpend: 0 });

      // 200,000 on 2028-01-02: the counter restarted, so 900,000 + 200,000 does not reach silver.
      const d = await commitOk(c, sale("2028-01-02T11:00:00+08:00", [{ unitPrice: 200_000 }], { memberId }));
      expect(d.tierChange).toBeNull();
      const member = await getMember(c, memberId);
      expect(member.tier).toBe("guest");
      expect(member.cycle).toEqual({ start: "2028-01-01", end: "2028-12-31", qualifyingSpend: 200_000 });
      const spend = (await getLedger(c, memberId)).filter((e) => e.kind === "spend").map((e) => [e.cycleStart, e.spend]);
      expect(spend).toEqual([
        ["2026-11-22", 900_000],
        ["2028-01-01", 200_000],
      ]);
      await expectBalancesMatchLedger(c.database.db, memberId);
    });

    it("counts a late receipt of the previous cycle toward that cycle, not the new one", async () => {
      c.clock.set("2026-11-22T12:00:00+08:00");
      const memberId = await enrolAt(c, "guest");
      await commitOk(c, sale("2027-12-30T15:00:00+08:00", [{ unitPrice: 900_000 }], { memberId }));
      await commitOk(c, sale("2028-01-02T15:00:00+08:00", [{ unitPrice: 10_000 }], { memberId }));
      // A till that synced late: 2027-12-31, 200,000. The first cycle then holds 1,100,000 ≥ 1,000,000.
      const late = await commitOk(c, sale("2027-12-31T18:00:00+08:00", [{ unitPrice: 200_000 }], { memberId }));
      expect(late.tierChange).toMatchObject({ from: "guest", to: "silver" });
      c.clock.set("2028-01-03T12:00:00+08:00");
      const member = await getMember(c, memberId);
      expect(member.tier).toBe("silver");
      // The new cycle keeps only its own spend.
      expect(member.cycle).toEqual({ start: "2028-01-01", end: "2028-12-31", qualifyingSpend: 10_000 });
      await expectBalancesMatchLedger(c.database.db, memberId);
    });
  });

  describe("returns", () => {
    it("a full return restores points, spend and balances exactly", async () => {
      const memberId = await enrolAt(t, "guest");
      const before = await getMember(t, memberId);
      // Guest: 2 × 333.33 full price (no discount) + 123.45 dining at 5 % (617.25 → 617).
      const s = sale("2026-11-23T15:00:00+08:00", [{ quantity: 2, unitPrice: 33_333 }, { department: "dining", unitPrice: 12_345 }], { memberId });
      const d = await commitOk(t, s);
      // Payable 66,666 + 11,728 = 78,394 → 783 points; qualifying 66,666.
      expect(d.totals).toEqual({ gross: 79_011, discount: 617, payable: 78_394, qualifyingSpend: 66_666 });
      expect(d.points.earned).toBe(783);

      const r = await commitOk(t, fullReturnOf(s, "2026-11-24T10:00:00+08:00"));
      expect(r.member).toEqual({ id: memberId, tier: "guest" });
      expect(r.totals).toEqual({ gross: -79_011, discount: -617, payable: -78_394, qualifyingSpend: -66_666 });
      expect(r.points.earned).toBe(-783);
      expect(r.tierChange).toBeNull();
      expect(await getMember(t, memberId)).toEqual(before);
      const kinds = (await getLedger(t, memberId)).map((e) => [e.kind, e.points + e.spend]);
      expect(kinds).toEqual([
        ["points_earned", 783],
        ["spend", 66_666],
        ["points_reversed", -783],
        ["spend_reversed", -66_666],
      ]);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("a partial return reverses the returned share, half up; two partials adding up to all restore exactly", async () => {
      const memberId = await enrolAt(t, "silver");
      const before = await getMember(t, memberId);
      // Line 1: 2 × 100.05 full price, 5 % of 20,010 = 1,000.5 → 1,001, payable 19,009 (qualifying).
      // Line 2: 100 supermarket, no discount, not qualifying. Payable 29,009 → 290.09 × 1.5 = 435.135 → 435.
      const s = sale("2026-11-23T15:00:00+08:00", [{ quantity: 2, unitPrice: 10_005 }, { department: "supermarket", unitPrice: 10_000 }], { memberId });
      const d = await commitOk(t, s);
      expect(d.totals).toEqual({ gross: 30_010, discount: 1_001, payable: 29_009, qualifyingSpend: 19_009 });
      expect(d.points.earned).toBe(435);

      // One of the two units of line 1: gross 10,005; payable 19,009 / 2 = 9,504.5 → 9,505 (discount 500);
      // qualifying 9,504.5 → 9,505; points 435 × 9,504.5 / 29,009 = 142.52… → 143.
      // A quote of the return (the same body as the transaction) answers the same reversal and changes nothing.
      const firstReturn = returnOf(s, "2026-11-24T10:00:00+08:00", { "1": 1 });
      const quoted = await t.request("POST", "/v1/decisions", { role: "pos", body: firstReturn });
      expect(quoted.status).toBe(200);
      expect(await getMember(t, memberId)).toEqual(await getMember(t, memberId));
      expect((await getMember(t, memberId)).points.balance).toBe(before.points.balance + 435);
      const r1 = await commitOk(t, firstReturn);
      const { decisionId: _quoteId, ...quotedReversal } = quoted.body;
      const { decisionId: _commitId, ...committedReversal } = r1;
      expect(quotedReversal).toEqual(committedReversal);
      expect(r1.lines).toEqual([expect.objectContaining({ lineId: "1", gross: -10_005, discount: -500, payable: -9_505 })]);
      expect(r1.totals).toEqual({ gross: -10_005, discount: -500, payable: -9_505, qualifyingSpend: -9_505 });
      expect(r1.points.earned).toBe(-143);
      let member = await getMember(t, memberId);
      expect(member.points.balance).toBe(435 - 143);
      expect(member.cycle.qualifyingSpend).toBe(19_009 - 9_505);

      // The rest: what remains of every total, whatever the rounding of the first part.
      const r2 = await commitOk(t, returnOf(s, "2026-11-25T10:00:00+08:00", { "1": 1, "2": 1 }));
      expect(r2.lines).toEqual([expect.objectContaining({ lineId: "1", gross: -10_005, discount: -501, payable: -9_504 }), expect.objectContaining({ lineId: "2", gross: -10_000, discount: 0, payable: -10_000 })]);
      expect(r2.totals).toEqual({ gross: -20_005, discount: -501, payable: -19_504, qualifyingSpend: -9_504 });
      expect(r2.points.earned).toBe(-292);
      member = await getMember(t, memberId);
      expect(member).toEqual(before);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("refuses to return more than was bought, naming the line, and writes nothing", async () => {
      const memberId = await enrolAt(t, "guest");
      const s = sale("2026-11-23T15:00:00+08:00", [{ quantity: 2 }, { unitPrice: 5_000 }], { memberId });
      await commitOk(t, s);
      const before = await snapshot(t, memberId);
      const over: ReceiptBody = { ...returnOf(s, "2026-11-24T10:00:00+08:00", { "1": 2, "2": 1 }) };
      // Line "2" first, then three of line "1" (two were bought).
      over.lines = [{ ...s.lines[1]!, quantity: 1 }, { ...s.lines[0]!, quantity: 3 }];
      const res = await commit(t, over);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: "/lines/1/quantity" })]);
      expect(await snapshot(t, memberId)).toEqual(before);
      // No receipt was stored under that id: a valid body with it is new (201), not a conflict.
      const valid = { ...over, lines: [{ ...s.lines[0]!, quantity: 1 }] };
      await commitOk(t, valid);
      // One of two is back; two more is one too many, and a line never bought is refused by its lineId.
      const twoMore = await commit(t, returnOf(s, "2026-11-24T11:00:00+08:00", { "1": 2 }));
      expect(twoMore.status).toBe(422);
      expect(twoMore.body.errors).toEqual([expect.objectContaining({ path: "/lines/0/quantity" })]);
      const unknown = returnOf(s, "2026-11-24T11:00:00+08:00", { "2": 1 });
      unknown.lines = [{ ...s.lines[1]!, lineId: "9", quantity: 1 }];
      const never = await commit(t, unknown);
      expect(never.status).toBe(422);
      expect(never.body.errors).toEqual([expect.objectContaining({ path: "/lines/0/lineId" })]);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("never lowers the tier nor takes back gift parking hours", async () => {
      const memberId = await enrolAt(t, "guest");
      const s = sale("2026-11-23T15:00:00+08:00", [{ unitPrice: 1_000_000 }], { memberId });
      expect((await commitOk(t, s)).tierChange).toMatchObject({ to: "silver", giftParkingHours: 10 });
      const r = await commitOk(t, fullReturnOf(s, "2026-11-24T10:00:00+08:00"));
      expect(r.tierChange).toBeNull();
      expect(r.member).toEqual({ id: memberId, tier: "silver" });
      const member = await getMember(t, memberId);
      expect(member).toMatchObject({ tier: "silver", parkingHours: 10 });
      expect(member.cycle.qualifyingSpend).toBe(0);
      expect(member.points).toMatchObject({ balance: 0, debt: 0 });
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });

  describe("replays", () => {
    it("answers the same body with the same decision and changes nothing; another body is a conflict", async () => {
      const memberId = await enrolAt(t, "silver");
      const s = sale("2026-11-23T15:00:00+08:00", [{ unitPrice: 129_900 }], { memberId });
      const first = await commit(t, s);
      expect(first.status).toBe(201);
      const before = await snapshot(t, memberId);

      const again = await commit(t, s);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      // Key order is not part of the body.
      const reordered = Object.fromEntries(Object.entries(s).reverse()) as unknown as ReceiptBody;
      const third = await commit(t, reordered);
      expect(third.status).toBe(200);
      expect(third.body.decisionId).toBe(first.body.decisionId);
      expect(await snapshot(t, memberId)).toEqual(before);

      for (const changed of [
        { ...s, lines: [{ ...s.lines[0]!, unitPrice: 129_901 }] },
        { ...s, memberId: null },
        { ...s, memberId: "m_nobody" },
        { ...s, at: "2026-11-23T15:00:01+08:00" },
      ]) {
        const res = await commit(t, changed);
        expect(res.status, JSON.stringify(changed)).toBe(409);
        expect(res.headers.get("content-type")).toContain("application/problem+json");
      }
      expect(await snapshot(t, memberId)).toEqual(before);
    });

    it("replays returns and anonymous sales the same way", async () => {
      const memberId = await enrolAt(t, "guest");
      const s = sale("2026-11-23T15:00:00+08:00", [{ quantity: 2 }], { memberId });
      await commitOk(t, s);
      const r = returnOf(s, "2026-11-24T10:00:00+08:00", { "1": 1 });
      const first = await commitOk(t, r);
      const before = await snapshot(t, memberId);
      const again = await commit(t, r);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first);
      expect((await commit(t, { ...r, lines: [{ ...r.lines[0]!, quantity: 2 }] })).status).toBe(409);
      expect(await snapshot(t, memberId)).toEqual(before);

      const anonymous = sale("2026-11-23T16:00:00+08:00", [{}]);
      const a1 = await commitOk(t, anonymous);
      const a2 = await commit(t, anonymous);
      expect(a2.status).toBe(200);
      expect(a2.body).toEqual(a1);
    });
  });

  describe("claims of unswiped sales", () => {
    it("attach a same store-day anonymous sale to the member: points at the member's tier, the day's parking, once", async () => {
      // A guest has no discount on these lines, so the numbers hold whether or not a discount would be (wrongly) recomputed.
      const memberId = await enrolAt(t, "guest");
      const other = await enrolAt(t, "guest");
      const before = await getMember(t, memberId);
      const s = sale("2026-11-25T10:00:00+08:00", [{ unitPrice: 10_050 }, { department: "supermarket", unitPrice: 10_000 }]);
      await commitOk(t, s);

      const res = await claim(t, s.receiptId, memberId, "2026-11-25T18:00:00+08:00");
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const d = res.body;
      expect(d.decisionId).toMatch(/^d_/);
      expect(d.member).toEqual({ id: memberId, tier: "guest" });
      // 200.50 yuan × 1 = 200 points; only the department-store line qualifies; 200.50 yuan in the day → 2 hours.
      expect(d.totals).toEqual({ gross: 20_050, discount: 0, payable: 20_050, qualifyingSpend: 10_050 });
      expect(d.points).toEqual({ earned: 200, rules: ["points-guest"] });
      expect(d.parking.freeHoursToday).toBe(2);
      const after = await getMember(t, memberId);
      expect(after.points.balance - before.points.balance).toBe(200);
      expect(after.cycle.qualifyingSpend - before.cycle.qualifyingSpend).toBe(10_050);

      // Claiming twice: the same member gets the same decision and nothing changes; another member is refused.
      const snap = await snapshot(t, memberId);
      const twice = await claim(t, s.receiptId, memberId, "2026-11-25T19:00:00+08:00");
      expect(twice.status).toBe(200);
      expect(twice.body.decisionId).toBe(d.decisionId);
      expect((await claim(t, s.receiptId, other, "2026-11-25T19:00:00+08:00")).status).toBe(422);
      expect(await snapshot(t, memberId)).toEqual(snap);
      expect(await getLedger(t, other)).toEqual([]);

      // The claimed sale is the member's for the day's parking: 200.50 + 400 yuan = 600.50 → 3 hours.
      const later = await commitOk(t, sale("2026-11-25T20:00:00+08:00", [{ department: "supermarket", unitPrice: 40_000 }], { memberId }));
      expect(later.parking.freeHoursToday).toBe(3);

      // Returning the claimed sale reverses what the claim added.
      const r = await commitOk(t, fullReturnOf(s, "2026-11-26T10:00:00+08:00"));
      expect(r.member).toEqual({ id: memberId, tier: "guest" });
      expect(r.points.earned).toBe(-200);
      expect(r.totals.qualifyingSpend).toBe(-10_050);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    // KNOWN BUG, outside api/: the engine ignores SaleInput.pricesFixed (engine/src/effects/sale.ts),
    // so a claim re-prices the sale with the member's discounts. Remove `.fails` once it is honoured.
    it("apply no member discount to a claimed sale: its prices were already paid", async () => {
      const memberId = await enrolAt(t, "silver");
      // 100 yuan full price + 100 yuan dining, paid at full prices.
      const s = sale("2026-11-25T10:00:00+08:00", [{ unitPrice: 10_000 }, { department: "dining", unitPrice: 10_000 }]);
      await commitOk(t, s);
      const res = await claim(t, s.receiptId, memberId, "2026-11-25T18:00:00+08:00");
      expect(res.status).toBe(200);
      // No discount: 200 yuan × 1.5 = 300 points; the department-store line qualifies at its full 10,000.
      expect(res.body.lines.map((l: any) => l.discount)).toEqual([0, 0]);
      expect(res.body.totals).toEqual({ gross: 20_000, discount: 0, payable: 20_000, qualifyingSpend: 10_000 });
      expect(res.body.points).toEqual({ earned: 300, rules: ["points-silver"] });
    });

    it("refuses claims on another store-day, of a member's sale, of evidence, of a returned sale; unknown receipts are 404", async () => {
      const memberId = await enrolAt(t, "guest");
      const before = await snapshot(t, memberId);
      const s = sale("2026-11-25T23:30:00+08:00", [{}]);
      await commitOk(t, s);
      // The next morning, and 00:10 on the 26th in Shanghai written in UTC.
      expect((await claim(t, s.receiptId, memberId, "2026-11-26T09:00:00+08:00")).status).toBe(422);
      expect((await claim(t, s.receiptId, memberId, "2026-11-25T16:10:00Z")).status).toBe(422);

      const own = sale("2026-11-25T10:00:00+08:00", [{}], { memberId });
      await commitOk(t, own);
      const afterOwn = await snapshot(t, memberId);
      expect((await claim(t, own.receiptId, memberId, "2026-11-25T11:00:00+08:00")).status).toBe(422);

      const evidence = sale("2026-11-25T09:00:00+08:00", [{ unitPrice: 100_000 }]);
      await commitOk(t, evidence);
      expect((await enrolRequest(t, "2026-11-25T09:30:00+08:00", [evidence.receiptId])).status).toBe(201);
      expect((await claim(t, evidence.receiptId, memberId, "2026-11-25T11:00:00+08:00")).status).toBe(422);

      // A sale partly returned before it is claimed would earn points on goods given back.
      const partly = sale("2026-11-25T10:00:00+08:00", [{}, {}]);
      await commitOk(t, partly);
      await commitOk(t, returnOf(partly, "2026-11-25T10:30:00+08:00", { "2": 1 }));
      expect((await claim(t, partly.receiptId, memberId, "2026-11-25T11:00:00+08:00")).status).toBe(422);

      expect((await claim(t, "R-never-committed", memberId, "2026-11-25T11:00:00+08:00")).status).toBe(404);
      expect(await snapshot(t, memberId)).toEqual(afterOwn);
      expect(afterOwn.ledger.length).toBeGreaterThan(before.ledger.length);
    });
  });

  describe("lifecycle runs and debts", () => {
    let c: TestApp;
    beforeAll(async () => {
      c = await createTestApp(driver, { start: "2026-11-22T12:00:00+08:00" });
    });
    afterAll(async () => c?.close());
    const lifecycle = (asOf: string) => c.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf } });

    it("expires points earned in 2026 at the end of 2027-12-31, once, and a later return turns into a debt repaid by new points", async () => {
      const memberId = await enrolAt(c, "guest");
      const s2026 = sale("2026-11-22T15:00:00+08:00", [{ unitPrice: 50_000 }], { memberId });
      await commitOk(c, s2026); // 500 points, valid through 2027-12-31
      await commitOk(c, sale("2027-03-01T15:00:00+08:00", [{ unitPrice: 20_000 }], { memberId })); // 200 points, valid through 2028-12-31
      const expiring = (await getMember(c, memberId)).points.expiring.map((e: any) => [Date.parse(e.expiresAt), e.points]);
      expect(expiring).toEqual([
        [Date.parse("2028-01-01T00:00:00+08:00"), 500],
        [Date.parse("2029-01-01T00:00:00+08:00"), 200],
      ]);

      expect((await c.request("POST", "/v1/lifecycle/runs", { role: "pos", body: { asOf: "2028-01-01T00:00:00+08:00" } })).status).toBe(403);
      const early = await lifecycle("2027-12-31T23:59:59+08:00");
      expect(early.status).toBe(200);
      expect(early.body.pointsExpired).toEqual({ members: 0, lots: 0, points: 0 });
      expect((await getMember(c, memberId)).points.balance).toBe(700);

      const due = await lifecycle("2028-01-01T00:00:00+08:00");
      expect(due.status).toBe(200);
      expect(due.body.pointsExpired).toEqual({ members: 1, lots: 1, points: 500 });
      const afterRun = await snapshot(c, memberId);
      expect(afterRun.member.points.balance).toBe(200);
      const expired = afterRun.ledger.filter((e) => e.kind === "points_expired");
      expect(expired).toHaveLength(1);
      expect(expired[0]).toMatchObject({ points: -500, receiptId: s2026.receiptId, policy: { id: "beiguo", version: 1 } });
      expect(expired[0].decisionId).toEqual(expect.any(String));

      const again = await lifecycle("2028-01-01T00:00:00+08:00");
      expect(again.status).toBe(200);
      expect(again.body.pointsExpired).toEqual({ members: 0, lots: 0, points: 0 });
      expect(await snapshot(c, memberId)).toEqual(afterRun);

      // Returning the 2026 sale takes back 500 points: 200 are there, 300 become a debt; nothing goes negative.
      c.clock.set("2028-01-02T12:00:00+08:00");
      const returned = fullReturnOf(s2026, "2028-01-02T10:00:00+08:00");
      const r = await commitOk(c, returned);
      expect(r.points.earned).toBe(-500);
      let member = await getMember(c, memberId);
      expect(member.points).toMatchObject({ balance: 0, debt: 300 });
      const debt = (await getLedger(c, memberId)).filter((e) => e.kind === "points_debt");
      expect(debt).toEqual([expect.objectContaining({ debt: 300, points: 0, receiptId: returned.receiptId, decisionId: r.decisionId })]);
      await expectBalancesMatchLedger(c.database.db, memberId);

      // New points repay the debt first: 200 → debt 100; then 300 → 100 repaid, 200 kept.
      await commitOk(c, sale("2028-01-02T15:00:00+08:00", [{ unitPrice: 20_000 }], { memberId }));
      member = await getMember(c, memberId);
      expect(member.points).toMatchObject({ balance: 0, debt: 100 });
      await commitOk(c, sale("2028-01-03T15:00:00+08:00", [{ unitPrice: 30_000 }], { memberId }));
      member = await getMember(c, memberId);
      expect(member.points).toMatchObject({ balance: 200, debt: 0 });
      expect(member.points.expiring.map((e: any) => [Date.parse(e.expiresAt), e.points])).toEqual([[Date.parse("2030-01-01T00:00:00+08:00"), 200]]);
      expect((await getLedger(c, memberId)).filter((e) => e.kind === "debt_repaid").map((e) => e.debt)).toEqual([-200, -100]);
      await expectBalancesMatchLedger(c.database.db, memberId);
    });
  });

  describe("the ledger and the decision log", () => {
    it("names the decision, receipt and policy version of every ledger entry, and the log holds each decision", async () => {
      const memberId = await enrolAt(t, "guest");
      const s1 = sale("2026-11-23T15:00:00+08:00", [{ quantity: 2, unitPrice: 500_000 }], { memberId }); // crosses to silver: gift hours
      await commitOk(t, s1);
      await commitOk(t, returnOf(s1, "2026-11-24T10:00:00+08:00", { "1": 1 }));
      const anonymous = sale("2026-11-24T11:00:00+08:00", [{ unitPrice: 30_000 }]);
      await commitOk(t, anonymous);
      expect((await claim(t, anonymous.receiptId, memberId, "2026-11-24T12:00:00+08:00")).status).toBe(200);

      const entries = await getLedger(t, memberId);
      expect(new Set(entries.map((e) => e.kind))).toEqual(new Set(["points_earned", "spend", "parking_gift", "points_reversed", "spend_reversed"]));
      for (const entry of entries) {
        expect(entry.decisionId, JSON.stringify(entry)).toMatch(/^d_/);
        expect(entry.receiptId, JSON.stringify(entry)).toEqual(expect.any(String));
        expect(entry.policy).toEqual({ id: "beiguo", version: 1 });
      }
      for (const decisionId of new Set(entries.map((e) => e.decisionId as string))) {
        const logged = await t.request("GET", `/v1/decisions/${decisionId}`, { role: "auditor" });
        expect(logged.status).toBe(200);
        expect(logged.body.policy).toEqual({ id: "beiguo", version: 1 });
        expect(logged.body.memberId).toBe(memberId);
        expect(logged.body.result.decisionId).toBe(decisionId);
        expect(entries.filter((e) => e.decisionId === decisionId).every((e) => e.receiptId === logged.body.receiptId)).toBe(true);
      }
      await expectBalancesMatchLedger(t.database.db, memberId);
    });

    it("logs quotes and commits with their input, result and policy version; a quote changes nothing", async () => {
      const memberId = await enrolAt(t, "silver");
      const before = await snapshot(t, memberId);
      const body = sale("2026-11-23T15:00:00+08:00", [{ unitPrice: 129_900 }], { memberId });
      const quote = await t.request("POST", "/v1/decisions", { role: "pos", body });
      expect(quote.status).toBe(200);
      expect(quote.body.points.earned).toBe(1_851);
      expect(await snapshot(t, memberId)).toEqual(before);

      const committed = await commitOk(t, body); // 201: the quote stored no receipt
      expect(committed.decisionId).not.toBe(quote.body.decisionId);
      const { decisionId: _q, ...quoted } = quote.body;
      const { decisionId: _c, ...decided } = committed;
      expect(decided).toEqual(quoted);

      for (const [decision, kind] of [
        [quote.body, "quote"],
        [committed, "commit"],
      ] as const) {
        const logged = await t.request("GET", `/v1/decisions/${decision.decisionId}`, { role: "auditor" });
        expect(logged.status).toBe(200);
        expect(logged.body).toMatchObject({ id: decision.decisionId, kind, policy: { id: "beiguo", version: 1 }, receiptId: body.receiptId, memberId });
        expect(logged.body.input).toMatchObject({ ...body, lines: body.lines.map((l) => expect.objectContaining(l)) });
        expect(logged.body.result).toEqual(decision);
      }
      expect((await t.request("GET", `/v1/decisions/${committed.decisionId}`, { role: "pos" })).status).toBe(403);
      expect((await t.request("GET", "/v1/decisions/d_missing", { role: "auditor" })).status).toBe(404);
    });
  });
});
