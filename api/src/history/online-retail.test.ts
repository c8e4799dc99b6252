import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../../engine/src/index";
import { JsonLinesHistory } from "./jsonl";
import { departmentOf, OnlineRetailHistory, poundsToFen, usDateToInstant, type ImportProgress } from "./online-retail";

const dir = mkdtempSync(join(tmpdir(), "history-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function read(source: AsyncIterable<HistoryEvent[]>): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = [];
  for await (const batch of source) out.push(...batch);
  return out;
}

const LINES_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country,TotalPrice\n";

describe("the Online Retail mapping", () => {
  it("reads US dates with two- or four-digit years as Beiguo-local instants", () => {
    expect(usDateToInstant("12/1/10 8:26", "Asia/Shanghai")).toEqual({ at: "2010-12-01T08:26:00+08:00", atMs: Date.parse("2010-12-01T00:26:00Z") });
    expect(usDateToInstant("1/31/2011 17:05", "Asia/Shanghai")!.at).toBe("2011-01-31T17:05:00+08:00");
    expect(usDateToInstant("2/30/2011 10:00", "Asia/Shanghai")).toBeNull();
    expect(usDateToInstant("2011-01-31 10:00", "Asia/Shanghai")).toBeNull();
  });

  it("converts pounds to fen at 9.00 CNY, exactly, rounding half up", () => {
    expect(poundsToFen("2.55")).toBe(2_295);
    expect(poundsToFen("4.8533", 3)).toBe(13_104); // 3 × 4.8533 × 900 = 13,103.91
    expect(poundsToFen("0.005")).toBe(5); // 4.5 fen rounds up
    expect(poundsToFen("-11062.06")).toBe(-9_955_854);
    expect(poundsToFen("abc")).toBeNull();
  });

  it("assigns departments by a stable hash of the style, mostly department_store, fees to other", () => {
    expect(departmentOf("85123A")).toBe(departmentOf("85123a"));
    expect(departmentOf("POST")).toBe("other");
    expect(departmentOf("gift_0001_20")).toBe("other");
    const codes = Array.from({ length: 2_000 }, (_, i) => String(20_000 + i));
    const store = codes.filter((c) => departmentOf(c) === "department_store").length / codes.length;
    expect(store).toBeGreaterThan(0.75);
    expect(store).toBeLessThan(0.85);
  });

  it("maps the lines file: invoices to receipts, cancellations to returns of the latest earlier purchases", async () => {
    const path = file(
      "lines.csv",
      LINES_HEADER +
        [
          "536365,85123A,WHITE HANGING HEART,6,12/1/10 8:26,2.55,17850,United Kingdom,15.3",
          "536365,71053,WHITE METAL LANTERN,2,12/1/10 8:26,3.39,17850,United Kingdom,6.78",
          '536366,22633,"HAND WARMER, UNION JACK",6,12/1/10 8:28,1.85,17850,United Kingdom,11.1',
          "536367,84879,ASSORTED BIRD ORNAMENT,32,12/1/10 8:34,1.69,,United Kingdom,54.08",
          "536368,85123A,WHITE HANGING HEART,4,12/2/10 9:00,2.55,17850,United Kingdom,10.2",
          "C536379,85123A,WHITE HANGING HEART,-7,12/3/10 9:41,2.55,17850,United Kingdom,-17.85",
          "C536380,D,Discount,-1,12/3/10 9:45,27.5,17850,United Kingdom,-27.5",
          "C536381,22633,HAND WARMER,-1,12/3/10 9:50,1.85,,United Kingdom,-1.85",
          "536382,22633,HAND WARMER,-2,12/3/10 10:00,1.85,17850,United Kingdom,-3.7",
        ].join("\n") +
        "\n",
    );
    const history = new OnlineRetailHistory(path);
    const events = await read(history);
    expect(events.map((e) => [e.kind, e.kind === "sale" ? e.receipt.receiptId : e.kind === "return" ? e.receiptId : ""])).toEqual([
      ["sale", "536365"],
      ["sale", "536366"],
      ["sale", "536367"],
      ["sale", "536368"],
      ["return", "C536379"],
      ["return", "C536379-2"],
    ]);
    const first = events[0]!;
    expect(first).toMatchObject({ kind: "sale", customerId: "17850", units: [6, 2] });
    if (first.kind !== "sale") throw new Error("a sale");
    expect(first.receipt).toMatchObject({ storeId: "online-retail", at: "2010-12-01T08:26:00+08:00", type: "sale" });
    expect(first.receipt.lines[0]).toMatchObject({ lineId: "1", sku: "85123A", styleId: "85123A", quantity: 6, unitPrice: 2_295, fullPrice: true, department: departmentOf("85123A") });
    expect(events[2]).toMatchObject({ customerId: null });
    // 7 units back: 4 from the latest purchase (536368), the other 3 from the one before (536365).
    expect(events[4]).toMatchObject({ kind: "return", originalReceiptId: "536368", customerId: "17850", lines: [{ lineId: "1", quantity: 4 }], at: "2010-12-03T09:41:00+08:00" });
    expect(events[5]).toMatchObject({ kind: "return", originalReceiptId: "536365", lines: [{ lineId: "1", quantity: 3 }] });
    expect(history.stats).toMatchObject({ grain: "lines", runs: 1, invoices: 8, sales: 4, anonymousSales: 1, cancellations: 3, returns: 2, returnedUnits: 7, unmatched: { lines: 1, units: 1 }, anonymousCancellations: 1 });
    expect(history.stats.skipped).toEqual({ "non-positive quantity on a sale": 1 });
  });

  it("maps the invoices file, cancellations appended at the end, into time order; returns count by unit", async () => {
    const path = file(
      "invoices.csv",
      "InvoiceNo,InvoiceDate,CustomerID,Country,Quantity,UnitPrice\n" +
        [
          "536365,12/1/2010 8:26,17850,United Kingdom,40,3.91",
          "536366,12/1/2010 8:28,(blank),United Kingdom,12,1.85",
          "536370,12/5/2010 9:00,17850,United Kingdom,10,2",
          "536371,12/5/2010 9:30,(blank),United Kingdom,56,0",
          "A563185,12/6/2010 14:50,(blank),United Kingdom,1,11062.06",
          "C536379,12/2/2010 9:41,17850,United Kingdom,-4,3.91",
          "C536390,12/6/2010 10:00,17850,United Kingdom,-12,2",
        ].join("\n") +
        "\n",
    );
    const progress: ImportProgress[] = [];
    const history = new OnlineRetailHistory(path, { onProgress: (p) => progress.push(p), progressEvery: 1 });
    const events = await read(history);
    expect(history.stats.runs).toBe(2);
    expect(events.map((e) => (e.kind === "sale" ? e.receipt.receiptId : e.kind === "return" ? e.receiptId : ""))).toEqual(["536365", "536366", "C536379", "536370", "C536390", "C536390-2"]);
    expect(events[0]).toMatchObject({ kind: "sale", units: [40], receipt: { lines: [{ quantity: 1, unitPrice: 140_760, sku: "basket", department: departmentOf("536365") }] } });
    expect(events[1]).toMatchObject({ customerId: null });
    expect(events[2]).toMatchObject({ kind: "return", originalReceiptId: "536365", lines: [{ lineId: "1", quantity: 4 }] });
    // 12 units: all 10 of 536370, then 2 more of the 36 left of 536365.
    expect(events[4]).toMatchObject({ originalReceiptId: "536370", lines: [{ lineId: "1", quantity: 10 }] });
    expect(events[5]).toMatchObject({ originalReceiptId: "536365", lines: [{ lineId: "1", quantity: 2 }] });
    expect(history.stats.skipped).toEqual({ "zero or negative value": 1, "neither a sale nor a cancellation (e.g. A…: bad-debt adjustment)": 1 });
    expect(progress.at(0)!.phase).toBe("scan");
    expect(progress.at(-1)).toMatchObject({ phase: "import", bytes: progress.at(-1)!.totalBytes, events: 6 });
  });
});

describe("JSON lines history", () => {
  it("reads POS receipts and history events, and counts bad lines", async () => {
    const receipt = { receiptId: "S1", storeId: "beiguo-central", at: "2026-03-01T10:00:00+08:00", memberId: "c1", lines: [{ lineId: "1", sku: "A", styleId: "A", department: "department_store", quantity: 2, unitPrice: 10_000 }] };
    const path = file(
      "history.jsonl",
      [
        JSON.stringify({ kind: "open", customerId: "c1", tier: "silver", issuedOn: "2025-01-01", at: "2026-01-01T00:00:00+08:00" }),
        JSON.stringify(receipt),
        "",
        JSON.stringify({ ...receipt, receiptId: "R1", type: "return", originalReceiptId: "S1", lines: [{ ...receipt.lines[0], quantity: 1 }] }),
        "{not json",
        JSON.stringify({ kind: "sale", customerId: null, receipt: { ...receipt, lines: [] } }),
      ].join("\n"),
    );
    const history = new JsonLinesHistory(path);
    const events = await read(history);
    expect(events.map((e) => e.kind)).toEqual(["open", "sale", "return"]);
    expect(events[1]).toMatchObject({ kind: "sale", customerId: "c1" });
    expect(events[2]).toEqual({ kind: "return", receiptId: "R1", originalReceiptId: "S1", customerId: "c1", storeId: "beiguo-central", at: "2026-03-01T10:00:00+08:00", lines: [{ lineId: "1", quantity: 1 }] });
    expect(history.stats).toMatchObject({ lines: 6, events: 3, skipped: 2 });
    expect(history.stats.errors.map((e) => e.line)).toEqual([5, 6]);
  });
});
