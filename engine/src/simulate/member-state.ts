import type { Decision } from "../decision";
import type { MemberStatus } from "../policy/schema";

/** A points lot as the replay keeps it: what remains of one receipt's points, and when it expires. */
export interface Lot {
  expiresAt: number;
  /** When the points were earned; lots past the return window are merged with their neighbours of the same expiry. */
  atMs: number;
  /** Creation order, the ledger's lot id: ties on expiry are spent in this order. */
  seq: number;
  receiptId: string | null;
  remaining: number;
}

/**
 * What a return needs of its original sale, kept for the return window and packed small: per
 * line its id and, in `amounts`, four numbers (units, gross, payable, qualifying 1/0).
 */
export class SaleRecord {
  readonly lineIds: string[];
  readonly amounts: number[];
  readonly payable: number;
  readonly qualifyingSpend: number;
  readonly points: number;
  /** Quantities returned so far by lineId; null until the first return. */
  returned: Record<string, number> | null = null;
  /** Anonymous evidence of the customer's enrolment not yet decided, and its qualifying spend net of returns. */
  evidence: boolean;
  evidenceSpend: number;

  constructor(
    readonly receiptId: string,
    readonly atMs: number,
    readonly localDate: string,
    readonly storeId: string,
    receiptLines: readonly { lineId: string; quantity: number }[],
    units: readonly number[] | undefined,
    decision: Decision,
    /** Whether the sale was the member's (earned points, counted spend) in this version. */
    readonly owned: boolean,
    readonly cycleStart: string | null,
    evidence: boolean,
  ) {
    const n = receiptLines.length;
    const lineIds: string[] = new Array(n);
    const amounts: number[] = new Array(n * 4);
    const lines = decision.lines;
    for (let i = 0; i < n; i++) {
      const line = lines[i]!;
      lineIds[i] = receiptLines[i]!.lineId;
      amounts[i * 4] = units?.[i] ?? receiptLines[i]!.quantity;
      amounts[i * 4 + 1] = line.gross;
      amounts[i * 4 + 2] = line.payable;
      amounts[i * 4 + 3] = line.qualifying ? 1 : 0;
    }
    this.lineIds = lineIds;
    this.amounts = amounts;
    this.payable = decision.totals.payable;
    this.qualifyingSpend = decision.totals.qualifyingSpend;
    this.points = decision.points.earned;
    this.evidence = evidence;
    this.evidenceSpend = evidence ? decision.totals.qualifyingSpend : 0;
  }
}

/** The original sale as the engine's return decision reads it: the lines' ids and units, and the decision's amounts. */
export function unpackSale(record: SaleRecord, policy: Decision["policy"], member: Decision["member"]): { receipt: { lines: { lineId: string; quantity: number }[] }; decision: Decision } {
  const receiptLines: { lineId: string; quantity: number }[] = [];
  const lines: Decision["lines"] = [];
  let gross = 0;
  for (let i = 0; i < record.lineIds.length; i++) {
    const a = record.amounts;
    const lineId = record.lineIds[i]!;
    receiptLines.push({ lineId, quantity: a[i * 4]! });
    lines.push({ lineId, gross: a[i * 4 + 1]!, discount: a[i * 4 + 1]! - a[i * 4 + 2]!, payable: a[i * 4 + 2]!, qualifying: a[i * 4 + 3] === 1, rules: [] });
    gross += a[i * 4 + 1]!;
  }
  const decision: Decision = {
    policy,
    member,
    lines,
    totals: { gross, discount: gross - record.payable, payable: record.payable, qualifyingSpend: record.qualifyingSpend },
    points: { earned: record.points, rules: [] },
    parking: { freeHoursToday: 0 },
    tierChange: null,
    benefits: [],
    referrerPoints: { earned: 0, rules: [] },
    trace: [],
  };
  return { receipt: { lines: receiptLines }, decision };
}

/**
 * The outstanding points of every member by expiry instant: expiring a whole year's points is one
 * subtraction when the replay's clock passes the instant, and members drop their expired lots lazily.
 */
export class PointsBook {
  private readonly byExpiry = new Map<number, number>();
  private expiries: number[] = [];
  /** Points expired so far, counted when the clock passed their instant. */
  expired = 0;

  add(expiresAt: number, points: number): void {
    const known = this.byExpiry.get(expiresAt);
    if (known === undefined) {
      this.byExpiry.set(expiresAt, points);
      this.expiries.push(expiresAt);
      this.expiries.sort((a, b) => a - b);
    } else this.byExpiry.set(expiresAt, known + points);
  }

  remove(expiresAt: number, points: number): void {
    const known = this.byExpiry.get(expiresAt);
    if (known !== undefined) this.byExpiry.set(expiresAt, known - points);
  }

  /** Expires every bucket whose instant is at or before `nowMs`; returns the points expired now. */
  expireUpTo(nowMs: number): number {
    let expiredNow = 0;
    while (this.expiries.length > 0 && this.expiries[0]! <= nowMs) {
      const at = this.expiries.shift()!;
      expiredNow += this.byExpiry.get(at) ?? 0;
      this.byExpiry.delete(at);
    }
    this.expired += expiredNow;
    return expiredNow;
  }

  /** Points not yet expired. */
  outstanding(): number {
    let total = 0;
    for (const points of this.byExpiry.values()) total += points;
    return total;
  }
}

/** Same-day figures of a member at one store: the payable already committed and the parking hours already given. */
interface StoreDay {
  date: string;
  storeId: string;
  payable: number;
  hours: number;
}

/**
 * One customer as one version of the replay sees it: a member's balances (the ledger's cache and
 * its lots) or, before enrolment, only the records its returns and evidence need.
 */
export class CustomerState {
  member = false;
  tier = "";
  issuedOn = "";
  cycleStart = "";
  /** The cached spend of `cycleStart`, never below zero (as the member row keeps it). */
  cycleSpend = 0;
  /** Ledger sums of qualifying spend by cycle start, oldest first: what a late receipt of an earlier cycle is judged against. */
  cycles: [string, number][] = [];
  balance = 0;
  debt = 0;
  parkingHours = 0;
  lastQualifyingOn: string | null = null;
  lots: Lot[] = [];
  /** Sales still returnable, oldest first, from `recordsHead` on. */
  records: SaleRecord[] = [];
  recordsHead = 0;
  /** The member's tiers with the dates they began, e.g. "guest@2026-01-05 silver@2026-03-02". */
  path = "";
  /** The member's standing, as year-end and lifecycle rules leave it. */
  status: MemberStatus = "active";
  supreme = false;
  /** Qualifying spend by calendar year, [year, spend], oldest first: what year-end rules read. */
  yearSpend: [number, number][] = [];
  /** The entry rule that admitted the customer, when an enrolment did. */
  entryRule: string | null = null;
  /** The store-day the customer shopped without a card and will apply on (same-day evidence), and its last receipt's instant. */
  applyDate = "";
  applyAt = "";
  private today: StoreDay | null = null;
  private otherDays: StoreDay[] | null = null;
  /** Expired lots are dropped up to this instant. */
  private expiredUpTo = Number.NEGATIVE_INFINITY;

  constructor(readonly id: string) {}

  /** Makes the customer a member. */
  enrol(tier: string, issuedOn: string, cycleStart = issuedOn, cycleSpend = 0): void {
    this.member = true;
    this.tier = tier;
    this.issuedOn = issuedOn;
    this.cycleStart = cycleStart;
    this.cycleSpend = cycleSpend;
    if (cycleSpend !== 0) this.cycles.push([cycleStart, cycleSpend]);
    this.path = `${tier}@${issuedOn}`;
  }

  /** Moves the member to a tier. */
  moveTo(tier: string, on: string): void {
    this.tier = tier;
    this.path += ` ${tier}@${on}`;
  }

  /** The ledger's sum of qualifying spend in the cycle starting on `start`. */
  spendOfCycle(start: string): number {
    for (let i = this.cycles.length - 1; i >= 0; i--) if (this.cycles[i]![0] === start) return this.cycles[i]![1];
    return 0;
  }

  /** Adds (or, negative, reverses) qualifying spend in a calendar year; three years are kept, as year ends read two. */
  addYearSpend(year: number, amount: number): void {
    if (amount === 0) return;
    const years = this.yearSpend;
    const last = years[years.length - 1];
    if (last !== undefined && last[0] === year) last[1] += amount;
    else {
      const found = years.find((y) => y[0] === year);
      if (found) found[1] += amount;
      else {
        years.push([year, amount]);
        years.sort((a, b) => a[0] - b[0]);
        if (years.length > 3) years.shift();
      }
    }
  }

  /** Qualifying spend in a calendar year. */
  spendOfYear(year: number): number {
    return this.yearSpend.find((y) => y[0] === year)?.[1] ?? 0;
  }

  /** Forfeits every point (ledger.take with points_forfeited): returns how many. */
  forfeitAll(book: PointsBook): number {
    let forfeited = 0;
    for (const lot of this.lots) forfeited += this.use(lot, lot.remaining, book);
    this.lots = [];
    this.balance -= forfeited;
    return forfeited;
  }

  /** Drops lots expired by `nowMs` (the book counted them when the clock passed their instant). */
  dropExpired(nowMs: number): void {
    if (nowMs <= this.expiredUpTo) return;
    this.expiredUpTo = nowMs;
    const lots = this.lots;
    // Lots are in expiry order: the first one says whether any expired.
    if (lots.length === 0 || lots[0]!.expiresAt > nowMs) return;
    let kept = 0;
    for (let i = 0; i < lots.length; i++) {
      const lot = lots[i]!;
      if (lot.expiresAt <= nowMs) this.balance -= lot.remaining;
      else lots[kept++] = lot;
    }
    lots.length = kept;
  }

  /** Earns points: debt is repaid first, the rest becomes a lot (ledger.earn). */
  earn(points: number, expiresAt: number, seq: number, receiptId: string | null, atMs: number, book: PointsBook): { repaid: number; kept: number } {
    if (points <= 0) return { repaid: 0, kept: 0 };
    const repaid = Math.min(points, this.debt);
    const kept = points - repaid;
    this.debt -= repaid;
    if (kept > 0) {
      const lot: Lot = { expiresAt, atMs, seq, receiptId, remaining: kept };
      const lots = this.lots;
      let i = lots.length;
      // Lots stay in spending order (expiry, then creation); a late receipt's lot may belong before the last.
      while (i > 0 && lots[i - 1]!.expiresAt > expiresAt) i--;
      if (i === lots.length) lots.push(lot);
      else lots.splice(i, 0, lot);
      book.add(expiresAt, kept);
      this.balance += kept;
    }
    return { repaid, kept };
  }

  /**
   * Merges lots that no return can prefer any more (earned before `oldestMs`) into their
   * predecessor of the same expiry. Only neighbours merge, so the spending order is unchanged and
   * every balance, expiry and later take is exactly what separate lots would give.
   */
  compactLots(oldestMs: number): void {
    const lots = this.lots;
    let kept = 1;
    let i = 1;
    for (; i < lots.length; i++) {
      const lot = lots[i]!;
      if (lot.atMs >= oldestMs) break;
      const previous = lots[kept - 1]!;
      if (previous.expiresAt === lot.expiresAt && previous.atMs < oldestMs) {
        previous.remaining += lot.remaining;
        previous.receiptId = null;
      } else lots[kept++] = lot;
    }
    if (kept === i) return;
    for (; i < lots.length; i++) lots[kept++] = lots[i]!;
    lots.length = kept;
  }

  /**
   * Takes points back for a return: from the original receipt's lots first, then oldest first;
   * what the balance cannot cover becomes debt (ledger.take with points_reversed).
   */
  takeBack(points: number, preferReceiptId: string | null, book: PointsBook): { taken: number; debt: number } {
    if (points <= 0) return { taken: 0, debt: 0 };
    let left = points;
    const lots = this.lots;
    if (preferReceiptId !== null) for (let i = 0; i < lots.length && left > 0; i++) if (lots[i]!.receiptId === preferReceiptId) left -= this.use(lots[i]!, left, book);
    for (let i = 0; i < lots.length && left > 0; i++) left -= this.use(lots[i]!, left, book);
    let kept = 0;
    for (let i = 0; i < lots.length; i++) if (lots[i]!.remaining > 0) lots[kept++] = lots[i]!;
    lots.length = kept;
    const taken = points - left;
    this.balance -= taken;
    this.debt += left;
    return { taken, debt: left };
  }

  private use(lot: Lot, wanted: number, book: PointsBook): number {
    const used = Math.min(wanted, lot.remaining);
    if (used > 0) {
      lot.remaining -= used;
      book.remove(lot.expiresAt, used);
    }
    return used;
  }

  /** Rolls the cached cycle forward when a new one has begun (ledger.enterCycle). */
  enterCycle(start: string): void {
    if (start > this.cycleStart) {
      this.cycleStart = start;
      this.cycleSpend = 0;
    }
  }

  /** Adds (or, negative, reverses) qualifying spend in a cycle (ledger.addSpend). */
  addSpend(amount: number, start: string): void {
    if (amount === 0) return;
    const cycles = this.cycles;
    let i = cycles.length - 1;
    while (i >= 0 && cycles[i]![0] !== start) i--;
    if (i >= 0) cycles[i]![1] += amount;
    else {
      let at = cycles.length;
      while (at > 0 && cycles[at - 1]![0] > start) at--;
      cycles.splice(at, 0, [start, amount]);
      // A few cycles back is as late as a till ever syncs.
      if (cycles.length > 4) cycles.shift();
    }
    if (start === this.cycleStart) this.cycleSpend = Math.max(0, this.cycleSpend + amount);
    else if (amount > 0 && start > this.cycleStart) {
      this.cycleStart = start;
      this.cycleSpend = amount;
    }
  }

  private storeDay(storeId: string, date: string, create: boolean): StoreDay | null {
    const today = this.today;
    if (today !== null && today.date === date && today.storeId === storeId) return today;
    if (this.otherDays !== null) for (const day of this.otherDays) if (day.date === date && day.storeId === storeId) return day;
    if (!create) return null;
    const day: StoreDay = { date, storeId, payable: 0, hours: 0 };
    if (today === null || date >= today.date) {
      // Another store the same day, or an earlier day synced late, stays within reach for a while.
      if (today !== null && today.date === date) (this.otherDays ??= []).push(today);
      else if (this.otherDays !== null) this.otherDays = this.otherDays.filter((d) => d.date >= date);
      this.today = day;
    } else (this.otherDays ??= []).push(day);
    return day;
  }

  /** The member's payable total at a store on a local date, over the sales before this one. */
  dayPayableBefore(storeId: string, date: string): number {
    return this.storeDay(storeId, date, false)?.payable ?? 0;
  }

  /** Counts a sale's payable toward the store-day; returns the parking hours it adds to those already given that day. */
  addToDay(storeId: string, date: string, payable: number, hoursToday: number): number {
    const day = this.storeDay(storeId, date, true)!;
    day.payable += payable;
    const added = hoursToday > day.hours ? hoursToday - day.hours : 0;
    if (added > 0) day.hours = hoursToday;
    return added;
  }

  /** Keeps a sale record, dropping those older than the return window (`oldestMs`). */
  keepRecord(record: SaleRecord, oldestMs: number): void {
    const records = this.records;
    let head = this.recordsHead;
    while (head < records.length && records[head]!.atMs < oldestMs) head++;
    // Dropped from the front by moving the head; the list is cut only when the dead part is large.
    if (head > 16 && head * 2 > records.length) {
      records.splice(0, head);
      head = 0;
    }
    this.recordsHead = head;
    records.push(record);
  }

  /** The sale record of a receipt, if it is still kept. */
  record(receiptId: string): SaleRecord | undefined {
    const records = this.records;
    for (let i = records.length - 1; i >= this.recordsHead; i--) if (records[i]!.receiptId === receiptId) return records[i];
    return undefined;
  }
}
