import { insertRows, insertWrite, writeTogether, type Db, type Tx, type Write } from "../db/client";
import { decisions } from "../db/schema";

/** One logged decision: what was asked, under which policy version, and what was answered. */
export type DecisionRecord = typeof decisions.$inferInsert;

/**
 * The decision log. Commits log inside their own transaction; quotes are buffered and written
 * in batches so that a quote costs no database round trip, and `flush` empties the buffer.
 */
export class DecisionLog {
  private buffer: DecisionRecord[] = [];
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
    this.buffer.push(record);
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
        // One statement with one parameter, however many records (see insertRows).
        await insertRows(this.db, decisions, batch);
      } catch {
        // One bad record must not lose the others: write them one by one, reporting those that fail.
        for (const record of batch) {
          try {
            await insertRows(this.db, decisions, [record]);
          } catch (error) {
            this.onError(error);
          }
        }
      }
    });
    return this.flushing;
  }
}
