/**
 * `npm run bench`: runs every section, writes results/latest.json and the README's benchmark table.
 * A section is a module exporting `run(): Promise<SectionResult>`; add new ones to `sections`.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { Section, SectionResult } from "./section";

const sections: Section[] = [
  { name: "engine", load: () => import("./engine") },
  { name: "http", load: () => import("./http") },
  { name: "lifecycle", load: () => import("./lifecycle") },
  { name: "simulate", load: () => import("./simulate") },
];

const root = new URL("../", import.meta.url);
const resultsPath = fileURLToPath(new URL("bench/results/latest.json", root));
const readmePath = fileURLToPath(new URL("README.md", root));
const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  /** One-minute load averages when the run started and ended: figures from a busy machine are slower. */
  loadAverage: { start: number; end: number };
}

function describeMachine(loadAtStart: number): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: loadAtStart, end: Math.round(os.loadavg()[0]! * 100) / 100 },
  };
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function renderTable(date: string, machine: Machine, results: SectionResult[]): string {
  const rows = results.flatMap((result) => result.figures.map((f) => `| ${result.section} | ${escapeCell(f.name)} | ${f.value.toLocaleString("en")} | ${escapeCell(f.unit)} | ${escapeCell(f.note ?? "")} |`));
  return [
    `Last run ${date} on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, load average ${machine.loadAverage.start} → ${machine.loadAverage.end} (\`npm run bench\`; figures in \`bench/results/latest.json\`).`,
    "",
    "| section | figure | value | unit | how |",
    "|---|---|---:|---|---|",
    ...rows,
  ].join("\n");
}

/** Replaces the block between the markers, adding a Benchmarks heading with the markers at the end if they are missing. */
function updateReadme(table: string): void {
  let readme = readFileSync(readmePath, "utf8");
  if (!readme.includes(START) || !readme.includes(END)) {
    readme = `${readme.replace(/\n*$/, "\n")}\n## Benchmarks\n\n${START}\n${END}\n`;
  }
  const start = readme.indexOf(START) + START.length;
  const end = readme.indexOf(END, start);
  writeFileSync(readmePath, `${readme.slice(0, start)}\n${table}\n${readme.slice(end)}`);
}

async function main(): Promise<void> {
  const loadAtStart = Math.round(os.loadavg()[0]! * 100) / 100;
  const results: SectionResult[] = [];
  for (const section of sections) {
    console.log(`bench: ${section.name} …`);
    const started = performance.now();
    const result = await (await section.load()).run();
    for (const f of result.figures) console.log(`  ${f.name}: ${f.value} ${f.unit}${f.note ? `  (${f.note})` : ""}`);
    console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    results.push(result);
  }
  const machine = describeMachine(loadAtStart);
  const date = new Date().toISOString();
  mkdirSync(fileURLToPath(new URL("bench/results/", root)), { recursive: true });
  // Written beside and renamed, so an interrupted run never leaves half a file.
  writeFileSync(`${resultsPath}.tmp`, `${JSON.stringify({ date, machine, sections: results }, null, 2)}\n`);
  renameSync(`${resultsPath}.tmp`, resultsPath);
  updateReadme(renderTable(date.slice(0, 10), machine, results));
  console.log(`bench: wrote ${resultsPath} and README.md`);
}

await main();
