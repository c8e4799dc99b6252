/**
 * Seeded, deterministic receipts and member snapshots for benchmarks: the same seed always gives
 * the same sales, so figures from different runs and machines compare like with like.
 */
import { LINE_COUNTS, weighted } from "../engine/src/simulate/synthetic";
import { cycleOn, formatDate, memberSnapshotSchema, receiptSchema, type MemberSnapshot, type ReceiptInput, type SaleInput } from "../engine/src/index";

/** A generated sale before validation: what a POS terminal and the ledger would send. */
export interface RawSale {
  receipt: ReceiptInput;
  member: MemberSnapshot | null;
  dayPayableBefore?: number;
}

/** A small seeded PRNG (mulberry32): uniform floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}


/** A price in fen, rounded to the yuan as most tags are (or to 0.90 yuan for supermarket goods). */
function priceFen(random: Random, minYuan: number, maxYuan: number, roundTo = 100): number {
  // Skewed toward the cheap end, as real baskets are.
  const yuan = minYuan + (maxYuan - minYuan) * random() ** 2;
  return Math.max(roundTo, Math.round((yuan * 100) / roundTo) * roundTo);
}

type Department = ReceiptInput["lines"][number]["department"];

const STORES = ["beiguo-central", "beiguo-yuhua", "beiguo-xinbai", "beiguo-jiahe", "beiguo-baoding"] as const;
const DEPARTMENTS: readonly (readonly [Department, number])[] = [
  ["department_store", 64],
  ["supermarket", 14],
  ["dining", 10],
  ["appliances", 6],
  ["other", 6],
];
const FASHION_BRANDS = ["Li-Ning", "Anta", "Nike", "Adidas", "Uniqlo", "Levi's", "Only", "Jack & Jones", "Bosideng", "Semir", "Peacebird", "Lancôme", "Estée Lauder", "Belle", "Septwolves"];
// The brands the Beiguo policy excludes from full-price discounts.
const EXCLUDED_BRANDS = ["Apple", "Chanel", "Hermès", "Louis Vuitton", "Rolex"];
const APPLIANCE_BRANDS = ["Haier", "Midea", "Gree", "Xiaomi", "Huawei", "Apple", "Dyson"];
const DINING_BRANDS = ["Haidilao", "Quanjude", "Xiabu Xiabu", "Starbucks", "KFC"];
const ZONES = ["sports", "leisure", "denim", "stationery", "digital"];
const TIERS: readonly (readonly [string, number])[] = [
  ["guest", 40],
  ["silver", 30],
  ["platinum", 20],
  ["diamond", 10],
];
const TENDERS: readonly (readonly [NonNullable<ReceiptInput["tenders"]>[number]["type"], number])[] = [
  ["mobile", 40],
  ["bank_card", 25],
  ["cash", 10],
  ["stored_value", 15],
  ["gift_card", 5],
  ["coupon", 3],
  ["points", 2],
];

interface Product {
  department: Department;
  brand: string | null;
  zone: string | null;
  styleId: string;
  unitPrice: number;
}

function product(random: Random, department: Department): Product {
  const style = intBetween(random, 1, 400);
  switch (department) {
    case "department_store": {
      const luxury = random() < 0.08;
      const brand = luxury ? pick(random, EXCLUDED_BRANDS) : random() < 0.9 ? pick(random, FASHION_BRANDS) : null;
      return {
        department,
        brand,
        zone: random() < 0.6 ? pick(random, ZONES) : null,
        styleId: `DS-${style}`,
        unitPrice: luxury ? priceFen(random, 2_000, 80_000) : priceFen(random, 39, 3_000),
      };
    }
    case "supermarket":
      return { department, brand: null, zone: null, styleId: `SM-${style}`, unitPrice: priceFen(random, 2, 300, 10) };
    case "dining":
      return { department, brand: pick(random, DINING_BRANDS), zone: null, styleId: `DN-${style % 40}`, unitPrice: priceFen(random, 20, 800) };
    case "appliances":
      return { department, brand: pick(random, APPLIANCE_BRANDS), zone: random() < 0.5 ? "digital" : null, styleId: `AP-${style}`, unitPrice: priceFen(random, 199, 25_000) };
    default:
      return { department, brand: random() < 0.5 ? pick(random, FASHION_BRANDS) : null, zone: null, styleId: `OT-${style}`, unitPrice: priceFen(random, 5, 500) };
  }
}

function quantityFor(random: Random, department: Department): number {
  if (department === "supermarket") return intBetween(random, 1, 6);
  if (department === "department_store" && random() < 0.06) return intBetween(random, 3, 12); // a bulk purchase
  return random() < 0.85 ? 1 : 2;
}

function lines(random: Random): ReceiptInput["lines"] {
  const count = weighted(random, LINE_COUNTS);
  const out: ReceiptInput["lines"] = [];
  for (let i = 0; i < count; i++) {
    const previous = out[out.length - 1];
    // Sometimes the same style again in another size or colour: bulk across lines.
    const sameStyle = previous !== undefined && previous.department === "department_store" && random() < 0.12;
    const item: Product = sameStyle
      ? { department: "department_store", brand: previous.brand ?? null, zone: previous.zone ?? null, styleId: previous.styleId, unitPrice: previous.unitPrice }
      : product(random, weighted(random, DEPARTMENTS));
    const line: ReceiptInput["lines"][number] = {
      lineId: String(i + 1),
      sku: `${item.styleId}-${intBetween(random, 1, 8)}${sameStyle ? `-${i}` : ""}`,
      styleId: item.styleId,
      department: item.department,
      quantity: quantityFor(random, item.department),
      unitPrice: item.unitPrice,
      // Promotion lines are already marked down at the till and get no member discount.
      fullPrice: random() >= (item.department === "department_store" ? 0.22 : 0.1),
    };
    if (item.brand !== null || random() < 0.5) line.brand = item.brand;
    if (item.zone !== null || random() < 0.3) line.zone = item.zone;
    out.push(line);
  }
  return out;
}

function tenders(random: Random, gross: number): ReceiptInput["tenders"] {
  if (random() < 0.5) return undefined;
  // What was tendered after member discounts: somewhat below gross.
  let left = Math.round(gross * (0.85 + random() * 0.15));
  const count = weighted(random, [
    [1, 70],
    [2, 25],
    [3, 5],
  ] as const);
  const out: NonNullable<ReceiptInput["tenders"]> = [];
  for (let i = 0; i < count; i++) {
    const amount = i === count - 1 ? left : Math.round(left * (0.2 + random() * 0.6));
    out.push({ type: weighted(random, TENDERS), amount });
    left -= amount;
  }
  return out;
}

interface LocalMoment {
  date: string;
  year: number;
  month: number;
  day: number;
  minutes: number;
}

const FIRST_DAY = Date.UTC(2026, 0, 1);
const DAYS = 730; // 2026 and 2027

function moment(random: Random): LocalMoment {
  const d = new Date(FIRST_DAY + intBetween(random, 0, DAYS - 1) * 86_400_000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  // Member days draw crowds: one sale in eight happens on the 8th.
  const day = random() < 0.1 ? 8 : d.getUTCDate();
  // Mostly opening hours; a few late-night sales (dining, online orders) near the date line.
  const minutes = random() < 0.04 ? (22 * 60 + intBetween(random, 0, 239)) % (24 * 60) : intBetween(random, 10 * 60, 22 * 60 - 1);
  return { date: formatDate(year, month, day), year, month, day, minutes };
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The instant of a Beiguo-local moment, written with +08:00 or, as some terminals do, in UTC. */
function instant(random: Random, at: LocalMoment): string {
  const seconds = intBetween(random, 0, 59);
  if (random() < 0.85) return `${at.date}T${pad(Math.floor(at.minutes / 60))}:${pad(at.minutes % 60)}:${pad(seconds)}+08:00`;
  const utc = new Date(Date.UTC(at.year, at.month - 1, at.day, 0, at.minutes - 8 * 60, seconds));
  return utc.toISOString().replace(".000Z", "Z");
}

function member(random: Random, index: number, on: LocalMoment): MemberSnapshot {
  const tier = weighted(random, TIERS);
  const issuedYear = intBetween(random, 2022, on.year);
  const issued = new Date(Date.UTC(issuedYear, 0, 1) + intBetween(random, 0, 364) * 86_400_000);
  let issuedOn = formatDate(issued.getUTCFullYear(), issued.getUTCMonth() + 1, issued.getUTCDate());
  if (issuedOn > on.date) issuedOn = on.date;
  const current = cycleOn(issuedOn, on.date, 1).start;
  // Most snapshots are of the current cycle; some were last touched in an earlier one, so spend resets.
  const cycleStart = random() < 0.85 || current === issuedOn ? current : issuedOn;
  const cycleSpend = weighted(random, [
    [intBetween(random, 0, 200_000), 40],
    [intBetween(random, 0, 1_200_000), 30],
    [intBetween(random, 800_000, 5_500_000), 20],
    [intBetween(random, 4_000_000, 12_500_000), 10],
  ] as const);
  const student = random() < 0.05;
  return {
    id: `m_${(index * 2654435761) >>> 0}`,
    tier,
    status: weighted(random, [
      ["active", 90],
      ["dormant", 7],
      ["cancelled", 3],
    ] as const),
    supreme: random() < (tier === "diamond" ? 0.3 : 0.02),
    issuedOn,
    cycleStart,
    cycleSpend,
    profile: { student, studentOfficer: student && random() < 0.2 },
    plan: null,
    referred: false,
  };
}

/** `count` raw sales from `seed`: 1–6 lines each, members of every tier or anonymous, over 2026–2027. */
export function generateRawSales(count: number, seed = 20260101): RawSale[] {
  const random = createRandom(seed);
  const out: RawSale[] = [];
  for (let i = 0; i < count; i++) {
    const at = moment(random);
    const items = lines(random);
    let gross = 0;
    for (const line of items) gross += line.quantity * line.unitPrice;
    const snapshot = random() < 0.7 ? member(random, i, at) : null;
    const receipt: ReceiptInput = { receiptId: `r_${seed}_${i}`, storeId: pick(random, STORES), at: instant(random, at), lines: items };
    if (random() < 0.02) {
      receipt.type = "return";
      receipt.originalReceiptId = `r_${seed}_${intBetween(random, 0, Math.max(0, i - 1))}`;
    }
    if (snapshot) receipt.memberId = snapshot.id;
    const paid = tenders(random, gross);
    if (paid) receipt.tenders = paid;
    const sale: RawSale = { receipt, member: snapshot };
    if (snapshot && random() < 0.2) sale.dayPayableBefore = intBetween(random, 0, 60_000);
    out.push(sale);
  }
  return out;
}

/**
 * `count` validated sales from `seed`, as the API would hold them: each receipt and member is
 * written as JSON, read back and parsed by the engine's schemas once.
 */
export function generateSales(count: number, seed = 20260101): SaleInput[] {
  return generateRawSales(count, seed).map((raw) => {
    // Through JSON text, as receipts arrive over HTTP: the strings are then flat, not the ropes templates build.
    const { receipt, member } = JSON.parse(JSON.stringify({ receipt: raw.receipt, member: raw.member })) as { receipt: unknown; member: unknown };
    const sale: SaleInput = { receipt: receiptSchema.parse(receipt), member: member === null ? null : memberSnapshotSchema.parse(member) };
    if (raw.dayPayableBefore !== undefined) sale.dayPayableBefore = raw.dayPayableBefore;
    return sale;
  });
}
