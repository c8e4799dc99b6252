/**
 * A lifecycle run reads members a page at a time and decides the lifecycle rules on that read
 * first: with pages of two, every one of five members is still visited exactly once, each year
 * closed once, every status change made, and a repeated run changes nothing. The rules of a
 * member whose year end was just closed see what that year end changed.
 */
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy, type Policy } from "../../engine/src/index";
import { loadShippedPolicy } from "../../engine/test/factories";
import { lifecycleSteps } from "../src/db/schema";
import { LifecycleService } from "../src/services/lifecycle";
import type { PolicyRegistry } from "../src/services/policies";
import { createTestApp, drivers, type TestApp } from "./harness";
import { enrolAt, getLedger, getMember } from "./pos";

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

describe.each(drivers)("a lifecycle run after a year end that changed the member, on %s", (driver) => {
  let t: TestApp;
  afterAll(async () => t?.close());

  it("decides the hygiene rules on the state the year end left, not on the page's read", async () => {
    t = await createTestApp(driver, { start: "2026-01-10T12:00:00+08:00" });
    const id = await enrolAt(t, "guest", "2026-01-10");
    // Beiguo v1 with one more year-end rule, as a marketer may write: every card turns dormant at the year end.
    const beiguo = loadShippedPolicy("beiguo");
    const policy: Policy = { ...beiguo, rules: [...beiguo.rules, { id: "year-end-dormant", name: { zh: "年底转为睡眠卡", en: "Dormant at the year end" }, scope: "year-end", conditions: { all: [{ fact: "memberStatus", operator: "equal", value: "active" }] }, event: { type: "member-status", params: { status: "dormant" } } }] };
    const compiled = compilePolicy(policy);
    const registry = { inForce: (programId: string, atMs: number) => ({ ...t.services.registry.inForce(programId, atMs), compiled }) } as unknown as PolicyRegistry;
    const lifecycle = new LifecycleService({ db: t.services.db, registry, log: t.services.log });

    // 2027-01-02: the year end makes the card dormant; the card spent within 12 months, so the
    // hygiene rule reactivate-dormant then wakes it. Read before the year end, it was active and
    // nothing would have been due.
    const result = await lifecycle.run("2027-01-02T00:00:00+08:00", null);
    expect(result.yearEnds).toMatchObject({ years: [2026], statusChanged: { dormant: 1 } });
    expect(result.lifecycle).toMatchObject({ members: 1, statusChanged: { active: 1 } });
    expect((await getMember(t, id)).status).toBe("active");
    const changes = (await getLedger(t, id)).filter((e) => e.kind === "status_changed").map((e) => [e.rule, e.detail.to]);
    expect(changes).toEqual([["year-end-dormant", "dormant"], ["reactivate-dormant", "active"]]);
  });
});
