import { formatDate } from "../calendar";
import type { Receipt, ReceiptLine, Tender } from "../receipt";
import type { HistoryEvent, ReturnEvent } from "./events";

/**
 * A seeded synthetic history of a Beiguo-like department store (card holders, walk-in customers
 * who may enrol, anonymous shoppers, returns), calibrated to the figures of the source documents:
 * about 120,000 members; the top 20 % of members bring about 80 % of member sales; card holders
 * bring about 60 % of all sales; a few thousand members spend several hundred thousand yuan a
 * year and the top one over two million; thousands of cards see no spend for two years.
 * Times are Beiguo-local (+08:00), during opening hours (10:00–22:00).
 */
export interface SyntheticOptions {
  /** Card holders at the start (default 120,000). */
  members?: number;
  seed?: number;
  /** First local date (default 2026-01-01). */
  start?: string;
  /** Days generated (default 730: two years). */
  days?: number;
  /** Stop after this many sales. */
  maxSales?: number;
}

/** One calibration target and what a generated history achieved. */
export interface CalibrationFigure {
  name: string;
  target: number;
  achieved: number;
  unit: string;
  /** How the target reads at this scale. */
  note: string;
}

/** The targets, at 120,000 members; counts scale with the number of members. */
export const SYNTHETIC_TARGETS = {
  members: 120_000,
  /** Share of member sales (year 1) brought by the top 20 % of members. */
  top20Share: 0.8,
  /** Share of all sales (year 1) brought by card holders. */
  cardHolderShare: 0.6,
  /** Members spending at least this much (yuan) in year 1 … */
  bigSpenderYuan: 300_000,
  /** … are this share of members (3,000 of 120,000). */
  bigSpenderShare: 0.025,
  /** The top member's year-1 spend is over this (yuan). */
  topSpenderYuan: 2_000_000,
  /** Cards with no sale at all over two years: this share of members (4,800 of 120,000). */
  silentShare: 0.04,
} as const;

/** Tiers of the Beiguo card by last year's spend (yuan): what a card holder holds when the history starts. */
const OPENING_TIERS: readonly (readonly [string, number])[] = [
  ["diamond", 120_000],
  ["platinum", 50_000],
  ["silver", 10_000],
  ["guest", 0],
];

/** Annual spend (yuan) by rank among active members, as a fraction from the top; log-linear between anchors. */
const SPEND_ANCHORS: readonly (readonly [number, number])[] = [
  [1 / 120_000, 2_300_000],
  [0.025, 320_000],
  [0.2, 45_000],
  [0.5, 9_000],
  [1, 500],
];
const TOP_SPEND_YUAN = 2_300_000;
const WALK_IN_SHARE = 0.02;
const RETURN_RATE = 0.02;
const ANONYMOUS_TICKET_MEDIAN_YUAN = 450;
const ANONYMOUS_TICKET_SIGMA = 0.8;
const STORES = ["beiguo-central", "beiguo-yuhua", "beiguo-xinbai", "beiguo-jiahe", "beiguo-baoding"] as const;
const DEPARTMENTS: readonly (readonly [ReceiptLine["department"], number])[] = [
  ["department_store", 66],
  ["supermarket", 12],
  ["dining", 10],
  ["appliances", 7],
  ["other", 5],
];
const BRANDS = ["Li-Ning", "Anta", "Uniqlo", "Only", "Bosideng", "Semir", "Peacebird", "Lancôme", "Estée Lauder", "Belle"];
const EXCLUDED_BRANDS = ["Apple", "Chanel", "Hermès", "Louis Vuitton", "Rolex"];
const ZONES = ["sports", "leisure", "denim", "stationery", "digital"];
/** Lines per receipt with their weights: most receipts hold one to three lines. */
export const LINE_COUNTS: readonly (readonly [number, number])[] = [
  [1, 35],
  [2, 25],
  [3, 17],
  [4, 11],
  [5, 7],
  [6, 5],
];

/** xoshiro128** seeded through splitmix32: a small, fast, well-distributed PRNG. */
function createRandom(seed: number): () => number {
  let z = seed >>> 0;
  const next32 = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  let a = next32();
  let b = next32();
  let c = next32();
  let d = next32();
  return () => {
    const result = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return result / 4294967296;
  };
}

type Random = () => number;

/** Picks an item with probability proportional to its weight. */
export function weighted<T>(random: Random, table: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, w] of table) total += w;
  let roll = random() * total;
  for (const [item, w] of table) {
    roll -= w;
    if (roll < 0) return item;
  }
  return table[table.length - 1]![0];
}

function normal(random: Random): number {
  // Box–Muller; 1 − u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A log-normal factor with mean 1. */
function lognormalUnit(random: Random, sigma: number): number {
  return Math.exp(sigma * normal(random) - (sigma * sigma) / 2);
}

function spendAt(rankFraction: number): number {
  const lr = Math.log(rankFraction);
  for (let i = 1; i < SPEND_ANCHORS.length; i++) {
    const [r0, s0] = SPEND_ANCHORS[i - 1]!;
    const [r1, s1] = SPEND_ANCHORS[i]!;
    if (rankFraction <= r1) {
      const t = (lr - Math.log(r0)) / (Math.log(r1) - Math.log(r0));
      return Math.exp(Math.log(s0) + t * (Math.log(s1) - Math.log(s0)));
    }
  }
  return SPEND_ANCHORS[SPEND_ANCHORS.length - 1]![1];
}

/** The average ticket (yuan) of a member spending `annual` yuan a year: big spenders buy more at a time. */
function ticketOf(annual: number): number {
  return Math.min(20_000, Math.max(150, 200 * (annual / 2_000) ** 0.45));
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A binary min-heap of entity indexes keyed by their next event time. */
class TimeHeap {
  private readonly items: Int32Array;
  size = 0;
  constructor(
    capacity: number,
    private readonly time: Float64Array,
  ) {
    this.items = new Int32Array(capacity);
  }
  push(entity: number): void {
    const { items, time } = this;
    let i = this.size++;
    const t = time[entity]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (time[items[parent]!]! <= t) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entity;
  }
  peek(): number {
    return this.items[0]!;
  }
  pop(): number {
    const { items, time } = this;
    const top = items[0]!;
    const last = items[--this.size]!;
    const t = time[last]!;
    let i = 0;
    const n = this.size;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && time[items[child + 1]!]! < time[items[child]!]!) child++;
      if (time[items[child]!]! >= t) break;
      items[i] = items[child]!;
      i = child;
    }
    if (n > 0) items[i] = last;
    return top;
  }
}

interface PendingReturn {
  t: number;
  event: Omit<ReturnEvent, "at">;
}

/**
 * A synthetic history: iterate it for events (opening members first, then sales and returns in
 * time order); `calibration()` then reports each target and the figure achieved.
 */
export class SyntheticHistory implements Iterable<HistoryEvent> {
  readonly members: number;
  readonly seed: number;
  readonly start: string;
  readonly days: number;
  readonly maxSales: number;
  private yearSpend: Float64Array = new Float64Array(0);
  private salesOf: Uint32Array = new Uint32Array(0);
  private yearGross = 0;
  private yearCardGross = 0;
  private salesCount = 0;
  private returnsCount = 0;
  private walkIns = 0;
  private lastT = 0;

  constructor(options: SyntheticOptions = {}) {
    this.members = options.members ?? SYNTHETIC_TARGETS.members;
    this.seed = options.seed ?? 1;
    this.start = options.start ?? "2026-01-01";
    this.days = options.days ?? 730;
    this.maxSales = options.maxSales ?? Number.POSITIVE_INFINITY;
  }

  *[Symbol.iterator](): Iterator<HistoryEvent> {
    const random = createRandom(this.seed);
    const n = this.members;
    const walkIns = Math.round(n * WALK_IN_SHARE);
    this.walkIns = walkIns;
    const anonymous = n + walkIns;
    const entities = anonymous + 1;
    const next = new Float64Array(entities);
    const rate = new Float64Array(entities);
    const ticket = new Float64Array(entities);
    const home = new Uint8Array(entities);
    const burst = new Uint8Array(entities);
    this.yearSpend = new Float64Array(n);
    this.salesOf = new Uint32Array(n);
    this.yearGross = 0;
    this.yearCardGross = 0;
    this.salesCount = 0;
    this.returnsCount = 0;

    const [y0, m0, d0] = this.start.split("-").map(Number) as [number, number, number];
    const dayBase = Date.UTC(y0, m0 - 1, d0);
    const dates: string[] = [];
    const dateOf = (day: number): string => {
      while (dates.length <= day) {
        const d = new Date(dayBase + dates.length * 86_400_000);
        dates.push(formatDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()));
      }
      return dates[day]!;
    };
    const instantOf = (t: number): string => {
      const day = Math.floor(t);
      const seconds = Math.floor((t - day) * 12 * 3600);
      const minutes = Math.floor(seconds / 60);
      return `${dateOf(day)}T${pad2(10 + Math.floor(minutes / 60))}:${pad2(minutes % 60)}:${pad2(seconds % 60)}+08:00`;
    };
    const exp = (lambda: number) => -Math.log(1 - random()) / lambda;

    // Card holders: 4 % silent, the rest ranked by a random permutation onto the spend curve.
    const active: number[] = [];
    for (let i = 0; i < n; i++) if (random() >= SYNTHETIC_TARGETS.silentShare) active.push(i);
    for (let i = active.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [active[i], active[j]] = [active[j]!, active[i]!];
    }
    const annual = new Float64Array(n);
    active.forEach((member, rank) => {
      annual[member] = rank === 0 ? TOP_SPEND_YUAN : spendAt((rank + 0.5) / active.length);
    });
    let memberSpendPerDay = 0;
    const startAt = `${this.start}T00:00:00+08:00`;
    for (let i = 0; i < n; i++) {
      home[i] = Math.floor(random() * STORES.length);
      const spend = annual[i]!;
      const issued = new Date(dayBase - Math.floor(random() * 8 * 365 + 1) * 86_400_000);
      const tier = OPENING_TIERS.find(([, min]) => spend >= min)![0];
      yield { kind: "open", customerId: `c${i}`, tier, issuedOn: formatDate(issued.getUTCFullYear(), issued.getUTCMonth() + 1, issued.getUTCDate()), at: startAt, storeId: STORES[home[i]!] };
      if (spend <= 0) continue;
      ticket[i] = ticketOf(spend);
      rate[i] = spend / ticket[i]! / 365;
      memberSpendPerDay += spend / 365;
    }
    // Walk-ins: a first day of a few receipts (their evidence), then a mid-table member's habits.
    for (let w = 0; w < walkIns; w++) {
      const e = n + w;
      home[e] = Math.floor(random() * STORES.length);
      const spend = spendAt(0.2 + 0.8 * random());
      ticket[e] = ticketOf(spend);
      rate[e] = spend / ticket[e]! / 365;
      burst[e] = 1 + Math.floor(random() * 3);
    }
    const anonymousTicketMean = ANONYMOUS_TICKET_MEDIAN_YUAN * Math.exp((ANONYMOUS_TICKET_SIGMA * ANONYMOUS_TICKET_SIGMA) / 2);
    rate[anonymous] = ((1 / SYNTHETIC_TARGETS.cardHolderShare - 1) * memberSpendPerDay) / anonymousTicketMean;

    const heap = new TimeHeap(entities, next);
    for (let e = 0; e < entities; e++) {
      if (e >= n && e < anonymous) next[e] = Math.floor(random() * this.days) + 0.02 + 0.5 * random();
      else if (rate[e]! > 0) next[e] = exp(rate[e]!);
      else continue;
      if (next[e]! < this.days) heap.push(e);
    }
    const returns: PendingReturn[] = [];
    const pushReturn = (item: PendingReturn) => {
      let i = returns.length;
      returns.push(item);
      while (i > 0 && returns[i - 1]!.t > item.t) {
        returns[i] = returns[i - 1]!;
        i--;
      }
      returns[i] = item;
    };

    let seq = 0;
    while (heap.size > 0 && this.salesCount < this.maxSales) {
      const e = heap.peek();
      const t = next[e]!;
      while (returns.length > 0 && returns[0]!.t <= t) {
        const due = returns.shift()!;
        this.returnsCount++;
        yield { ...due.event, at: instantOf(due.t) };
      }
      heap.pop();
      const isMember = e < n;
      const isWalkIn = e >= n && e < anonymous;
      const firstDay = isWalkIn && burst[e]! > 0;
      const store = e === anonymous ? STORES[Math.floor(random() * STORES.length)]! : random() < 0.8 ? STORES[home[e]!]! : STORES[Math.floor(random() * STORES.length)]!;
      const amountYuan = e === anonymous ? ANONYMOUS_TICKET_MEDIAN_YUAN * Math.exp(ANONYMOUS_TICKET_SIGMA * normal(random)) : firstDay ? 600 * lognormalUnit(random, 0.7) : ticket[e]! * lognormalUnit(random, 0.6);
      const receiptId = `s${this.seed}-${seq++}`;
      const receipt = this.receipt(random, receiptId, store, instantOf(t), amountYuan, firstDay);
      const customerId = isMember ? `c${e}` : isWalkIn ? `w${e - n}` : null;
      let gross = 0;
      for (const line of receipt.lines) gross += line.quantity * line.unitPrice;
      this.salesCount++;
      this.lastT = t;
      if (t < 365) {
        this.yearGross += gross;
        if (isMember) {
          this.yearCardGross += gross;
          this.yearSpend[e] = this.yearSpend[e]! + gross;
        }
      }
      if (isMember) this.salesOf[e] = this.salesOf[e]! + 1;
      yield { kind: "sale", receipt, customerId };
      if (customerId !== null && random() < RETURN_RATE) {
        const line = receipt.lines[Math.floor(random() * receipt.lines.length)]!;
        const due = t + 0.5 + random() * 20;
        if (due < this.days) pushReturn({ t: due, event: { kind: "return", receiptId: `${receiptId}-r`, originalReceiptId: receiptId, customerId, storeId: store, lines: [{ lineId: line.lineId, quantity: 1 + Math.floor(random() * line.quantity) }] } });
      }
      if (firstDay && --burst[e]! > 0) {
        // More of the first day, before closing time.
        const day = Math.floor(t);
        next[e] = Math.min(day + 0.999, t + 0.02 + random() * 0.1);
      } else next[e] = t + (firstDay ? 1 : 0) + exp(rate[e]!);
      if (next[e]! < this.days) heap.push(e);
    }
    for (const due of returns) {
      if (this.salesCount >= this.maxSales && due.t > this.lastT) break;
      this.returnsCount++;
      yield { ...due.event, at: instantOf(due.t) };
    }
  }

  private receipt(random: Random, receiptId: string, storeId: string, at: string, amountYuan: number, evidence: boolean): Receipt {
    const count = evidence ? 1 + Math.floor(random() * 3) : weighted(random, LINE_COUNTS);
    const weights: number[] = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const w = 0.2 + random();
      weights.push(w);
      total += w;
    }
    const lines: ReceiptLine[] = [];
    for (let i = 0; i < count; i++) {
      const department = evidence ? "department_store" : weighted(random, DEPARTMENTS);
      const bulk = !evidence && department === "department_store" && random() < 0.05;
      const quantity = bulk ? 3 + Math.floor(random() * 6) : department === "supermarket" ? 1 + Math.floor(random() * 4) : random() < 0.85 ? 1 : 2;
      const share = (amountYuan * weights[i]!) / total;
      const unitPrice = Math.max(1, Math.round(share / quantity)) * 100;
      const style = Math.floor(random() * 500);
      const line: ReceiptLine = {
        lineId: String(i + 1),
        sku: `${department.slice(0, 2).toUpperCase()}-${style}-${1 + Math.floor(random() * 6)}`,
        styleId: `${department.slice(0, 2).toUpperCase()}-${style}`,
        department,
        quantity,
        unitPrice,
        fullPrice: random() >= 0.2,
      };
      if (department === "department_store") {
        line.brand = random() < 0.06 ? EXCLUDED_BRANDS[Math.floor(random() * EXCLUDED_BRANDS.length)]! : BRANDS[Math.floor(random() * BRANDS.length)]!;
        if (random() < 0.5) line.zone = ZONES[Math.floor(random() * ZONES.length)]!;
      }
      lines.push(line);
    }
    const receipt: Receipt = { receiptId, type: "sale", storeId, at, lines };
    if (random() < 0.25) {
      let gross = 0;
      for (const line of lines) gross += line.quantity * line.unitPrice;
      const stored = Math.round(gross * (0.2 + 0.8 * random()));
      const tenders: Tender[] = [{ type: "stored_value", amount: stored }];
      if (gross > stored) tenders.push({ type: random() < 0.6 ? "mobile" : "bank_card", amount: gross - stored });
      receipt.tenders = tenders;
    }
    return receipt;
  }

  /** Each calibration target against what the generated history achieved (complete once the history has been read to the end). */
  calibration(): { members: number; days: number; sales: number; returns: number; walkIns: number; figures: CalibrationFigure[] } {
    const n = this.members;
    const spend = Float64Array.from(this.yearSpend).sort().reverse();
    const top = Math.round(n * 0.2);
    let topSum = 0;
    let all = 0;
    for (let i = 0; i < spend.length; i++) {
      all += spend[i]!;
      if (i < top) topSum += spend[i]!;
    }
    const big = spend.filter((s) => s >= SYNTHETIC_TARGETS.bigSpenderYuan * 100).length;
    let silent = 0;
    for (let i = 0; i < n; i++) if (this.salesOf[i] === 0) silent++;
    const yearNote = this.lastT >= 365 ? "year 1 of the history" : `only ${Math.floor(this.lastT)} days generated: a partial year`;
    return {
      members: n,
      days: this.days,
      sales: this.salesCount,
      returns: this.returnsCount,
      walkIns: this.walkIns,
      figures: [
        { name: "card holders at the start", target: SYNTHETIC_TARGETS.members, achieved: n, unit: "members", note: "~120,000 members (the option --synthetic N sets it)" },
        { name: "share of member sales brought by the top 20 % of members", target: SYNTHETIC_TARGETS.top20Share, achieved: all > 0 ? topSum / all : 0, unit: "share", note: yearNote },
        { name: "share of all sales brought by card holders", target: SYNTHETIC_TARGETS.cardHolderShare, achieved: this.yearGross > 0 ? this.yearCardGross / this.yearGross : 0, unit: "share", note: yearNote },
        { name: "members spending ≥ 300,000 yuan in a year", target: Math.round(SYNTHETIC_TARGETS.bigSpenderShare * n), achieved: big, unit: "members", note: `2.5 % of members: 3,000 of 120,000 (a few thousand); ${yearNote}` },
        { name: "top member's spend in a year", target: SYNTHETIC_TARGETS.topSpenderYuan, achieved: (spend[0] ?? 0) / 100, unit: "yuan", note: `target: over 2,000,000; ${yearNote}` },
        { name: "cards with no spend over the history", target: Math.round(SYNTHETIC_TARGETS.silentShare * n), achieved: silent, unit: "members", note: `4 % of members: 4,800 of 120,000 (thousands), over ${this.days} days` },
      ],
    };
  }
}
