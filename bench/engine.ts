/**
 * The engine section: µs per sale decision for the compiled and the reference evaluator on the
 * same generated receipts, and whether the two decide identically.
 */
import { compilePolicy, createReferencePolicy, type Decision, type SaleInput } from "../engine/src/index";
import { loadShippedPolicy } from "../engine/test/factories";
import { generateSales } from "./generate";
import { collectGarbage, heapUsedMb } from "./heap";
import type { Figure, SectionResult } from "./section";

const RECEIPTS = 100_000;
const COMPILED_PASSES = 7;
// json-rules-engine costs about a millisecond a decision: timed on a subset, checked on all.
const REFERENCE_TIMED = Number(process.env.BENCH_REFERENCE_TIMED ?? 5_000);
const IDENTITY_CHECKED = Math.min(RECEIPTS, Number(process.env.BENCH_IDENTITY_CHECKED ?? RECEIPTS));

/** Something every decision feeds, so that no work can be optimised away. */
function digest(decision: Decision): number {
  return decision.totals.payable + decision.points.earned + decision.trace.length;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function count(n: number): string {
  return n.toLocaleString("en");
}

interface Pass {
  wallUs: number;
  cpuUs: number;
}

/** One timed pass of the compiled evaluator over every sale: wall-clock and CPU µs per decision. */
function timeCompiledPass(decide: (sale: SaleInput) => Decision, sales: readonly SaleInput[], sink: { value: number }): Pass {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < sales.length; i++) sink.value += digest(decide(sales[i]!));
  const wallUs = ((performance.now() - start) * 1000) / sales.length;
  const used = process.cpuUsage(cpu);
  return { wallUs, cpuUs: (used.user + used.system) / sales.length };
}

/** Runs the engine section. */
export async function run(): Promise<SectionResult> {
  const policy = loadShippedPolicy("beiguo");
  const compiled = compilePolicy(policy);
  const reference = createReferencePolicy(policy);
  // Parsed once up front: schema validation is the API's cost, not the engine's.
  const sales: SaleInput[] = generateSales(RECEIPTS);
  const lineCount = sales.reduce((n, sale) => n + sale.receipt.lines.length, 0);
  const members = sales.reduce((n, sale) => n + (sale.member ? 1 : 0), 0);
  const sink = { value: 0 };

  collectGarbage();
  const heapLoaded = heapUsedMb();

  // Two untimed passes first, so that every path is optimised before it is timed.
  for (let pass = 0; pass < 2; pass++) for (const sale of sales) sink.value += digest(compiled.decide(sale));
  const passes: Pass[] = [];
  let heapPeak = 0;
  for (let pass = 0; pass < COMPILED_PASSES; pass++) {
    passes.push(timeCompiledPass(compiled.decide, sales, sink));
    heapPeak = Math.max(heapPeak, heapUsedMb());
  }
  collectGarbage();
  const heapAfter = heapUsedMb();
  const wall = passes.map((p) => p.wallUs);
  const cpu = passes.map((p) => p.cpuUs);
  const compiledUs = median(wall);

  const timed = sales.slice(0, REFERENCE_TIMED);
  for (const sale of timed.slice(0, 200)) sink.value += digest(await reference.decide(sale));
  const referenceCpu = process.cpuUsage();
  const referenceStart = performance.now();
  for (const sale of timed) sink.value += digest(await reference.decide(sale));
  const referenceUs = ((performance.now() - referenceStart) * 1000) / timed.length;
  const referenceCpuUsed = process.cpuUsage(referenceCpu);
  const referenceCpuUs = (referenceCpuUsed.user + referenceCpuUsed.system) / timed.length;

  // The compiled evaluator must mean exactly what json-rules-engine means, trace included.
  let identical = 0;
  let firstMismatch: string | undefined;
  const checkStart = performance.now();
  for (let i = 0; i < IDENTITY_CHECKED; i++) {
    const sale = sales[i]!;
    const mine = JSON.stringify(compiled.decide(sale));
    const theirs = JSON.stringify(await reference.decide(sale));
    if (mine === theirs) identical++;
    else firstMismatch ??= sale.receipt.receiptId ?? String(i);
  }
  const checkSeconds = (performance.now() - checkStart) / 1000;
  if (sink.value === -1) console.log(sink.value);

  const figures: Figure[] = [
    {
      name: "compiled decision",
      value: round(compiledUs, 2),
      unit: "µs/receipt",
      note: `wall clock, median of ${COMPILED_PASSES} passes over ${count(RECEIPTS)} receipts (${round(lineCount / RECEIPTS, 2)} lines, ${Math.round((100 * members) / RECEIPTS)} % members), whole decision with its trace; fastest pass ${round(Math.min(...wall), 2)}`,
    },
    { name: "compiled decision, CPU time", value: round(median(cpu), 2), unit: "µs/receipt", note: `process CPU time (garbage collection included), median of the same passes; lowest ${round(Math.min(...cpu), 2)}` },
    { name: "compiled throughput", value: Math.round(1e6 / compiledUs), unit: "receipts/s", note: "one core, from the median pass" },
    { name: "reference decision", value: round(referenceUs, 1), unit: "µs/receipt", note: `json-rules-engine, awaited one at a time, on the first ${count(timed.length)} receipts; CPU time ${round(referenceCpuUs, 1)}` },
    { name: "reference / compiled", value: round(referenceUs / compiledUs, 0), unit: "×" },
    {
      name: "identical decisions",
      value: identical,
      unit: `of ${count(IDENTITY_CHECKED)}`,
      note: `JSON of the whole decision, trace included, compiled vs reference; checked in ${round(checkSeconds, 0)} s${firstMismatch ? `; first mismatch ${firstMismatch}` : ""}`,
    },
    { name: "heap used, receipts loaded", value: heapLoaded, unit: "MB", note: `${count(RECEIPTS)} parsed receipts and member snapshots held, after a full collection` },
    { name: "heap used, after compiled passes", value: heapAfter, unit: "MB", note: "after a full collection: decisions leave nothing behind" },
    { name: "heap used, peak while timing", value: heapPeak, unit: "MB", note: "sampled after each pass, garbage not yet collected included" },
  ];
  return { section: "engine", figures };
}
