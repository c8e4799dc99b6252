import type { TraceEntry } from "../decision";
import { isFactName, type FactName } from "../facts/catalog";
import { isLineFact, type CompiledCondition, type FactContext, type PointerSink } from "./conditions";
import type { PlannedRule } from "./plan";

/** Copies one fact from an evaluation context into the facts of a trace entry. */
export type FactCopier = (into: Record<string, unknown>, ctx: FactContext) => void;

/**
 * A copier of its own per catalog fact. Copying by name in a shared loop makes every property
 * read and write in it megamorphic, which cost more than the rest of a trace entry; here each
 * access site sees one name and one or two object shapes. Line-only facts are read from the line
 * (whose facts are exactly those, see lineFacts), every other fact from the receipt.
 */
const copiers: { readonly [F in FactName]: FactCopier } = {
  lineDepartment: (o, c) => (o.lineDepartment = (c.line ?? c.receipt).lineDepartment),
  lineZone: (o, c) => (o.lineZone = (c.line ?? c.receipt).lineZone),
  lineBrand: (o, c) => (o.lineBrand = (c.line ?? c.receipt).lineBrand),
  lineFullPrice: (o, c) => (o.lineFullPrice = (c.line ?? c.receipt).lineFullPrice),
  lineStyleId: (o, c) => (o.lineStyleId = (c.line ?? c.receipt).lineStyleId),
  lineSku: (o, c) => (o.lineSku = (c.line ?? c.receipt).lineSku),
  lineStyleUnits: (o, c) => (o.lineStyleUnits = (c.line ?? c.receipt).lineStyleUnits),
  lineQuantity: (o, c) => (o.lineQuantity = (c.line ?? c.receipt).lineQuantity),
  lineGross: (o, c) => (o.lineGross = (c.line ?? c.receipt).lineGross),
  lineMarginPercent: (o, c) => (o.lineMarginPercent = (c.line ?? c.receipt).lineMarginPercent),
  lineZoneGroups: (o, c) => (o.lineZoneGroups = (c.line ?? c.receipt).lineZoneGroups),
  paidWith: (o, c) => (o.paidWith = c.receipt.paidWith),
  memberPlan: (o, c) => (o.memberPlan = c.receipt.memberPlan),
  memberReferred: (o, c) => (o.memberReferred = c.receipt.memberReferred),
  storeId: (o, c) => (o.storeId = c.receipt.storeId),
  isMember: (o, c) => (o.isMember = c.receipt.isMember),
  memberTier: (o, c) => (o.memberTier = c.receipt.memberTier),
  memberStatus: (o, c) => (o.memberStatus = c.receipt.memberStatus),
  memberSupreme: (o, c) => (o.memberSupreme = c.receipt.memberSupreme),
  memberStudent: (o, c) => (o.memberStudent = c.receipt.memberStudent),
  memberStudentOfficer: (o, c) => (o.memberStudentOfficer = c.receipt.memberStudentOfficer),
  receiptGross: (o, c) => (o.receiptGross = c.receipt.receiptGross),
  localDate: (o, c) => (o.localDate = c.receipt.localDate),
  dayOfMonth: (o, c) => (o.dayOfMonth = c.receipt.dayOfMonth),
  month: (o, c) => (o.month = c.receipt.month),
  dayOfWeek: (o, c) => (o.dayOfWeek = c.receipt.dayOfWeek),
  isMemberDay: (o, c) => (o.isMemberDay = c.receipt.isMemberDay),
  receiptPayable: (o, c) => (o.receiptPayable = c.receipt.receiptPayable),
  receiptDiscount: (o, c) => (o.receiptDiscount = c.receipt.receiptDiscount),
  moneyTenderTotal: (o, c) => (o.moneyTenderTotal = c.receipt.moneyTenderTotal),
  tenderTotals: (o, c) => (o.tenderTotals = c.receipt.tenderTotals),
  qualifyingSpend: (o, c) => (o.qualifyingSpend = c.receipt.qualifyingSpend),
  dayPayableTotal: (o, c) => (o.dayPayableTotal = c.receipt.dayPayableTotal),
  cycleQualifyingSpend: (o, c) => (o.cycleQualifyingSpend = c.receipt.cycleQualifyingSpend),
  cycleQualifyingSpendAfter: (o, c) => (o.cycleQualifyingSpendAfter = c.receipt.cycleQualifyingSpendAfter),
  evidenceQualifyingSpend: (o, c) => (o.evidenceQualifyingSpend = c.receipt.evidenceQualifyingSpend),
  evidenceReceiptCount: (o, c) => (o.evidenceReceiptCount = c.receipt.evidenceReceiptCount),
  evidenceLargestReceiptSpend: (o, c) => (o.evidenceLargestReceiptSpend = c.receipt.evidenceLargestReceiptSpend),
  evidenceSpendByZoneGroup: (o, c) => (o.evidenceSpendByZoneGroup = c.receipt.evidenceSpendByZoneGroup),
  enrolmentFeePaid: (o, c) => (o.enrolmentFeePaid = c.receipt.enrolmentFeePaid),
  isReferral: (o, c) => (o.isReferral = c.receipt.isReferral),
  yearEnded: (o, c) => (o.yearEnded = c.receipt.yearEnded),
  yearQualifyingSpend: (o, c) => (o.yearQualifyingSpend = c.receipt.yearQualifyingSpend),
  priorYearQualifyingSpend: (o, c) => (o.priorYearQualifyingSpend = c.receipt.priorYearQualifyingSpend),
  monthsSinceQualifyingSale: (o, c) => (o.monthsSinceQualifyingSale = c.receipt.monthsSinceQualifyingSale),
  memberPointsBalance: (o, c) => (o.memberPointsBalance = c.receipt.memberPointsBalance),
  rechargeAmount: (o, c) => (o.rechargeAmount = c.receipt.rechargeAmount),
  giftId: (o, c) => (o.giftId = c.receipt.giftId),
};

/** The copier of a fact named in a rule's fact list (catalog facts only, as planPolicy keeps them). */
export function factCopier(name: string): FactCopier {
  if (isFactName(name)) return copiers[name];
  return isLineFact(name) ? (o, c) => (o[name] = (c.line ?? c.receipt)[name]) : (o, c) => (o[name] = c.receipt[name]);
}

/**
 * Gathers failed pointers and hands them out as a list of exactly their number: a list grown by
 * push reserves room for seventeen, and failed lists (one to four pointers) grown so were about a
 * quarter of what a decision allocated.
 */
class FailedPointers implements PointerSink {
  private readonly items: string[] = [];
  private count = 0;

  push(pointer: string): void {
    this.items[this.count++] = pointer;
  }

  /** The pointers `condition` lists for `ctx`, as a new list. */
  collect(condition: CompiledCondition, ctx: FactContext): string[] {
    // Counted from zero each time, so that an explain that threw leaves nothing behind.
    this.count = 0;
    condition.explain(ctx, this);
    const { items, count } = this;
    switch (count) {
      case 0:
        return [];
      case 1:
        return [items[0]!];
      case 2:
        return [items[0]!, items[1]!];
      case 3:
        return [items[0]!, items[1]!, items[2]!];
      default:
        return items.slice(0, count);
    }
  }
}

// One for the module: explain runs to the end synchronously and never traces, so no two uses overlap.
const failedPointers = new FailedPointers();

/** The trace of one rule in one context: the facts it read and, when it did not fire, the leaf conditions that failed. */
export function traceEntry(rule: PlannedRule, ctx: FactContext, fired: boolean, lineId?: string): TraceEntry {
  const facts: Record<string, unknown> = {};
  const copy = rule.factCopiers;
  for (let i = 0; i < copy.length; i++) copy[i]!(facts, ctx);
  if (fired) return lineId === undefined ? { rule: rule.id, scope: rule.scope, fired, facts } : { rule: rule.id, scope: rule.scope, lineId, fired, facts };
  const failed = failedPointers.collect(rule.condition, ctx);
  // Built whole rather than given `failed` afterwards: an added property costs the entry a second allocation.
  return lineId === undefined ? { rule: rule.id, scope: rule.scope, fired, facts, failed } : { rule: rule.id, scope: rule.scope, lineId, fired, facts, failed };
}
