import { compilePolicy, parsePolicy, type CompiledPolicy, type Diagnostic, type Policy } from "../../../engine/src/index";
import type { Validation, VersionDetail } from "./api";
import { acceptResults, runCases, type CaseRun } from "./cases";
import { locate, replaceAt, valueAt } from "./json-text";
import { inDocumentedOrder } from "./key-order";
import { yuanToFen } from "./money";
import { compareCosts, syntheticSales, type CostComparison } from "./preview";
import { describeProgram, discountKinds, newDiscountRule, renameForNumber, rulePointerOf, type DiscountKind, type ProgramView, type RenameKind } from "./program-view";

/** The text a document is shown as: two-space JSON with keys in the documented order. */
export function documentText(document: unknown): string {
  return JSON.stringify(inDocumentedOrder(document), null, 2) + "\n";
}

function unique(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.severity}|${d.code}|${d.path}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function policyOf(text: string): Policy | null {
  try {
    const parsed = parsePolicy(JSON.parse(text));
    return parsed.ok ? parsed.value : null;
  } catch {
    return null;
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

let sampleMemo: { key: string; sales: ReturnType<typeof syntheticSales> } | null = null;
function sampleFor(tiers: readonly string[]) {
  const key = tiers.join("|");
  if (sampleMemo?.key !== key) sampleMemo = { key, sales: syntheticSales(tiers) };
  return sampleMemo.sales;
}

/**
 * One version of a program open in the editor. The JSON text is the document: the form view
 * edits it value by value (leaving the rest of the text as it was), the JSON view edits it as
 * text, and switching between them never changes it. Everything else — diagnostics, the form's
 * view, the cases' results, the cost preview — is derived from the text.
 */
export class DraftState {
  private readonly canEdit: boolean = false;
  text = $state("");
  cases = $state.raw<unknown[]>([]);
  savedText = $state("");
  savedCases = $state("[]");
  meta = $state.raw<Omit<VersionDetail, "document" | "cases">>(null as never);
  /** The version this one is compared with in the cost preview (its basis, or the one in force). */
  baseline = $state.raw<Policy | null>(null);
  baselineVersion = $state<number | null>(null);
  /** What the server said when the draft was last saved or validated. */
  serverValidation = $state.raw<Validation | null>(null);

  readonly json: Parsed = $derived.by(() => {
    try {
      return { ok: true, value: JSON.parse(this.text) as unknown };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  });
  readonly parsed = $derived(this.json.ok ? parsePolicy(this.json.value) : null);
  readonly policy: Policy | null = $derived(this.parsed?.ok ? this.parsed.value : null);
  readonly compiled: CompiledPolicy | null = $derived(this.policy ? compilePolicy(this.policy) : null);
  /** The engine's diagnostics, each once (a named condition used by several rules is reported for each of them). */
  readonly diagnostics: Diagnostic[] = $derived(
    this.json.ok ? unique(this.parsed?.diagnostics ?? []) : [{ code: "json", severity: "error", message: this.json.message, path: "" }],
  );
  readonly errorCount = $derived(this.diagnostics.filter((d) => d.severity === "error").length);
  readonly view: ProgramView | null = $derived(this.json.ok ? describeProgram(this.json.value) : null);
  /**
   * The text the costlier results (cases, cost preview) are computed from: the text itself after
   * a form edit, and after a pause in typing in the JSON view, so keystrokes stay quick.
   */
  private settledText = $state("");
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly settledPolicy: Policy | null = $derived(this.settledText === this.text ? this.policy : policyOf(this.settledText));
  readonly caseRun: CaseRun = $derived(runCases(this.settledPolicy, this.cases));
  readonly dirty = $derived(this.text !== this.savedText || JSON.stringify(this.cases) !== this.savedCases);
  readonly editable = $derived(this.meta.status === "draft" && this.canEdit);
  /** Whether submitting can succeed as far as the browser can tell: no errors, every case passes. */
  readonly submittable = $derived(this.settledText === this.text && this.policy !== null && this.errorCount === 0 && this.caseRun.failed.length === 0 && this.caseRun.error === null);
  readonly preview: CostComparison | null = $derived.by(() => {
    const policy = this.settledPolicy;
    if (!this.baseline || !policy) return null;
    const compiled = policy === this.policy && this.compiled ? this.compiled : compilePolicy(policy);
    return compareCosts(compilePolicy(this.baseline), compiled, sampleFor(policy.tiers.map((t) => t.id)));
  });

  constructor(detail: VersionDetail, canEdit: boolean) {
    this.canEdit = canEdit;
    const { document, cases, ...meta } = detail;
    this.meta = meta;
    this.text = documentText(document);
    this.savedText = this.text;
    this.settledText = this.text;
    this.cases = Array.isArray(cases) ? cases : [];
    this.savedCases = JSON.stringify(this.cases);
  }

  /** Sets the policy to compare with. */
  setBaseline(document: unknown, version: number | null): void {
    const parsed = parsePolicy(document);
    this.baseline = parsed.ok ? parsed.value : null;
    this.baselineVersion = parsed.ok ? version : null;
  }

  /** The diagnostics at a pointer or inside it, for inline messages next to a field. */
  diagnosticsAt(pointer: string): Diagnostic[] {
    return this.diagnostics.filter((d) => d.path === pointer || d.path.startsWith(pointer + "/"));
  }

  /** Replaces the whole text (the JSON view); cases and preview follow after a pause in typing. */
  setText(text: string, settleAfterMs = 400): void {
    if (!this.editable || text === this.text) return;
    this.text = text;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.settle(), settleAfterMs);
  }

  /** Brings cases and preview up to the text now. */
  settle(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    this.settledText = this.text;
  }

  /** Replaces one value of the document (the form view); false when nothing could change. */
  setValue(pointer: string, value: unknown): boolean {
    if (!this.editable) return false;
    const next = replaceAt(this.text, pointer, value);
    if (next === null || next === this.text) return false;
    this.text = next;
    this.settle();
    return true;
  }

  /**
   * Sets a number; when the rule it belongs to states the old number in its name (9.5折, 1.5倍,
   * 10000元, 20000分), the name follows.
   */
  setNumber(pointer: string, value: number, rename?: RenameKind): boolean {
    if (!this.json.ok || !Number.isFinite(value)) return false;
    const before = valueAt(this.json.value, pointer);
    if (!this.setValue(pointer, value)) return false;
    const rule = rulePointerOf(pointer);
    if (rename && rule && typeof before === "number" && this.json.ok) {
      const name = valueAt(this.json.value, `${rule}/name`) as { zh: string; en: string } | undefined;
      if (name && typeof name.zh === "string" && typeof name.en === "string") {
        const scale = rename === "yuan" ? 100 : 1;
        const renamed = renameForNumber(name, rename, before / scale, value / scale);
        if (renamed.zh !== name.zh || renamed.en !== name.en) this.setValue(`${rule}/name`, renamed);
      }
    }
    return true;
  }

  /** Sets an amount typed in yuan (stored in fen); false when the text is not an amount. */
  setYuan(pointer: string, text: string, rename?: boolean): boolean {
    const fen = yuanToFen(text);
    if (fen === null) return false;
    return this.setNumber(pointer, fen, rename ? "yuan" : undefined);
  }

  /** Sets a discount cell of the matrix, adding a rule when the tier has none in that column. */
  setDiscount(tierId: string, kind: DiscountKind, percent: number): boolean {
    const view = this.view;
    if (!view || !this.json.ok || !Number.isFinite(percent)) return false;
    const tier = view.tiers.find((t) => t.id === tierId);
    if (!tier) return false;
    const cell = tier.discounts[kind];
    if (cell) return this.setNumber(cell.pointer, percent, "percent");
    const rule = newDiscountRule(this.json.value, tier, kind, percent);
    const rules = valueAt(this.json.value, "/rules");
    if (!rule || !Array.isArray(rules)) return false;
    // After the column's other rules, so the document reads in the matrix's order.
    const at = rules.reduce<number>((last, r, i) => (r && typeof r === "object" && (r as { event?: { type?: string } }).event?.type === "line-discount" ? i + 1 : last), rules.length);
    return this.setValue("/rules", [...rules.slice(0, at), rule, ...rules.slice(at)]);
  }

  /** Whether the matrix can add a rule for an empty cell of this column. */
  canAddDiscount(kind: DiscountKind): boolean {
    return this.view?.tiers.some((t) => t.discounts[kind] !== null) ?? false;
  }

  /** The results of the failing cases (or of those named) become their expectations. */
  acceptCaseResults(names?: string[]): void {
    if (!this.editable) return;
    this.settle();
    this.cases = acceptResults(this.cases, this.caseRun.failed, names);
  }

  /** Goes back to what was last saved. */
  revert(): void {
    this.text = this.savedText;
    this.settle();
    this.cases = JSON.parse(this.savedCases) as unknown[];
  }

  /** The content to save, or null while the text is not JSON. */
  content(): { document: Record<string, unknown>; cases: unknown[] } | null {
    if (!this.json.ok || this.json.value === null || typeof this.json.value !== "object" || Array.isArray(this.json.value)) return null;
    return { document: this.json.value as Record<string, unknown>, cases: this.cases };
  }

  /** Records that the server now holds this content. */
  markSaved(validation: Validation | null, meta?: Partial<DraftState["meta"]>): void {
    this.savedText = this.text;
    this.savedCases = JSON.stringify(this.cases);
    this.serverValidation = validation;
    if (meta) this.meta = { ...this.meta, ...meta };
  }

  /** Whether the text is valid JSON whose pointers can be located (for markers). */
  get locatable(): boolean {
    return locate(this.text) !== null;
  }
}

export { discountKinds };
