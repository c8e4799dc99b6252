/**
 * The engine section: µs per sale decision for the compiled and the reference evaluator on the
 * same generated receipts, and whether they decide identically.
 */
import { compilePolicy, createReferencePolicy, type Decision, type SaleInput } from "../engine/src/index";
import { loadShippedPolicy } from "../engine/test/factories";
import { generateSales } from "./generate";
import { collectGarbage, heapUsedMb } from "./heap";
import type { SectionResult } from "./section";

const RECEIPTS = 100_000;
const REFERENCE_TIMED = 5_000;
const COMPILED_ROUNDS = 5;

/** Something every decision feeds, so that no work can be optimised away. */
function digest(decision: Decision): number {
  return decision.totals.payable + decision.points.earned + decision.trace.length;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs the engine section. */
export async function run(): Promise<SectionResult> {
  const policy = loadShippedPolicy("beiguo");
  const compiled = compilePolicy(policy);
  const reference = createReferencePolicy(policy);
  // Parsed once up front: schema validation is the API's cost, not the engine's.
  const sales: SaleInput[] = generateSales(RECEIPTS);
  const lineCount = sales.reduce((n, sale) => n + sale.receipt.lines.length, 0);
  let sink = 0;

  collectGarbage();
  const heapBefore = heapUsedMb();

  // Warm-up: two passes, so the hot path is optimised before any timing.
  for (let pass = 0; pass < 2; pass++) for (const sale of sales) sink += digest(compiled.decide(sale));
  const rounds: number[] = [];
  let heapPeak = 0;
  for (let round = 0; round < COMPILED_ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < sales.length; i++) sink += digest(compiled.decide(sales[i]!));
    rounds.push(((performance.now() - start) * 1000) / sales.length);
    heapPeak = Math.max(heapPeak, heapUsedMb());
  }
  collectGarbage();
  const heapAfterCompiled = heapUsedMb();

  const timed = sales.slice(0, REFERENCE_TIMED);
  for (let i = 0; i < 500; i++) sink += digest(await reference.decide(timed[i]!));
  const refStart = performance.now();
  for (const sale of timed) sink += digest(await reference.decide(sale));
  const referenceUs = ((performance.now() - refStart) * 1000) / timed.length;

  // Identity on every receipt: the compiled evaluator must mean exactly what json-rules-engine means.
  let identical = 0;
  let firstMismatch: string | undefined;
  const checkStart = performance.now();
  for (let i = 0; i < sales.length; i++) {
    const sale = sales[i]!;
    const a = JSON.stringify(compiled.decide(sale));
    const b = JSON.stringify(await reference.decide(sale));
    if (a === b) identical++;
    else firstMismatch ??= sale.receipt.receiptId ?? String(i);
  }
  const checkSeconds = (performance.now() - checkStart) / 1000;
  collectGarbage();
  const heapEnd = heapUsedMb();
  if (sink === -1) console.log(sink);

  const compiledUs = median(rounds);
  return {
    section: "engine",
    figures: [
      { name: "compiled decision", value: round(compiledUs, 2), unit: "µs/receipt", note: `median of ${COMPILED_ROUNDS} passes over ${RECEIPTS.toLocaleString("en")} receipts (${round(lineCount / RECEIPTS, 2)} lines avg), trace included; best ${round(Math.min(...rounds), 2)}` },
      { name: "compiled throughput", value: Math.round(1e6 / compiledUs), unit: "receipts/s", note: "one core" },
      { name: "reference decision", value: round(referenceUs, 1), unit: "µs/receipt", note: `json-rules-engine, awaited one at a time, first ${REFERENCE_TIMED.toLocaleString("en")} receipts` },
      { name: "reference / compiled", value: round(referenceUs / compiledUs, 1), unit: "×" },
      { name: "identical decisions", value: identical, unit: `of ${RECEIPTS.toLocaleString("en")}`, note: `JSON-equal decisions, compiled vs reference, checked in ${round(checkSeconds, 1)} s${firstMismatch ? `; first mismatch ${firstMismatch}` : ""}` },
      { name: "heap used, receipts loaded", value: heapBefore, unit: "MB", note: `${RECEIPTS.toLocaleString("en")} parsed receipts and members held in memory` },
      { name: "heap used, after compiled passes", value: heapAfterCompiled, unit: "MB", note: "after a full collection: nothing retained per decision" },
      { name: "heap used, peak seen while timing", value: heapPeak, unit: "MB", note: "sampled after each pass, uncollected garbage included" },
      { name: "heap used, end of section", value: heapEnd, unit: "MB" },
    ],
  };
}
