/**
 * The program as the form view shows it: tiers with their thresholds and rates, the discount
 * matrix, exclusions, parking, member days and benefits, and — where the program has such rules —
 * the supreme VIP club, card hygiene, the gift catalog and recharge plans, each with the JSON
 * pointer of the value in the document so that an edit changes exactly that value.
 *
 * It reads the raw document (not a parsed Policy) so that a draft with schema errors still shows
 * every part that can be found.
 */
import { factCatalog, isFactName, type Localized, type ParkingFormula } from "../../../engine/src/index";
import { escapeToken } from "./json-text";
import { zheOf } from "./money";

/** A value of the document and where it is. */
export interface Located<T> {
  value: T;
  pointer: string;
}

/** The two columns of the discount matrix. */
export const discountKinds = ["fullPrice", "dining"] as const;
export type DiscountKind = (typeof discountKinds)[number];

/** One row of the tier table. */
export interface TierRow {
  id: string;
  name: Localized;
  pointer: string;
  entry: Located<number> | null;
  upgrade: Located<number> | null;
  upgradeGift: Located<number> | null;
  pointsRate: Located<number> | null;
  discounts: Record<DiscountKind, Located<number> | null>;
}

/** A rule as a row of a section: where it is, and its name. */
export interface RuleRef {
  ruleIndex: number;
  ruleId: string;
  name: Localized;
}

/** A benefits rule: its flags, its scope, and whom it is limited to (a tier, the supreme club) if anyone. */
export interface BenefitsRow extends RuleRef {
  scope: string;
  tier: string | null;
  supreme: boolean;
  flags: Located<string[]>;
}

/** A number a rule's condition compares a fact with (`yearQualifyingSpend` ≥ 10000000); `money` when it is fen. */
export interface Threshold extends Located<number> {
  fact: string;
  operator: string;
  money: boolean;
}

/** A number of a rule's effect (`points`, `stepSpend`, …); `money` when it is fen. */
export interface ParamField extends Located<number> {
  key: string;
  money: boolean;
}

/** A rule with the numbers of its conditions and of its effect. */
export interface RuleRow extends RuleRef {
  type: string;
  thresholds: Threshold[];
  params: ParamField[];
}

/** A year-end rule of the supreme VIP club: a grant, a demotion, or a reward in points. */
export interface SupremeRow extends RuleRow {
  kind: "grant" | "demote" | "reward";
}

/** A gift of the catalog, and the lower prices redemption rules give it. */
export interface GiftRow {
  id: string;
  name: Localized;
  pointer: string;
  points: Located<number> | null;
  prices: (RuleRef & { points: Located<number> })[];
}

/** A recharge rule; for a stored-value plan, the plan and the discount paying from it gives. */
export interface RechargeRow extends RuleRow {
  plan: { id: string; discount: Located<number> | null } | null;
}

/** Card hygiene (会员规约): months without a qualifying sale before a card is dormant, and cancelled. */
export interface Hygiene {
  dormant: Threshold | null;
  cancelled: Threshold | null;
}

/** A named group of store zones (`settings.zoneGroups`). */
export interface ZoneGroup {
  name: string;
  zones: Located<string[]>;
}

/** Everything the form view shows. */
export interface ProgramView {
  name: Localized;
  tiers: TierRow[];
  exclusions: { departments: Located<string[]> | null; brands: Located<string[]> | null };
  parking: { ruleIndex: number; pointer: string; params: ParkingFormula } | null;
  memberDays: { daysOfMonth: Located<number[]> | null; dates: Located<string[]> | null; factor: Located<number> | null };
  benefits: BenefitsRow[];
  settings: { valueFen: Located<number> | null; expireAfterYears: Located<number> | null; moneyTenders: Located<string[]> | null; zoneGroups: ZoneGroup[] };
  /** The supreme VIP club's year-end rules; empty when the program has none. */
  supreme: SupremeRow[];
  /** Null when the program has no lifecycle rules. */
  hygiene: Hygiene | null;
  gifts: GiftRow[];
  recharges: RechargeRow[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const localized = (v: unknown): Localized => (isObj(v) && typeof v.zh === "string" && typeof v.en === "string" ? { zh: v.zh, en: v.en } : { zh: "", en: "" });

/** A leaf condition met while walking a rule's conditions, with its pointer in the document. */
export interface LeafAt {
  fact: string;
  operator: string;
  value: unknown;
  pointer: string;
}

/** Every leaf a condition requires or may test, named conditions expanded (each once). */
export function leavesOf(document: Obj, condition: unknown, pointer: string, seen: string[] = []): LeafAt[] {
  if (!isObj(condition)) return [];
  if (Array.isArray(condition.all)) return condition.all.flatMap((c, i) => leavesOf(document, c, `${pointer}/all/${i}`, seen));
  if (Array.isArray(condition.any)) return condition.any.flatMap((c, i) => leavesOf(document, c, `${pointer}/any/${i}`, seen));
  if (isObj(condition.not)) return leavesOf(document, condition.not, `${pointer}/not`, seen);
  if (typeof condition.condition === "string") {
    const name = condition.condition;
    const named = isObj(document.conditions) ? document.conditions[name] : undefined;
    if (named === undefined || seen.includes(name)) return [];
    return leavesOf(document, named, `/conditions/${escapeToken(name)}`, [...seen, name]);
  }
  if (typeof condition.fact === "string" && typeof condition.operator === "string") return [{ fact: condition.fact, operator: condition.operator, value: condition.value, pointer }];
  return [];
}

/** The one tier a rule is limited to by `memberTier equal X` (or `in [X]`), if any. */
export function ruleTier(document: Obj, rule: Obj, pointer: string): string | null {
  for (const leaf of leavesOf(document, rule.conditions, `${pointer}/conditions`)) {
    if (leaf.fact !== "memberTier") continue;
    if (leaf.operator === "equal" && typeof leaf.value === "string") return leaf.value;
    if (leaf.operator === "in" && Array.isArray(leaf.value) && leaf.value.length === 1 && typeof leaf.value[0] === "string") return leaf.value[0];
  }
  return null;
}

/** Which column of the matrix a line-discount rule belongs to, from what its conditions test. */
export function discountKindOf(document: Obj, rule: Obj, pointer: string): DiscountKind | null {
  const leaves = leavesOf(document, rule.conditions, `${pointer}/conditions`);
  if (leaves.some((l) => l.fact === "lineDepartment" && l.operator === "equal" && l.value === "dining")) return "dining";
  if (leaves.some((l) => l.fact === "lineFullPrice" && l.operator === "equal" && l.value === true)) return "fullPrice";
  return null;
}

type RuleAt = { rule: Obj; index: number; pointer: string; type: string; params: Obj };

function rulesOf(document: Obj): RuleAt[] {
  if (!Array.isArray(document.rules)) return [];
  return document.rules.flatMap((rule, index) => {
    if (!isObj(rule) || !isObj(rule.event) || typeof rule.event.type !== "string") return [];
    return [{ rule, index, pointer: `/rules/${index}`, type: rule.event.type, params: isObj(rule.event.params) ? rule.event.params : {} }];
  });
}

const COMPARISONS = ["lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive"];
/** Effect params in fen; the others are counts, points or percents. */
const MONEY_PARAMS = ["minSpend", "stepFrom", "stepSpend", "minCycleSpend", "unitPrice", "creditPerStep"];
const isMoneyFact = (fact: string) => isFactName(fact) && "unit" in factCatalog[fact] && (factCatalog[fact] as { unit?: string }).unit === "fen";

/** The numbers a rule's conditions compare facts with, named conditions expanded. */
function thresholdsOf(document: Obj, rule: Obj, pointer: string): Threshold[] {
  return leavesOf(document, rule.conditions, `${pointer}/conditions`).flatMap((leaf) =>
    COMPARISONS.includes(leaf.operator) && typeof leaf.value === "number" ? [{ fact: leaf.fact, operator: leaf.operator, value: leaf.value, pointer: `${leaf.pointer}/value`, money: isMoneyFact(leaf.fact) }] : [],
  );
}

function ruleRef({ rule, index }: RuleAt): RuleRef {
  return { ruleIndex: index, ruleId: String(rule.id ?? ""), name: localized(rule.name) };
}

function ruleRow(document: Obj, at: RuleAt): RuleRow {
  const params = Object.entries(at.params).flatMap(([key, value]) => (typeof value === "number" ? [{ key, value, pointer: `${at.pointer}/event/params/${escapeToken(key)}`, money: MONEY_PARAMS.includes(key) }] : []));
  return { ...ruleRef(at), type: at.type, thresholds: thresholdsOf(document, at.rule, at.pointer), params };
}

/** Whether a rule is limited to members of the supreme VIP club. */
function isSupremeOnly(document: Obj, at: RuleAt): boolean {
  return leavesOf(document, at.rule.conditions, `${at.pointer}/conditions`).some((l) => l.fact === "memberSupreme" && l.operator === "equal" && l.value === true);
}

function supremeKind(at: RuleAt): SupremeRow["kind"] | null {
  if (at.rule.scope !== "year-end") return null;
  if (at.type === "supreme-status") return at.params.supreme === false ? "demote" : "grant";
  return at.type === "bonus-points" ? "reward" : null;
}

function supremeRows(document: Obj, rules: RuleAt[]): SupremeRow[] {
  return rules.flatMap((at) => {
    const kind = supremeKind(at);
    return kind ? [{ ...ruleRow(document, at), kind }] : [];
  });
}

function hygieneOf(document: Obj, rules: RuleAt[]): Hygiene | null {
  const lifecycle = rules.filter((at) => at.rule.scope === "lifecycle");
  if (lifecycle.length === 0) return null;
  const monthsTo = (status: string) => {
    const at = lifecycle.find((r) => r.type === "member-status" && r.params.status === status);
    return (at && thresholdsOf(document, at.rule, at.pointer).find((t) => t.fact === "monthsSinceQualifyingSale")) ?? null;
  };
  return { dormant: monthsTo("dormant"), cancelled: monthsTo("cancelled") };
}

function giftRows(document: Obj, rules: RuleAt[]): GiftRow[] {
  const prices = rules.filter((at) => at.type === "gift-price" && typeof at.params.points === "number");
  return (Array.isArray(document.gifts) ? document.gifts : []).flatMap((gift, i) => {
    if (!isObj(gift) || typeof gift.id !== "string") return [];
    const pointer = `/gifts/${i}`;
    const ownPrices = prices.filter((at) => at.params.gift === gift.id).map((at) => ({ ...ruleRef(at), points: { value: at.params.points as number, pointer: `${at.pointer}/event/params/points` } }));
    return [{ id: gift.id, name: localized(gift.name), pointer, points: located(num(gift.points), `${pointer}/points`), prices: ownPrices }];
  });
}

function rechargeRows(document: Obj, rules: RuleAt[]): RechargeRow[] {
  const discountFor = (plan: string) => {
    const at = rules.find((r) => r.type === "line-discount" && leavesOf(document, r.rule.conditions, `${r.pointer}/conditions`).some((l) => l.fact === "memberPlan" && l.operator === "equal" && l.value === plan));
    return at ? located(num(at.params.percent), `${at.pointer}/event/params/percent`) : null;
  };
  return rules.flatMap((at) => {
    if (at.rule.scope !== "recharge") return [];
    const plan = at.type === "stored-value-plan" && typeof at.params.plan === "string" ? { id: at.params.plan, discount: discountFor(at.params.plan) } : null;
    return [{ ...ruleRow(document, at), plan }];
  });
}

function zoneGroupsOf(settings: Obj): ZoneGroup[] {
  const groups = isObj(settings.zoneGroups) ? settings.zoneGroups : {};
  return Object.entries(groups).flatMap(([name, zones]) =>
    Array.isArray(zones) ? [{ name, zones: { value: zones.filter((z): z is string => typeof z === "string"), pointer: `/settings/zoneGroups/${escapeToken(name)}` } }] : [],
  );
}

function located<T>(value: T | null, pointer: string): Located<T> | null {
  return value === null || value === undefined ? null : { value, pointer };
}

/** Reads the form view of a document (any JSON value; missing parts come back empty). */
export function describeProgram(document: unknown): ProgramView {
  const doc = isObj(document) ? document : {};
  const rules = rulesOf(doc);
  const tiers: TierRow[] = (Array.isArray(doc.tiers) ? doc.tiers : []).flatMap((tier, i) =>
    isObj(tier) && typeof tier.id === "string" ? [{ id: tier.id, name: localized(tier.name), pointer: `/tiers/${i}`, entry: null, upgrade: null, upgradeGift: null, pointsRate: null, discounts: { fullPrice: null, dining: null } }] : [],
  );
  const byId = new Map(tiers.map((t) => [t.id, t]));
  const view: ProgramView = {
    name: localized(doc.name),
    tiers,
    exclusions: { departments: null, brands: null },
    parking: null,
    memberDays: { daysOfMonth: null, dates: null, factor: null },
    benefits: [],
    settings: { valueFen: null, expireAfterYears: null, moneyTenders: null, zoneGroups: [] },
    supreme: supremeRows(doc, rules),
    hygiene: hygieneOf(doc, rules),
    gifts: giftRows(doc, rules),
    recharges: rechargeRows(doc, rules),
  };
  for (const at of rules) {
    const { rule, index, pointer, type, params } = at;
    const p = `${pointer}/event/params`;
    if (type === "tier-entry" && typeof params.tier === "string") {
      const row = byId.get(params.tier);
      if (row && !row.entry) row.entry = located(num(params.minSpend), `${p}/minSpend`);
    } else if (type === "tier-upgrade" && typeof params.to === "string") {
      const row = byId.get(params.to);
      if (row && !row.upgrade) {
        row.upgrade = located(num(params.minCycleSpend), `${p}/minCycleSpend`);
        row.upgradeGift = located(num(params.giftParkingHours), `${p}/giftParkingHours`);
      }
    } else if (type === "points-rate" && rule.scope !== "line") {
      // A line rule's rate (by product margin, say) is not the tier's everyday rate.
      const row = byId.get(ruleTier(doc, rule, pointer) ?? "");
      if (row && !row.pointsRate) row.pointsRate = located(num(params.perYuan), `${p}/perYuan`);
    } else if (type === "line-discount") {
      const kind = discountKindOf(doc, rule, pointer);
      const row = byId.get(ruleTier(doc, rule, pointer) ?? "");
      if (kind && row && !row.discounts[kind]) row.discounts[kind] = located(num(params.percent), `${p}/percent`);
      if (kind === "fullPrice") {
        for (const leaf of leavesOf(doc, rule.conditions, `${pointer}/conditions`)) {
          if (leaf.operator !== "notIn" || !Array.isArray(leaf.value)) continue;
          const list = leaf.value.filter((v): v is string => typeof v === "string");
          if (leaf.fact === "lineDepartment") view.exclusions.departments ??= { value: list, pointer: `${leaf.pointer}/value` };
          if (leaf.fact === "lineBrand") view.exclusions.brands ??= { value: list, pointer: `${leaf.pointer}/value` };
        }
      }
    } else if (type === "parking-hours" && !view.parking) {
      view.parking = { ruleIndex: index, pointer: p, params: params as unknown as ParkingFormula };
    } else if (type === "points-multiplier") {
      const memberDay = leavesOf(doc, rule.conditions, `${pointer}/conditions`).some((l) => l.fact === "isMemberDay" && l.operator === "equal" && l.value === true);
      if (memberDay && !view.memberDays.factor) view.memberDays.factor = located(num(params.factor), `${p}/factor`);
    } else if (type === "benefits" && Array.isArray(params.flags)) {
      const flags = { value: params.flags.filter((f): f is string => typeof f === "string"), pointer: `${p}/flags` };
      view.benefits.push({ ...ruleRef(at), scope: String(rule.scope ?? ""), tier: ruleTier(doc, rule, pointer), supreme: isSupremeOnly(doc, at), flags });
    }
  }
  const settings = isObj(doc.settings) ? doc.settings : {};
  const memberDays = isObj(settings.memberDays) ? settings.memberDays : {};
  if (Array.isArray(memberDays.daysOfMonth)) view.memberDays.daysOfMonth = { value: memberDays.daysOfMonth.filter((d): d is number => typeof d === "number"), pointer: "/settings/memberDays/daysOfMonth" };
  if (Array.isArray(memberDays.dates)) view.memberDays.dates = { value: memberDays.dates.filter((d): d is string => typeof d === "string"), pointer: "/settings/memberDays/dates" };
  const points = isObj(settings.points) ? settings.points : {};
  view.settings.valueFen = located(num(points.valueFen), "/settings/points/valueFen");
  view.settings.expireAfterYears = located(num(points.expireAfterYears), "/settings/points/expireAfterYears");
  if (Array.isArray(settings.moneyTenders)) view.settings.moneyTenders = { value: settings.moneyTenders.filter((t): t is string => typeof t === "string"), pointer: "/settings/moneyTenders" };
  view.settings.zoneGroups = zoneGroupsOf(settings);
  return view;
}

/** How a rule's name states a number: 9.5折 / 5 %, 1.5倍 / 1.5 points, 10000元 / 10000 yuan, 20000分 / 20,000 points. */
export type RenameKind = "percent" | "perYuan" | "yuan" | "points";

/**
 * A rule name that states a number, updated to a new number: "银卡正价商品9.5折" becomes
 * "银卡正价商品9.2折" when the percent goes from 5 to 8. Names that do not state the old number
 * are left alone.
 */
export function renameForNumber(name: Localized, kind: RenameKind, before: number, after: number): Localized {
  const swap = (text: string, from: string, to: string) => (text.includes(from) ? text.split(from).join(to) : text);
  if (kind === "percent") return { zh: swap(name.zh, zheOf(before), zheOf(after)), en: swap(name.en, `${before} %`, `${after} %`) };
  if (kind === "perYuan") return { zh: swap(name.zh, `${before}倍`, `${after}倍`), en: swap(name.en, `${before} point`, `${after} point`) };
  if (kind === "points") {
    // English names group thousands ("20,000 points", "3,000 bonus points").
    const grouped = (n: number) => n.toLocaleString("en");
    const en = swap(swap(name.en, `${grouped(before)} point`, `${grouped(after)} point`), `${grouped(before)} bonus point`, `${grouped(after)} bonus point`);
    return { zh: swap(name.zh, `${before}分`, `${after}分`), en };
  }
  return { zh: swap(name.zh, `${before}元`, `${after}元`), en: swap(name.en, `${before} yuan`, `${after} yuan`) };
}

/** The rule pointer (`/rules/3`) a value pointer lies in, if any. */
export function rulePointerOf(pointer: string): string | null {
  return /^\/rules\/\d+/.exec(pointer)?.[0] ?? null;
}

/**
 * A new discount rule for an empty cell of the matrix: a copy of another tier's rule of the same
 * column, limited to `tier`, with its own id and a name that says what it does. Null when the
 * column has no rule to copy.
 */
export function newDiscountRule(document: unknown, tier: { id: string; name: Localized }, kind: DiscountKind, percent: number): Obj | null {
  const doc = isObj(document) ? document : {};
  const template = rulesOf(doc).find((r) => r.type === "line-discount" && discountKindOf(doc, r.rule, r.pointer) === kind && ruleTier(doc, r.rule, r.pointer) !== null);
  if (!template) return null;
  const copy = structuredClone(template.rule);
  const retarget = (condition: unknown): unknown => {
    if (!isObj(condition)) return condition;
    if (condition.fact === "memberTier") return { ...condition, operator: "equal", value: tier.id };
    if (Array.isArray(condition.all)) return { ...condition, all: condition.all.map(retarget) };
    if (Array.isArray(condition.any)) return { ...condition, any: condition.any.map(retarget) };
    if (isObj(condition.not)) return { ...condition, not: retarget(condition.not) };
    return condition;
  };
  const ids = new Set(rulesOf(doc).map((r) => String(r.rule.id)));
  let id = `${tier.id}-${kind === "fullPrice" ? "full-price" : "dining"}`;
  for (let n = 2; ids.has(id); n++) id = `${tier.id}-${kind === "fullPrice" ? "full-price" : "dining"}-${n}`;
  const name = kind === "fullPrice" ? { zh: `${tier.name.zh}正价商品${zheOf(percent)}`, en: `${tier.name.en}: ${percent} % off full-price goods` } : { zh: `${tier.name.zh}餐饮指定服务区${zheOf(percent)}`, en: `${tier.name.en}: ${percent} % off designated dining` };
  const { description: _dropped, ...rest } = copy;
  return { ...rest, id, name, conditions: retarget(copy.conditions), event: { type: "line-discount", params: { percent } } };
}
