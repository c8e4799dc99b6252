/**
 * Reading a decision's trace: for a rule that did not fire, the conditions that failed (the trace
 * gives their JSON pointers into the policy document) with the value each fact actually had.
 */
import { factCatalog, isFactName, type TraceEntry } from "../../../engine/src/index";

/** A trace entry as the engine gives it or as a server quote carries it (scope as a plain string). */
export type TraceLine = Omit<TraceEntry, "scope" | "facts"> & { scope: string; facts: Record<string, unknown> };
import type { Locale } from "./i18n.svelte";
import { valueAt } from "./json-text";
import { formatYuan } from "./money";

/** A leaf condition that was false, and what its fact was. */
export interface FailedCondition {
  pointer: string;
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  actual: unknown;
}

/** Reads `$.name` / `$[0]` steps of a fact path. */
function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const step of path.slice(1).match(/\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]/g) ?? []) {
    if (current === null || typeof current !== "object") return undefined;
    current = step.startsWith(".") ? (current as Record<string, unknown>)[step.slice(1)] : (current as unknown[])[Number(step.slice(1, -1))];
  }
  return current;
}

/** The failed conditions of a trace entry, looked up in the document it was decided with. */
export function failedConditions(document: unknown, entry: Pick<TraceLine, "failed" | "facts">): FailedCondition[] {
  return (entry.failed ?? []).flatMap((pointer) => {
    const leaf = valueAt(document, pointer);
    if (!leaf || typeof leaf !== "object" || typeof (leaf as { fact?: unknown }).fact !== "string") return [];
    const { fact, operator, value, path } = leaf as { fact: string; operator: string; value: unknown; path?: string };
    const raw = entry.facts[fact];
    const actual = path ? readPath(raw, path) : raw;
    const compared = value !== null && typeof value === "object" && !Array.isArray(value) && typeof (value as { fact?: unknown }).fact === "string" ? { fact: (value as { fact: string }).fact } : value;
    return [{ pointer, fact, operator, value: compared, ...(path ? { path } : {}), actual }];
  });
}

/** A value as a person reads it: money in yuan, tiers and other known ids by name, lists joined. */
export function formatValue(locale: Locale, fact: string, value: unknown, tierName: (id: string) => string = (id) => id): string {
  if (value === null || value === undefined) return locale.lang === "zh" ? "空" : "empty";
  if (Array.isArray(value)) return value.map((v) => formatValue(locale, fact, v, tierName)).join(locale.lang === "zh" ? "、" : ", ");
  if (fact === "memberTier" && typeof value === "string") return tierName(value);
  if (typeof value === "object" && typeof (value as { fact?: unknown }).fact === "string") return locale.fact((value as { fact: string }).fact);
  if (typeof value === "number" && isFactName(fact) && "unit" in factCatalog[fact] && (factCatalog[fact] as { unit?: string }).unit === "fen") return formatYuan(value);
  if (typeof value === "boolean") return locale.t(value ? "yes" : "no");
  if (typeof value === "string") return locale.term(value);
  return String(value);
}

/** A failed condition in words: "会员等级 等于 VIP银卡". */
export function conditionText(locale: Locale, failed: Pick<FailedCondition, "fact" | "operator" | "value" | "path">, tierName?: (id: string) => string): string {
  const subject = failed.path ? `${locale.fact(failed.fact)} ${failed.path}` : locale.fact(failed.fact);
  return `${subject} ${locale.operator(failed.operator)} ${formatValue(locale, failed.fact, failed.value, tierName)}`;
}

/** The names of a document's tiers in the current language, by id (the id itself when unknown). */
export function tierNamesOf(locale: Locale, document: unknown): (id: string) => string {
  const tiers = document && typeof document === "object" && Array.isArray((document as { tiers?: unknown }).tiers) ? ((document as { tiers: { id?: unknown; name?: { zh: string; en: string } }[] }).tiers) : [];
  return (id) => locale.pick(tiers.find((t) => t.id === id)?.name) || id;
}
