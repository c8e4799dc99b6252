import { notify, type Database, type Tx } from "../db/client";

/** The notification channel of the service's changes (one per database schema). */
const CHANNEL = "mps_changes";

/**
 * A change that processes sharing the database must hear about, because they keep something of it
 * in memory: published versions (the policy registry), API keys (the key cache), and simulation
 * jobs, which run in the process that queued them.
 */
export type Change =
  | { topic: "policies" }
  | { topic: "keys" }
  | { topic: "simulation.ping"; id: string }
  | { topic: "simulation.pong"; id: string }
  | { topic: "simulation.cancel"; id: string };
type Topic = Change["topic"];
type Handler = (change: never) => void;

/** Announces a change to every process following the database, this one included; within a transaction, once it commits. */
export function announce(tx: Tx, change: Change): Promise<void> {
  return notify(tx, CHANNEL, "id" in change ? `${change.topic} ${change.id}` : change.topic);
}

function parseChange(payload: string): Change | null {
  const space = payload.indexOf(" ");
  const topic = space < 0 ? payload : payload.slice(0, space);
  if (topic === "policies" || topic === "keys") return { topic };
  if (space > 0 && (topic === "simulation.ping" || topic === "simulation.pong" || topic === "simulation.cancel")) return { topic, id: payload.slice(space + 1) };
  return null;
}

/**
 * What other processes on the same database changed (cluster workers, other machines), heard
 * through PostgreSQL LISTEN/NOTIFY. A notification sent while the listening connection is down is
 * lost, so each (re)connect counts as a change of everything that is kept in memory.
 */
export class ChangeFeed {
  private readonly handlers = new Map<Topic, Set<Handler>>();
  private readonly resyncs = new Set<() => void>();
  private listening = false;

  /** Whether this process hears other processes' changes (`follow` was called and is listening). */
  get following(): boolean {
    return this.listening;
  }

  /** Calls `handler` with each change of `topic`; returns a function that stops it. */
  on<T extends Topic>(topic: T, handler: (change: Extract<Change, { topic: T }>) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => void set.delete(handler);
  }

  /** Calls `handler` whenever changes may have been missed: on listening, and after every reconnect. */
  onResync(handler: () => void): void {
    this.resyncs.add(handler);
  }

  /** Starts listening; resolves once it listens (having resynced once), with a function that stops. */
  async follow(database: Database): Promise<() => Promise<void>> {
    const unlisten = await database.listen(
      CHANNEL,
      (payload) => {
        const change = parseChange(payload);
        if (change) for (const handler of this.handlers.get(change.topic) ?? []) handler(change as never);
      },
      () => {
        this.listening = true;
        for (const resync of this.resyncs) resync();
      },
    );
    return async () => {
      this.listening = false;
      await unlisten();
    };
  }
}
