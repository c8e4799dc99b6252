import { factCatalog, isFactName } from "../facts/catalog";
import type { Localized } from "./schema";
import type { Policy, Rule } from "./schema";

/** One readable change between two policy versions, with where it is in each document. */
export interface PolicyChange {
  kind: "added" | "removed" | "changed";
  /** What part of the program changed: a rule, a named condition, a tier, a setting, or the document itself. */
  subject: "rule" | "condition" | "tier" | "setting" | "document";
  /** The rule id, condition name or tier id concerned, if any. */
  id?: string;
  /** JSON pointer into the newer document (or the older one for removals). */
  path: string;
  before?: unknown;
  after?: unknown;
  message: Localized;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PARAM_LABELS: Record<string, { zh: string; en: string; unit: "percent" | "fen" | "hours" | "number" }> = {
  percent: { zh: "折扣", en: "discount", unit: "percent" },
  perYuan: { zh: "每元积分", en: "points per yuan", unit: "number" },
  factor: { zh: "积分倍数", en: "points multiplier", unit: "number" },
  minSpend: { zh: "起点金额", en: "minimum spend", unit: "fen" },
  baseHours: { zh: "基础停车时长", en: "base parking hours", unit: "hours" },
  stepFrom: { zh: "递增起点", en: "steps start above", unit: "fen" },
  stepSpend: { zh: "每档金额", en: "spend per step", unit: "fen" },
  stepHours: { zh: "每档增加时长", en: "hours per step", unit: "hours" },
  maxHours: { zh: "停车上限", en: "parking cap", unit: "hours" },
  minCycleSpend: { zh: "有效期累计消费门槛", en: "cycle spend threshold", unit: "fen" },
  giftParkingHours: { zh: "赠送停车时长", en: "gift parking hours", unit: "hours" },
  tier: { zh: "等级", en: "tier", unit: "number" },
  to: { zh: "晋升至", en: "upgrade to", unit: "number" },
};

function yuan(fen: number): string {
  const value = fen / 100;
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function show(value: unknown, unit: "percent" | "fen" | "hours" | "number" = "number", lang: "zh" | "en" = "en"): string {
  if (typeof value === "number") {
    if (unit === "percent") return `${value} %`;
    if (unit === "fen") return lang === "zh" ? `${yuan(value)}元` : `${yuan(value)} yuan`;
    if (unit === "hours") return lang === "zh" ? `${value}小时` : `${value} h`;
  }
  return JSON.stringify(value);
}

function pointer(parts: readonly (string | number)[]): string {
  return parts.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

function isScalarList(value: unknown): value is (string | number | boolean | null)[] {
  return Array.isArray(value) && value.every((v) => v === null || typeof v !== "object");
}

/** Leaf differences of two JSON values: scalar changes, and additions or removals in lists of scalars. */
function jsonDiff(a: Json | undefined, b: Json | undefined, path: (string | number)[], out: { path: (string | number)[]; before?: unknown; after?: unknown; added?: unknown[]; removed?: unknown[] }[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (isScalarList(a) && isScalarList(b)) {
    const added = b.filter((v) => !a.includes(v));
    const removed = a.filter((v) => !b.includes(v));
    if (added.length || removed.length) out.push({ path, added, removed, before: a, after: b });
    else out.push({ path, before: a, after: b }); // same items, new order
    return;
  }
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a) ? [...Array(Math.max(a.length, (b as Json[]).length)).keys()] : [...new Set([...Object.keys(a), ...Object.keys(b as object)])];
    for (const key of keys) jsonDiff((a as Record<string | number, Json>)[key], (b as Record<string | number, Json>)[key], [...path, key], out);
    return;
  }
  out.push({ path, before: a, after: b });
}

/** Describes where inside a condition tree a change sits: the leaf's fact and operator, if the path reaches one. */
function conditionLeafAt(root: unknown, rel: (string | number)[]): { fact?: string; operator?: string } {
  let node = root as Record<string | number, unknown> | undefined;
  let leaf: { fact?: string; operator?: string } = {};
  for (const step of rel) {
    if (node && typeof node === "object" && typeof node.fact === "string") leaf = { fact: node.fact as string, operator: node.operator as string };
    node = node?.[step] as Record<string | number, unknown> | undefined;
  }
  if (node && typeof node === "object" && typeof node.fact === "string") leaf = { fact: node.fact as string, operator: node.operator as string };
  return leaf;
}

function factLabel(fact: string | undefined, lang: "zh" | "en"): string {
  if (!fact) return lang === "zh" ? "条件" : "condition";
  return isFactName(fact) ? `${fact} (${factCatalog[fact].description[lang].split(/[,,(]/)[0]})` : fact;
}

function listChange(where: Localized, fact: string | undefined, operator: string | undefined, added: unknown[], removed: unknown[]): Localized {
  const zh: string[] = [];
  const en: string[] = [];
  const exclusion = operator === "notIn" || operator === "notEqual";
  if (added.length) {
    zh.push(`${exclusion ? "排除" : "增加"} ${added.map((v) => JSON.stringify(v)).join("、")}`);
    en.push(`${added.map((v) => JSON.stringify(v)).join(", ")} added to ${exclusion ? "exclusions" : "the list"}`);
  }
  if (removed.length) {
    zh.push(`${exclusion ? "不再排除" : "删除"} ${removed.map((v) => JSON.stringify(v)).join("、")}`);
    en.push(`${removed.map((v) => JSON.stringify(v)).join(", ")} removed from ${exclusion ? "exclusions" : "the list"}`);
  }
  return { zh: `${where.zh}:${factLabel(fact, "zh")} ${zh.join(";")}`, en: `${where.en}: ${factLabel(fact, "en")}: ${en.join("; ")}` };
}

function describeConditionChanges(where: Localized, subject: "rule" | "condition", id: string, root: unknown, base: (string | number)[], aTree: Json, bTree: Json, out: PolicyChange[]): void {
  const leaves: Parameters<typeof jsonDiff>[3] = [];
  jsonDiff(aTree, bTree, [], leaves);
  for (const leaf of leaves) {
    const at = conditionLeafAt(root, leaf.path);
    const path = pointer([...base, ...leaf.path]);
    if (leaf.added || leaf.removed) {
      out.push({ kind: "changed", subject, id, path, before: leaf.before, after: leaf.after, message: listChange(where, at.fact, at.operator, leaf.added ?? [], leaf.removed ?? []) });
    } else {
      const what = leaf.path[leaf.path.length - 1];
      const en = `${where.en}: ${factLabel(at.fact, "en")} ${String(what)} ${show(leaf.before)} → ${show(leaf.after)}`;
      const zh = `${where.zh}:${factLabel(at.fact, "zh")} ${String(what)} ${show(leaf.before)} → ${show(leaf.after)}`;
      out.push({ kind: leaf.before === undefined ? "added" : leaf.after === undefined ? "removed" : "changed", subject, id, path, before: leaf.before, after: leaf.after, message: { zh, en } });
    }
  }
}

function describeRule(rule: Rule): Localized {
  return { zh: `规则「${rule.name.zh}」`, en: `rule "${rule.name.en}"` };
}

/**
 * The structural difference between two versions of a program, in words a marketer reads
 * ("silver full-price discount 5 % → 8 %", "\"Rolex\" added to exclusions"), each with a JSON pointer.
 */
export function diffPolicies(before: Policy, after: Policy): PolicyChange[] {
  const out: PolicyChange[] = [];
  if (before.id !== after.id) out.push({ kind: "changed", subject: "document", path: "/id", before: before.id, after: after.id, message: { zh: `项目编号 ${before.id} → ${after.id}`, en: `program id ${before.id} → ${after.id}` } });
  for (const key of ["name", "description"] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out.push({ kind: "changed", subject: "document", path: `/${key}`, before: before[key], after: after[key], message: { zh: `项目${key === "name" ? "名称" : "说明"}已修改`, en: `program ${key} changed` } });
  }

  const tiersBefore = new Map(before.tiers.map((t, i) => [t.id, { tier: t, i }]));
  const tiersAfter = new Map(after.tiers.map((t, i) => [t.id, { tier: t, i }]));
  for (const [id, { tier, i }] of tiersAfter) {
    const old = tiersBefore.get(id);
    if (!old) out.push({ kind: "added", subject: "tier", id, path: `/tiers/${i}`, after: tier, message: { zh: `新增等级 ${tier.name.zh}`, en: `tier ${tier.name.en} added` } });
    else if (JSON.stringify(old.tier.name) !== JSON.stringify(tier.name)) out.push({ kind: "changed", subject: "tier", id, path: `/tiers/${i}/name`, before: old.tier.name, after: tier.name, message: { zh: `等级 ${old.tier.name.zh} 改名为 ${tier.name.zh}`, en: `tier ${old.tier.name.en} renamed ${tier.name.en}` } });
    else if (old.i !== i) out.push({ kind: "changed", subject: "tier", id, path: `/tiers/${i}`, message: { zh: `等级 ${tier.name.zh} 顺序改变`, en: `tier ${tier.name.en} moved in the order` } });
  }
  for (const [id, { tier, i }] of tiersBefore) if (!tiersAfter.has(id)) out.push({ kind: "removed", subject: "tier", id, path: `/tiers/${i}`, before: tier, message: { zh: `删除等级 ${tier.name.zh}`, en: `tier ${tier.name.en} removed` } });

  const settings: Parameters<typeof jsonDiff>[3] = [];
  jsonDiff(before.settings as unknown as Json, after.settings as unknown as Json, ["settings"], settings);
  for (const s of settings) {
    const name = s.path.slice(1).join(".");
    const en = s.added || s.removed ? `setting ${name}: ${[...(s.added ?? []).map((v) => `${JSON.stringify(v)} added`), ...(s.removed ?? []).map((v) => `${JSON.stringify(v)} removed`)].join(", ")}` : `setting ${name} ${show(s.before)} → ${show(s.after)}`;
    const zh = s.added || s.removed ? `设置 ${name}:${[...(s.added ?? []).map((v) => `增加 ${JSON.stringify(v)}`), ...(s.removed ?? []).map((v) => `删除 ${JSON.stringify(v)}`)].join("、")}` : `设置 ${name} ${show(s.before)} → ${show(s.after)}`;
    out.push({ kind: "changed", subject: "setting", path: pointer(s.path), before: s.before, after: s.after, message: { zh, en } });
  }

  const named = new Set([...Object.keys(before.conditions), ...Object.keys(after.conditions)]);
  for (const name of named) {
    const a = before.conditions[name];
    const b = after.conditions[name];
    const where = { zh: `共用条件「${name}」`, en: `shared condition "${name}"` };
    if (!a) out.push({ kind: "added", subject: "condition", id: name, path: `/conditions/${name}`, after: b, message: { zh: `新增${where.zh}`, en: `${where.en} added` } });
    else if (!b) out.push({ kind: "removed", subject: "condition", id: name, path: `/conditions/${name}`, before: a, message: { zh: `删除${where.zh}`, en: `${where.en} removed` } });
    else describeConditionChanges(where, "condition", name, b, ["conditions", name], a as unknown as Json, b as unknown as Json, out);
  }

  const rulesBefore = new Map(before.rules.map((r, i) => [r.id, { rule: r, i }]));
  const rulesAfter = new Map(after.rules.map((r, i) => [r.id, { rule: r, i }]));
  for (const [id, { rule, i }] of rulesAfter) {
    const old = rulesBefore.get(id);
    const where = describeRule(rule);
    if (!old) {
      out.push({ kind: "added", subject: "rule", id, path: `/rules/${i}`, after: rule, message: { zh: `新增${where.zh}`, en: `${where.en} added` } });
      continue;
    }
    const a = old.rule;
    if (JSON.stringify(a.name) !== JSON.stringify(rule.name)) out.push({ kind: "changed", subject: "rule", id, path: `/rules/${i}/name`, before: a.name, after: rule.name, message: { zh: `规则「${a.name.zh}」改名为「${rule.name.zh}」`, en: `rule "${a.name.en}" renamed "${rule.name.en}"` } });
    if (a.scope !== rule.scope) out.push({ kind: "changed", subject: "rule", id, path: `/rules/${i}/scope`, before: a.scope, after: rule.scope, message: { zh: `${where.zh}:范围 ${a.scope} → ${rule.scope}`, en: `${where.en}: scope ${a.scope} → ${rule.scope}` } });
    if (a.priority !== rule.priority) out.push({ kind: "changed", subject: "rule", id, path: `/rules/${i}/priority`, before: a.priority, after: rule.priority, message: { zh: `${where.zh}:优先级 ${a.priority ?? 1} → ${rule.priority ?? 1}`, en: `${where.en}: priority ${a.priority ?? 1} → ${rule.priority ?? 1}` } });
    if (a.event.type !== rule.event.type) {
      out.push({ kind: "changed", subject: "rule", id, path: `/rules/${i}/event`, before: a.event, after: rule.event, message: { zh: `${where.zh}:效果 ${a.event.type} → ${rule.event.type}`, en: `${where.en}: effect ${a.event.type} → ${rule.event.type}` } });
    } else {
      const params: Parameters<typeof jsonDiff>[3] = [];
      jsonDiff(a.event.params as Json, rule.event.params as Json, [], params);
      for (const p of params) {
        const key = String(p.path[0]);
        const label = PARAM_LABELS[key] ?? { zh: key, en: key, unit: "number" as const };
        const path = pointer(["rules", i, "event", "params", ...p.path]);
        const message = p.added || p.removed ? listChange(where, undefined, undefined, p.added ?? [], p.removed ?? []) : { zh: `${where.zh}:${label.zh} ${show(p.before, label.unit, "zh")} → ${show(p.after, label.unit, "zh")}`, en: `${where.en}: ${label.en} ${show(p.before, label.unit)} → ${show(p.after, label.unit)}` };
        out.push({ kind: "changed", subject: "rule", id, path, before: p.before, after: p.after, message });
      }
    }
    describeConditionChanges(where, "rule", id, rule.conditions, ["rules", i, "conditions"], a.conditions as unknown as Json, rule.conditions as unknown as Json, out);
  }
  for (const [id, { rule, i }] of rulesBefore) if (!rulesAfter.has(id)) out.push({ kind: "removed", subject: "rule", id, path: `/rules/${i}`, before: rule, message: { zh: `删除${describeRule(rule).zh}`, en: `${describeRule(rule).en} removed` } });
  return out;
}
