import * as next from "../engine/src/index";
import * as orig from "/tmp/orig/engine/src/index";
import { loadShippedPolicy } from "../engine/test/factories";
import { generateSales } from "./generate";
const sales = generateSales(Number(process.env.N ?? 30_000));
const policy = loadShippedPolicy("beiguo");
const engines = { orig: orig.compilePolicy(policy), next: next.compilePolicy(policy) } as const;
let sink = 0;
for (const e of Object.values(engines)) for (let p = 0; p < 3; p++) for (const s of sales) sink += e.decide(s).trace.length;
const res: Record<string, number[]> = { orig: [], next: [] };
for (let r = 0; r < Number(process.env.R ?? 10); r++) for (const [name, e] of Object.entries(engines)) {
  const c = process.cpuUsage(); for (const s of sales) sink += e.decide(s).trace.length; const d = process.cpuUsage(c); res[name]!.push((d.user + d.system) / sales.length);
}
const q = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return `min ${s[0]!.toFixed(2)} p25 ${s[Math.floor(s.length / 4)]!.toFixed(2)}`; };
console.log("orig", q(res.orig!), "| next", q(res.next!), "| ratio(min)", (Math.min(...res.orig!) / Math.min(...res.next!)).toFixed(2), sink > 0 ? "" : "x");
