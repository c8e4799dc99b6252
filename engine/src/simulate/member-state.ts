import type { Decision } from "../decision";
import type { MemberStatus } from "../policy/schema";

/** A points lot as the replay reports it: what remains of one receipt's points, and when it expires. */
export interface Lot {
  expiresAt: number;
  /** When the points were earned; lots past the return window are merged with their neighbours of the same expiry. */
  atMs: number;
  receiptId: string | null;
  remaining: number;
}

/** Whether a receipt numbers its lines "1", "2", "3"… in order, as POS terminals do. */
function numberedInOrder(lines: readonly { lineId: string }[]): boolean {
  for (let i = 0; i < lines.length; i++) if (lines[i]!.lineId !== String(i + 1)) return false;
  return true;
}

/** An anonymous sale that is evidence for the customer's enrolment, not yet decided: its store-day, and its qualifying spend net of returns. */
export interface Evidence {
  readonly localDate: string;
  readonly storeId: string;
  spend: number;
}

/**
 * What a return needs of its original sale, kept for the return window and packed small: per
 * line, in `amounts`, four numbers (units, gross, payable, qualifying 1/0), and the line ids
 * unless they are the usual "1", "2", "3"….
 */
export interface SaleRecord {
  readonly receiptId: string;
  readonly atMs: number;
  /** The cycle the sale's spend counted in when it was the member's sale in this version (it earned points, counted spend); null for an anonymous one. */
  readonly cycleStart: string | null;
  /** The lines' ids; null when they are "1", "2", "3"… in order. */
  readonly lineIds: readonly string[] | null;
  /** Never changed once made, so that the versions of a simulation can share them. */
  readonly amounts: readonly number[];
  readonly payable: number;
  readonly qualifyingSpend: number;
  readonly points: number;
  /** Quantities returned so far by lineId; null until the first return. */
  returned: Record<string, number> | null;
  /** Set on anonymous sales while they are evidence for an enrolment still to be decided. */
  evidence: Evidence | null;
}

/** Per line four numbers: units, gross, payable, qualifying (1/0); `alike` itself when it holds the same. */
function lineAmounts(receiptLines: readonly { quantity: number }[], units: readonly number[] | undefined, decision: Decision, alike: readonly number[] | undefined): readonly number[] {
  const n = receiptLines.length;
  const lines = decision.lines;
  if (alike !== undefined && alike.length === n * 4) {
    let i = 0;
    for (; i < n; i++) {
      const line = lines[i]!;
      if (alike[i * 4] !== (units?.[i] ?? receiptLines[i]!.quantity) || alike[i * 4 + 1] !== line.gross || alike[i * 4 + 2] !== line.payable || alike[i * 4 + 3] !== (line.qualifying ? 1 : 0)) break;
    }
    if (i === n) return alike;
  }
  const amounts: number[] = new Array(n * 4);
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    amounts[i * 4] = units?.[i] ?? receiptLines[i]!.quantity;
    amounts[i * 4 + 1] = line.gross;
    amounts[i * 4 + 2] = line.payable;
    amounts[i * 4 + 3] = line.qualifying ? 1 : 0;
  }
  return amounts;
}

/**
 * Packs what a return needs of a sale. Another version's record of the same sale (`alike`) lends
 * its line ids, and its line amounts when this version decided the lines alike, as versions mostly do.
 *
 * Records are plain objects from one literal rather than instances of a class: V8 allocates a
 * literal's objects straight into the old generation once it sees that nearly all of them live
 * long, as records do, and the young-generation collections then no longer copy each one twice.
 */
export function recordSale(
  receiptId: string,
  atMs: number,
  receiptLines: readonly { lineId: string; quantity: number }[],
  units: readonly number[] | undefined,
  decision: Decision,
  cycleStart: string | null,
  evidence: Evidence | null,
  alike: SaleRecord | undefined,
): SaleRecord {
  const totals = decision.totals;
  return {
    receiptId,
    atMs,
    cycleStart,
    lineIds: alike !== undefined ? alike.lineIds : numberedInOrder(receiptLines) ? null : receiptLines.map((line) => line.lineId),
    amounts: lineAmounts(receiptLines, units, decision, alike?.amounts),
    payable: totals.payable,
    qualifyingSpend: totals.qualifyingSpend,
    points: decision.points.earned,
    returned: null,
    evidence,
  };
}

/** The original sale as the engine's return decision reads it: the lines' ids and units, and the decision's amounts. */
export function unpackSale(record: SaleRecord, policy: Decision["policy"], member: Decision["member"]): { receipt: { lines: { lineId: string; quantity: number }[] }; decision: Decision } {
  const receiptLines: { lineId: string; quantity: number }[] = [];
  const lines: Decision["lines"] = [];
  const a = record.amounts;
  let gross = 0;
  for (let i = 0; i < a.length / 4; i++) {
    const lineId = record.lineIds === null ? String(i + 1) : record.lineIds[i]!;
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
 * A few sums by key, in key order, as one flat list: [key, sum, key, sum, …]. A member has one to
 * four (cycles, years), and a flat list is a fraction of the memory of a list of pairs.
 */
type Sums<K extends string | number> = (K | number)[];

function sumOf<K extends string | number>(sums: Sums<K>, key: K): number {
  for (let i = 0; i < sums.length; i += 2) if (sums[i] === key) return sums[i + 1] as number;
  return 0;
}

/**
 * Adds `amount` to the sum of `key`: in place when the key is there, else in a new list with the
 * key in order (keys are added once a year or so) and, beyond `keep` keys, the first one dropped.
 */
function addToSums<K extends string | number>(sums: Sums<K>, key: K, amount: number, keep: number): Sums<K> {
  for (let i = sums.length - 2; i >= 0; i -= 2) {
    if (sums[i] === key) {
      sums[i + 1] = (sums[i + 1] as number) + amount;
      return sums;
    }
  }
  let at = sums.length;
  while (at > 0 && (sums[at - 2] as K) > key) at -= 2;
  // concat and slice allocate exactly what they hold; a push would leave room for 16 more.
  const added = sums.slice(0, at).concat([key, amount], sums.slice(at));
  return added.length > keep * 2 ? added.slice(2) : added;
}

// A lot is three numbers of CustomerState.lotNumbers: its expiry, when it was earned, and what remains.
const LOT = 3;
const EXPIRES = 0;
const EARNED = 1;
const REMAINING = 2;

/**
 * One customer as one version of the replay sees it: a member's balances (the ledger's cache and
 * its lots) or, before enrolment, only the records its returns and evidence need. A replay holds
 * one per customer and version, and a member keeps a lot and a record per sale of the return
 * window: those are packed into lists rather than kept as objects.
 */
export class CustomerState {
  member = false;
  tier = "";
  issuedOn = "";
  cycleStart = "";
  /** The cached spend of `cycleStart`, never below zero (as the member row keeps it). */
  cycleSpend = 0;
  /** Ledger sums of qualifying spend by cycle start, oldest first: what a late receipt of an earlier cycle is judged against. */
  private cycles: Sums<string> = [];
  balance = 0;
  debt = 0;
  parkingHours = 0;
  lastQualifyingOn: string | null = null;
  /** The lots in spending order (expiry, then creation; the ledger's lot id breaks ties), LOT numbers each. */
  private lotNumbers: number[] = [];
  /** The receipt each lot was earned on, by lot; null for bonus points and merged lots. */
  private lotReceipts: (string | null)[] = [];
  /** Sales still returnable, oldest first, from `recordsHead` on. */
  records: SaleRecord[] = [];
  recordsHead = 0;
  /** The tier the customer enrolled in, and each move since (" silver@2026-03-02"): the path is written out when asked for. */
  private firstTier = "";
  private moves = "";
  /** The member's standing, as year-end and lifecycle rules leave it. */
  status: MemberStatus = "active";
  supreme = false;
  /** Qualifying spend by calendar year, oldest first: what year-end rules read. */
  private yearSpend: Sums<number> = [];
  /** The entry rule that admitted the customer, when an enrolment did. */
  entryRule: string | null = null;
  /** The store-day the customer shopped without a card and will apply on (same-day evidence), and its last receipt's instant. */
  applyDate = "";
  applyAt = "";
  /** The latest store-day, kept in the customer rather than as an object: a new one starts on most sales. */
  private dayDate = "";
  private dayStore = "";
  private dayPayable = 0;
  private dayHours = 0;
  /** Other store-days still within reach: other stores of the latest day, and earlier days synced late. */
  private otherDays: StoreDay[] | null = null;
  /** Expired lots are dropped up to this instant. */
  private expiredUpTo = Number.NEGATIVE_INFINITY;

  constructor(readonly id: string) {}

  /** The member's tiers with the dates they began, e.g. "guest@2026-01-05 silver@2026-03-02"; empty before enrolment. */
  get path(): string {
    return this.member ? `${this.firstTier}@${this.issuedOn}${this.moves}` : "";
  }

  /** How many lots the member holds. */
  get lotCount(): number {
    return this.lotReceipts.length;
  }

  /** The lots in spending order, written out as objects (the replay keeps them packed): for reports and tests. */
  listLots(): Lot[] {
    const n = this.lotNumbers;
    return this.lotReceipts.map((receiptId, i) => ({ expiresAt: n[i * LOT + EXPIRES]!, atMs: n[i * LOT + EARNED]!, receiptId, remaining: n[i * LOT + REMAINING]! }));
  }

  /** Makes the customer a member. */
  enrol(tier: string, issuedOn: string, cycleStart = issuedOn, cycleSpend = 0): void {
    this.member = true;
    this.tier = tier;
    this.issuedOn = issuedOn;
    this.cycleStart = cycleStart;
    this.cycleSpend = cycleSpend;
    if (cycleSpend !== 0) this.cycles = addToSums(this.cycles, cycleStart, cycleSpend, 4);
    this.firstTier = tier;
  }

  /** Moves the member to a tier. */
  moveTo(tier: string, on: string): void {
    this.tier = tier;
    this.moves += ` ${tier}@${on}`;
  }

  /** The ledger's sum of qualifying spend in the cycle starting on `start`. */
  spendOfCycle(start: string): number {
    return sumOf(this.cycles, start);
  }

  /** Adds (or, negative, reverses) qualifying spend in a calendar year; three years are kept, as year ends read two. */
  addYearSpend(year: number, amount: number): void {
    if (amount !== 0) this.yearSpend = addToSums(this.yearSpend, year, amount, 3);
  }

  /** Qualifying spend in a calendar year. */
  spendOfYear(year: number): number {
    return sumOf(this.yearSpend, year);
  }

  /** Forfeits every point (ledger.take with points_forfeited): returns how many. */
  forfeitAll(book: PointsBook): number {
    let forfeited = 0;
    for (let i = 0; i < this.lotReceipts.length; i++) forfeited += this.use(i, this.lotNumbers[i * LOT + REMAINING]!, book);
    this.keepLots(0);
    this.balance -= forfeited;
    return forfeited;
  }

  /** Drops lots expired by `nowMs` (the book counted them when the clock passed their instant). */
  dropExpired(nowMs: number): void {
    if (nowMs <= this.expiredUpTo) return;
    this.expiredUpTo = nowMs;
    const n = this.lotNumbers;
    // Lots are in expiry order: the first one says whether any expired.
    if (n.length === 0 || n[EXPIRES]! > nowMs) return;
    let kept = 0;
    for (let i = 0; i < this.lotReceipts.length; i++) {
      if (n[i * LOT + EXPIRES]! <= nowMs) this.balance -= n[i * LOT + REMAINING]!;
      else this.moveLot(i, kept++);
    }
    this.keepLots(kept);
  }

  /** Earns points: debt is repaid first, the rest becomes a lot (ledger.earn). */
  earn(points: number, expiresAt: number, receiptId: string | null, atMs: number, book: PointsBook): { repaid: number; kept: number } {
    if (points <= 0) return { repaid: 0, kept: 0 };
    const repaid = Math.min(points, this.debt);
    const kept = points - repaid;
    this.debt -= repaid;
    if (kept > 0) {
      const n = this.lotNumbers;
      const count = this.lotReceipts.length;
      let i = count;
      // Lots stay in spending order (expiry, then creation); a late receipt's lot may belong before the last.
      while (i > 0 && n[(i - 1) * LOT + EXPIRES]! > expiresAt) i--;
      if (i === count) {
        n.push(expiresAt, atMs, kept);
        this.lotReceipts.push(receiptId);
      } else {
        n.splice(i * LOT, 0, expiresAt, atMs, kept);
        this.lotReceipts.splice(i, 0, receiptId);
      }
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
    const n = this.lotNumbers;
    const count = this.lotReceipts.length;
    let kept = 1;
    let i = 1;
    for (; i < count; i++) {
      if (n[i * LOT + EARNED]! >= oldestMs) break;
      const previous = kept - 1;
      if (n[previous * LOT + EXPIRES] === n[i * LOT + EXPIRES] && n[previous * LOT + EARNED]! < oldestMs) {
        n[previous * LOT + REMAINING]! += n[i * LOT + REMAINING]!;
        this.lotReceipts[previous] = null;
      } else this.moveLot(i, kept++);
    }
    if (kept === i) return;
    for (; i < count; i++) this.moveLot(i, kept++);
    this.keepLots(kept);
  }

  /**
   * Takes points back for a return: from the original receipt's lots first, then oldest first;
   * what the balance cannot cover becomes debt (ledger.take with points_reversed).
   */
  takeBack(points: number, preferReceiptId: string | null, book: PointsBook): { taken: number; debt: number } {
    if (points <= 0) return { taken: 0, debt: 0 };
    let left = points;
    const receipts = this.lotReceipts;
    if (preferReceiptId !== null) for (let i = 0; i < receipts.length && left > 0; i++) if (receipts[i] === preferReceiptId) left -= this.use(i, left, book);
    for (let i = 0; i < receipts.length && left > 0; i++) left -= this.use(i, left, book);
    let kept = 0;
    for (let i = 0; i < receipts.length; i++) if (this.lotNumbers[i * LOT + REMAINING]! > 0) this.moveLot(i, kept++);
    this.keepLots(kept);
    const taken = points - left;
    this.balance -= taken;
    this.debt += left;
    return { taken, debt: left };
  }

  private use(lot: number, wanted: number, book: PointsBook): number {
    const n = this.lotNumbers;
    const used = Math.min(wanted, n[lot * LOT + REMAINING]!);
    if (used > 0) {
      n[lot * LOT + REMAINING]! -= used;
      book.remove(n[lot * LOT + EXPIRES]!, used);
    }
    return used;
  }

  private moveLot(from: number, to: number): void {
    if (from === to) return;
    const n = this.lotNumbers;
    for (let k = 0; k < LOT; k++) n[to * LOT + k] = n[from * LOT + k]!;
    this.lotReceipts[to] = this.lotReceipts[from]!;
  }

  /** Keeps the first `count` lots. */
  private keepLots(count: number): void {
    this.lotNumbers.length = count * LOT;
    this.lotReceipts.length = count;
  }

  /** Rolls the cached cycle forward when a new one has begun (ledger.enterCycle). */
  enterCycle(start: string): void {
    if (start > this.cycleStart) {
      this.cycleStart = start;
      this.cycleSpend = 0;
    }
  }

  /** Adds (or, negative, reverses) qualifying spend in a cycle (ledger.addSpend); a few cycles back is as late as a till ever syncs. */
  addSpend(amount: number, start: string): void {
    if (amount === 0) return;
    this.cycles = addToSums(this.cycles, start, amount, 4);
    if (start === this.cycleStart) this.cycleSpend = Math.max(0, this.cycleSpend + amount);
    else if (amount > 0 && start > this.cycleStart) {
      this.cycleStart = start;
      this.cycleSpend = amount;
    }
  }

  private isLatestDay(storeId: string, date: string): boolean {
    return date === this.dayDate && storeId === this.dayStore;
  }

  private otherDay(storeId: string, date: string): StoreDay | undefined {
    if (this.otherDays !== null) for (const day of this.otherDays) if (day.date === date && day.storeId === storeId) return day;
    return undefined;
  }

  /** The member's payable total at a store on a local date, over the sales before this one. */
  dayPayableBefore(storeId: string, date: string): number {
    return this.isLatestDay(storeId, date) ? this.dayPayable : (this.otherDay(storeId, date)?.payable ?? 0);
  }

  /** Counts a sale's payable toward the store-day; returns the parking hours it adds to those already given that day. */
  addToDay(storeId: string, date: string, payable: number, hoursToday: number): number {
    if (!this.isLatestDay(storeId, date)) {
      let day = this.otherDay(storeId, date);
      // An earlier day synced late stays within reach for a while.
      if (day === undefined && date < this.dayDate) (this.otherDays ??= []).push((day = { date, storeId, payable: 0, hours: 0 }));
      if (day !== undefined) {
        day.payable += payable;
        const added = hoursToday > day.hours ? hoursToday - day.hours : 0;
        if (added > 0) day.hours = hoursToday;
        return added;
      }
      // Another store the same day stays within reach; days before the new one are let go.
      if (date === this.dayDate) (this.otherDays ??= []).push({ date, storeId: this.dayStore, payable: this.dayPayable, hours: this.dayHours });
      else if (this.otherDays !== null) this.otherDays = this.otherDays.filter((d) => d.date >= date);
      this.dayDate = date;
      this.dayStore = storeId;
      this.dayPayable = 0;
      this.dayHours = 0;
    }
    this.dayPayable += payable;
    const added = hoursToday > this.dayHours ? hoursToday - this.dayHours : 0;
    if (added > 0) this.dayHours = hoursToday;
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
