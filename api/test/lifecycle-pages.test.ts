/**
 * A lifecycle run reads members a page at a time and decides the lifecycle rules on that read
 * first: with pages of two, every one of five members is still visited exactly once, each year
 * closed once, every status change made, and a repeated run changes nothing.
 */
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lifecycleSteps } from "../src/db/schema";
import { LifecycleService } from "../src/services/lifecycle";
import { createTestApp, drivers, type TestApp } from "./harness";
import { enrolAt, getMember } from "./pos";

describe.each(drivers)("lifecycle runs in pages on %s", (driver) => {
  let t: TestApp;
  let lifecycle: LifecycleService;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp(driver, { start: "2026-01-10T12:00:00+08:00" });
    for (let i = 0; i < 5; i++) ids.push(await enrolAt(t, "guest", "2026-01-10"));
    lifecycle = new LifecycleService({ db: t.services.db, registry: t.services.registry, log: t.services.log, pageSize: 2 });
  });
  afterAll(async () => t?.close());

  const closedYears = async () => {
    const rows = await t.services.db.select({ memberId: lifecycleSteps.memberId, period: lifecycleSteps.period }).from(lifecycleSteps).where(eq(lifecycleSteps.step, "year-end")).orderBy(asc(lifecycleSteps.memberId), asc(lifecycleSteps.period));
    return rows.map((row) => `${row.memberId} ${row.period}`).sort();
  };

  it("closes the year of every member, on every page, once", async () => {
    const result = await lifecycle.run("2027-01-01T00:00:00+08:00", null);
    expect(result.yearEnds.years).toEqual([2026]);
    expect(await closedYears()).toEqual([...ids].sort().map((id) => `${id} 2026`));
    expect((await lifecycle.run("2027-01-01T00:00:00+08:00", null)).yearEnds.years).toEqual([]);
    expect(await closedYears()).toHaveLength(5);
  });

  it("makes every silent member dormant, on every page, and then nothing more", async () => {
    // Enrolled 2026-01-10 with no sale since: 12 months silent by 2027-01-11 (programs.md §3).
    const result = await lifecycle.run("2027-02-01T00:00:00+08:00", null);
    expect(result.lifecycle).toMatchObject({ members: 5, statusChanged: { dormant: 5 } });
    for (const id of ids) expect((await getMember(t, id)).status, id).toBe("dormant");
    expect((await lifecycle.run("2027-02-01T00:00:00+08:00", null)).lifecycle).toMatchObject({ members: 0, statusChanged: {} });
  });
});
