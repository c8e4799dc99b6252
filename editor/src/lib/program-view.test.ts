import { describe, expect, it } from "vitest";
import { beiguoDocument } from "../test/factories";
import { valueAt } from "./json-text";
import { describeProgram, newDiscountRule, renameForNumber } from "./program-view";

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
    expect(view.benefits.map((b) => [b.ruleId, b.tier, b.flags.value.length])).toEqual([
      ["benefits-every-tier", null, 6],
      ["benefits-diamond", "diamond", 5],
    ]);
    expect(view.settings.valueFen?.value).toBe(10);
  });

  it("shows what it can of a broken document", () => {
    expect(describeProgram({ tiers: [{ id: "a" }], rules: "no" }).tiers.map((t) => t.id)).toEqual(["a"]);
    expect(describeProgram(null).tiers).toEqual([]);
  });
});

describe("renameForNumber", () => {
  it("keeps a rule's name saying what its number is", () => {
    expect(renameForNumber({ zh: "银卡正价商品9.5折", en: "Silver: 5 % off full-price goods" }, "percent", 5, 8)).toEqual({ zh: "银卡正价商品9.2折", en: "Silver: 8 % off full-price goods" });
    expect(renameForNumber({ zh: "银卡日常购物1.5倍积分", en: "Silver: 1.5 point(s) per yuan" }, "perYuan", 1.5, 2)).toEqual({ zh: "银卡日常购物2倍积分", en: "Silver: 2 point(s) per yuan" });
    expect(renameForNumber({ zh: "累计消费满10000元晋升银卡", en: "at 10000 yuan" }, "yuan", 10000, 8000)).toEqual({ zh: "累计消费满8000元晋升银卡", en: "at 8000 yuan" });
    expect(renameForNumber({ zh: "自定义", en: "custom" }, "percent", 5, 8)).toEqual({ zh: "自定义", en: "custom" });
  });
});

describe("newDiscountRule", () => {
  it("copies the column's rule for a tier that has none, with its own id and name", () => {
    const rule = newDiscountRule(beiguoDocument(), { id: "guest", name: { zh: "VIP贵宾卡", en: "VIP guest card" } }, "fullPrice", 2)!;
    expect(rule).toMatchObject({ id: "guest-full-price", scope: "line", name: { zh: "VIP贵宾卡正价商品9.8折" }, event: { type: "line-discount", params: { percent: 2 } } });
    expect(rule.conditions).toEqual({ all: [{ fact: "memberTier", operator: "equal", value: "guest" }, { condition: "full-price-goods" }] });
  });
});
