/**
 * Time order for files that are mostly in time order: a first pass finds the runs (stretches
 * already in order), a second pass reads each run's byte range with its own reader and merges
 * them. Memory holds one item per run, whatever the file's size; a file with cancellations
 * appended after its sales (the Online Retail invoices) is two runs.
 */

/** An item read from a file: its instant and where it starts. */
export interface Timed<T> {
  atMs: number;
  /** Byte offset of the item's first byte in the file. */
  start: number;
  value: T;
}

/** Reads the items of the byte range [start, end) of a file, in file order. */
export type RangeReader<T> = (start: number, end: number) => AsyncIterable<Timed<T>>;

/** A run: a byte range whose items are in time order. */
export interface Run {
  start: number;
  end: number;
}

/** Finds the runs of a file by reading it once. */
export async function scanRuns<T>(read: RangeReader<T>, size: number, onItem?: (item: Timed<T>) => void): Promise<Run[]> {
  const starts: number[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for await (const item of read(0, size)) {
    if (starts.length === 0) starts.push(0);
    else if (item.atMs < previous) starts.push(item.start);
    previous = item.atMs;
    onItem?.(item);
  }
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? size }));
}

/** Merges the runs' items into one time-ordered stream; ties keep file order. */
export async function* mergeRuns<T>(read: RangeReader<T>, runs: readonly Run[]): AsyncGenerator<Timed<T>> {
  const iterators = runs.map((run) => read(run.start, run.end)[Symbol.asyncIterator]());
  const heads: (Timed<T> | null)[] = await Promise.all(iterators.map(async (it) => ((await it.next()).value as Timed<T> | undefined) ?? null));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      // Runs are in file order: on equal instants the earlier run wins, which is file order.
      if (head && (best < 0 || head.atMs < heads[best]!.atMs)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!;
    const next = await iterators[best]!.next();
    heads[best] = next.done ? null : next.value;
  }
}
