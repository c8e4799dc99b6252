import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicy } from "../../../engine/src/index";
import { beiguoDocument, fakeApi } from "../test/factories";
import { ApiProblem, type SimulationJob, type SimulationRequest } from "./api";
import { SimulationState } from "./simulation.svelte";

function compiled(change: (doc: any) => void = () => {}) {
  const doc = beiguoDocument() as any;
  change(doc);
  const parsed = parsePolicy(doc);
  if (!parsed.ok) throw new Error("invalid");
  return compilePolicy(parsed.value);
}

const noSleep = () => Promise.resolve();

describe("SimulationState", () => {
  it("starts a job on the simulations API and follows its progress to the results", async () => {
    const requests: SimulationRequest[] = [];
    const result = {
      events: 10,
      draft: { receipts: { sales: 10 }, money: { discount: 900 }, points: { issued: 50, liabilityFen: 500 }, parking: { freeHours: 2, giftHours: 0 }, upgrades: { total: 1 }, lifecycle: { supremeGranted: 2, bonusPoints: 20_000, pointsForfeited: 0 }, costFen: 1400, tierByMonth: [{ month: "2026-01", counts: { guest: 3, silver: 1 } }] },
      baseline: { receipts: { sales: 10 }, money: { discount: 600 }, points: { issued: 55, liabilityFen: 550 }, parking: { freeHours: 2, giftHours: 0 }, upgrades: { total: 1 }, lifecycle: { supremeGranted: 1, bonusPoints: 0, pointsForfeited: 0 }, costFen: 1150, tierByMonth: [{ month: "2026-01", counts: { guest: 4 } }] },
      diff: { mostAffected: [{ customerId: "m_1", receipts: 3, discountFen: 300, pointsValueFen: -50, baselinePath: "guest", draftPath: "guest → silver" }] },
    };
    const jobs: SimulationJob[] = [
      { id: "sim_1", status: "queued", progress: {} },
      // Half of the 365 days of the synthetic year.
      { id: "sim_1", status: "running", progress: { events: 5, at: new Date(Date.parse("2026-01-01T00:00:00+08:00") + 182.5 * 86_400_000).toISOString() } },
      { id: "sim_1", status: "succeeded", progress: { events: 10 }, result },
    ];
    const progress: (number | null)[] = [];
    const sim = new SimulationState({ sleep: async () => void progress.push(sim.progress) });
    const api = fakeApi({ startSimulation: async (r) => (requests.push(r), { id: "sim_1" }), simulation: async () => jobs.shift()! });
    await sim.start({ api, programId: "beiguo", draftVersion: 2, draft: compiled(), baselineVersion: 1, baseline: compiled() });
    expect(requests).toEqual([{ programId: "beiguo", draftVersion: 2, baselineVersion: 1, source: "synthetic", synthetic: { members: 500, days: 365, start: "2026-01-01" } }]);
    expect(progress[0]).toBe(0);
    expect(progress[1]).toBeCloseTo(0.5, 2);
    expect(sim.events).toBe(10);
    expect(sim.status).toBe("done");
    expect(sim.fallback).toBe(false);
    const report = sim.report!;
    expect(report.computedBy).toBe("server");
    expect(report.tierByMonth).toEqual([{ month: "2026-01", draft: { guest: 3, silver: 1 }, baseline: { guest: 4 } }]);
    expect(report.metrics.find((m) => m.key === "discount")).toEqual({ key: "discount", unit: "fen", draft: 900, baseline: 600 });
    expect(report.metrics.filter((m) => ["supremeGranted", "bonusPoints"].includes(m.key))).toEqual([
      { key: "supremeGranted", unit: "count", draft: 2, baseline: 1 },
      { key: "bonusPoints", unit: "count", draft: 20_000, baseline: 0 },
    ]);
    expect(report.mostAffected[0]).toMatchObject({ memberId: "m_1", deltaFen: 250, draftPath: "guest → silver" });
  });

  it("cannot tell the share of a recorded replay, and cancels the server's job when stopped", async () => {
    const cancelled: string[] = [];
    const sim: SimulationState = new SimulationState({ sleep: async (): Promise<void> => sim.cancel() });
    sim.source = "recorded";
    const api = fakeApi({ startSimulation: async () => ({ id: "sim_2" }), simulation: async () => ({ id: "sim_2", status: "running", progress: { events: 42, at: "2026-03-01T10:00:00+08:00" } }), cancelSimulation: async (id) => (cancelled.push(id), { id, status: "cancelled" }) });
    await sim.start({ api, programId: "beiguo", draftVersion: 2, draft: null, baselineVersion: null, baseline: null });
    expect(sim.progress).toBeNull();
    expect(sim.status).toBe("cancelled");
    expect(cancelled).toEqual(["sim_2"]);
  });

  it("estimates in the browser when the simulations API is not there", async () => {
    const sim = new SimulationState({ sleep: noSleep });
    sim.members = 40;
    sim.months = 3;
    const api = fakeApi({ startSimulation: () => Promise.reject(new ApiProblem(404, "not_found", "no route POST /v1/simulations")) });
    await sim.start({ api, programId: "beiguo", draftVersion: 2, draft: compiled((doc) => (doc.rules.find((r: any) => r.id === "silver-full-price").event.params.percent = 8)), baselineVersion: 1, baseline: compiled() });
    expect(sim.status).toBe("done");
    expect(sim.fallback).toBe(true);
    const report = sim.report!;
    expect(report.computedBy).toBe("browser");
    expect(report.tierByMonth.map((m) => m.month)).toEqual(["2026-01", "2026-02", "2026-03"]);
    expect(Object.values(report.tierByMonth[0]!.draft).reduce((a, b) => a + b, 0)).toBe(40);
    const discount = report.metrics.find((m) => m.key === "discount")!;
    expect(discount.draft).toBeGreaterThan(discount.baseline!);
    expect(report.mostAffected.length).toBeGreaterThan(0);
  });

  it("reports a failed job and a refused start", async () => {
    const failed = new SimulationState({ sleep: noSleep });
    await failed.start({ api: fakeApi({ startSimulation: async () => ({ id: "s" }), simulation: async () => ({ id: "s", status: "failed", error: "boom" }) }), programId: "beiguo", draftVersion: 2, draft: null, baselineVersion: null, baseline: null });
    expect(failed.status).toBe("failed");
    expect(failed.problem?.detail).toBe("boom");
    const refused = new SimulationState({ sleep: noSleep });
    await refused.start({ api: fakeApi({ startSimulation: () => Promise.reject(new ApiProblem(403, "forbidden", "no")) }), programId: "beiguo", draftVersion: 2, draft: null, baselineVersion: null, baseline: null });
    expect(refused.status).toBe("failed");
    expect(refused.problem?.code).toBe("forbidden");
  });
});
