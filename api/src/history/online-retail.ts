/**
 * The Online Retail data set (shared/data) as history: both files, streamed, in time order.
 *
 * The mapping (README: "Simulation against historical transactions"):
 * - an invoice (rows sharing an `InvoiceNo`) is a receipt of store `online-retail`, its instant the
 *   US date `m/d/yy[yy] H:MM` read as Beiguo-local time (Asia/Shanghai); two-digit years are 20yy;
 * - `CustomerID` is the customer; empty or "(blank)" is an anonymous sale;
 * - lines file: each row with a positive quantity is a line, `StockCode` its sku and style,
 *   department by a stable hash of `StockCode` (see departmentOf), price `UnitPrice` pounds × 900
 *   fen (1 GBP = 9.00 CNY), rounded half up; full price; no tenders (paid in money);
 * - invoices file: the row is one line of quantity 1 priced at the invoice total (Quantity ×
 *   UnitPrice × 900 fen, rounded half up), department by the hash of the invoice number; returns
 *   count against its units (`Quantity`), so a cancellation of 3 units of a 40-unit invoice returns
 *   3/40 of it. The file does not say how units split into styles, so the bulk-purchase exclusion
 *   cannot apply there (one line of 40 units would exclude almost every invoice: 763 of 22,106
 *   invoices have fewer than 3 units);
 * - a cancellation (`InvoiceNo` C…) returns, for each of its lines, the customer's latest earlier
 *   purchases of the same `StockCode` (invoices file: of any invoice) that still have units left,
 *   latest first, spilling to earlier ones; units with no purchase left to return (a discount line
 *   "D", a purchase before the file starts) are dropped and counted, as are anonymous cancellations;
 * - rows that are neither sales nor cancellations (`A…` bad-debt adjustments), non-positive
 *   quantities on sales, negative prices, zero-value invoices and unreadable dates are skipped and counted.
 */
import { parse } from "csv-parse";
import { createReadStream, statSync } from "node:fs";
import { formatInstant, receiptSchema, zoneOffsetMs, type HistoryEvent, type Receipt, type ReceiptLine, type ReturnEvent } from "../../../engine/src/index";
import { mergeRuns, scanRuns, type Timed } from "./ranges";

/** 1 GBP = 9.00 CNY = 900 fen. */
export const FEN_PER_POUND = 900;
/** The store every Online Retail receipt is given. */
export const ONLINE_RETAIL_STORE = "online-retail";
/** Purchases remembered per customer and style for matching cancellations; older ones are forgotten. */
const PURCHASES_KEPT = 64;
const MAX_LINES = 500;

/** What an import has done so far. */
export interface ImportProgress {
  phase: "scan" | "import";
  bytes: number;
  totalBytes: number;
  invoices: number;
  events: number;
}

/** Options of the Online Retail import. */
export interface OnlineRetailOptions {
  timeZone?: string;
  fenPerPound?: number;
  storeId?: string;
  onProgress?: (progress: ImportProgress) => void;
  /** Invoices between progress reports (default 5,000). */
  progressEvery?: number;
}

/** What an import read, made and left out. */
export interface ImportStats {
  grain: "lines" | "invoices" | null;
  runs: number;
  rows: number;
  invoices: number;
  sales: number;
  anonymousSales: number;
  cancellations: number;
  returns: number;
  returnedUnits: number;
  unmatched: { lines: number; units: number };
  anonymousCancellations: number;
  /** Days between a matched cancellation and the purchase it returns. */
  returnLagDays: { "0-7": number; "8-30": number; "31-90": number; "91-365": number; "over 365": number };
  skipped: Record<string, number>;
}

interface Row {
  invoiceNo: string;
  stockCode: string;
  quantity: number;
  unitPrice: string;
  date: string;
  customerId: string | null;
}

interface RawInvoice {
  invoiceNo: string;
  rows: Row[];
  at: string | null;
}

interface Purchase {
  receiptId: string;
  lineId: string;
  remaining: number;
  atMs: number;
}

/**
 * The department of a style: FNV-1a (32-bit) of the upper-cased code, modulo 100: 0–79
 * department_store, 80–87 supermarket, 88–92 dining, 93–96 appliances, 97–99 other. Codes that are
 * not goods (postage, fees, manual lines, discounts, gift vouchers) are `other`.
 */
export function departmentOf(code: string): ReceiptLine["department"] {
  const key = code.trim().toUpperCase();
  if (/^(POST|DOT|M|D|C2|CRUK|BANK CHARGES|AMAZONFEE|PADS|S|B)$/.test(key) || key.startsWith("GIFT_")) return "other";
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const bucket = hash % 100;
  return bucket < 80 ? "department_store" : bucket < 88 ? "supermarket" : bucket < 93 ? "dining" : bucket < 97 ? "appliances" : "other";
}

/** `quantity` × a price in pounds (a decimal string) in fen at `fenPerPound`, rounded half up; null when unreadable. */
export function poundsToFen(price: string, quantity = 1, fenPerPound = FEN_PER_POUND): number | null {
  const match = /^(-?)(\d*)(?:\.(\d+))?$/.exec(price.trim());
  if (!match || (match[2] === "" && match[3] === undefined)) return null;
  const decimals = match[3] ?? "";
  const scaled = BigInt((match[2] || "0") + decimals) * BigInt(Math.abs(quantity)) * BigInt(Math.round(fenPerPound * 10_000));
  const scale = 10n ** BigInt(decimals.length) * 10_000n;
  const fen = Number((scaled * 2n + scale) / (scale * 2n));
  return match[1] === "-" ? -fen : fen;
}

/** A US `m/d/yy[yy] H:MM[:SS]` wall-clock time in `timeZone` as an ISO instant with its offset; null when unreadable. */
export function usDateToInstant(text: string, timeZone: string): { at: string; atMs: number } | null {
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!match) return null;
  const [, m, d, y, hh, mm, ss] = match;
  const year = y!.length === 2 ? 2000 + Number(y) : Number(y);
  const month = Number(m);
  const day = Number(d);
  const hour = Number(hh);
  const minute = Number(mm);
  const second = Number(ss ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(wall).getUTCDate() !== day) return null;
  // The offset at the instant the wall time names: a second look settles a guess made across a change.
  const offset = zoneOffsetMs(timeZone, wall - zoneOffsetMs(timeZone, wall));
  const atMs = wall - offset;
  return { at: formatInstant(atMs, offset), atMs };
}

function customerOf(raw: string | undefined): string | null {
  const text = (raw ?? "").trim();
  if (text === "" || text === "(blank)") return null;
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}

function lagBucket(days: number): keyof ImportStats["returnLagDays"] {
  return days <= 7 ? "0-7" : days <= 30 ? "8-30" : days <= 90 ? "31-90" : days <= 365 ? "91-365" : "over 365";
}

/**
 * An Online Retail CSV file (either grain, told by its header) as a time-ordered stream of history
 * events, in batches (one per invoice). `stats` fills in as the stream is read.
 */
export class OnlineRetailHistory implements AsyncIterable<HistoryEvent[]> {
  readonly stats: ImportStats = {
    grain: null,
    runs: 0,
    rows: 0,
    invoices: 0,
    sales: 0,
    anonymousSales: 0,
    cancellations: 0,
    returns: 0,
    returnedUnits: 0,
    unmatched: { lines: 0, units: 0 },
    anonymousCancellations: 0,
    returnLagDays: { "0-7": 0, "8-30": 0, "31-90": 0, "91-365": 0, "over 365": 0 },
    skipped: {},
  };
  private readonly timeZone: string;
  private readonly fenPerPound: number;
  private readonly storeId: string;
  private readonly purchases = new Map<string, Map<string, Purchase[]>>();
  private columns: string[] = [];

  constructor(
    readonly path: string,
    private readonly options: OnlineRetailOptions = {},
  ) {
    this.timeZone = options.timeZone ?? "Asia/Shanghai";
    this.fenPerPound = options.fenPerPound ?? FEN_PER_POUND;
    this.storeId = options.storeId ?? ONLINE_RETAIL_STORE;
  }

  private skip(reason: string, rows = 1): void {
    this.stats.skipped[reason] = (this.stats.skipped[reason] ?? 0) + rows;
  }

  private rowOf(record: string[]): Row {
    const get = (name: string) => record[this.columns.indexOf(name)] ?? "";
    return {
      invoiceNo: get("InvoiceNo").trim(),
      stockCode: this.stats.grain === "lines" ? get("StockCode").trim() : "*",
      quantity: Number(get("Quantity")),
      unitPrice: get("UnitPrice"),
      date: get("InvoiceDate"),
      customerId: customerOf(get("CustomerID")),
    };
  }

  /** The invoices of a byte range: consecutive rows with the same number, timed by their first row. */
  private async *readInvoices(start: number, end: number): AsyncGenerator<Timed<RawInvoice>> {
    if (end <= start) return;
    const parser = createReadStream(this.path, { start, end: end - 1 }).pipe(parse({ info: true, relax_column_count: true, skip_empty_lines: true, bom: start === 0 }));
    let offset = start;
    let header = start === 0;
    let current: Timed<RawInvoice> | null = null;
    let lastMs = 0;
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      const rowStart = offset;
      offset = start + info.bytes;
      if (header) {
        header = false;
        this.columns = record.map((name) => name.trim());
        this.stats.grain = this.columns.includes("StockCode") ? "lines" : "invoices";
        continue;
      }
      const row = this.rowOf(record);
      if (current !== null && current.value.invoiceNo === row.invoiceNo) {
        current.value.rows.push(row);
        continue;
      }
      if (current !== null) yield current;
      const when = usDateToInstant(row.date, this.timeZone);
      // An unreadable date keeps its neighbour's instant for ordering; the mapping skips the invoice.
      if (when !== null) lastMs = when.atMs;
      current = { atMs: lastMs, start: rowStart, value: { invoiceNo: row.invoiceNo, rows: [row], at: when?.at ?? null } };
    }
    if (current !== null) yield current;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<HistoryEvent[]> {
    const size = statSync(this.path).size;
    const every = this.options.progressEvery ?? 5_000;
    const report = this.options.onProgress;
    let scanned = 0;
    const runs = await scanRuns((s, e) => this.readInvoices(s, e), size, (item) => {
      if (++scanned % every === 0) report?.({ phase: "scan", bytes: item.start, totalBytes: size, invoices: scanned, events: 0 });
    });
    report?.({ phase: "scan", bytes: size, totalBytes: size, invoices: scanned, events: 0 });
    this.stats.runs = runs.length;
    let events = 0;
    for await (const item of mergeRuns((s, e) => this.readInvoices(s, e), runs)) {
      const batch = this.map(item.value, item.atMs);
      events += batch.length;
      if (this.stats.invoices % every === 0) report?.({ phase: "import", bytes: item.start, totalBytes: size, invoices: this.stats.invoices, events });
      if (batch.length > 0) yield batch;
    }
    report?.({ phase: "import", bytes: size, totalBytes: size, invoices: this.stats.invoices, events });
  }

  /** The events of one invoice, in time order with everything before it. */
  private map(invoice: RawInvoice, atMs: number): HistoryEvent[] {
    const stats = this.stats;
    stats.invoices++;
    stats.rows += invoice.rows.length;
    if (invoice.at === null) {
      this.skip("unreadable date", invoice.rows.length);
      return [];
    }
    if (/^\d+$/.test(invoice.invoiceNo)) return this.sale(invoice, invoice.at, atMs);
    if (/^C\d+$/i.test(invoice.invoiceNo)) return this.cancellation(invoice, invoice.at, atMs);
    this.skip("neither a sale nor a cancellation (e.g. A…: bad-debt adjustment)", invoice.rows.length);
    return [];
  }

  private remember(customerId: string, code: string, purchase: Purchase): void {
    let byCode = this.purchases.get(customerId);
    if (byCode === undefined) this.purchases.set(customerId, (byCode = new Map()));
    let list = byCode.get(code);
    if (list === undefined) byCode.set(code, (list = []));
    list.push(purchase);
    if (list.length > PURCHASES_KEPT) list.shift();
  }

  private sale(invoice: RawInvoice, at: string, atMs: number): HistoryEvent[] {
    const customerId = invoice.rows[0]!.customerId;
    const lines: ReceiptLine[] = [];
    const units: number[] = [];
    const codes: string[] = [];
    for (const row of invoice.rows) {
      if (!Number.isInteger(row.quantity) || row.quantity <= 0) {
        this.skip("non-positive quantity on a sale");
        continue;
      }
      if (this.stats.grain === "invoices") {
        const total = poundsToFen(row.unitPrice, row.quantity, this.fenPerPound);
        if (total === null || total <= 0) {
          this.skip(total === null ? "unreadable price" : "zero or negative value");
          continue;
        }
        lines.push({ lineId: String(lines.length + 1), sku: "basket", styleId: "basket", department: departmentOf(invoice.invoiceNo), quantity: 1, unitPrice: total, fullPrice: true });
      } else {
        const price = poundsToFen(row.unitPrice, 1, this.fenPerPound);
        if (price === null || price < 0) {
          this.skip(price === null ? "unreadable price" : "zero or negative value");
          continue;
        }
        if (row.stockCode === "" || row.quantity > 100_000 || row.quantity * price > 1_000_000_000) {
          this.skip("line outside the receipt contract (no code, over 100,000 units or 10 million yuan)");
          continue;
        }
        lines.push({ lineId: String(lines.length + 1), sku: row.stockCode, styleId: row.stockCode, department: departmentOf(row.stockCode), quantity: row.quantity, unitPrice: price, fullPrice: true });
      }
      units.push(row.quantity);
      codes.push(row.stockCode);
    }
    const events: HistoryEvent[] = [];
    // The receipt contract allows 500 lines: a longer invoice becomes consecutive receipts.
    for (let part = 0; part * MAX_LINES < lines.length; part++) {
      const slice = lines.slice(part * MAX_LINES, (part + 1) * MAX_LINES).map((line, i) => ({ ...line, lineId: String(i + 1) }));
      const receiptId = part === 0 ? invoice.invoiceNo : `${invoice.invoiceNo}-${part + 1}`;
      const parsed = receiptSchema.safeParse({ receiptId, type: "sale", storeId: this.storeId, at, lines: slice });
      if (!parsed.success) {
        this.skip("invalid receipt", slice.length);
        continue;
      }
      const receipt: Receipt = parsed.data;
      const sliceUnits = units.slice(part * MAX_LINES, (part + 1) * MAX_LINES);
      events.push({ kind: "sale", receipt, customerId, units: sliceUnits });
      this.stats.sales++;
      if (customerId === null) this.stats.anonymousSales++;
      else slice.forEach((line, i) => this.remember(customerId, codes[part * MAX_LINES + i]!, { receiptId, lineId: line.lineId, remaining: sliceUnits[i]!, atMs }));
    }
    return events;
  }

  private cancellation(invoice: RawInvoice, at: string, atMs: number): HistoryEvent[] {
    const stats = this.stats;
    stats.cancellations++;
    const customerId = invoice.rows[0]!.customerId;
    if (customerId === null) {
      stats.anonymousCancellations++;
      return [];
    }
    const byReceipt = new Map<string, Map<string, number>>();
    const lagOf = new Map<string, number>();
    for (const row of invoice.rows) {
      if (!Number.isFinite(row.quantity) || row.quantity >= 0) {
        this.skip("non-negative quantity on a cancellation");
        continue;
      }
      let need = -row.quantity;
      const list = this.purchases.get(customerId)?.get(row.stockCode) ?? [];
      for (let i = list.length - 1; i >= 0 && need > 0; i--) {
        const purchase = list[i]!;
        if (purchase.remaining === 0 || purchase.atMs > atMs) continue;
        const taken = Math.min(need, purchase.remaining);
        purchase.remaining -= taken;
        need -= taken;
        const lines = byReceipt.get(purchase.receiptId) ?? new Map<string, number>();
        lines.set(purchase.lineId, (lines.get(purchase.lineId) ?? 0) + taken);
        byReceipt.set(purchase.receiptId, lines);
        lagOf.set(purchase.receiptId, (atMs - purchase.atMs) / 86_400_000);
        stats.returnedUnits += taken;
      }
      if (need > 0) {
        stats.unmatched.lines++;
        stats.unmatched.units += need;
      }
    }
    const events: ReturnEvent[] = [];
    for (const [originalReceiptId, lines] of byReceipt) {
      events.push({
        kind: "return",
        receiptId: events.length === 0 ? invoice.invoiceNo : `${invoice.invoiceNo}-${events.length + 1}`,
        originalReceiptId,
        customerId,
        storeId: this.storeId,
        at,
        lines: [...lines].map(([lineId, quantity]) => ({ lineId, quantity })),
      });
      stats.returns++;
      stats.returnLagDays[lagBucket(lagOf.get(originalReceiptId) ?? 0)]++;
    }
    return events;
  }
}
