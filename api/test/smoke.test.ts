import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, drivers, type TestApp } from "./harness";

describe.each(drivers)("service on %s", (driver) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp(driver);
  });
  afterEach(async () => t.close());

  it("quotes a receipt for an anonymous customer without discount", async () => {
    const res = await t.request("POST", "/v1/decisions", { role: "pos", body: { storeId: "s", at: "2026-11-22T14:05:00+08:00", lines: [{ lineId: "1", sku: "a", styleId: "x", department: "department_store", quantity: 1, unitPrice: 129900 }] } });
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ gross: 129900, discount: 0, payable: 129900, qualifyingSpend: 129900 });
  });
});
