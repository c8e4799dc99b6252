import cluster, { type Worker } from "node:cluster";
import type { Logger } from "./request-log";

/** How long workers get to finish their requests and flush their decision logs once told to stop. */
const STOP_GRACE_MS = 15_000;

/** What the primary needs to supervise its workers. */
export interface WorkerOptions {
  count: number;
  logger: Logger;
  /** Called once, when every first worker listens (they share the port). */
  onListening(port: number): void;
}

/**
 * Runs the service in `count` worker processes sharing one port (node:cluster, each runs this same
 * script). SIGTERM or SIGINT stops every worker gracefully and exits once they have ended; a worker
 * that dies after it served is replaced, and one that dies before it could serve stops the service,
 * since its replacements would most likely fail the same way.
 */
export function superviseWorkers(options: WorkerOptions): void {
  const served = new Set<number>();
  let announced = false;
  let stopping = false;
  let exitCode = 0;
  const alive = () => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());

  const stop = (code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    const workers = alive();
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker.process.kill("SIGTERM");
    setTimeout(() => {
      for (const worker of alive()) worker.process.kill("SIGKILL");
    }, STOP_GRACE_MS).unref();
  };

  cluster.on("listening", (worker, address) => {
    served.add(worker.id);
    if (!announced && served.size >= options.count) {
      announced = true;
      options.onListening(address.port);
    }
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (alive().length === 0) process.exit(exitCode);
      return;
    }
    options.logger({ level: "error", message: `worker ${worker.id} (pid ${worker.process.pid}) exited (${signal ?? code})${served.has(worker.id) ? "; starting another" : " before it served; stopping"}` });
    if (served.has(worker.id)) cluster.fork();
    else stop(1);
  });
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
  for (let i = 0; i < options.count; i++) cluster.fork();
}
