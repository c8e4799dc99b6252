/**
 * History as JSON lines: one object per line, in time order, either a history event
 * (`{"kind": "sale" | "return" | "enrol" | "claim" | "open", …}`, engine/src/simulate/events.ts) or a
 * receipt of the POS contract (`{"receiptId", "storeId", "at", "lines", "memberId"?, "type"?,
 * "originalReceiptId"?}`): a sale's `memberId` is its customer; a return's `memberId` names the
 * customer of its original sale. Bad lines are skipped and counted with their line numbers.
 */
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { z } from "zod";
import { instantSchema, receiptSchema, type HistoryEvent } from "../../../engine/src/index";
import type { ImportProgress } from "./online-retail";

const returnedLineSchema = z.object({ lineId: z.string().min(1), quantity: z.number().int().min(1) }).strict();
const profileSchema = z.object({ student: z.boolean(), studentOfficer: z.boolean() }).strict();

/** A history event as JSON. */
export const historyEventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("sale"), receipt: receiptSchema, customerId: z.string().min(1).nullable(), evidence: z.boolean().optional(), units: z.array(z.number().int().min(1)).optional() }).strict(),
  z.object({ kind: z.literal("return"), receiptId: z.string().min(1), originalReceiptId: z.string().min(1), customerId: z.string().min(1).nullable(), storeId: z.string().min(1), at: instantSchema, lines: z.array(returnedLineSchema).min(1) }).strict(),
  z.object({ kind: z.literal("enrol"), customerId: z.string().min(1), storeId: z.string().min(1), at: instantSchema, evidenceReceiptIds: z.array(z.string()).optional(), profile: profileSchema.optional() }).strict(),
  z.object({ kind: z.literal("claim"), receipt: receiptSchema, customerId: z.string().min(1), at: instantSchema }).strict(),
  z.object({ kind: z.literal("open"), customerId: z.string().min(1), tier: z.string().min(1), issuedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), at: instantSchema, cycleStart: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), cycleSpend: z.number().int().min(0).optional(), storeId: z.string().optional() }).strict(),
]);

/** One JSON value as history events: an event as it is, a POS receipt as a sale or a return. */
export function eventsOfJson(value: unknown): { events: HistoryEvent[] } | { error: string } {
  if (value !== null && typeof value === "object" && "kind" in value) {
    const parsed = historyEventSchema.safeParse(value);
    return parsed.success ? { events: [parsed.data as HistoryEvent] } : { error: parsed.error.issues.map((i) => `${i.path.join("/")}: ${i.message}`).join("; ") };
  }
  const parsed = receiptSchema.safeParse(value);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join("/")}: ${i.message}`).join("; ") };
  const receipt = parsed.data;
  if (receipt.type === "return") {
    return { events: [{ kind: "return", receiptId: receipt.receiptId ?? "", originalReceiptId: receipt.originalReceiptId!, customerId: receipt.memberId ?? null, storeId: receipt.storeId, at: receipt.at, lines: receipt.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })) }] };
  }
  return { events: [{ kind: "sale", receipt, customerId: receipt.memberId ?? null }] };
}

/** A JSON lines file as batches of history events; `skipped` names the first bad lines. */
export class JsonLinesHistory implements AsyncIterable<HistoryEvent[]> {
  readonly stats = { lines: 0, events: 0, skipped: 0, errors: [] as { line: number; error: string }[] };

  constructor(
    readonly path: string,
    private readonly options: { onProgress?: (progress: ImportProgress) => void; batch?: number } = {},
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<HistoryEvent[]> {
    const totalBytes = statSync(this.path).size;
    const stream = createReadStream(this.path);
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    const size = this.options.batch ?? 1_000;
    let batch: HistoryEvent[] = [];
    for await (const text of lines) {
      this.stats.lines++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      const result = value === undefined ? { error: "not JSON" } : eventsOfJson(value);
      if ("error" in result) {
        this.stats.skipped++;
        if (this.stats.errors.length < 20) this.stats.errors.push({ line: this.stats.lines, error: result.error });
        continue;
      }
      batch.push(...result.events);
      this.stats.events += result.events.length;
      if (batch.length >= size) {
        this.options.onProgress?.({ phase: "import", bytes: stream.bytesRead, totalBytes, invoices: this.stats.lines, events: this.stats.events });
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
    this.options.onProgress?.({ phase: "import", bytes: totalBytes, totalBytes, invoices: this.stats.lines, events: this.stats.events });
  }
}
