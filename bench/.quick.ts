import { compilePolicy } from "../engine/src/index";
import { loadShippedPolicy } from "../engine/test/factories";
import { generateSales } from "./generate";
const sales = generateSales(Number(process.env.N ?? 50_000));
const compiled = compilePolicy(loadShippedPolicy("beiguo"));
let sink = 0;
for (let p = 0; p < 2; p++) for (const s of sales) sink += compiled.decide(s).trace.length;
const wall: number[] = [], cpu: number[] = [];
for (let r = 0; r < Number(process.env.R ?? 7); r++) { const c = process.cpuUsage(); const t = performance.now(); for (const s of sales) sink += compiled.decide(s).trace.length; wall.push((performance.now() - t) * 1000 / sales.length); const d = process.cpuUsage(c); cpu.push((d.user + d.system) / sales.length); }
console.log("wall min", Math.min(...wall).toFixed(2), "cpu min", Math.min(...cpu).toFixed(2), "all", wall.map((w) => w.toFixed(1)).join(" "), sink > 0 ? "" : "x");
