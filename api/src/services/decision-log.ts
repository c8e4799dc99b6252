import { getTableColumns } from "drizzle-orm";
import { insertWrite, JsonRows, writeTogether, type Db, type Tx, type Write } from "../db/client";
import { decisions } from "../db/schema";

/** One logged decision: what was asked, under which policy version, and what was answered. */
export type DecisionRecord = typeof decisions.$inferInsert;

/** What a buffered record keeps: every column but created_at, which is the time it is written. */
const BUFFERED = (Object.keys(getTableColumns(decisions)) as (keyof DecisionRecord & string)[]).filter((column) => column !== "createdAt");

/**
 * The decision log. Commits log inside their own transaction; quotes are buffered and written
 * in batches so that a quote costs no database round trip, and `flush` empties the buffer. A
 * buffered record is kept as its JSON, made when it comes: the batch's insert only joins them,
 * and the records' objects are garbage as soon as their request is answered.
 */
export class DecisionLog {
  private readonly rows = new JsonRows(decisions, BUFFERED);
  private buffer: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly onError: (error: unknown) => void,
    private readonly delayMs = 50,
    private readonly maxBuffer = 500,
  ) {}

  /** Logs a decision in the caller's transaction. */
  async write(tx: Tx, record: DecisionRecord): Promise<void> {
    await writeTogether(tx, [this.entry(record)]);
  }

  /** The write that logs a decision, for a caller's `writeTogether` in its transaction. */
  entry(record: DecisionRecord): Write {
    return insertWrite(decisions, [record])!;
  }

  /** Logs a quote soon, in a batch. */
  enqueue(record: DecisionRecord): void {
    this.buffer.push(this.rows.json(record));
    if (this.buffer.length >= this.maxBuffer) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes every buffered record; resolves when they are stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        // One statement with one parameter, however many records (see insertWrite).
        await writeTogether(this.db, [this.rows.write(batch)]);
      } catch {
        // One bad record must not lose the others: write them one by one, reporting those that fail.
        for (const record of batch) {
          try {
            await writeTogether(this.db, [this.rows.write([record])]);
          } catch (error) {
            this.onError(error);
          }
        }
      }
    });
    return this.flushing;
  }
}
