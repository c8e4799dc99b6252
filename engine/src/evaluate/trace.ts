import type { TraceEntry } from "../decision";
import { isLineFact, type FactContext } from "./conditions";
import { runGenerated } from "./generated";
import type { PlannedRule } from "./plan";

/** Copies the facts a rule read from an evaluation context into a new object, in the rule's order. */
export type FactsCopier = (ctx: FactContext) => Record<string, unknown>;

/**
 * The copier of a rule's facts (catalog facts, as planPolicy keeps them): line-only facts come
 * from the line, every other fact from the receipt. Generated as one object literal when the
 * runtime allows it: the object is then allocated at its final shape with every property read
 * monomorphic, where copying name by name in a loop cost more than the rest of a trace entry.
 * Names enter the source only as JSON string literals, so no name can be more than a key. Without
 * `generateCode`, the copier copies by name.
 */
export function factsCopier(facts: readonly string[], generateCode = true): FactsCopier {
  const copier = generateCode ? runGenerated<FactsCopier>([], `return (ctx) => { const receipt = ctx.receipt; const line = ctx.line ?? receipt; return ${factsLiteral(facts)}; };`) : null;
  return copier ?? factsCopierByName(facts);
}

/** The source of an object literal of `facts`, read from `line` (line-only facts) or `receipt`, the names of the generated code. */
function factsLiteral(facts: readonly string[]): string {
  const properties = facts.map((name) => {
    const key = JSON.stringify(name);
    return `${key}: ${isLineFact(name) ? "line" : "receipt"}[${key}]`;
  });
  return `{ ${properties.join(", ")} }`;
}

/** The copier factsCopier falls back on: the same object, copied name by name. */
export function factsCopierByName(facts: readonly string[]): FactsCopier {
  const fromLine = facts.map(isLineFact);
  return (ctx) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < facts.length; i++) out[facts[i]!] = (fromLine[i] ? (ctx.line ?? ctx.receipt) : ctx.receipt)[facts[i]!];
    return out;
  };
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
  return entryOf(rule, lineId, fired, rule.copyFacts(ctx), fired ? undefined : rule.condition.failed(ctx));
}

/** Notes by rule index for the rules of one scope in one context; most rules have none. */
export type RuleNotes = readonly (string | undefined)[];

// The facts objects of the rules traced last, by rule index: read back only by the rules of the same call that share them.
const factsByRule: Record<string, unknown>[] = [];

/**
 * Writes the trace of every rule of a scope (all of them, in plan order) in one context into
 * `into` from `at` on, with each rule's note; returns where the next entry goes. `falseLeaves` is
 * the scope's bit set of false leaves in `ctx` when the evaluator already decided it (see
 * ScopeConditions); without it, the leaves are decided again.
 * Rules that read the same facts (planPolicy marks them) share one facts object, as their failed
 * lists may be shared: the trace says the same with less to allocate, and is read, never changed.
 */
export function traceRules(rules: readonly PlannedRule[], ctx: FactContext, fired: readonly boolean[], falseLeaves: number | undefined, notes: RuleNotes, lineId: string | undefined, into: TraceEntry[], at: number): number {
  if (rules.length === 0) return at;
  const conditions = rules[0]!.scopeConditions;
  // json-rules-engine says only which rules fired: the leaves are then decided here.
  falseLeaves ??= conditions.falseLeaves(ctx);
  for (let r = 0; r < rules.length; r++) {
    const rule = rules[r]!;
    const owner = rule.sharesFactsWith;
    const facts = owner === r ? (factsByRule[r] = rule.copyFacts(ctx)) : factsByRule[owner]!;
    const ruleFired = fired[r]!;
    const entry = entryOf(rule, lineId, ruleFired, facts, ruleFired ? undefined : conditions.failed(r, falseLeaves, ctx));
    const note = notes[r];
    if (note) entry.note = note;
    into[at++] = entry;
  }
  return at;
}

/** Writes the trace of a scope's rules in one context, as traceRules does for those rules. */
export type ScopeTracer = (ctx: FactContext, fired: readonly boolean[], falseLeaves: number | undefined, notes: RuleNotes, lineId: string | undefined, into: TraceEntry[], at: number) => number;

/**
 * The tracer of one scope's rules (all of them, in plan order). With `generateCode` and where the
 * runtime allows it, one generated function writes the entries straight through: each rule's
 * entry a literal at its final shape, each shared facts object one literal, each failed list from
 * a call site of its own. Rule ids, scopes and fact names enter the source only as JSON string
 * literals. Otherwise, and for a call the generated code was not made for, traceRules does it.
 */
export function scopeTracer(rules: readonly PlannedRule[], generateCode = true): ScopeTracer {
  const interpreted: ScopeTracer = (ctx, fired, falseLeaves, notes, lineId, into, at) => traceRules(rules, ctx, fired, falseLeaves, notes, lineId, into, at);
  if (!generateCode || rules.length === 0) return interpreted;
  const conditions = rules[0]!.scopeConditions;
  // Line rules are traced with their line's id, receipt rules without: the entries' shape is fixed in the source.
  const withLine = rules[0]!.scope === "line";
  const constants: unknown[] = [conditions, interpreted];
  const body = rules.map((rule, r) => {
    const copies = rule.sharesFactsWith === r ? `const f${r} = ${factsLiteral(rule.facts)}; ` : "";
    // A rule the bit set decides gets its own bit set straight from the scope's (bit i: its i-th leaf is false).
    const leaves = conditions.leavesOf(r);
    const failed = leaves === null ? `k${constants.push(conditions.failedOf(r)) - 1}(set, ctx)` : `k${constants.push(leaves.failedFor) - 1}(${leaves.bits.map((bit, i) => `((set >>> ${bit}) & 1) << ${i}`).join(" | ") || "0"})`;
    const head = `rule: ${JSON.stringify(rule.id)}, scope: ${JSON.stringify(rule.scope)},${withLine ? " lineId," : ""}`;
    const facts = `facts: f${rule.sharesFactsWith}`;
    return `${copies}e = fired[${r}] ? { ${head} fired: true, ${facts} } : { ${head} fired: false, ${facts}, failed: ${failed} }; note = notes[${r}]; if (note) e.note = note; into[at++] = e;`;
  });
  const source = `return function trace(ctx, fired, set, notes, lineId, into, at) { if ((lineId !== undefined) !== ${withLine}) return k1(ctx, fired, set, notes, lineId, into, at); if (set === undefined) set = k0.falseLeaves(ctx); const receipt = ctx.receipt; const line = ctx.line ?? receipt; let e; let note; ${body.join(" ")} return at; };`;
  return runGenerated<ScopeTracer>(constants, source) ?? interpreted;
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
