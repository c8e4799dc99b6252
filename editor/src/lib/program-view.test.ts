import { describe, expect, it } from "vitest";
import { beiguoDocument, programDocument, shippedPrograms } from "../test/factories";
import { valueAt } from "./json-text";
import { describeProgram, newDiscountRule, renameForNumber, type Located, type ProgramView } from "./program-view";

describe("describeProgram on the shipped Beiguo program", () => {
  const doc = beiguoDocument();
  const view = describeProgram(doc);
  const tier = (id: string) => view.tiers.find((t) => t.id === id)!;

  it("lists the tiers lowest first with their entry and upgrade thresholds and points rates", () => {
    expect(view.tiers.map((t) => t.id)).toEqual(["guest", "silver", "platinum", "diamond"]);
    expect(view.tiers.map((t) => t.entry?.value)).toEqual([100_000, 500_000, 1_000_000, 5_000_000]);
    expect(view.tiers.map((t) => t.upgrade?.value ?? null)).toEqual([null, 1_000_000, 5_000_000, 12_000_000]);
    expect(view.tiers.map((t) => t.upgradeGift?.value ?? null)).toEqual([null, 10, 20, 0]);
    expect(view.tiers.map((t) => t.pointsRate?.value)).toEqual([1, 1.5, 2, 2.5]);
  });

  it("reads the discount matrix (tier × full price / dining) with pointers to each percent", () => {
    expect(view.tiers.map((t) => [t.discounts.fullPrice?.value ?? null, t.discounts.dining?.value ?? null])).toEqual([
      [null, 5],
      [5, 10],
      [10, 10],
      [15, 10],
    ]);
    expect(valueAt(doc, tier("silver").discounts.fullPrice!.pointer)).toBe(5);
  });

  it("finds the exclusions inside the named condition the full-price rules use", () => {
    expect(view.exclusions.departments).toEqual({ value: ["supermarket", "appliances", "dining"], pointer: "/conditions/full-price-goods/all/1/value" });
    expect(view.exclusions.brands?.value).toEqual(["Apple", "Chanel", "Hermès", "Louis Vuitton", "Rolex"]);
  });

  it("reads parking, member days, benefits and settings", () => {
    expect(view.parking?.params).toEqual({ minSpend: 20_000, baseHours: 2, stepFrom: 40_000, stepSpend: 20_000, stepHours: 1, maxHours: 6 });
    expect(view.memberDays.daysOfMonth?.value).toEqual([8]);
    expect(view.memberDays.factor?.value).toBe(2);
    expect(view.benefits.map((b) => [b.ruleId, b.tier, b.supreme, b.flags.value.length])).toEqual([
      ["benefits-every-tier", null, false, 6],
      ["benefits-diamond", "diamond", false, 5],
      ["benefits-supreme", null, true, 6],
    ]);
    expect(view.settings.valueFen?.value).toBe(10);
  });

  it("shows what it can of a broken document", () => {
    expect(describeProgram({ tiers: [{ id: "a" }], rules: "no" }).tiers.map((t) => t.id)).toEqual(["a"]);
    expect(describeProgram(null).tiers).toEqual([]);
  });
});

describe("describeProgram: the supreme club, card rules, gifts and recharge plans", () => {
  const viewOf = (program: (typeof shippedPrograms)[number]) => describeProgram(programDocument(program));
  const numbers = (list: readonly Located<number>[]) => list.map((l) => l.value);

  it("reads the supreme club's year-end thresholds and reward from Beiguo's year-end rules", () => {
    const { supreme } = viewOf("beiguo");
    expect(supreme.map((r) => [r.ruleId, r.kind, r.type])).toEqual([
      ["supreme-grant-two-years", "grant", "supreme-status"],
      ["supreme-grant-one-year", "grant", "supreme-status"],
      ["supreme-demote", "demote", "supreme-status"],
      ["supreme-year-end-reward", "reward", "bonus-points"],
    ]);
    expect(supreme.map((r) => r.thresholds.map((t) => [t.fact, t.operator, t.value, t.money]))).toEqual([
      [["yearQualifyingSpend", "greaterThanInclusive", 10_000_000, true], ["priorYearQualifyingSpend", "greaterThanInclusive", 10_000_000, true]],
      [["yearQualifyingSpend", "greaterThan", 20_000_000, true]],
      [["yearQualifyingSpend", "lessThan", 5_000_000, true]],
      [["yearQualifyingSpend", "greaterThan", 20_000_000, true]],
    ]);
    expect(supreme[1]!.thresholds[0]!.pointer).toBe("/rules/25/conditions/all/1/value");
    expect(supreme[3]!.params).toEqual([{ key: "points", value: 20_000, pointer: "/rules/27/event/params/points", money: false }]);
  });

  it("reads the months to dormant and to cancelled from named conditions (Beiguo) or a rule's own leaf (café)", () => {
    expect(viewOf("beiguo").hygiene).toEqual({
      dormant: { fact: "monthsSinceQualifyingSale", operator: "greaterThanInclusive", value: 12, pointer: "/conditions/silent-12-months/all/0/value", money: false },
      cancelled: { fact: "monthsSinceQualifyingSale", operator: "greaterThanInclusive", value: 24, pointer: "/conditions/silent-24-months/all/0/value", money: false },
    });
    expect(viewOf("netcafe").hygiene).toEqual({ dormant: expect.objectContaining({ value: 12, pointer: "/rules/4/conditions/all/1/value" }), cancelled: null });
  });

  it("reads each gift's catalog points and its supreme price", () => {
    const { gifts } = viewOf("beiguo");
    expect(gifts.map((g) => [g.id, g.points?.value, g.points?.pointer])).toEqual([
      ["umbrella", 2000, "/gifts/0/points"],
      ["tea-set", 8000, "/gifts/1/points"],
      ["luggage", 30000, "/gifts/2/points"],
    ]);
    expect(gifts.map((g) => g.prices.map((p) => [p.ruleId, p.points.value, p.points.pointer]))).toEqual([
      [["supreme-price-umbrella", 1500, "/rules/28/event/params/points"]],
      [["supreme-price-tea-set", 6000, "/rules/29/event/params/points"]],
      [["supreme-price-luggage", 22000, "/rules/30/event/params/points"]],
    ]);
  });

  it("reads the stored-value recharges: amounts, bonus points, and each plan with the discount paying from it gives", () => {
    const { recharges } = viewOf("stored-value");
    expect(recharges.map((r) => [r.ruleId, r.type, numbers(r.thresholds), numbers(r.params), r.plan && [r.plan.id, r.plan.discount?.value, r.plan.discount?.pointer]])).toEqual([
      ["recharge-3000-points", "bonus-points", [300_000], [3000], null],
      ["recharge-3000-plan", "stored-value-plan", [300_000, 500_000], [], ["sv-3000", 10, "/rules/1/event/params/percent"]],
      ["recharge-5000-points", "bonus-points", [500_000], [5000], null],
      ["recharge-5000-plan", "stored-value-plan", [500_000], [], ["sv-5000", 12, "/rules/2/event/params/percent"]],
    ]);
    // The 3,000-yuan threshold is one named condition, shared by the points and the plan rules.
    expect(recharges[0]!.thresholds[0]!.pointer).toBe("/conditions/recharge-3000/all/0/value");
    expect(recharges[1]!.thresholds.map((t) => t.pointer)).toEqual(["/conditions/recharge-3000/all/0/value", "/rules/6/conditions/all/1/value"]);
  });

  it("reads the café's recharge bonus credit in fen", () => {
    const [credit] = viewOf("netcafe").recharges;
    expect(credit).toMatchObject({ ruleId: "recharge-bonus-credit", type: "bonus-credit", thresholds: [], plan: null });
    expect(credit!.params).toEqual([
      { key: "stepSpend", value: 10_000, pointer: "/rules/3/event/params/stepSpend", money: true },
      { key: "creditPerStep", value: 8_000, pointer: "/rules/3/event/params/creditPerStep", money: true },
    ]);
  });

  it.each([
    ["beiguo", { supreme: 4, hygiene: true, gifts: 3, recharges: 0 }],
    ["campus", { supreme: 0, hygiene: false, gifts: 0, recharges: 0 }],
    ["stored-value", { supreme: 0, hygiene: false, gifts: 0, recharges: 4 }],
    ["netcafe", { supreme: 0, hygiene: true, gifts: 0, recharges: 1 }],
    ["zhenzi", { supreme: 0, hygiene: false, gifts: 0, recharges: 0 }],
  ] as const)("shows %s only the sections it has rules for", (program, sections) => {
    const view = viewOf(program);
    expect({ supreme: view.supreme.length, hygiene: view.hygiene !== null, gifts: view.gifts.length, recharges: view.recharges.length }).toEqual(sections);
  });

  it.each(shippedPrograms)("points every number of %s's sections at that number in the document", (program) => {
    const doc = programDocument(program);
    const view: ProgramView = describeProgram(doc);
    const located = [
      ...view.supreme.flatMap((r) => [...r.thresholds, ...r.params]),
      ...(view.hygiene ? [view.hygiene.dormant, view.hygiene.cancelled] : []),
      ...view.gifts.flatMap((g) => [g.points, ...g.prices.map((p) => p.points)]),
      ...view.recharges.flatMap((r) => [...r.thresholds, ...r.params, r.plan?.discount ?? null]),
    ].filter((l): l is Located<number> => l !== null);
    for (const l of located) expect(valueAt(doc, l.pointer)).toBe(l.value);
  });

  it("reads the campus zone groups, and keeps the tiers' everyday rate apart from Zhenzi's per-line rates", () => {
    expect(viewOf("campus").settings.zoneGroups).toEqual([{ name: "campus", zones: { value: ["sports", "leisure", "denim", "stationery", "digital"], pointer: "/settings/zoneGroups/campus" } }]);
    expect(viewOf("zhenzi").tiers.map((t) => t.pointsRate)).toEqual([null, null]);
  });
});

describe("renameForNumber", () => {
  it("keeps a rule's name saying what its number is", () => {
    expect(renameForNumber({ zh: "银卡正价商品9.5折", en: "Silver: 5 % off full-price goods" }, "percent", 5, 8)).toEqual({ zh: "银卡正价商品9.2折", en: "Silver: 8 % off full-price goods" });
    expect(renameForNumber({ zh: "银卡日常购物1.5倍积分", en: "Silver: 1.5 point(s) per yuan" }, "perYuan", 1.5, 2)).toEqual({ zh: "银卡日常购物2倍积分", en: "Silver: 2 point(s) per yuan" });
    expect(renameForNumber({ zh: "累计消费满10000元晋升银卡", en: "at 10000 yuan" }, "yuan", 10000, 8000)).toEqual({ zh: "累计消费满8000元晋升银卡", en: "at 8000 yuan" });
    expect(renameForNumber({ zh: "自定义", en: "custom" }, "percent", 5, 8)).toEqual({ zh: "自定义", en: "custom" });
    expect(renameForNumber({ zh: "充值满3000元赠积分3000分", en: "Recharge 3,000 yuan or more: 3,000 bonus points" }, "points", 3000, 3500)).toEqual({ zh: "充值满3000元赠积分3500分", en: "Recharge 3,000 yuan or more: 3,500 bonus points" });
    expect(renameForNumber({ zh: "奖励积分20000分", en: "Year-end reward: 20,000 points" }, "points", 20000, 25000)).toEqual({ zh: "奖励积分25000分", en: "Year-end reward: 25,000 points" });
  });
});

describe("newDiscountRule", () => {
  it("copies the column's rule for a tier that has none, with its own id and name", () => {
    const rule = newDiscountRule(beiguoDocument(), { id: "guest", name: { zh: "VIP贵宾卡", en: "VIP guest card" } }, "fullPrice", 2)!;
    expect(rule).toMatchObject({ id: "guest-full-price", scope: "line", name: { zh: "VIP贵宾卡正价商品9.8折" }, event: { type: "line-discount", params: { percent: 2 } } });
    expect(rule.conditions).toEqual({ all: [{ fact: "memberTier", operator: "equal", value: "guest" }, { condition: "full-price-goods" }] });
  });
});
