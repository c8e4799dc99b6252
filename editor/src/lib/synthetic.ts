/**
 * Synthetic shoppers and receipts for previews in the browser: deterministic for a seed, shaped
 * like a department store's day (mostly department-store lines, some supermarket, appliances
 * and dining; a few luxury brands; most goods at full price).
 */
import type { ReceiptLine } from "../../../engine/src/index";

/** A small fast seeded random generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[], weights?: readonly number[]): T {
  if (!weights) return items[Math.floor(random() * items.length)]!;
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

/** A price in fen, spread evenly on a log scale between two amounts in yuan. */
function logPrice(random: () => number, lowYuan: number, highYuan: number): number {
  const yuan = Math.exp(Math.log(lowYuan) + random() * (Math.log(highYuan) - Math.log(lowYuan)));
  return Math.round(yuan) * 100;
}

const DEPARTMENTS = ["department_store", "supermarket", "appliances", "dining", "other"] as const;
const DEPARTMENT_WEIGHTS = [62, 14, 7, 12, 5];
const BRANDS = ["Nike", "Uniqlo", "Lancôme", "Adidas", "Li-Ning", "Estée Lauder", "Apple", "Chanel", "Hermès", "Louis Vuitton", "Rolex"];
const BRAND_WEIGHTS = [14, 14, 10, 12, 12, 8, 6, 3, 1, 2, 1];
const ZONES = ["sports", "leisure", "denim", "stationery", "digital", null] as const;

/** Tier weights for a program with `count` tiers: the lowest tier is the most common. */
export function tierWeights(count: number): number[] {
  return Array.from({ length: count }, (_, i) => Math.pow(0.55, i));
}

/** The lines of one synthetic receipt. */
export function syntheticLines(random: () => number, receiptNo: number): ReceiptLine[] {
  const count = 1 + Math.floor(random() * random() * 5);
  const lines: ReceiptLine[] = [];
  for (let i = 0; i < count; i++) {
    const department = pick(random, DEPARTMENTS, DEPARTMENT_WEIGHTS);
    const price =
      department === "department_store" ? logPrice(random, 80, 6000) : department === "supermarket" ? logPrice(random, 10, 300) : department === "appliances" ? logPrice(random, 300, 12000) : department === "dining" ? logPrice(random, 40, 900) : logPrice(random, 20, 500);
    const bulk = random() < 0.04;
    lines.push({
      lineId: String(i + 1),
      sku: `SKU-${receiptNo}-${i + 1}`,
      styleId: `ST-${receiptNo}-${i + 1}`,
      department,
      zone: department === "department_store" ? pick(random, ZONES) : null,
      brand: department === "department_store" || department === "appliances" ? pick(random, BRANDS, BRAND_WEIGHTS) : null,
      quantity: bulk ? 3 + Math.floor(random() * 3) : random() < 0.12 ? 2 : 1,
      unitPrice: price,
      fullPrice: random() < 0.8,
    });
  }
  return lines;
}

/** An instant of a synthetic shopping day in Beijing time, `YYYY-MM-DDTHH:mm:00+08:00`. */
export function syntheticInstant(random: () => number, month: string, daysInMonth = 28): string {
  const day = 1 + Math.floor(random() * daysInMonth);
  const hour = 10 + Math.floor(random() * 11);
  const minute = Math.floor(random() * 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${month}-${pad(day)}T${pad(hour)}:${pad(minute)}:00+08:00`;
}
