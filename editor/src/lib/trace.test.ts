import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicy, receiptSchema } from "../../../engine/src/index";
import { beiguoDocument } from "../test/factories";
import { Locale } from "./i18n.svelte";
import { conditionText, failedConditions, formatValue, tierNamesOf } from "./trace";

describe("reading a trace", () => {
  const doc = beiguoDocument();
  const parsed = parsePolicy(doc);
  if (!parsed.ok) throw new Error("invalid");
  const decision = compilePolicy(parsed.value).decide({
    receipt: receiptSchema.parse({ storeId: "s", at: "2026-11-22T14:05:00+08:00", lines: [{ lineId: "1", sku: "a", styleId: "a", department: "department_store", brand: "Rolex", quantity: 1, unitPrice: 100_000 }] }),
    member: { id: "m", tier: "silver", status: "active", supreme: false, issuedOn: "2026-01-05", cycleStart: "2026-01-05", cycleSpend: 0, profile: { student: false, studentOfficer: false }, plan: null, referred: false },
  });

  it("names the condition that kept a rule from firing, with the fact's actual value", () => {
    const entry = decision.trace.find((e) => e.rule === "silver-full-price")!;
    expect(entry.fired).toBe(false);
    const failed = failedConditions(doc, entry);
    expect(failed).toEqual([{ pointer: "/conditions/full-price-goods/all/2", fact: "lineBrand", operator: "notIn", value: ["Apple", "Chanel", "Hermès", "Louis Vuitton", "Rolex"], actual: "Rolex" }]);
    const zh = new Locale("zh");
    expect(conditionText(zh, failed[0]!)).toBe("商品品牌 不属于 Apple、Chanel、Hermès、Louis Vuitton、Rolex");
    expect(conditionText(new Locale("en"), failed[0]!)).toBe("line brand is none of Apple, Chanel, Hermès, Louis Vuitton, Rolex");
  });

  it("shows money in yuan and ids by name", () => {
    const zh = new Locale("zh");
    expect(formatValue(zh, "receiptPayable", 1_234_50)).toBe("¥1,234.50");
    expect(formatValue(zh, "lineDepartment", "dining")).toBe("餐饮");
    expect(formatValue(zh, "memberTier", null)).toBe("空");
    const names = tierNamesOf(zh, doc);
    expect(conditionText(zh, { fact: "memberTier", operator: "in", value: ["guest", "silver"] }, names)).toBe("会员等级 属于 VIP贵宾卡、VIP银卡");
    expect(names("gold")).toBe("gold");
  });
});
