/**
 * Programs 4–6 end to end over HTTP: the campus card, stored-value plans (department store and
 * internet café) and the paid club with referrals. Each program runs on its own policy from
 * policies/, with no code of its own; every number is worked out from programs.md §4–6 and the
 * policies' documented example values in the comments, and each walk ends with a year end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, drivers, type TestApp } from "./harness";
import { expectBalancesMatchLedger } from "./ledger-audit";
import { commit, commitOk, fullReturnOf, getLedger, getMember, sale, type LineBody } from "./pos";

interface Applicant {
  program: string;
  at: string;
  storeId?: string;
  evidence?: string[];
  student?: boolean;
  studentOfficer?: boolean;
  feePaid?: number;
  referrerId?: string;
}

function enrol(t: TestApp, a: Applicant) {
  return t.request("POST", "/v1/members", {
    role: "pos",
    body: {
      storeId: a.storeId ?? "beiguo-central",
      at: a.at,
      program: a.program,
      evidenceReceiptIds: a.evidence ?? [],
      profile: { name: "Test", student: a.student ?? false, studentOfficer: a.studentOfficer ?? false },
      ...(a.feePaid !== undefined ? { feePaid: a.feePaid } : {}),
      ...(a.referrerId ? { referrerId: a.referrerId } : {}),
    },
  });
}

async function enrolOk(t: TestApp, a: Applicant): Promise<any> {
  const res = await enrol(t, a);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** An anonymous evidence sale committed an hour before the application, on the same store-day. */
async function evidence(t: TestApp, day: string, lines: LineBody[], storeId = "beiguo-central"): Promise<string> {
  const body = sale(`${day}T10:00:00+08:00`, lines, { storeId });
  await commitOk(t, body);
  return body.receiptId;
}

const lifecycle = (t: TestApp, asOf: string) => t.request("POST", "/v1/lifecycle/runs", { role: "admin", body: { asOf } });

describe.each(drivers)("programs 4–6 over HTTP on %s", (driver) => {
  describe("campus cool card (炫酷卡)", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(driver);
    });
    afterAll(async () => t?.close());
    const day = "2026-11-22";
    const at = `${day}T11:00:00+08:00`;

    it("admits a student on 100 yuan of the campus zones' spend, or 200 yuan elsewhere, and an officer on nothing", async () => {
      const zones = await evidence(t, day, [{ zone: "sports", unitPrice: 6_000 }, { zone: "digital", unitPrice: 4_000 }]);
      const joined = await enrolOk(t, { program: "campus", at, evidence: [zones], student: true });
      expect(joined.member).toMatchObject({ program: "campus", tier: "cool" });
      expect(joined.enrolment.rules).toEqual(["entry-campus-zones"]);

      const elsewhere = await evidence(t, day, [{ zone: "womenswear", unitPrice: 20_000 }]);
      expect((await enrolOk(t, { program: "campus", at, evidence: [elsewhere], student: true })).enrolment.rules).toEqual(["entry-other-zones"]);
      expect((await enrolOk(t, { program: "campus", at, studentOfficer: true })).enrolment.rules).toEqual(["entry-student-officer"]);
    });

    it("refuses 99.99 yuan in the zones, 199.99 elsewhere (the two are not added), and a customer who is no student", async () => {
      const short = await evidence(t, day, [{ zone: "stationery", unitPrice: 9_999 }, { zone: "womenswear", unitPrice: 19_999 }]);
      expect((await enrol(t, { program: "campus", at, evidence: [short], student: true })).status).toBe(422);
      const enough = await evidence(t, day, [{ zone: "leisure", unitPrice: 10_000 }]);
      expect((await enrol(t, { program: "campus", at, evidence: [enough], student: false })).status).toBe(422);
      // Refusals leave the evidence unused: a student may still join on it.
      expect((await enrolOk(t, { program: "campus", at, evidence: [enough], student: true })).member.tier).toBe("cool");
    });

    it("discounts the campus zones (10 % full price, 5 % on promotion), nothing elsewhere, earns a point per yuan, and expires them after the next year end", async () => {
      const memberId = (await enrolOk(t, { program: "campus", at, studentOfficer: true })).member.id;
      const d = await commitOk(t, sale(`${day}T15:00:00+08:00`, [{ zone: "sports", unitPrice: 10_000 }, { zone: "denim", unitPrice: 10_000, fullPrice: false }, { zone: "womenswear", unitPrice: 10_000 }], { memberId }));
      expect(d.lines.map((l: any) => [l.discount, l.payable])).toEqual([
        [1_000, 9_000],
        [500, 9_500],
        [0, 10_000],
      ]);
      expect(d.points.earned).toBe(285); // 285 yuan paid in cash, 1 point per yuan
      expect(d.benefits).toEqual(expect.arrayContaining(["member_events", "vip_lounge", "campus_gifts"]));
      expect((await lifecycle(t, "2027-01-01T00:00:00+08:00")).body.pointsExpired.points).toBe(0);
      const end = await lifecycle(t, "2028-01-01T00:00:00+08:00");
      expect(end.body.pointsExpired).toEqual({ members: 1, lots: 1, points: 285 });
      expect((await getMember(t, memberId)).points.balance).toBe(0);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });

  describe("department-store stored-value plans (充值方案)", () => {
    let t: TestApp;
    let memberId: string;
    const recharge = (rechargeId: string, amount: number, at = "2026-11-22T10:00:00+08:00") => t.request("POST", `/v1/members/${memberId}/recharges`, { role: "pos", body: { rechargeId, storeId: "beiguo-central", at, amount } });
    const fromStoredValue = (amount: number) => ({ tenders: [{ type: "stored_value", amount }] });

    beforeAll(async () => {
      t = await createTestApp(driver);
      memberId = (await enrolOk(t, { program: "stored-value", at: "2026-11-22T09:00:00+08:00" })).member.id;
    });
    afterAll(async () => t?.close());

    it("gives 3,000 points and 10 % off for a 3,000-yuan recharge, and is idempotent on rechargeId", async () => {
      const res = await recharge("RC-1", 300_000);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ amount: 300_000, bonusPoints: { points: 3_000, rule: "recharge-3000-points" }, bonusCredit: null, plan: { plan: "sv-3000" }, storedValue: { balance: 300_000, plan: "sv-3000" }, points: { balance: 3_000 } });
      const again = await recharge("RC-1", 300_000);
      expect(again.status).toBe(200);
      expect(again.body.decisionId).toBe(res.body.decisionId);
      expect((await recharge("RC-1", 500_000)).status).toBe(409);
      expect(await getMember(t, memberId)).toMatchObject({ storedValue: { balance: 300_000, plan: "sv-3000" }, points: { balance: 3_000 } });
    });

    it("takes 10 % off a receipt paid from stored value, earns no points on it, and spends the stored value", async () => {
      const d = await commitOk(t, sale("2026-11-22T15:00:00+08:00", [{ unitPrice: 60_000 }, { department: "supermarket", unitPrice: 40_000 }], { memberId, ...fromStoredValue(90_000) }));
      expect(d.lines.map((l: any) => l.discount)).toEqual([6_000, 4_000]); // 全场9折: every line
      expect(d.totals.payable).toBe(90_000);
      expect(d.points.earned).toBe(0);
      expect((await getMember(t, memberId)).storedValue.balance).toBe(210_000);
    });

    it("gives no plan discount on mixed tenders and points only on the money", async () => {
      const d = await commitOk(t, sale("2026-11-22T16:00:00+08:00", [{ unitPrice: 10_000 }], { memberId, tenders: [{ type: "cash", amount: 5_000 }, { type: "stored_value", amount: 5_000 }] }));
      expect(d.totals).toMatchObject({ discount: 0, payable: 10_000 });
      expect(d.points.earned).toBe(50);
      expect((await getMember(t, memberId)).storedValue.balance).toBe(205_000);
    });

    it("refuses to spend more stored value than the member holds, and writes nothing", async () => {
      const ledger = await getLedger(t, memberId);
      const body = sale("2026-11-22T17:00:00+08:00", [{ unitPrice: 300_000 }], { memberId, ...fromStoredValue(270_000) });
      // The quote answers as the commit will.
      const quote = await t.request("POST", "/v1/decisions", { role: "pos", body });
      expect(quote.status).toBe(422);
      const res = await commit(t, body);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: "/tenders", message: "stored_value exceeds the member's stored value" }]);
      expect(await getLedger(t, memberId)).toEqual(ledger);
    });

    it("refunds the stored value of a returned receipt", async () => {
      const body = sale("2026-11-23T10:00:00+08:00", [{ unitPrice: 20_000 }], { memberId, ...fromStoredValue(18_000) });
      await commitOk(t, body);
      expect((await getMember(t, memberId)).storedValue.balance).toBe(187_000);
      const returned = await commitOk(t, fullReturnOf(body, "2026-11-24T10:00:00+08:00"));
      expect(returned.refund).toEqual({ storedValue: 18_000 });
      expect((await getMember(t, memberId)).storedValue.balance).toBe(205_000);
    });

    it("moves to 12 % off and 5,000 points with a 5,000-yuan recharge; nothing below 3,000 yuan", async () => {
      const small = await recharge("RC-2", 299_999, "2026-11-25T10:00:00+08:00");
      expect(small.body).toMatchObject({ bonusPoints: null, plan: null, storedValue: { balance: 504_999, plan: "sv-3000" } });
      const big = await recharge("RC-3", 500_000, "2026-11-25T11:00:00+08:00");
      expect(big.body).toMatchObject({ bonusPoints: { points: 5_000 }, plan: { plan: "sv-5000" }, storedValue: { balance: 1_004_999, plan: "sv-5000" } });
      const d = await commitOk(t, sale("2026-11-25T15:00:00+08:00", [{ unitPrice: 100_000 }], { memberId, ...fromStoredValue(88_000) }));
      expect(d.totals).toMatchObject({ discount: 12_000, payable: 88_000 }); // 8.8折
      const plans = (await getLedger(t, memberId)).filter((e) => e.kind === "plan_changed").map((e) => [e.detail, e.rule]);
      expect(plans).toEqual([
        [{ from: null, to: "sv-3000" }, "recharge-3000-plan"],
        [{ from: "sv-3000", to: "sv-5000" }, "recharge-5000-plan"],
      ]);
    });

    it("expires the recharge bonus points after the next year end; the stored value stays", async () => {
      // 3,000 + 50 + 5,000 points earned in 2026 are valid through 2027-12-31.
      const end = await lifecycle(t, "2028-01-01T00:00:00+08:00");
      expect(end.body.pointsExpired).toEqual({ members: 1, lots: 3, points: 8_050 });
      expect(await getMember(t, memberId)).toMatchObject({ points: { balance: 0 }, storedValue: { balance: 916_999 } });
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });

  describe("internet café gold card (网吧金卡)", () => {
    let t: TestApp;
    let memberId: string;
    beforeAll(async () => {
      t = await createTestApp(driver);
      memberId = (await enrolOk(t, { program: "netcafe", at: "2026-11-22T09:00:00+08:00", storeId: "netcafe-1" })).member.id;
    });
    afterAll(async () => t?.close());
    const recharge = (rechargeId: string, amount: number) => t.request("POST", `/v1/members/${memberId}/recharges`, { role: "pos", body: { rechargeId, storeId: "netcafe-1", at: "2026-11-22T10:00:00+08:00", amount } });

    it("adds 80 yuan of credit for every full 100 yuan recharged", async () => {
      expect((await recharge("NC-1", 10_000)).body).toMatchObject({ bonusCredit: { amount: 8_000, rule: "recharge-bonus-credit" }, storedValue: { balance: 18_000 } });
      expect((await recharge("NC-2", 9_999)).body).toMatchObject({ bonusCredit: null, storedValue: { balance: 27_999 } });
    });

    it("charges members 2.5 yuan an hour instead of 3, paid from stored value", async () => {
      const d = await commitOk(t, sale("2026-11-22T20:00:00+08:00", [{ sku: "internet-hour", department: "other", quantity: 3, unitPrice: 300 }], { memberId, storeId: "netcafe-1", tenders: [{ type: "stored_value", amount: 750 }] }));
      expect(d.lines[0]).toMatchObject({ gross: 900, discount: 150, payable: 750, rules: ["member-hourly-rate", "qualifying-every-line"] });
      expect((await getMember(t, memberId)).storedValue.balance).toBe(27_249);
    });

    it("turns the card dormant after 12 months without a visit, at a year end's lifecycle run", async () => {
      expect((await lifecycle(t, "2027-11-21T23:00:00+08:00")).body.lifecycle.members).toBe(0);
      const run = await lifecycle(t, "2027-11-22T00:00:00+08:00");
      expect(run.body.lifecycle.statusChanged).toEqual({ dormant: 1 });
      expect((await getMember(t, memberId)).status).toBe("dormant");
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });

  describe("paid club (真子丽人卡)", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(driver);
    });
    afterAll(async () => t?.close());
    const store = "zhenzi-mall";
    const at = "2026-11-22T11:00:00+08:00";

    it("admits on a 48-yuan fee, or on one receipt of 150 yuan with a welcome gift; not on 47.99 yuan or two smaller receipts", async () => {
      const paid = await enrolOk(t, { program: "zhenzi", at, storeId: store, feePaid: 4_800 });
      expect(paid.member.tier).toBe("member");
      expect(paid.enrolment.benefits).toEqual([]);
      expect((await enrol(t, { program: "zhenzi", at, storeId: store, feePaid: 4_799 })).status).toBe(422);

      const one = await evidence(t, "2026-11-22", [{ unitPrice: 15_000 }], store);
      const shopper = await enrolOk(t, { program: "zhenzi", at, storeId: store, evidence: [one] });
      expect(shopper.enrolment.benefits).toEqual(["welcome_gift"]);
      const small = [await evidence(t, "2026-11-22", [{ unitPrice: 10_000 }], store), await evidence(t, "2026-11-22", [{ unitPrice: 14_999 }], store)];
      expect((await enrol(t, { program: "zhenzi", at, storeId: store, evidence: small })).status).toBe(422);
    });

    it("pays the referrer 500 points per referral and 0.1 point per yuan of the referred member's spend, taken back on return", async () => {
      const referrer = (await enrolOk(t, { program: "zhenzi", at, storeId: store, feePaid: 4_800 })).member.id;
      const referred = (await enrolOk(t, { program: "zhenzi", at, storeId: store, feePaid: 4_800, referrerId: referrer })).member.id;
      expect(await getMember(t, referred)).toMatchObject({ referredBy: referrer });
      expect((await getLedger(t, referrer)).map((e) => [e.kind, e.points, e.rule])).toEqual([["points_referral", 500, "referral-bonus"]]);

      // Margin 45 % earns 2 points per yuan, 30 % earns 1: 2 × 100 + 1 × 100 = 300 points; the referrer 0.1 × 200 = 20.
      const body = sale("2026-11-23T15:00:00+08:00", [{ unitPrice: 10_000, marginPercent: 45 }, { unitPrice: 10_000, marginPercent: 30 }], { memberId: referred, storeId: store });
      const d = await commitOk(t, body);
      expect(d.points.earned).toBe(300);
      expect(d.referrerPoints).toEqual({ earned: 20, rules: ["referral-share"] });
      expect((await getMember(t, referrer)).points.balance).toBe(520);
      // At the flagship store points double: 2 × 100 × 2 = 400.
      expect((await commitOk(t, sale("2026-11-23T16:00:00+08:00", [{ unitPrice: 10_000, marginPercent: 45 }], { memberId: referred, storeId: "zhenzi-flagship" }))).points.earned).toBe(400);

      const back = await commitOk(t, fullReturnOf(body, "2026-11-24T10:00:00+08:00"));
      expect(back.points.earned).toBe(-300);
      expect(back.referrerPoints.earned).toBe(-20);
      // 500 + 20 (sale) + 10 (flagship sale: 0.1 × 100 yuan) − 20 (return).
      expect((await getMember(t, referrer)).points.balance).toBe(510);
      for (const id of [referrer, referred]) await expectBalancesMatchLedger(t.database.db, id);
    });

    it("rejects a referrer of another program", async () => {
      const beiguoCustomer = await evidence(t, "2026-11-22", [{ unitPrice: 100_000 }]);
      const res = await t.request("POST", "/v1/members", { role: "pos", body: { storeId: "beiguo-central", at, program: "beiguo", evidenceReceiptIds: [beiguoCustomer], profile: {} } });
      expect(res.status).toBe(201);
      const refused = await enrol(t, { program: "zhenzi", at, storeId: store, feePaid: 4_800, referrerId: res.body.member.id });
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ path: "/referrerId", message: 'the referrer belongs to program "beiguo"' }]);
    });

    it("upgrades to gold at 3,000 yuan in the cycle, then earns half as many points again, and expires 2026 points at the end of 2027", async () => {
      const memberId = (await enrolOk(t, { program: "zhenzi", at, storeId: store, feePaid: 4_800 })).member.id;
      const up = await commitOk(t, sale("2026-11-25T15:00:00+08:00", [{ unitPrice: 300_000 }], { memberId, storeId: store }));
      expect(up.tierChange).toMatchObject({ from: "member", to: "gold", rules: ["upgrade-gold"] });
      expect(up.points.earned).toBe(3_000); // margin unknown: 1 point per yuan, as a member
      const gold = await commitOk(t, sale("2026-11-26T15:00:00+08:00", [{ unitPrice: 10_000 }], { memberId, storeId: store }));
      expect(gold.points.earned).toBe(150);
      const end = await lifecycle(t, "2028-01-01T00:00:00+08:00");
      expect(end.status).toBe(200);
      expect((await getMember(t, memberId)).points.balance).toBe(0);
      await expectBalancesMatchLedger(t.database.db, memberId);
    });
  });
});
