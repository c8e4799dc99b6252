import { describe, expect, it } from "vitest";
import { parsePolicy, type Policy } from "../../../engine/src/index";
import { beiguoCases, beiguoDocument } from "../test/factories";
import { acceptResults, runCases } from "./cases";

function policy(change: (doc: any) => void = () => {}): Policy {
  const doc = beiguoDocument() as any;
  change(doc);
  const parsed = parsePolicy(doc);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  return parsed.value;
}

describe("runCases and acceptResults", () => {
  it("passes every shipped case on the shipped program", () => {
    const run = runCases(policy(), beiguoCases());
    expect(run.error).toBeNull();
    expect(run.total).toBeGreaterThan(20);
    expect(run.failed).toEqual([]);
  });

  it("reports the cases a change breaks, and accepting their results makes them pass without touching the others", () => {
    const changed = policy((doc) => (doc.rules.find((r: any) => r.id === "silver-full-price").event.params.percent = 8));
    const cases = beiguoCases();
    const run = runCases(changed, cases);
    expect(run.failed.length).toBeGreaterThan(0);
    const silver = run.failed.flatMap((f) => f.mismatches).find((m) => m.path === "lines.0.discount" && m.expected === 500);
    expect(silver).toMatchObject({ expected: 500, actual: 800 });

    const accepted = acceptResults(cases, run.failed);
    expect(runCases(changed, accepted).failed).toEqual([]);
    const untouched = cases.filter((c: any) => !run.failed.some((f) => f.name === c.name));
    for (const c of untouched) expect(accepted).toContainEqual(c);
  });

  it("accepts only the named cases when asked", () => {
    const changed = policy((doc) => (doc.rules.find((r: any) => r.id === "silver-full-price").event.params.percent = 8));
    const cases = beiguoCases();
    const failed = runCases(changed, cases).failed;
    const accepted = acceptResults(cases, failed, [failed[0]!.name]);
    expect(runCases(changed, accepted).failed.map((f) => f.name)).toEqual(failed.slice(1).map((f) => f.name));
  });

  it("says why malformed cases cannot run", () => {
    expect(runCases(policy(), [{ name: "x" }]).error).toMatch(/bad cases/);
  });
});
