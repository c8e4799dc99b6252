/**
 * The simulation section: 1,000,000 synthetic receipts (120,000 calibrated card holders) replayed
 * through one and then two versions (v1 and the silver-8 % example), receipts per second per
 * version, peak memory, and the replay's decisions checked against the reference evaluator.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compilePolicy, createReferencePolicy, parsePolicy, SyntheticHistory, simulateSync, type CompiledPolicy, type Decision, type SaleInput } from "../engine/src/index";
import { collectGarbage } from "./heap";
import type { SectionResult } from "./section";

const RECEIPTS = 1_000_000;
const MEMBERS = 120_000;
const SAMPLE = 2_000;
const SAMPLE_EVERY = 50;

function load(path: string): CompiledPolicy {
  const parsed = parsePolicy(JSON.parse(readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), "utf8")));
  if (!parsed.ok) throw new Error(`${path}: ${JSON.stringify(parsed.diagnostics)}`);
  return compilePolicy(parsed.value);
}

const history = () => new SyntheticHistory({ members: MEMBERS, seed: 1, days: 730, maxSales: RECEIPTS });

interface Pass {
  seconds: number;
  cpuSeconds: number;
  rssMb: number;
  heapMb: number;
  sales: number;
}

/** Runs `body` with a timer and a memory watch (sampled by the replay's progress reports). */
function measure(body: (watch: () => void) => number): Pass {
  collectGarbage();
  let rss = 0;
  let heap = 0;
  const watch = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const sales = body(watch);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  watch();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, rssMb: rss / 1024 ** 2, heapMb: heap / 1024 ** 2, sales };
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Every field of a decision but its trace, which the lean evaluator keeps short. */
function withoutTrace(decision: Decision): string {
  return JSON.stringify({ ...decision, trace: undefined });
}

/** Runs the simulation section. */
export async function run(): Promise<SectionResult> {
  const baseline = load("policies/beiguo/v1.json");
  const draft = load("policies/beiguo/examples/silver-8-percent.json");
  const reference = createReferencePolicy(baseline.policy);

  // The generator alone, so that its cost can be taken out of the replay's.
  const generation = measure((watch) => {
    let sales = 0;
    for (const event of history()) if (event.kind === "sale" && ++sales % 50_000 === 0) watch();
    return sales;
  });
  const one = measure((watch) => simulateSync(history(), { draft: baseline, onProgress: watch }).draft.receipts.sales);
  const two = measure((watch) => simulateSync(history(), { draft, baseline, onProgress: watch }).draft.receipts.sales);
  const perVersion = (pass: Pass, versions: number) => (pass.sales * versions) / Math.max(pass.seconds - generation.seconds, 1e-9);
  const perVersionCpu = (pass: Pass, versions: number) => (pass.sales * versions) / Math.max(pass.cpuSeconds - generation.cpuSeconds, 1e-9);

  // What the replay decided, on a sample of its own inputs (members as the replay had them), against json-rules-engine.
  const samples: { input: SaleInput; lean: Decision }[] = [];
  let calls = 0;
  const sampling: CompiledPolicy = {
    ...baseline,
    decideLean: (input) => {
      const decision = baseline.decideLean(input);
      if (++calls % SAMPLE_EVERY === 0 && samples.length < SAMPLE) samples.push({ input, lean: decision });
      return decision;
    },
  };
  simulateSync(new SyntheticHistory({ members: MEMBERS, seed: 1, days: 730, maxSales: SAMPLE * SAMPLE_EVERY }), { draft: sampling });
  let identical = 0;
  let leanIdentical = 0;
  for (const { input, lean } of samples) {
    const expected = await reference.decide(input);
    if (JSON.stringify(baseline.decide(input)) === JSON.stringify(expected)) identical++;
    if (withoutTrace(lean) === withoutTrace(expected)) leanIdentical++;
  }
  const members = samples.filter((s) => s.input.member !== null).length;

  return {
    section: "simulate",
    figures: [
      { name: "receipts replayed", value: two.sales, unit: "receipts", note: `synthetic, ${MEMBERS.toLocaleString("en")} calibrated card holders, seed 1, plus their opening and return events` },
      { name: "replay, one version", value: round(perVersion(one, 1)), unit: "receipts/s", note: `v1 alone; wall clock less the generator's ${round(generation.seconds, 1)} s; ${round(perVersionCpu(one, 1))} by CPU time` },
      { name: "replay, two versions", value: round(perVersion(two, 2)), unit: "receipts/s per version", note: `v1 and silver-8 % side by side, with the receipt-by-receipt diff; ${round(perVersionCpu(two, 2))} by CPU time` },
      { name: "generator", value: round(generation.sales / generation.seconds), unit: "receipts/s", note: "SyntheticHistory alone" },
      { name: "peak RSS, two versions", value: round(two.rssMb), unit: "MB", note: "sampled every 50,000 events; per-member state and a 90-day return window" },
      { name: "peak heap used, two versions", value: round(two.heapMb), unit: "MB", note: "" },
      { name: "identical to the reference", value: identical, unit: `of ${samples.length} decisions`, note: `every ${SAMPLE_EVERY}th decision of the replay (${members} of members), full trace, against json-rules-engine` },
      { name: "lean decisions identical", value: leanIdentical, unit: `of ${samples.length} decisions`, note: "the replay's own lean-trace decisions, every field but the trace" },
    ],
  };
}
