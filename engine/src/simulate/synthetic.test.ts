import { describe, expect, it } from "vitest";
import { receiptSchema } from "../receipt";
import type { HistoryEvent } from "./events";
import { SYNTHETIC_TARGETS, SyntheticHistory } from "./synthetic";

function take(history: SyntheticHistory, n: number): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const event of history) {
    out.push(event);
    if (out.length === n) break;
  }
  return out;
}

describe("the synthetic history", () => {
  it("meets every calibration target at a small scale (4,000 card holders, two years)", () => {
    const history = new SyntheticHistory({ members: 4_000, seed: 11, days: 730 });
    for (const _ of history) void _;
    const { figures } = history.calibration();
    const byName = Object.fromEntries(figures.map((f) => [f.name, f]));
    const figure = (start: string) => figures.find((f) => f.name.startsWith(start))!;
    expect(Object.keys(byName)).toHaveLength(6);
    expect(figure("card holders").achieved).toBe(4_000);
    expect(figure("share of member sales").achieved).toBeGreaterThan(SYNTHETIC_TARGETS.top20Share - 0.04);
    expect(figure("share of member sales").achieved).toBeLessThan(SYNTHETIC_TARGETS.top20Share + 0.04);
    expect(figure("share of all sales").achieved).toBeGreaterThan(SYNTHETIC_TARGETS.cardHolderShare - 0.04);
    expect(figure("share of all sales").achieved).toBeLessThan(SYNTHETIC_TARGETS.cardHolderShare + 0.04);
    const big = figure("members spending");
    expect(big.target).toBe(100);
    expect(big.achieved).toBeGreaterThan(big.target * 0.75);
    expect(big.achieved).toBeLessThan(big.target * 1.25);
    expect(figure("top member").achieved).toBeGreaterThan(SYNTHETIC_TARGETS.topSpenderYuan);
    const silent = figure("cards with no spend");
    expect(silent.achieved).toBeGreaterThan(silent.target * 0.75);
    expect(silent.achieved).toBeLessThan(silent.target * 1.25);
  });

  it("is deterministic by seed, opens every card first, and keeps time order with valid receipts", () => {
    const a = take(new SyntheticHistory({ members: 200, seed: 5, days: 60 }), 3_000);
    const b = take(new SyntheticHistory({ members: 200, seed: 5, days: 60 }), 3_000);
    const c = take(new SyntheticHistory({ members: 200, seed: 6, days: 60 }), 3_000);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.slice(0, 200).every((e) => e.kind === "open")).toBe(true);
    let previous = "";
    for (const event of a.slice(200)) {
      const at = event.kind === "sale" ? event.receipt.at : event.kind === "return" ? event.at : "";
      expect(at >= previous).toBe(true);
      previous = at;
      if (event.kind === "sale") expect(receiptSchema.safeParse(event.receipt).success).toBe(true);
    }
    expect(a.some((e) => e.kind === "return")).toBe(true);
    expect(a.some((e) => e.kind === "sale" && e.customerId === null)).toBe(true);
  });

  it("stops after maxSales", () => {
    const events = [...new SyntheticHistory({ members: 100, seed: 1, days: 365, maxSales: 500 })];
    expect(events.filter((e) => e.kind === "sale")).toHaveLength(500);
  });
});
