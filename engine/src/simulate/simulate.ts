import { parseInstant } from "../calendar";
import type { Decision } from "../decision";
import type { CompiledPolicy } from "../evaluate/compiled";
import type { Policy } from "../policy/schema";
import { eventAt, type HistoryEvent, type SaleEvent } from "./events";
import { CustomerSlots, VersionReplay, type EnrolmentMode, type ReturnOutcome, type SaleOutcome, type VersionStats } from "./replay";

/** What changed between two versions' decisions of one receipt. */
export type ChangeKind = "discount" | "points" | "parking" | "tier";
const CHANGE_KINDS: readonly ChangeKind[] = ["discount", "points", "parking", "tier"];
const FLAG: Record<ChangeKind, number> = { discount: 1, points: 2, parking: 4, tier: 8 };

/** Options of a simulation. */
export interface SimulationOptions {
  /** The version under study. */
  draft: CompiledPolicy;
  /** The version it is compared with (deltas are draft − baseline); none for a single-version replay. */
  baseline?: CompiledPolicy | null;
  enrolment?: EnrolmentMode;
  /** Default 90. */
  returnWindowDays?: number;
  /** Reporting period, ISO instants: events before `from` build state without being counted; reading stops at `to`. */
  from?: string | null;
  to?: string | null;
  /** Decide with a lean trace (default true): the same decisions, less to allocate. */
  lean?: boolean;
  /** Called every `progressEvery` events (default 50,000) and at the end. */
  onProgress?: (progress: SimulationProgress) => void;
  progressEvery?: number;
  /** Awaited every `pauseEvery` events (default 20,000) of a synchronous source, so a server stays responsive. */
  pause?: () => Promise<void>;
  pauseEvery?: number;
  /** Checked with each progress report; once aborted, the simulation stops with a SimulationAborted error. */
  signal?: { readonly aborted: boolean };
  /** Examples kept per kind of change (default 5) and members listed as most affected (default 10). */
  examples?: number;
  topMembers?: number;
}

/** Where a running simulation is. */
export interface SimulationProgress {
  events: number;
  sales: number;
  returns: number;
  /** The instant of the last event read. */
  at: string | null;
}

/** Thrown when a simulation's signal is aborted. */
export class SimulationAborted extends Error {
  constructor() {
    super("the simulation was cancelled");
    this.name = "SimulationAborted";
  }
}

/** One version's figures: amounts in fen net of returns, points in points. */
export interface VersionResult {
  policy: { id: string; version: number };
  receipts: { sales: number; memberSales: number; anonymousSales: number; claims: number; returns: number; returnsAnonymous: number; returnsUnmatched: number; returnsRefused: number };
  money: { gross: number; discount: number; memberDiscount: number; payable: number; qualifyingSpend: number };
  points: { issued: number; reversed: number; expired: number; debtCreated: number; debtRepaid: number; outstanding: number; debt: number; valueFen: number; issuedValueFen: number; liabilityFen: number };
  parking: { freeHours: number; giftHours: number };
  members: { opened: number; enrolled: number; refused: number; total: number; enrolledByTier: Record<string, number>; byTier: Record<string, number> };
  upgrades: { total: number; byMove: Record<string, number> };
  /** What year ends and lifecycle rules did (once a year, each 1 January): the supreme club, bonus points, dormant and cancelled cards. */
  lifecycle: { supremeGranted: number; supremeRevoked: number; supremeMembers: number; bonusPoints: number; pointsForfeited: number; statusChanged: Record<string, number> };
  /** Members per tier at the end of each month of the period (the last month as of the end). */
  tierByMonth: { month: string; counts: Record<string, number> }[];
  /** Discount given plus the value of points issued, net of returns: what the version costs the store. */
  costFen: number;
}

/** One side of a receipt's comparison. */
export interface ReceiptSide {
  tier: string | null;
  discount: number;
  points: number;
  parkingHours: number;
  tierChange: string | null;
}

/** A receipt decided differently by the two versions. */
export interface ReceiptExample {
  receiptId: string;
  customerId: string | null;
  at: string;
  baseline: ReceiptSide;
  draft: ReceiptSide;
  /** Rules that fired in one version only, or fired in both but differ between the versions. */
  rules: string[];
}

/** A member whose replay differs most between the versions. */
export interface AffectedMember {
  customerId: string;
  receipts: number;
  discountFen: number;
  points: number;
  pointsValueFen: number;
  parkingHours: number;
  baselinePath: string;
  draftPath: string;
  rules: { rule: string; receipts: number }[];
}

/** How the draft's decisions differ from the baseline's, receipt by receipt and member by member. */
export interface DiffResult {
  receipts: { compared: number; different: number };
  members: { different: number; tierPathDifferent: number };
  byChange: Record<ChangeKind, { receipts: number; members: number; delta: number; deltaFen: number }>;
  /** Discount and points value delta over the differing receipts, in fen and yuan. */
  costDeltaFen: number;
  costDeltaYuan: number;
  examples: Record<ChangeKind, ReceiptExample[]>;
  tierPathExamples: { customerId: string; baseline: string; draft: string; rules: string[] }[];
  mostAffected: AffectedMember[];
  /** Rules whose definition differs between the versions (or that only one has). */
  changedRules: string[];
}

/** A nested record of numbers: draft − baseline for every figure both versions have. */
export type Delta = { [key: string]: number | Delta };

/** What a simulation reports. */
export interface SimulationResult {
  period: { from: string | null; to: string | null; firstEventAt: string | null; lastEventAt: string | null };
  events: number;
  draft: VersionResult;
  baseline: VersionResult | null;
  delta: Delta | null;
  diff: DiffResult | null;
}

interface MemberDiff {
  receipts: number;
  flags: number;
  discountFen: number;
  points: number;
  pointsValueFen: number;
  parkingHours: number;
  rules: Map<string, number>;
}

function recordOf(map: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function fenOf(points: number, valueFen: number): number {
  return Math.round(points * valueFen);
}

function versionResult(replay: VersionReplay): VersionResult {
  const stats: VersionStats = replay.counted;
  const policy = replay.policy;
  const valueFen = policy.settings.points.valueFen;
  const outstanding = replay.book.outstanding();
  let total = 0;
  for (const count of replay.tierCounts.values()) total += count;
  const issuedNet = stats.pointsIssued - stats.pointsReversed;
  return {
    policy: { id: policy.id, version: policy.version },
    receipts: { sales: stats.sales, memberSales: stats.memberSales, anonymousSales: stats.anonymousSales, claims: stats.claims, returns: stats.returns, returnsAnonymous: stats.returnsAnonymous, returnsUnmatched: stats.returnsUnmatched, returnsRefused: stats.returnsRefused },
    money: { gross: stats.gross, discount: stats.discount, memberDiscount: stats.memberDiscount, payable: stats.payable, qualifyingSpend: stats.qualifyingSpend },
    points: {
      issued: stats.pointsIssued,
      reversed: stats.pointsReversed,
      expired: stats.pointsExpired,
      debtCreated: stats.debtCreated,
      debtRepaid: stats.debtRepaid,
      outstanding,
      debt: replay.debt,
      valueFen,
      issuedValueFen: fenOf(issuedNet, valueFen),
      liabilityFen: fenOf(outstanding, valueFen),
    },
    parking: { freeHours: stats.parkingHours, giftHours: stats.giftParkingHours },
    members: { opened: stats.opened, enrolled: stats.enrolled, refused: stats.refused, total, enrolledByTier: recordOf(stats.enrolledByTier), byTier: recordOf(replay.tierCounts) },
    upgrades: { total: stats.upgrades, byMove: recordOf(stats.upgradesByMove) },
    lifecycle: {
      supremeGranted: stats.supremeGranted,
      supremeRevoked: stats.supremeRevoked,
      supremeMembers: replay.customers.filter((c) => c.supreme).length,
      bonusPoints: stats.bonusPoints,
      pointsForfeited: stats.pointsForfeited,
      statusChanged: recordOf(stats.statusChanged),
    },
    tierByMonth: stats.tierByMonth,
    costFen: stats.discount + fenOf(issuedNet, valueFen),
  };
}

/** draft − baseline for every number both have; lists (the monthly distribution) are left out. */
export function deltaOf(draft: unknown, baseline: unknown): Delta {
  const out: Delta = {};
  const a = draft as Record<string, unknown>;
  const b = baseline as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if ((typeof x === "number" || x === undefined) && (typeof y === "number" || y === undefined)) out[key] = (x ?? 0) - (y ?? 0);
    else if (x !== null && y !== null && typeof x === "object" && typeof y === "object" && !Array.isArray(x) && !Array.isArray(y)) out[key] = deltaOf(x, y);
    else if (x !== null && typeof x === "object" && !Array.isArray(x) && y === undefined) out[key] = deltaOf(x, {});
    else if (y !== null && typeof y === "object" && !Array.isArray(y) && x === undefined) out[key] = deltaOf({}, y);
  }
  return out;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : v));
}

/** Rules that differ between two policies: changed, added or removed (by id). */
export function changedRuleIds(a: Policy, b: Policy): Set<string> {
  const changed = new Set<string>();
  const byId = new Map(b.rules.map((rule) => [rule.id, canonical(rule)]));
  for (const rule of a.rules) {
    if (byId.get(rule.id) !== canonical(rule)) changed.add(rule.id);
    byId.delete(rule.id);
  }
  for (const id of byId.keys()) changed.add(id);
  // A changed named condition changes every rule that uses it: compare what each rule resolves to.
  if (canonical(a.conditions) !== canonical(b.conditions)) {
    const uses = (policy: Policy, id: string) => canonical(policy.rules.find((rule) => rule.id === id)?.conditions).match(/"condition":"[^"]+"/g) ?? [];
    for (const rule of a.rules) for (const ref of uses(a, rule.id)) {
      const name = ref.slice(13, -1);
      if (canonical(a.conditions[name]) !== canonical(b.conditions[name])) changed.add(rule.id);
    }
  }
  return changed;
}

function firedRules(decision: Decision, into: Set<string>): Set<string> {
  for (const entry of decision.trace) if (entry.fired) into.add(entry.rule);
  return into;
}

function sideOf(outcome: SaleOutcome): ReceiptSide {
  const d = outcome.decision;
  return { tier: outcome.tier, discount: d.totals.discount, points: d.points.earned, parkingHours: d.parking.freeHoursToday, tierChange: d.tierChange?.to ?? null };
}

/**
 * Replays a history through one or two versions, event by event, and compares what they decide.
 * Memory is per member (balances, lots, sales still returnable) plus bounded lists of examples.
 */
export class Simulation {
  readonly draft: VersionReplay;
  readonly baseline: VersionReplay | null;
  private readonly fromMs: number;
  private readonly toMs: number;
  private counting: boolean;
  private events = 0;
  private sales = 0;
  private returns = 0;
  private firstAt: string | null = null;
  private lastAt: string | null = null;
  private lastMs = Number.NEGATIVE_INFINITY;
  private ended = false;
  private readonly changed: Set<string>;
  private readonly examples: number;
  private readonly topMembers: number;
  private readonly diff = {
    compared: 0,
    different: 0,
    byChange: Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, { receipts: 0, members: 0, delta: 0, deltaFen: 0 }])) as DiffResult["byChange"],
    examples: Object.fromEntries(CHANGE_KINDS.map((kind) => [kind, [] as ReceiptExample[]])) as Record<ChangeKind, ReceiptExample[]>,
  };
  /** The customers of both versions, by slot. */
  private readonly slots = new CustomerSlots();
  /** What differs for each customer, by slot. */
  private readonly members = new Map<number, MemberDiff>();
  private readonly draftValue: number;
  private readonly baselineValue: number;

  constructor(private readonly options: SimulationOptions) {
    const replayOptions = { enrolment: options.enrolment ?? "same-day-evidence", returnWindowDays: options.returnWindowDays ?? 90, lean: options.lean ?? true };
    this.draft = new VersionReplay(options.draft, replayOptions, this.slots);
    this.baseline = options.baseline ? new VersionReplay(options.baseline, replayOptions, this.slots) : null;
    this.fromMs = options.from ? parseInstant(options.from) : Number.NEGATIVE_INFINITY;
    this.toMs = options.to ? parseInstant(options.to) : Number.POSITIVE_INFINITY;
    this.counting = this.fromMs === Number.NEGATIVE_INFINITY;
    this.draft.setCounting(this.counting);
    this.baseline?.setCounting(this.counting);
    this.changed = options.baseline ? changedRuleIds(options.draft.policy, options.baseline.policy) : new Set();
    this.examples = options.examples ?? 5;
    this.topMembers = options.topMembers ?? 10;
    this.draftValue = options.draft.policy.settings.points.valueFen;
    this.baselineValue = options.baseline?.policy.settings.points.valueFen ?? 0;
  }

  /** Where the simulation is. */
  progress(): SimulationProgress {
    return { events: this.events, sales: this.sales, returns: this.returns, at: this.lastAt };
  }

  /** Replays one event; false once the period has ended (later events are not read). */
  push(event: HistoryEvent): boolean {
    if (this.ended) return false;
    const at = eventAt(event);
    const atMs = parseInstant(at);
    if (atMs >= this.toMs) {
      this.ended = true;
      return false;
    }
    if (!this.counting && atMs >= this.fromMs) {
      // Month closes and expiry due before the period belong to the warm-up.
      this.draft.advance(this.fromMs);
      this.baseline?.advance(this.fromMs);
      this.counting = true;
      this.draft.setCounting(true);
      this.baseline?.setCounting(true);
    }
    this.events++;
    if (this.counting) this.firstAt ??= at;
    this.lastAt = at;
    if (atMs > this.lastMs) this.lastMs = atMs;
    const baseline = this.baseline;
    const slots = this.slots;
    switch (event.kind) {
      case "sale": {
        this.sales++;
        const slot = event.customerId === null ? -1 : slots.slotOf(event.customerId);
        const b = baseline?.sale(event, atMs, slot);
        const d = this.draft.sale(event, atMs, slot, b?.record);
        if (b !== undefined && this.counting) this.compareSale(event, slot, b, d);
        break;
      }
      case "return": {
        this.returns++;
        const slot = event.customerId === null ? -1 : slots.find(event.customerId);
        const b = baseline?.return(event, atMs, slot);
        const d = this.draft.return(event, atMs, slot);
        if (b !== undefined && this.counting) this.compareReturn(event.receiptId, event.customerId, slot, event.at, b, d);
        break;
      }
      case "claim": {
        const slot = slots.find(event.customerId);
        const b = baseline?.claim(event, atMs, slot);
        const d = this.draft.claim(event, atMs, slot, b?.record);
        if (b !== undefined && b !== null && d !== null && this.counting) this.compareSale({ kind: "sale", receipt: event.receipt, customerId: event.customerId }, slot, b, d);
        break;
      }
      case "enrol": {
        const slot = slots.slotOf(event.customerId);
        baseline?.enrol(event, atMs, slot);
        this.draft.enrol(event, atMs, slot);
        break;
      }
      case "open": {
        const slot = slots.slotOf(event.customerId);
        baseline?.open(event, atMs, slot);
        this.draft.open(event, atMs, slot);
        break;
      }
    }
    return true;
  }

  private member(slot: number): MemberDiff {
    let m = this.members.get(slot);
    if (m === undefined) {
      m = { receipts: 0, flags: 0, discountFen: 0, points: 0, pointsValueFen: 0, parkingHours: 0, rules: new Map() };
      this.members.set(slot, m);
    }
    return m;
  }

  private culprits(a: Decision, b: Decision): string[] {
    const fa = firedRules(a, new Set());
    const fb = firedRules(b, new Set());
    const out: string[] = [];
    for (const rule of fa) if (!fb.has(rule) || this.changed.has(rule)) out.push(rule);
    for (const rule of fb) if (!fa.has(rule)) out.push(rule);
    return out.sort();
  }

  private note(kind: ChangeKind, m: MemberDiff | null, example: () => ReceiptExample): void {
    const change = this.diff.byChange[kind];
    change.receipts++;
    if (m !== null && (m.flags & FLAG[kind]) === 0) {
      m.flags |= FLAG[kind];
      change.members++;
    }
    const list = this.diff.examples[kind];
    if (list.length < this.examples) list.push(example());
  }

  private compareSale(event: SaleEvent, slot: number, base: SaleOutcome, draft: SaleOutcome): void {
    this.diff.compared++;
    const bd = base.decision;
    const dd = draft.decision;
    const discount = dd.totals.discount - bd.totals.discount;
    const points = dd.points.earned - bd.points.earned;
    const parking = draft.parkingAdded - base.parkingAdded;
    const parkingDiffers = dd.parking.freeHoursToday !== bd.parking.freeHoursToday;
    const tierDiffers = base.tier !== draft.tier || (bd.tierChange?.to ?? null) !== (dd.tierChange?.to ?? null);
    if (discount === 0 && points === 0 && !parkingDiffers && !tierDiffers) return;
    this.diff.different++;
    const customerId = event.customerId;
    const m = slot < 0 ? null : this.member(slot);
    const rules = this.culprits(dd, bd);
    if (m !== null) {
      m.receipts++;
      for (const rule of rules) m.rules.set(rule, (m.rules.get(rule) ?? 0) + 1);
    }
    const pointsFen = fenOf(dd.points.earned, this.draftValue) - fenOf(bd.points.earned, this.baselineValue);
    let example: ReceiptExample | null = null;
    const makeExample = () => (example ??= { receiptId: event.receipt.receiptId ?? "", customerId, at: event.receipt.at, baseline: sideOf(base), draft: sideOf(draft), rules });
    const byChange = this.diff.byChange;
    if (discount !== 0) {
      byChange.discount.delta += discount;
      byChange.discount.deltaFen += discount;
      if (m !== null) m.discountFen += discount;
      this.note("discount", m, makeExample);
    }
    if (points !== 0 || pointsFen !== 0) {
      byChange.points.delta += points;
      byChange.points.deltaFen += pointsFen;
      if (m !== null) {
        m.points += points;
        m.pointsValueFen += pointsFen;
      }
      this.note("points", m, makeExample);
    }
    if (parkingDiffers) {
      byChange.parking.delta += parking;
      if (m !== null) m.parkingHours += parking;
      this.note("parking", m, makeExample);
    }
    if (tierDiffers) this.note("tier", m, makeExample);
  }

  private compareReturn(receiptId: string, customerId: string | null, slot: number, at: string, base: ReturnOutcome, draft: ReturnOutcome): void {
    this.diff.compared++;
    const bDiscount = base?.totals.discount ?? 0;
    const dDiscount = draft?.totals.discount ?? 0;
    const bPoints = base?.points.earned ?? 0;
    const dPoints = draft?.points.earned ?? 0;
    if (bDiscount === dDiscount && bPoints === dPoints) return;
    this.diff.different++;
    const m = slot < 0 ? null : this.member(slot);
    if (m !== null) m.receipts++;
    const side = (discount: number, points: number): ReceiptSide => ({ tier: null, discount, points, parkingHours: 0, tierChange: null });
    const makeExample = (): ReceiptExample => ({ receiptId, customerId, at, baseline: side(bDiscount, bPoints), draft: side(dDiscount, dPoints), rules: [] });
    const byChange = this.diff.byChange;
    if (bDiscount !== dDiscount) {
      byChange.discount.delta += dDiscount - bDiscount;
      byChange.discount.deltaFen += dDiscount - bDiscount;
      if (m !== null) m.discountFen += dDiscount - bDiscount;
      this.note("discount", m, makeExample);
    }
    if (bPoints !== dPoints) {
      const fen = fenOf(dPoints, this.draftValue) - fenOf(bPoints, this.baselineValue);
      byChange.points.delta += dPoints - bPoints;
      byChange.points.deltaFen += fen;
      if (m !== null) {
        m.points += dPoints - bPoints;
        m.pointsValueFen += fen;
      }
      this.note("points", m, makeExample);
    }
  }

  /** Ends the replay (at `to`, or at the last event) and reports. */
  finish(): SimulationResult {
    const bounded = Number.isFinite(this.toMs);
    const endMs = bounded ? this.toMs : this.lastMs;
    this.draft.finish(endMs, bounded);
    this.baseline?.finish(endMs, bounded);
    const draft = versionResult(this.draft);
    const baseline = this.baseline ? versionResult(this.baseline) : null;
    return {
      period: { from: this.options.from ?? null, to: this.options.to ?? null, firstEventAt: this.firstAt, lastEventAt: this.lastAt },
      events: this.events,
      draft,
      baseline,
      delta: baseline ? deltaOf(draft, baseline) : null,
      diff: this.baseline ? this.diffResult(this.baseline) : null,
    };
  }

  private diffResult(baseline: VersionReplay): DiffResult {
    const draft = this.draft;
    let tierPathDifferent = 0;
    const tierPathExamples: DiffResult["tierPathExamples"] = [];
    for (let slot = 0; slot < draft.customers.length; slot++) {
      const d = draft.customers[slot]!;
      const b = baseline.customers[slot];
      const basePath = b?.path ?? "";
      if (d.path === basePath) continue;
      tierPathDifferent++;
      const m = this.member(slot);
      m.flags |= FLAG.tier;
      for (const rule of [b?.entryRule, d.entryRule]) if (rule && b?.entryRule !== d.entryRule) m.rules.set(rule, (m.rules.get(rule) ?? 0) + 1);
      if (tierPathExamples.length < this.examples) tierPathExamples.push({ customerId: d.id, baseline: basePath, draft: d.path, rules: [...m.rules.keys()].sort() });
    }
    const ids = this.slots.ids;
    const ranked = [...this.members].map(([slot, m]) => [ids[slot]!, m] as const).sort(([ia, a], [ib, b]) => {
      const sa = Math.abs(a.discountFen) + Math.abs(a.pointsValueFen);
      const sb = Math.abs(b.discountFen) + Math.abs(b.pointsValueFen);
      return sb - sa || b.receipts - a.receipts || (ia < ib ? -1 : ia > ib ? 1 : 0);
    });
    const mostAffected: AffectedMember[] = ranked.slice(0, this.topMembers).map(([id, m]) => ({
      customerId: id,
      receipts: m.receipts,
      discountFen: m.discountFen,
      points: m.points,
      pointsValueFen: m.pointsValueFen,
      parkingHours: m.parkingHours,
      baselinePath: baseline.find(id)?.path ?? "",
      draftPath: draft.find(id)?.path ?? "",
      rules: [...m.rules].sort(([ra, a], [rb, b]) => b - a || (ra < rb ? -1 : 1)).map(([rule, receipts]) => ({ rule, receipts })),
    }));
    const byChange = this.diff.byChange;
    const costDeltaFen = byChange.discount.deltaFen + byChange.points.deltaFen;
    return {
      receipts: { compared: this.diff.compared, different: this.diff.different },
      members: { different: this.members.size, tierPathDifferent },
      byChange,
      costDeltaFen,
      costDeltaYuan: costDeltaFen / 100,
      examples: this.diff.examples,
      tierPathExamples,
      mostAffected,
      changedRules: [...this.changed].sort(),
    };
  }
}

/** A source of history: events one by one, or in batches from an importer. */
export type HistorySource = Iterable<HistoryEvent> | AsyncIterable<HistoryEvent | readonly HistoryEvent[]>;

function isAsync(source: HistorySource): source is AsyncIterable<HistoryEvent | readonly HistoryEvent[]> {
  return typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

function checkpoint(sim: Simulation, options: SimulationOptions): void {
  options.onProgress?.(sim.progress());
  if (options.signal?.aborted) throw new SimulationAborted();
}

/** Replays a synchronous history to the end, synchronously. */
export function simulateSync(events: Iterable<HistoryEvent>, options: SimulationOptions): SimulationResult {
  const sim = new Simulation(options);
  const every = options.progressEvery ?? 50_000;
  let n = 0;
  for (const event of events) {
    if (!sim.push(event)) break;
    if (++n % every === 0) checkpoint(sim, options);
  }
  checkpoint(sim, options);
  return sim.finish();
}

/** Replays a history, synchronous or asynchronous (events or batches of events); pauses as told so that a server stays responsive. */
export async function simulate(source: HistorySource, options: SimulationOptions): Promise<SimulationResult> {
  const sim = new Simulation(options);
  const every = options.progressEvery ?? 50_000;
  const pauseEvery = options.pauseEvery ?? 20_000;
  const pause = options.pause;
  let n = 0;
  // Awaits only every `pauseEvery` events: an await per event would cost more than deciding it.
  const due = (): boolean => {
    n++;
    if (n % every === 0) checkpoint(sim, options);
    return pause !== undefined && n % pauseEvery === 0;
  };
  const rest = async (): Promise<void> => {
    await pause!();
    if (options.signal?.aborted) throw new SimulationAborted();
  };
  if (isAsync(source)) {
    outer: for await (const item of source) {
      const batch = (Array.isArray(item) ? item : [item]) as readonly HistoryEvent[];
      for (const event of batch) {
        if (!sim.push(event)) break outer;
        if (due()) await rest();
      }
    }
  } else {
    for (const event of source) {
      if (!sim.push(event)) break;
      if (due()) await rest();
    }
  }
  checkpoint(sim, options);
  return sim.finish();
}
