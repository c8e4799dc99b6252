import type { TraceEntry } from "../decision";
import { isFactName, type FactName } from "../facts/catalog";
import { isLineFact, type FactContext } from "./conditions";
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

/** Copies a rule's facts from a context into a new object, in the rule's order. */
function factsOf(rule: PlannedRule, ctx: FactContext): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  const copy = rule.factCopiers;
  for (let i = 0; i < copy.length; i++) copy[i]!(facts, ctx);
  return facts;
}

/**
 * One entry, built whole rather than given `failed` afterwards: an added property costs the entry
 * a second allocation. The failed list may be shared (see CompiledCondition.failed), hence read-only.
 */
function entryOf(rule: PlannedRule, lineId: string | undefined, fired: boolean, facts: Record<string, unknown>, failed: readonly string[] | undefined): TraceEntry {
  if (failed === undefined) return lineId === undefined ? { rule: rule.id, scope: rule.scope, fired, facts } : { rule: rule.id, scope: rule.scope, lineId, fired, facts };
  const list = failed as string[];
  return lineId === undefined ? { rule: rule.id, scope: rule.scope, fired, facts, failed: list } : { rule: rule.id, scope: rule.scope, lineId, fired, facts, failed: list };
}

/** The trace of one rule in one context: the facts it read and, when it did not fire, the leaf conditions that failed. */
export function traceEntry(rule: PlannedRule, ctx: FactContext, fired: boolean, lineId?: string): TraceEntry {
  return entryOf(rule, lineId, fired, factsOf(rule, ctx), fired ? undefined : rule.condition.failed(ctx));
}

/** Notes by rule index for the rules of one scope in one context; most rules have none. */
export type RuleNotes = readonly (string | undefined)[];

// The facts objects of the rules traced last, by rule index: read back only by the rules of the same call that share them.
const factsByRule: Record<string, unknown>[] = [];

/**
 * Writes the trace of every rule of a scope (all of them, in plan order) in one context into
 * `into` from `at` on, with each rule's note; returns where the next entry goes.
 * Rules that read the same facts (planPolicy marks them) share one facts object, as their failed
 * lists may be shared: the trace says the same with less to allocate, and is read, never changed.
 */
export function traceRules(rules: readonly PlannedRule[], ctx: FactContext, fired: readonly boolean[], notes: RuleNotes, lineId: string | undefined, into: TraceEntry[], at: number): number {
  if (rules.length === 0) return at;
  const conditions = rules[0]!.scopeConditions;
  // Decided again rather than handed over by the evaluator, which may be json-rules-engine.
  const falseLeaves = conditions.falseLeaves(ctx);
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    const owner = rule.sharesFactsWith;
    const facts = owner === r ? (factsByRule[r] = factsOf(rule, ctx)) : factsByRule[owner]!;
    const ruleFired = fired[r]!;
    const entry = entryOf(rule, lineId, ruleFired, facts, ruleFired ? undefined : conditions.failed(r, falseLeaves, ctx));
    const note = notes[r];
    if (note) entry.note = note;
    into[at++] = entry;
  }
  return at;
}

// Lean entries read no facts: one empty object serves them all, frozen so that none can change it for the others.
const NO_FACTS: Record<string, unknown> = Object.freeze({});

/** Writes a lean trace of a scope in one context like traceRules: only the rules that fired, with their notes, without facts. */
export function traceFiredRules(rules: readonly PlannedRule[], fired: readonly boolean[], notes: RuleNotes, lineId: string | undefined, into: TraceEntry[], at: number): number {
  for (let r = 0; r < rules.length; r++) {
    if (!fired[r]) continue;
    const entry = entryOf(rules[r]!, lineId, true, NO_FACTS, undefined);
    const note = notes[r];
    if (note) entry.note = note;
    into[at++] = entry;
  }
  return at;
}
