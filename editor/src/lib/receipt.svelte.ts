import { memberSnapshotSchema, receiptSchema, type CompiledPolicy, type Decision, type Department, type SaleInput, type TenderType } from "../../../engine/src/index";
import { ApiProblem, type EditorApi, type QuoteRequest, type ServerDecision } from "./api";
import { yuanToFen } from "./money";

/** One line of the basket as typed: amounts in yuan. */
export interface LineInput {
  department: Department;
  brand: string;
  zone: string;
  styleId: string;
  unitPriceYuan: string;
  quantity: number;
  fullPrice: boolean;
}

/** The customer of the receipt as typed. */
export interface MemberInput {
  anonymous: boolean;
  tier: string;
  cycleSpendYuan: string;
  issuedOn: string;
  supreme: boolean;
  student: boolean;
  /** For a server quote: an enrolled member's id. */
  memberId: string;
}

let styleCounter = 0;

/** A new basket line: one full-price department-store item of 1,000 yuan. */
export function newLine(overrides: Partial<LineInput> = {}): LineInput {
  styleCounter += 1;
  return { department: "department_store", brand: "", zone: "", styleId: `ST-${styleCounter}`, unitPriceYuan: "1000", quantity: 1, fullPrice: true, ...overrides };
}

/**
 * "Try a receipt": a basket and a member profile, decided by the open draft in the browser (with
 * the full trace) or quoted by the server under the version in force.
 */
export class ReceiptState {
  mode = $state<"draft" | "server">("draft");
  member = $state<MemberInput>({ anonymous: false, tier: "silver", cycleSpendYuan: "0", issuedOn: "2026-01-05", supreme: false, student: false, memberId: "" });
  /** Store-local (Beijing) date and time, as a datetime-local input gives it. */
  at = $state("2026-11-22T14:05");
  storeId = $state("beiguo-central");
  dayBeforeYuan = $state("0");
  lines = $state<LineInput[]>([newLine()]);
  tenders = $state<{ type: TenderType; amountYuan: string }[]>([]);
  decision = $state.raw<Decision | ServerDecision | null>(null);
  /** The document the decision was made with, to read its trace's pointers. */
  decidedWith = $state.raw<unknown>(null);
  errors = $state.raw<string[]>([]);
  problem = $state.raw<ApiProblem | null>(null);
  busy = $state(false);
  onlyFailed = $state(false);

  addLine(): void {
    this.lines.push(newLine());
  }

  removeLine(index: number): void {
    if (this.lines.length > 1) this.lines.splice(index, 1);
  }

  addTender(): void {
    this.tenders.push({ type: "cash", amountYuan: "0" });
  }

  removeTender(index: number): void {
    this.tenders.splice(index, 1);
  }

  /** Uses a tier of the program when the chosen one is not one of them. */
  useTiers(tierIds: readonly string[]): void {
    if (tierIds.length > 0 && !tierIds.includes(this.member.tier)) this.member.tier = tierIds.includes("silver") ? "silver" : tierIds[0]!;
  }

  /** The receipt as the POS would send it, or the reasons it cannot be built. */
  receipt(): { ok: true; receipt: QuoteRequest } | { ok: false; errors: string[] } {
    const errors: string[] = [];
    const lines = this.lines.map((line, i) => {
      const unitPrice = yuanToFen(line.unitPriceYuan);
      if (unitPrice === null) errors.push(`/lines/${i}/unitPrice`);
      return { lineId: String(i + 1), sku: `SKU-${line.styleId}`, styleId: line.styleId || `ST-${i + 1}`, department: line.department, zone: line.zone || null, brand: line.brand || null, quantity: Math.max(1, Math.floor(line.quantity)), unitPrice: unitPrice ?? 0, fullPrice: line.fullPrice };
    });
    const tenders = this.tenders.map((t, i) => {
      const amount = yuanToFen(t.amountYuan);
      if (amount === null) errors.push(`/tenders/${i}/amount`);
      return { type: t.type, amount: amount ?? 0 };
    });
    const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(this.at) ? `${this.at}:00+08:00` : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(this.at) ? `${this.at}+08:00` : this.at;
    const receipt = { storeId: this.storeId, at, lines, ...(tenders.length ? { tenders } : {}), ...(this.mode === "server" && !this.member.anonymous && this.member.memberId ? { memberId: this.member.memberId } : {}) };
    const parsed = receiptSchema.safeParse(receipt);
    if (!parsed.success) errors.push(...parsed.error.issues.map((i) => "/" + i.path.join("/")));
    return errors.length ? { ok: false, errors: [...new Set(errors)] } : { ok: true, receipt };
  }

  /** The engine's input for the browser: the receipt and a member snapshot. */
  saleInput(): { ok: true; sale: SaleInput } | { ok: false; errors: string[] } {
    const built = this.receipt();
    if (!built.ok) return built;
    const m = this.member;
    let member: SaleInput["member"] = null;
    if (!m.anonymous) {
      const cycleSpend = yuanToFen(m.cycleSpendYuan);
      const snapshot = memberSnapshotSchema.safeParse({ id: "m_try", tier: m.tier, issuedOn: m.issuedOn, cycleStart: m.issuedOn, cycleSpend: cycleSpend ?? -1, supreme: m.supreme, profile: { student: m.student, studentOfficer: false } });
      if (!snapshot.success) return { ok: false, errors: snapshot.error.issues.map((i) => "/member/" + i.path.join("/")) };
      member = snapshot.data;
    }
    const sale: SaleInput = { receipt: receiptSchema.parse(built.receipt), member };
    const before = yuanToFen(this.dayBeforeYuan);
    if (before) sale.dayPayableBefore = before;
    return { ok: true, sale };
  }

  /** Decides the receipt with a compiled draft, in the browser. */
  decideWith(compiled: CompiledPolicy | null, document: unknown): void {
    this.problem = null;
    if (!compiled) {
      this.decision = null;
      this.errors = ["policy"];
      return;
    }
    const input = this.saleInput();
    if (!input.ok) {
      this.errors = input.errors;
      return;
    }
    this.errors = [];
    this.decision = compiled.decide(input.sale);
    this.decidedWith = document;
  }

  /** Asks the server for a quote under the version in force; `documentOf` gives the document of a version if it is at hand. */
  async quote(api: EditorApi, documentOf: (version: number) => unknown): Promise<void> {
    this.problem = null;
    const built = this.receipt();
    if (!built.ok) {
      this.errors = built.errors;
      return;
    }
    this.errors = [];
    this.busy = true;
    try {
      const decision = await api.quote(built.receipt);
      this.decision = decision;
      this.decidedWith = documentOf(decision.policy.version);
    } catch (error) {
      this.decision = null;
      this.problem = error instanceof ApiProblem ? error : new ApiProblem(0, "unknown", String(error));
    } finally {
      this.busy = false;
    }
  }
}
