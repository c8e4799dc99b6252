import type { TraceEntry } from "../decision";
import type { FactContext } from "./conditions";
import type { PlannedRule } from "./plan";

/** The trace of one rule in one context: the facts it read and, when it did not fire, the leaf conditions that failed. */
export function traceEntry(rule: PlannedRule, ctx: FactContext, fired: boolean, lineId?: string): TraceEntry {
  const facts: Record<string, unknown> = {};
  for (const name of rule.facts) facts[name] = ctx.line !== null && name in ctx.line ? ctx.line[name] : ctx.receipt[name];
  const entry: TraceEntry = lineId === undefined ? { rule: rule.id, scope: rule.scope, fired, facts } : { rule: rule.id, scope: rule.scope, lineId, fired, facts };
  if (!fired) {
    const failed: string[] = [];
    rule.condition.explain(ctx, failed);
    entry.failed = failed;
  }
  return entry;
}
