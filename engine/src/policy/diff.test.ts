import { describe, expect, it } from "vitest";
import { loadShippedPolicy } from "../../test/factories";
import { diffPolicies } from "./diff";
import type { Policy } from "./schema";

function changed(edit: (p: Policy) => void): Policy {
  const copy = structuredClone(loadShippedPolicy("beiguo"));
  copy.version += 1;
  edit(copy);
  return copy;
}

describe("diffPolicies", () => {
  const base = loadShippedPolicy("beiguo");

  it("finds nothing between a version and itself", () => {
    expect(diffPolicies(base, base)).toEqual([]);
  });

  it("says a discount cell changed, in the marketer's words, with the pointer to the number", () => {
    const next = changed((p) => {
      const rule = p.rules.find((r) => r.id === "silver-full-price")!;
      if (rule.event.type === "line-discount") rule.event.params.percent = 8;
    });
    const index = next.rules.findIndex((r) => r.id === "silver-full-price");
    expect(diffPolicies(base, next)).toEqual([
      expect.objectContaining({ kind: "changed", subject: "rule", id: "silver-full-price", path: `/rules/${index}/event/params/percent`, before: 5, after: 8, message: { zh: expect.stringContaining("5 % → 8 %"), en: expect.stringContaining("discount 5 % → 8 %") } }),
    ]);
  });

  it("shows the parking cap in hours", () => {
    const next = changed((p) => {
      const rule = p.rules.find((r) => r.id === "parking")!;
      if (rule.event.type === "parking-hours") rule.event.params.maxHours = 8;
    });
    const [change] = diffPolicies(base, next);
    expect(change?.message.en).toContain("parking cap 6 h → 8 h");
    expect(change?.message.zh).toContain("停车上限 6小时 → 8小时");
  });

  it("names a brand added to the excluded list of a shared condition", () => {
    const next = changed((p) => {
      const all = (p.conditions["full-price-goods"] as { all: { fact: string; value: unknown }[] }).all;
      const brands = all.find((c) => c.fact === "lineBrand")!;
      brands.value = [...(brands.value as string[]), "Gucci"];
    });
    const [change] = diffPolicies(base, next);
    expect(change).toMatchObject({ subject: "condition", id: "full-price-goods", path: "/conditions/full-price-goods/all/2/value" });
    expect(change?.message.en).toContain('"Gucci" added to exclusions');
  });

  it("lists rules added and removed, and thresholds in yuan", () => {
    const next = changed((p) => {
      p.rules = p.rules.filter((r) => r.id !== "points-member-day");
      const upgrade = p.rules.find((r) => r.id === "upgrade-silver")!;
      if (upgrade.event.type === "tier-upgrade") upgrade.event.params.minCycleSpend = 800_000;
      p.rules.push({ ...structuredClone(p.rules[0]!), id: "new-rule" });
    });
    const changes = diffPolicies(base, next);
    expect(changes.map((c) => `${c.kind}:${c.id}`).sort()).toEqual(["added:new-rule", "changed:upgrade-silver", "removed:points-member-day"]);
    expect(changes.find((c) => c.id === "upgrade-silver")?.message.en).toContain("10,000 yuan → 8,000 yuan");
  });

  it("reports settings changes such as the member days", () => {
    const next = changed((p) => {
      p.settings.memberDays.daysOfMonth = [8, 18];
    });
    expect(diffPolicies(base, next)).toEqual([expect.objectContaining({ subject: "setting", path: "/settings/memberDays/daysOfMonth", message: expect.objectContaining({ en: "setting memberDays.daysOfMonth: 18 added" }) })]);
  });
});
