/**
 * Policy documents come back from the database with their keys in the database's order (jsonb
 * sorts them by length). The editor shows them in the order the format documents them — id and
 * name first, a condition as fact, operator, value — which changes no value of the document.
 */

const ORDER = [
  "$schema", "format", "id", "version", "name", "description", "tiers", "settings", "gifts", "scope", "conditions", "rules",
  // "gift" ranks before "points" (one rank serves settings, gifts and effects): a gift price reads gift, points.
  "timezone", "moneyTenders", "memberDays", "daysOfMonth", "dates", "gift", "points", "expireAfterYears", "valueFen", "cycle", "firstCycleExtraYears", "zoneGroups",
  "all", "any", "not", "condition", "fact", "path", "operator", "value", "type", "params", "priority", "event",
  "zh", "en",
  "percent", "perYuan", "factor", "to", "tier", "minSpend", "baseHours", "stepFrom", "stepSpend", "stepHours", "maxHours", "minCycleSpend", "giftParkingHours", "flags",
  "unitPrice", "creditPerStep", "plan", "status", "supreme",
];
const RANK = new Map(ORDER.map((key, i) => [key, i]));

/** The same JSON value with object keys in the documented order (unknown keys after, as they were). */
export function inDocumentedOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inDocumentedOrder);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const ranked = entries.map(([key, v], i) => ({ key, v, rank: RANK.get(key) ?? ORDER.length + i }));
  ranked.sort((a, b) => a.rank - b.rank);
  return Object.fromEntries(ranked.map(({ key, v }) => [key, inDocumentedOrder(v)]));
}
