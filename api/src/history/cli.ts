/**
 * `npm run simulate`: replays a history through a draft and its baseline and prints the deltas.
 *
 *   npm run simulate -- --policy policies/beiguo/v1.json --draft policies/beiguo/examples/silver-8-percent.json \
 *     [--history ../shared/data/online-retail-invoices-2010-2011.csv | --synthetic 120000 --seed 1 [--days 730]] \
 *     [--from 2011-01-01T00:00:00+08:00] [--to 2012-01-01T00:00:00+08:00] \
 *     [--enrolment same-day-evidence|first-sale|explicit] [--return-window-days 90] [--json result.json]
 *
 * Without arguments it runs the documented real-year example (the defaults above). Progress goes to
 * stderr, the report to stdout.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { compilePolicy, parsePolicy, simulate, SyntheticHistory, type CompiledPolicy, type EnrolmentMode, type HistorySource, type SimulationResult, type VersionResult } from "../../../engine/src/index";
import { JsonLinesHistory } from "./jsonl";
import { OnlineRetailHistory, type ImportProgress } from "./online-retail";

const DEFAULTS = {
  policy: "policies/beiguo/v1.json",
  draft: "policies/beiguo/examples/silver-8-percent.json",
  history: "../shared/data/online-retail-invoices-2010-2011.csv",
};

function loadPolicy(path: string): CompiledPolicy {
  const parsed = parsePolicy(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.diagnostics.map((d) => `${d.path} ${d.message}`).join("; ")}`);
  return compilePolicy(parsed.value);
}

const yuan = (fen: number) => (fen / 100).toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (n: number) => n.toLocaleString("en");
const signed = (text: string, n: number) => (n > 0 ? `+${text}` : text);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

function figures(v: VersionResult): [string, number, (n: number) => string][] {
  return [
    ["sales (receipts)", v.receipts.sales, count],
    ["  by members", v.receipts.memberSales, count],
    ["returns replayed", v.receipts.returns, count],
    ["gross, yuan", v.money.gross, yuan],
    ["discount cost, yuan", v.money.discount, yuan],
    ["qualifying spend, yuan", v.money.qualifyingSpend, yuan],
    ["points issued", v.points.issued, count],
    ["points reversed", v.points.reversed, count],
    ["points expired", v.points.expired, count],
    ["points outstanding at the end", v.points.outstanding, count],
    ["points debt at the end", v.points.debt, count],
    ["points liability at the end, yuan", v.points.liabilityFen, yuan],
    ["cost (discount + points value), yuan", v.costFen, yuan],
    ["free parking hours (store-days)", v.parking.freeHours, count],
    ["gift parking hours", v.parking.giftHours, count],
    ["members enrolled", v.members.enrolled, count],
    ["applications refused", v.members.refused, count],
    ["upgrades", v.upgrades.total, count],
    ["supreme club: granted at year ends", v.lifecycle.supremeGranted, count],
    ["supreme club: demoted at year ends", v.lifecycle.supremeRevoked, count],
    ["year-end and lifecycle bonus points", v.lifecycle.bonusPoints, count],
    ["points forfeited (cancelled cards)", v.lifecycle.pointsForfeited, count],
    ...Object.entries(v.lifecycle.statusChanged).map(([status, n]): [string, number, (n: number) => string] => [`cards turned ${status}`, n, count]),
    ...Object.entries(v.members.byTier).map(([tier, n]): [string, number, (n: number) => string] => [`members at ${tier} (end)`, n, count]),
  ];
}

/** The report printed for a result. */
export function formatReport(result: SimulationResult): string {
  const out: string[] = [];
  const { draft, baseline } = result;
  out.push(`period: ${result.period.firstEventAt ?? "-"} .. ${result.period.lastEventAt ?? "-"} (${count(result.events)} events)`);
  const d = figures(draft);
  if (baseline) {
    const b = figures(baseline);
    out.push("", table([["figure", `baseline v${baseline.policy.version}`, `draft v${draft.policy.version}`, "draft − baseline"], ...d.map(([name, value, format], i) => [name, b[i]?.[0] === name ? format(b[i]![1]) : "-", format(value), b[i]?.[0] === name ? signed(format(value - b[i]![1]), value - b[i]![1]) : "-"])]));
  } else out.push("", table([["figure", `v${draft.policy.version}`], ...d.map(([name, value, format]) => [name, format(value)])]));
  const monthly = draft.tierByMonth;
  if (monthly.length > 0) {
    const tiers = Object.keys(monthly[0]!.counts);
    out.push("", "members by tier at the end of each month (draft):", table([["month", ...tiers], ...monthly.map((m) => [m.month, ...tiers.map((t) => count(m.counts[t] ?? 0))])]));
  }
  const diff = result.diff;
  if (diff) {
    out.push("", `receipts decided differently: ${count(diff.receipts.different)} of ${count(diff.receipts.compared)}; members affected: ${count(diff.members.different)}; tier paths that differ: ${count(diff.members.tierPathDifferent)}`);
    out.push(table([["what changed", "receipts", "members", "delta"], ...Object.entries(diff.byChange).map(([kind, c]) => [kind, count(c.receipts), count(c.members), kind === "parking" ? `${signed(count(c.delta), c.delta)} h` : kind === "tier" ? "" : `${signed(yuan(c.deltaFen), c.deltaFen)} yuan`])]));
    out.push(`cost delta on those receipts: ${signed(yuan(diff.costDeltaFen), diff.costDeltaFen)} yuan; rules changed: ${diff.changedRules.join(", ") || "none"}`);
    if (diff.mostAffected.length > 0) {
      out.push("", "most affected members:");
      out.push(table([["customer", "receipts", "discount Δ yuan", "points Δ", "tier path (baseline → draft)", "rules behind the difference"], ...diff.mostAffected.map((m) => [m.customerId, count(m.receipts), signed(yuan(m.discountFen), m.discountFen), signed(count(m.points), m.points), m.baselinePath === m.draftPath ? m.draftPath : `${m.baselinePath || "-"} → ${m.draftPath || "-"}`, m.rules.slice(0, 4).map((r) => `${r.rule} ×${r.receipts}`).join(", ")])]));
    }
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      policy: { type: "string", default: DEFAULTS.policy },
      draft: { type: "string", default: DEFAULTS.draft },
      history: { type: "string" },
      synthetic: { type: "string" },
      seed: { type: "string", default: "1" },
      days: { type: "string", default: "730" },
      from: { type: "string" },
      to: { type: "string" },
      enrolment: { type: "string" },
      "return-window-days": { type: "string", default: "90" },
      json: { type: "string" },
    },
  });
  const baseline = loadPolicy(values.policy!);
  const draft = loadPolicy(values.draft!);
  const started = performance.now();
  let lastLine = 0;
  const progress = (text: string) => {
    const now = performance.now();
    if (now - lastLine < 500) return;
    lastLine = now;
    process.stderr.write(`\r${text.padEnd(100)}`);
  };
  let source: HistorySource;
  let after: () => void = () => {};
  let enrolment: EnrolmentMode = (values.enrolment as EnrolmentMode | undefined) ?? "same-day-evidence";
  if (values.synthetic) {
    const history = new SyntheticHistory({ members: Number(values.synthetic), seed: Number(values.seed), days: Number(values.days) });
    source = history;
    after = () => {
      const calibration = history.calibration();
      console.log(`\nsynthetic history: ${count(calibration.members)} card holders, ${count(calibration.walkIns)} walk-ins, ${count(calibration.sales)} sales, ${count(calibration.returns)} returns over ${calibration.days} days (seed ${values.seed})`);
      console.log(table([["calibration target", "target", "achieved", "unit"], ...calibration.figures.map((f) => [f.name, f.unit === "share" ? f.target.toFixed(2) : count(f.target), f.unit === "share" ? f.achieved.toFixed(3) : count(Math.round(f.achieved)), f.unit])]));
    };
  } else {
    const path = values.history ?? DEFAULTS.history;
    if (!existsSync(path)) throw new Error(`no history file ${path}: give --history <file.csv|file.jsonl> or --synthetic N`);
    const onProgress = (p: ImportProgress) => progress(`${p.phase}: ${Math.round((100 * p.bytes) / Math.max(1, p.totalBytes))} % of ${count(p.totalBytes)} bytes, ${count(p.invoices)} invoices, ${count(p.events)} events`);
    if (/\.(jsonl|ndjson)$/i.test(path)) {
      const history = new JsonLinesHistory(path, { onProgress });
      source = history;
      after = () => console.log(`\nimported ${path}: ${JSON.stringify(history.stats)}`);
      if (!values.enrolment) enrolment = "same-day-evidence";
    } else {
      const history = new OnlineRetailHistory(path, { onProgress });
      source = history;
      after = () => console.log(`\nimported ${path}: ${JSON.stringify(history.stats)}`);
    }
  }
  const result = await simulate(source, {
    draft,
    baseline,
    enrolment,
    returnWindowDays: Number(values["return-window-days"]),
    from: values.from ?? null,
    to: values.to ?? null,
    onProgress: (p) => {
      const seconds = (performance.now() - started) / 1000;
      progress(`replay: ${count(p.events)} events (${count(p.sales)} sales, ${count(p.returns)} returns) up to ${p.at ?? "-"}, ${count(Math.round(p.events / Math.max(seconds, 0.001)))} events/s`);
    },
    progressEvery: 20_000,
  });
  process.stderr.write(`\r${"".padEnd(100)}\r`);
  after();
  console.log(`\n${values.draft} (draft) against ${values.policy} (baseline), enrolment ${enrolment}, return window ${values["return-window-days"]} days, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  console.log(formatReport(result));
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nfull result written to ${values.json}`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
