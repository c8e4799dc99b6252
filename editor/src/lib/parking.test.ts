import { describe, expect, it } from "vitest";
import { parkingTable } from "./parking";

describe("parkingTable", () => {
  it("shows the Beiguo formula at each threshold and one fen below it, up to the cap", () => {
    const rows = parkingTable({ minSpend: 20_000, baseHours: 2, stepFrom: 40_000, stepSpend: 20_000, stepHours: 1, maxHours: 6 });
    expect(rows.map((r) => [r.spend / 100, r.hours])).toEqual([
      [0, 0],
      [199.99, 0],
      [200, 2],
      [599.99, 2],
      [600, 3],
      [799.99, 3],
      [800, 4],
      [999.99, 4],
      [1000, 5],
      [1199.99, 5],
      [1200, 6],
      [1400, 6],
    ]);
  });

  it("stops at once when the base hours already reach the cap", () => {
    const rows = parkingTable({ minSpend: 10_000, baseHours: 3, stepFrom: 10_000, stepSpend: 10_000, stepHours: 1, maxHours: 3 });
    expect(rows.map((r) => r.hours)).toEqual([0, 0, 3, 3, 3, 3]);
  });
});
