import { describe, expect, it } from "vitest";
import lintSource from "../../../engine/src/policy/lint.ts?raw";
import { effectSchema, parsePolicy, ruleScopeSchema } from "../../../engine/src/index";
import { programDocument } from "../test/factories";
import { Locale } from "./i18n.svelte";
import { diagnosticTerms } from "./messages";
import { hoverDocs } from "./monaco";

/** The Chinese messages of a document's diagnostics with one code. */
function messagesOf(document: Record<string, unknown>, code: string): string[] {
  const locale = new Locale("zh");
  return (parsePolicy(document).diagnostics ?? []).filter((d) => d.code === code).map((d) => locale.diagnostic(d));
}

type Rule = { scope: string; event: { type: string; params: Record<string, unknown> }; conditions: { all: unknown[] } };
const rulesOf = (document: Record<string, unknown>) => document.rules as Rule[];

describe("Locale", () => {
  const zh = new Locale("zh");
  const en = new Locale("en");

  it("names every rule scope and effect type in both languages", () => {
    expect(ruleScopeSchema.options.filter((s) => zh.scope(s) === s || !en.scope(s))).toEqual([]);
    expect([zh.scope("year-end"), zh.scope("lifecycle"), zh.scope("recharge"), zh.scope("redemption")]).toEqual(["年底评定", "会员规约", "充值", "积分兑换"]);
    expect(en.scope("year-end")).toBe("year end");
    const types = effectSchema.options.map((o) => o.shape.type.value);
    expect(types.filter((t) => zh.effect(t) === t || en.effect(t) === "")).toEqual([]);
    expect(["bonus-points", "bonus-credit", "stored-value-plan", "gift-price"].map((t) => zh.effect(t))).toEqual(["奖励积分", "充值赠送", "充值方案", "至尊兑换价"]);
  });

  it("has a Chinese message for every code the engine's lint reports", () => {
    const codes = [...new Set([...lintSource.matchAll(/\b(?:error|warning)\("([a-z_]+)"/g)].map((m) => m[1]!))];
    expect(codes).toEqual(expect.arrayContaining(["unknown_gift", "reserved_name"]));
    expect(codes.filter((code) => !(code in diagnosticTerms))).toEqual([]);
  });

  it("says in Chinese which gift is unknown and which zone-group name is reserved", () => {
    const beiguo = programDocument("beiguo");
    rulesOf(beiguo)[28]!.event.params.gift = "kettle";
    expect(messagesOf(beiguo, "unknown_gift")).toEqual(["“kettle”不是礼品目录(gifts)中的礼品"]);
    const campus = programDocument("campus");
    (campus.settings as { zoneGroups: Record<string, string[]> }).zoneGroups.outside = ["sports"];
    expect(messagesOf(campus, "reserved_name")).toEqual(["区域组不能命名为“outside”:它表示不属于任何区域组的商品行"]);
  });

  it("names scopes and effects in Chinese in scope diagnostics", () => {
    const netcafe = programDocument("netcafe");
    rulesOf(netcafe)[3]!.scope = "line";
    expect(messagesOf(netcafe, "effect_out_of_scope")).toEqual(["充值赠送效果不能用于此规则的作用范围,只能用于充值规则"]);
    const storedValue = programDocument("stored-value");
    rulesOf(storedValue)[1]!.conditions.all.push({ fact: "rechargeAmount", operator: "greaterThan", value: 0 });
    expect(messagesOf(storedValue, "fact_out_of_scope")).toEqual(["事实“rechargeAmount”不能用于商品行规则(只能用于充值规则)"]);
    rulesOf(storedValue)[8]!.conditions.all = [];
    expect(messagesOf(storedValue, "conflicting_effects")).toEqual(["规则“recharge-3000-plan”和“recharge-5000-plan”可能同时触发,但充值方案只有一条生效"]);
  });
});

describe("hoverDocs", () => {
  it("names a rule's scope and effect type, and documents facts with their scopes", () => {
    expect(hoverDocs('  "scope": "year-end",', "year-end", "zh")).toBe("**year-end** · 年底评定");
    expect(hoverDocs('    "type": "bonus-points",', "bonus-points", "en")).toBe("**bonus-points** · bonus points");
    expect(hoverDocs('  "id": "year-end",', "year-end", "zh")).toBe("");
    expect(hoverDocs('"fact": "rechargeAmount"', "rechargeAmount", "zh")).toContain("作用范围 充值");
  });
});
