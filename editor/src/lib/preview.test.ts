import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicy } from "../../../engine/src/index";
import { beiguoDocument } from "../test/factories";
import { compareCosts, syntheticSales } from "./preview";

function compiled(change: (doc: any) => void = () => {}) {
  const doc = beiguoDocument() as any;
  change(doc);
  const parsed = parsePolicy(doc);
  if (!parsed.ok) throw new Error("invalid");
  return compilePolicy(parsed.value);
}

describe("the cost preview", () => {
  const sales = syntheticSales(["guest", "silver", "platinum", "diamond"]);

  it("is the same sample for the same tiers and seed", () => {
    expect(syntheticSales(["guest", "silver", "platinum", "diamond"])).toEqual(sales);
    expect(sales).toHaveLength(300);
    expect(new Set(sales.map((s) => s.member?.tier ?? null))).toEqual(new Set([null, "guest", "silver", "platinum", "diamond"]));
  });

  it("shows no change for the same program", () => {
    const c = compareCosts(compiled(), compiled(), sales);
    expect(c.delta).toEqual({ receipts: 0, discount: 0, points: 0, pointsLiability: 0, parkingHours: 0, upgrades: 0, errors: 0 });
    expect(c.baseline.discount).toBeGreaterThan(0);
    expect(c.baseline.errors).toBe(0);
  });

  it("shows a higher silver discount as discount cost, and fewer points (they are earned on the payable)", () => {
    const c = compareCosts(compiled(), compiled((doc) => (doc.rules.find((r: any) => r.id === "silver-full-price").event.params.percent = 8)), sales);
    expect(c.delta.discount).toBeGreaterThan(0);
    expect(c.delta.points).toBeLessThan(0);
    expect(c.delta.pointsLiability).toBe(c.delta.points * 10);
  });
});
