import { cycleOn, endOfLocalDate, localDayOf, parseInstant, pointsValidThrough, yearOf, type LocalDay } from "../calendar";
import type { Decision, MemberChangeDecision } from "../decision";
import { checkReturn, decideReturn, type ReturnDecision, type ReturnInput } from "../effects/returns";
import type { CompiledPolicy } from "../evaluate/compiled";
import type { SaleInput } from "../facts/gather";
import type { MemberStatus, Policy } from "../policy/schema";
import type { MemberSnapshot, Receipt } from "../receipt";
import type { ClaimEvent, EnrolEvent, OpenEvent, ReturnEvent, SaleEvent } from "./events";
import { CustomerState, PointsBook, recordSale, unpackSale, type Evidence, type SaleRecord } from "./member-state";

/**
 * How customers of the history become members:
 * - `same-day-evidence`: a customer who is not a member applies at the end of each store-day it
 *   shopped, with that day's sales (decided as anonymous) as evidence; the engine's `enrol` decides,
 *   and a refused customer stays anonymous and may apply again on a later day;
 * - `first-sale`: every customer becomes a member of the lowest tier on the day of its first sale, before it;
 * - `explicit`: only `enrol` events (recorded history) make members.
 */
export type EnrolmentMode = "same-day-evidence" | "first-sale" | "explicit";

/** What one version of a replay has counted; amounts in fen, net of returns. */
export class VersionStats {
  sales = 0;
  memberSales = 0;
  anonymousSales = 0;
  claims = 0;
  returns = 0;
  returnsAnonymous = 0;
  returnsUnmatched = 0;
  returnsRefused = 0;
  gross = 0;
  discount = 0;
  payable = 0;
  memberDiscount = 0;
  qualifyingSpend = 0;
  pointsIssued = 0;
  pointsReversed = 0;
  pointsExpired = 0;
  debtCreated = 0;
  debtRepaid = 0;
  parkingHours = 0;
  giftParkingHours = 0;
  opened = 0;
  enrolled = 0;
  refused = 0;
  readonly enrolledByTier = new Map<string, number>();
  upgrades = 0;
  readonly upgradesByMove = new Map<string, number>();
  supremeGranted = 0;
  supremeRevoked = 0;
  bonusPoints = 0;
  pointsForfeited = 0;
  readonly statusChanged = new Map<string, number>();
  readonly tierByMonth: { month: string; counts: Record<string, number> }[] = [];
}

/** What one version decided for a sale, for the comparison of versions. */
export interface SaleOutcome {
  decision: Decision;
  /** The customer's tier when the sale was decided, or null when it was anonymous in this version. */
  tier: string | null;
  /** Parking hours this sale added to those already given that store-day. */
  parkingAdded: number;
  /** What the customer's state keeps of the sale; null for a sale of no known customer. */
  record: SaleRecord | null;
}

/** What one version decided for a return; null when it was skipped (unknown original, or refused). */
export type ReturnOutcome = ReturnDecision | null;

/** Options of one version's replay. */
export interface ReplayOptions {
  enrolment: EnrolmentMode;
  /** Sales stay returnable this many days after they happened; returns of older sales are skipped and counted. */
  returnWindowDays: number;
  /** Decide with a trace that names the rules and whether they fired, without facts or failed conditions. */
  lean: boolean;
}

const NO_PROFILE = Object.freeze({ student: false, studentOfficer: false });
const DAY_MS = 86_400_000;

function addMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${y}-${m < 9 ? "0" : ""}${m + 1}`;
}

/**
 * The customers of a replay by slot. The versions of a simulation share one, so that an event's
 * customer is looked up once for all of them and each keeps its states in a list by slot.
 */
export class CustomerSlots {
  private readonly byId = new Map<string, number>();
  /** The customers' ids by slot, in the order they were first seen. */
  readonly ids: string[] = [];

  /** The customer's slot; a new one for a customer not seen before. */
  slotOf(id: string): number {
    let slot = this.byId.get(id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.byId.set(id, slot);
      this.ids.push(id);
    }
    return slot;
  }

  /** The customer's slot, or -1 for a customer not seen. */
  find(id: string): number {
    return this.byId.get(id) ?? -1;
  }
}

/**
 * One policy version's side of a replay: the members of the history as live commits would leave
 * them (points lots and their expiry, debt, cycles, tiers and gift hours, returns), and counters.
 * Mirrors the service's ledger (api/src/services/{sales,members,ledger,lifecycle}.ts), with points
 * expired at their instant as a lifecycle run at every instant would.
 */
export class VersionReplay {
  readonly policy: Policy;
  /** The customers' states by slot (see CustomerSlots), in the order they were first seen. */
  readonly customers: CustomerState[] = [];
  readonly book = new PointsBook();
  readonly tierCounts = new Map<string, number>();
  /** The counters of the reporting period; `warmUp` takes what happens before it. */
  readonly counted = new VersionStats();
  private readonly warmUp = new VersionStats();
  stats: VersionStats = this.counted;
  debt = 0;
  private readonly decide: (input: SaleInput) => Decision;
  private readonly timeZone: string;
  private readonly extraYears: number;
  private readonly expireAfterYears: number;
  private readonly windowMs: number;
  private readonly expiryByYear = new Map<number, number>();
  private readonly lowestTier: string;
  private readonly policyRef: Decision["policy"];
  private clockMs = Number.NEGATIVE_INFINITY;
  private clockDate = "";
  private clockMonth = "";
  private pending: CustomerState[] = [];

  constructor(
    readonly compiled: CompiledPolicy,
    private readonly options: ReplayOptions,
    private readonly slots = new CustomerSlots(),
  ) {
    this.policy = compiled.policy;
    const lean = options.lean ? compiled.decideLean : undefined;
    this.decide = lean ?? compiled.decide;
    this.timeZone = this.policy.settings.timezone;
    this.extraYears = this.policy.settings.cycle.firstCycleExtraYears;
    this.expireAfterYears = this.policy.settings.points.expireAfterYears;
    this.windowMs = options.returnWindowDays * DAY_MS;
    this.lowestTier = this.policy.tiers[0]!.id;
    this.policyRef = { id: this.policy.id, version: this.policy.version };
    for (const tier of this.policy.tiers) this.tierCounts.set(tier.id, 0);
  }

  /** Counts into the reporting period's counters, or into the warm-up's. */
  setCounting(counting: boolean): void {
    this.stats = counting ? this.counted : this.warmUp;
  }

  private customerAt(slot: number): CustomerState {
    return (this.customers[slot] ??= new CustomerState(this.slots.ids[slot]!));
  }

  /** The customer's state, if the replay has seen it. */
  find(id: string): CustomerState | undefined {
    const slot = this.slots.find(id);
    return slot < 0 ? undefined : this.customers[slot];
  }

  private expiresAt(earnedOn: string): number {
    const year = yearOf(earnedOn);
    let at = this.expiryByYear.get(year);
    if (at === undefined) {
      at = parseInstant(endOfLocalDate(pointsValidThrough(earnedOn, this.expireAfterYears), this.timeZone));
      this.expiryByYear.set(year, at);
    }
    return at;
  }

  /** Moves the clock: enrolments of days gone by are decided, months closed, points expired; returns the local day (shared: read, never change it). */
  advance(atMs: number): LocalDay {
    const day = localDayOf(atMs, this.timeZone);
    if (day.date > this.clockDate) {
      if (this.pending.length > 0) this.decideApplications();
      // A new calendar year: close the ones that ended, as the first lifecycle run after each would.
      if (this.clockDate !== "") for (let year = yearOf(this.clockDate); year < yearOf(day.date); year++) this.closeYear(year);
      const month = day.date.slice(0, 7);
      if (this.clockMonth !== "") for (let m = this.clockMonth; m < month; m = addMonth(m)) this.closeMonth(m);
      this.clockMonth = month;
      this.clockDate = day.date;
    }
    if (atMs > this.clockMs) {
      this.clockMs = atMs;
      const expired = this.book.expireUpTo(atMs);
      if (expired > 0) this.stats.pointsExpired += expired;
    }
    return day;
  }

  /**
   * What a lifecycle run on 1 January does after `year`: its year-end rules for every member
   * issued by then, then the lifecycle rules (dormant, cancelled) as of that instant. The replay
   * runs the lifecycle rules once a year, as a store running them each 1 January would.
   */
  private closeYear(year: number): void {
    const scopes = this.compiled.plan.scopes;
    if (scopes["year-end"].length === 0 && scopes.lifecycle.length === 0) return;
    const endsAt = endOfLocalDate(`${year}-12-31`, this.timeZone);
    const endsAtMs = parseInstant(endsAt);
    const newYear = `${year + 1}-01-01`;
    for (const c of this.customers) {
      if (!c.member || c.issuedOn > `${year}-12-31`) continue;
      c.dropExpired(endsAtMs);
      if (scopes["year-end"].length > 0) {
        const { snapshot } = this.snapshotOf(c, newYear);
        this.applyChange(c, this.compiled.yearEnd({ member: snapshot, year, yearQualifyingSpend: c.spendOfYear(year), priorYearQualifyingSpend: c.spendOfYear(year - 1), pointsBalance: c.balance }), newYear, endsAtMs);
      }
      if (scopes.lifecycle.length > 0) {
        // Taken again: the year end may have changed the member's standing.
        const { snapshot } = this.snapshotOf(c, newYear);
        this.applyChange(c, this.compiled.lifecycle({ member: snapshot, at: endsAt, lastQualifyingOn: c.lastQualifyingOn, pointsBalance: c.balance }), newYear, endsAtMs);
      }
    }
  }

  /** Applies a year-end or lifecycle decision to a member (lifecycle.apply in the service). */
  private applyChange(c: CustomerState, change: MemberChangeDecision, date: string, atMs: number): void {
    const stats = this.stats;
    if (change.supreme) {
      c.supreme = change.supreme.to;
      if (c.supreme) stats.supremeGranted++;
      else stats.supremeRevoked++;
    }
    if (change.bonusPoints) {
      const points = change.bonusPoints.points;
      const { repaid } = c.earn(points, this.expiresAt(date), null, atMs, this.book);
      stats.pointsIssued += points;
      stats.bonusPoints += points;
      stats.debtRepaid += repaid;
      this.debt -= repaid;
    }
    if (change.status) {
      c.status = change.status.to as MemberStatus;
      stats.statusChanged.set(c.status, (stats.statusChanged.get(c.status) ?? 0) + 1);
    }
    if (change.forfeitPoints) stats.pointsForfeited += c.forfeitAll(this.book);
  }

  private closeMonth(month: string): void {
    this.stats.tierByMonth.push({ month, counts: Object.fromEntries(this.tierCounts) });
  }

  /**
   * Ends the replay at `endMs` (the period's exclusive end, or the last event): pending applications
   * are decided, points due by then are expired, the last month is closed.
   */
  finish(endMs: number, exclusive = false): void {
    if (Number.isFinite(endMs)) {
      this.advance(exclusive ? endMs - 1 : endMs);
      const expired = this.book.expireUpTo(endMs);
      if (expired > 0) this.stats.pointsExpired += expired;
    }
    if (this.pending.length > 0) this.decideApplications();
    if (this.clockMonth !== "") this.closeMonth(this.clockMonth);
    this.clockMonth = "";
  }

  private snapshotOf(c: CustomerState, date: string): { snapshot: MemberSnapshot; cycleStart: string } {
    const cycle = cycleOn(c.issuedOn, date, this.extraYears);
    // A receipt of a cycle before the cached one is judged against that cycle's spend (sales.snapshotOn).
    const older = cycle.start < c.cycleStart;
    const snapshot: MemberSnapshot = {
      id: c.id,
      tier: c.tier,
      status: c.status,
      supreme: c.supreme,
      issuedOn: c.issuedOn,
      cycleStart: older ? cycle.start : c.cycleStart,
      cycleSpend: older ? c.spendOfCycle(cycle.start) : c.cycleSpend,
      profile: NO_PROFILE,
      plan: null,
      referred: false,
    };
    return { snapshot, cycleStart: cycle.start };
  }

  private makeMember(c: CustomerState, tier: string, issuedOn: string, cycleStart?: string, cycleSpend?: number): void {
    c.enrol(tier, issuedOn, cycleStart, cycleSpend);
    this.tierCounts.set(tier, (this.tierCounts.get(tier) ?? 0) + 1);
  }

  /** What a member's sale adds to its ledger: points, spend in its cycle, a tier move and its gift hours (sales.applySale). */
  private applySale(c: CustomerState, decision: Decision, receiptId: string, atMs: number, date: string, cycleStart: string): void {
    const stats = this.stats;
    c.enterCycle(cycleStart);
    const earned = decision.points.earned;
    if (earned > 0) {
      const { repaid } = c.earn(earned, this.expiresAt(date), receiptId, atMs, this.book);
      if (this.windowMs > 0 && c.lotCount > 8) c.compactLots(atMs - this.windowMs);
      stats.pointsIssued += earned;
      stats.debtRepaid += repaid;
      this.debt -= repaid;
    }
    const spend = decision.totals.qualifyingSpend;
    c.addSpend(spend, cycleStart);
    c.addYearSpend(yearOf(date), spend);
    if (spend > 0) {
      c.lastQualifyingOn = date;
      // A qualifying sale wakes a dormant card.
      if (c.status === "dormant") c.status = "active";
    }
    const change = decision.tierChange;
    if (change !== null) {
      this.tierCounts.set(c.tier, (this.tierCounts.get(c.tier) ?? 1) - 1);
      this.tierCounts.set(change.to, (this.tierCounts.get(change.to) ?? 0) + 1);
      const move = `${c.tier}→${change.to}`;
      stats.upgradesByMove.set(move, (stats.upgradesByMove.get(move) ?? 0) + 1);
      stats.upgrades++;
      c.moveTo(change.to, date);
      if (change.giftParkingHours > 0) {
        c.parkingHours += change.giftParkingHours;
        stats.giftParkingHours += change.giftParkingHours;
      }
    }
  }

  private keep(c: CustomerState, record: SaleRecord): void {
    c.keepRecord(record, this.windowMs > 0 ? record.atMs - this.windowMs : Number.NEGATIVE_INFINITY);
  }

  private recordOf(event: SaleEvent | ClaimEvent, decision: Decision, atMs: number, cycleStart: string | null, evidence: Evidence | null, alike: SaleRecord | null | undefined): SaleRecord {
    const receipt = event.receipt;
    return recordSale(receipt.receiptId ?? "", atMs, receipt.lines, event.kind === "sale" ? event.units : undefined, decision, cycleStart, evidence, alike ?? undefined);
  }

  private countSale(decision: Decision): void {
    const stats = this.stats;
    const totals = decision.totals;
    stats.sales++;
    stats.gross += totals.gross;
    stats.discount += totals.discount;
    stats.payable += totals.payable;
  }

  /**
   * Decides and applies a sale; `slot` is the customer's (CustomerSlots), -1 for an anonymous
   * sale, and `alike` another version's record of it, whose line amounts the record may share.
   */
  sale(event: SaleEvent, atMs: number, slot: number, alike?: SaleRecord | null): SaleOutcome {
    const day = this.advance(atMs);
    const date = day.date;
    const receipt = event.receipt;
    const c = slot < 0 ? null : this.customerAt(slot);
    if (c !== null && !c.member && this.options.enrolment === "first-sale") {
      this.makeMember(c, this.lowestTier, date);
      this.stats.enrolled++;
      this.stats.enrolledByTier.set(this.lowestTier, (this.stats.enrolledByTier.get(this.lowestTier) ?? 0) + 1);
    }
    const stats = this.stats;
    // A cancelled card is refused at the till: the sale goes through without it.
    if (c !== null && c.member && c.status !== "cancelled") {
      c.dropExpired(atMs);
      const { snapshot, cycleStart } = this.snapshotOf(c, date);
      const tier = c.tier;
      const decision = this.decide({ receipt, member: snapshot, dayPayableBefore: c.dayPayableBefore(receipt.storeId, date) });
      this.applySale(c, decision, receipt.receiptId ?? "", atMs, date, cycleStart);
      const parkingAdded = c.addToDay(receipt.storeId, date, decision.totals.payable, decision.parking.freeHoursToday);
      this.countSale(decision);
      stats.memberSales++;
      stats.memberDiscount += decision.totals.discount;
      stats.qualifyingSpend += decision.totals.qualifyingSpend;
      stats.parkingHours += parkingAdded;
      const record = this.recordOf(event, decision, atMs, cycleStart, null, alike);
      this.keep(c, record);
      return { decision, tier, parkingAdded, record };
    }
    const decision = this.decide({ receipt, member: null, dayPayableBefore: 0 });
    this.countSale(decision);
    stats.anonymousSales++;
    if (c !== null) {
      const mode = this.options.enrolment;
      const evidence = mode === "same-day-evidence" || (mode === "explicit" && event.evidence === true);
      if (mode === "same-day-evidence" && c.applyDate !== date) {
        c.applyDate = date;
        this.pending.push(c);
      }
      if (evidence) c.applyAt = receipt.at;
      const record = this.recordOf(event, decision, atMs, null, evidence ? { localDate: date, storeId: receipt.storeId, spend: decision.totals.qualifyingSpend } : null, alike);
      this.keep(c, record);
      return { decision, tier: null, parkingAdded: 0, record };
    }
    return { decision, tier: null, parkingAdded: 0, record: null };
  }

  /** Decides the applications of customers who shopped without a card on the day that just ended. */
  private decideApplications(): void {
    const pending = this.pending;
    this.pending = [];
    for (const c of pending) {
      const date = c.applyDate;
      c.applyDate = "";
      if (c.member) continue;
      // The store of the day with the most evidence: thresholds rise with spend, so it is the best application.
      const byStore = new Map<string, { spend: number; count: number }>();
      for (const record of c.records) {
        const evidence = record.evidence;
        if (evidence === null || evidence.localDate !== date) continue;
        const sum = byStore.get(evidence.storeId) ?? { spend: 0, count: 0 };
        sum.spend += evidence.spend;
        sum.count++;
        byStore.set(evidence.storeId, sum);
      }
      let store: string | null = null;
      let best = { spend: Number.NEGATIVE_INFINITY, count: 0 };
      for (const [storeId, sum] of byStore) {
        if (sum.spend > best.spend) {
          store = storeId;
          best = sum;
        }
      }
      for (const record of c.records) if (record.evidence?.localDate === date) record.evidence = null;
      if (store === null) continue;
      const decision = this.compiled.enrol({ at: c.applyAt, storeId: store, evidenceQualifyingSpend: best.spend, evidenceReceiptCount: best.count, profile: NO_PROFILE });
      if (decision.accepted) {
        this.makeMember(c, decision.tier, date);
        c.entryRule = decision.rules[0] ?? null;
        this.stats.enrolled++;
        this.stats.enrolledByTier.set(decision.tier, (this.stats.enrolledByTier.get(decision.tier) ?? 0) + 1);
      } else this.stats.refused++;
    }
  }

  /** Reverses the returned share of an earlier sale; returns of unknown or refused returns are skipped and counted. */
  return(event: ReturnEvent, atMs: number, slot: number): ReturnOutcome {
    const day = this.advance(atMs);
    const stats = this.stats;
    if (event.customerId === null) {
      stats.returnsAnonymous++;
      return null;
    }
    const c = slot < 0 ? undefined : this.customers[slot];
    const record = c?.record(event.originalReceiptId);
    // Past the window a sale is no longer returnable here, even when its record is still around.
    if (c === undefined || record === undefined || (this.windowMs > 0 && record.atMs < atMs - this.windowMs)) {
      stats.returnsUnmatched++;
      return null;
    }
    // Only the member's own sales (they have a cycle) earned points and counted spend.
    const owner = record.cycleStart !== null && c.member ? c : null;
    const original = unpackSale(record, this.policyRef, owner === null ? null : { id: owner.id, tier: owner.tier });
    const input: ReturnInput = {
      // The engine reads only lineId and quantity of the original receipt's lines.
      original: { receipt: original.receipt as unknown as Receipt, decision: original.decision },
      returnedBefore: record.returned ?? {},
      lines: event.lines,
      memberTierNow: owner?.tier ?? null,
    };
    if (checkReturn(input).length > 0) {
      stats.returnsRefused++;
      return null;
    }
    const decision = decideReturn(input);
    const returned = (record.returned ??= {});
    for (const line of event.lines) returned[line.lineId] = (returned[line.lineId] ?? 0) + line.quantity;
    stats.returns++;
    stats.gross += decision.totals.gross;
    stats.discount += decision.totals.discount;
    stats.payable += decision.totals.payable;
    if (owner !== null) {
      owner.dropExpired(atMs);
      const { taken, debt } = owner.takeBack(-decision.points.earned, record.receiptId, this.book);
      stats.pointsReversed += taken + debt;
      stats.debtCreated += debt;
      this.debt += debt;
      stats.memberDiscount += decision.totals.discount;
      stats.qualifyingSpend += decision.totals.qualifyingSpend;
      if (record.cycleStart !== null) owner.addSpend(decision.totals.qualifyingSpend, record.cycleStart);
      // A return counts in the calendar year it happens, as the ledger's entries do.
      owner.addYearSpend(yearOf(day.date), decision.totals.qualifyingSpend);
    }
    if (record.evidence !== null) record.evidence.spend += decision.totals.qualifyingSpend;
    return decision;
  }

  /** A recorded enrolment: the engine decides it on the evidence receipts as this version decided them. */
  enrol(event: EnrolEvent, atMs: number, slot: number): void {
    const day = this.advance(atMs);
    const c = this.customerAt(slot);
    if (c.member) return;
    const ids = event.evidenceReceiptIds === undefined ? null : new Set(event.evidenceReceiptIds);
    let spend = 0;
    let count = 0;
    for (const record of c.records) {
      const evidence = record.evidence;
      if (evidence === null || (ids !== null && !ids.has(record.receiptId))) continue;
      spend += evidence.spend;
      count++;
      record.evidence = null;
    }
    const decision = this.compiled.enrol({ at: event.at, storeId: event.storeId, evidenceQualifyingSpend: spend, evidenceReceiptCount: count, profile: event.profile ?? NO_PROFILE });
    if (!decision.accepted) {
      this.stats.refused++;
      return;
    }
    this.makeMember(c, decision.tier, day.date);
    c.entryRule = decision.rules[0] ?? null;
    this.stats.enrolled++;
    this.stats.enrolledByTier.set(decision.tier, (this.stats.enrolledByTier.get(decision.tier) ?? 0) + 1);
  }

  /** A recorded claim: the anonymous sale is decided again for the member, as the service does, and applied. */
  claim(event: ClaimEvent, atMs: number, slot: number, alike?: SaleRecord | null): SaleOutcome | null {
    this.advance(atMs);
    const c = slot < 0 ? undefined : this.customers[slot];
    if (c === undefined || !c.member) return null;
    const receipt = event.receipt;
    const saleMs = parseInstant(receipt.at);
    const date = localDayOf(saleMs, this.timeZone).date;
    c.dropExpired(atMs);
    const { snapshot, cycleStart } = this.snapshotOf(c, date);
    const tier = c.tier;
    const decision = this.decide({ receipt: { ...receipt, memberId: c.id }, member: snapshot, dayPayableBefore: c.dayPayableBefore(receipt.storeId, date), pricesFixed: true });
    this.applySale(c, decision, receipt.receiptId ?? "", saleMs, date, cycleStart);
    // The claimed row keeps the payable of its anonymous decision, and that is what later same-day totals add up.
    const anonymous = this.decide({ receipt, member: null, dayPayableBefore: 0 });
    const parkingAdded = c.addToDay(receipt.storeId, date, anonymous.totals.payable, decision.parking.freeHoursToday);
    const stats = this.stats;
    stats.claims++;
    stats.qualifyingSpend += decision.totals.qualifyingSpend;
    stats.parkingHours += parkingAdded;
    const record = this.recordOf(event, decision, saleMs, cycleStart, null, alike);
    this.keep(c, record);
    return { decision, tier, parkingAdded, record };
  }

  /** A member that exists before the history starts. */
  open(event: OpenEvent, atMs: number, slot: number): void {
    this.advance(atMs);
    const c = this.customerAt(slot);
    if (c.member) return;
    const cycleStart = event.cycleStart ?? cycleOn(event.issuedOn, localDayOf(atMs, this.timeZone).date, this.extraYears).start;
    this.makeMember(c, event.tier, event.issuedOn, cycleStart, event.cycleSpend ?? 0);
    this.stats.opened++;
  }
}
