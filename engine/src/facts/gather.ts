import { cycleOn, localDayOf, parseInstant, type LocalDay } from "../calendar";
import type { Policy, TenderType } from "../policy/schema";
import type { MemberSnapshot, Receipt, ReceiptLine } from "../receipt";

/** Everything the engine needs to decide a sale besides the policy. */
export interface SaleInput {
  receipt: Receipt;
  /** The member at the start of the receipt, or null for an anonymous sale. */
  member: MemberSnapshot | null;
  /** The member's payable total at this store earlier on the same store-local day, in fen. */
  dayPayableBefore?: number;
  /** True when the prices were already paid (a claim of an unswiped sale): no line discount applies. */
  pricesFixed?: boolean;
}

/** Whether `date` is a member day under the policy's settings. */
export function isMemberDay(policy: Policy, day: LocalDay): boolean {
  const { daysOfMonth, dates } = policy.settings.memberDays;
  return daysOfMonth.includes(day.dayOfMonth) || dates.includes(day.date);
}

/** The calendar facts of an instant in the policy's time zone. */
export function calendarFacts(policy: Policy, at: string): { day: LocalDay; facts: Record<string, unknown> } {
  const day = localDayOf(parseInstant(at), policy.settings.timezone);
  return { day, facts: { localDate: day.date, dayOfMonth: day.dayOfMonth, month: day.month, dayOfWeek: day.dayOfWeek, isMemberDay: isMemberDay(policy, day) } };
}

/** The receipt-level facts known before any line is priced, with receipt-phase facts as null placeholders. */
export function saleFacts(policy: Policy, input: SaleInput): { day: LocalDay; facts: Record<string, unknown> } {
  const { receipt, member } = input;
  const day = localDayOf(parseInstant(receipt.at), policy.settings.timezone);
  const lines = receipt.lines;
  let gross = 0;
  for (let i = 0; i < lines.length; i++) gross += lines[i]!.quantity * lines[i]!.unitPrice;
  // Written out rather than spread from calendarFacts: the same keys in the same order, one allocation.
  return {
    day,
    facts: {
      storeId: receipt.storeId,
      paidWith: paidWith(receipt),
      isMember: member !== null,
      memberTier: member?.tier ?? null,
      memberStatus: member?.status ?? null,
      memberSupreme: member?.supreme ?? false,
      memberPlan: member?.plan ?? null,
      memberReferred: member?.referred ?? false,
      memberStudent: member?.profile.student ?? false,
      memberStudentOfficer: member?.profile.studentOfficer ?? false,
      receiptGross: gross,
      localDate: day.date,
      dayOfMonth: day.dayOfMonth,
      month: day.month,
      dayOfWeek: day.dayOfWeek,
      isMemberDay: isMemberDay(policy, day),
      receiptPayable: null,
      receiptDiscount: null,
      moneyTenderTotal: null,
      tenderTotals: null,
      qualifyingSpend: null,
      dayPayableTotal: null,
      cycleQualifyingSpend: null,
      cycleQualifyingSpendAfter: null,
    },
  };
}

// Up to this many lines, summing units by style with a nested loop beats building a Map.
const SMALL_RECEIPT = 16;

/** The tender type of a receipt paid with one type only, "mixed" for several; a receipt without tenders is paid in cash. */
export function paidWith(receipt: Receipt): string {
  const tenders = receipt.tenders;
  if (!tenders || tenders.length === 0) return "cash";
  const first = tenders[0]!.type;
  for (let i = 1; i < tenders.length; i++) if (tenders[i]!.type !== first) return "mixed";
  return first;
}

const NO_GROUPS: readonly string[] = [];

/** The names of the policy's zone groups that hold `zone`, in the policy's order. */
export function zoneGroupsOf(policy: Policy, zone: string | null | undefined): readonly string[] {
  if (zone === null || zone === undefined) return NO_GROUPS;
  const groups = policy.settings.zoneGroups;
  let out: string[] | null = null;
  for (const name in groups) if (groups[name]!.includes(zone)) (out ??= []).push(name);
  return out ?? NO_GROUPS;
}

/** The facts of each line: its own attributes and the units of its style on the whole receipt. */
export function lineFacts(policy: Policy, lines: readonly ReceiptLine[]): Record<string, unknown>[] {
  const n = lines.length;
  let unitsByStyle: Map<string, number> | null = null;
  if (n > SMALL_RECEIPT) {
    unitsByStyle = new Map();
    for (const line of lines) unitsByStyle.set(line.styleId, (unitsByStyle.get(line.styleId) ?? 0) + line.quantity);
  }
  const out = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    let units = 0;
    if (unitsByStyle !== null) units = unitsByStyle.get(line.styleId) ?? 0;
    else for (let j = 0; j < n; j++) if (lines[j]!.styleId === line.styleId) units += lines[j]!.quantity;
    // Exactly the catalog's line-only facts: trace reads a fact from the line when the catalog says it is line-only.
    out[i] = {
      lineDepartment: line.department,
      lineZone: line.zone ?? null,
      lineBrand: line.brand ?? null,
      lineFullPrice: line.fullPrice,
      lineStyleId: line.styleId,
      lineSku: line.sku,
      lineStyleUnits: units,
      lineQuantity: line.quantity,
      lineGross: line.quantity * line.unitPrice,
      lineMarginPercent: line.marginPercent ?? null,
      lineZoneGroups: zoneGroupsOf(policy, line.zone),
    };
  }
  return out;
}

/** What a receipt paid with one tender type, in fen. */
export function tenderAmount(receipt: Receipt, type: TenderType): number {
  let total = 0;
  for (const tender of receipt.tenders ?? []) if (tender.type === type) total += tender.amount;
  return total;
}

/** Tender totals by type; a receipt without tenders counts as paid entirely in money. */
export function tenderFacts(policy: Policy, receipt: Receipt, payable: number): { moneyTenderTotal: number; tenderTotals: Record<string, number> } {
  if (!receipt.tenders || receipt.tenders.length === 0) return { moneyTenderTotal: payable, tenderTotals: { cash: payable } };
  const money: readonly TenderType[] = policy.settings.moneyTenders;
  const totals: Record<string, number> = {};
  let moneyTotal = 0;
  for (const tender of receipt.tenders) {
    totals[tender.type] = (totals[tender.type] ?? 0) + tender.amount;
    if (money.includes(tender.type)) moneyTotal += tender.amount;
  }
  return { moneyTenderTotal: moneyTotal, tenderTotals: totals };
}

/** The member's qualifying spend in the cycle that holds `on`, before this receipt: zero once a new cycle has begun. */
export function cycleSpendBefore(policy: Policy, member: MemberSnapshot, on: string): { start: string; end: string; spend: number } {
  const cycle = cycleOn(member.issuedOn, on, policy.settings.cycle.firstCycleExtraYears);
  return { start: cycle.start, end: cycle.end, spend: cycle.start === member.cycleStart ? member.cycleSpend : 0 };
}
