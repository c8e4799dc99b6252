/**
 * Open-loop load at a constant rate: request i is due at start + i / rate whatever happened to the
 * ones before it, goes out on the first free keep-alive connection (waiting in the agent's queue
 * while all are busy), and its latency counts from when it was due. A till network sends like this;
 * a closed loop (each connection waiting for its answer before the next request) would slow down
 * with the service and hide the queueing (coordinated omission), and autocannon's fixed rate sends
 * each second's share in a burst at the start of the second.
 */
import http from "node:http";

export interface PacedLoad {
  url: string;
  path: string;
  headers: Record<string, string>;
  body: (i: number) => string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Keep-alive connections at most. */
  connections: number;
}

export interface PacedResult {
  /** Requests sent (rate × seconds). */
  total: number;
  /** Requests that did not end in a 2xx answer. */
  errors: number;
  /** Answers per second, from the first request due to the last answer. */
  achieved: number;
  /** Latency percentiles in ms, each request counted from when it was due. */
  p50: number;
  p99: number;
  max: number;
}

// Requests still unanswered this long after the last one was due are counted as errors.
const DRAIN_MS = 30_000;

function percentile(sorted: Float64Array, p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]! * 10) / 10;
}

/** Sends `rate × seconds` requests at a constant rate and measures each from when it was due. */
export function pacedLoad(load: PacedLoad): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: load.connections });
  const { hostname, port } = new URL(load.url);
  const total = Math.round(load.rate * load.seconds);
  const latencies = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
  let sent = 0;
  let answered = 0;
  let errors = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drain);
      agent.destroy();
      const elapsedS = (performance.now() - start) / 1000;
      const sorted = latencies.slice().sort();
      resolve({ total, errors: errors + (total - answered), achieved: Math.round(answered / elapsedS), p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: percentile(sorted, 1) });
    };
    const drain = setTimeout(finish, load.seconds * 1000 + DRAIN_MS);
    const settle = (i: number, due: number, ok: boolean) => {
      latencies[i] = performance.now() - due;
      if (!ok) errors++;
      if (++answered === total) finish();
    };
    const send = (i: number, due: number) => {
      const body = load.body(i);
      let settled = false;
      const once = (ok: boolean) => {
        if (settled) return;
        settled = true;
        settle(i, due, ok);
      };
      const request = http.request({ agent, hostname, port, path: load.path, method: "POST", headers: { ...load.headers, "content-length": Buffer.byteLength(body) } }, (response) => {
        response.resume();
        response.on("end", () => once(response.statusCode! >= 200 && response.statusCode! < 300));
      });
      request.on("error", () => once(false));
      request.end(body);
    };
    // Timers fire about every millisecond: each sends the requests that fell due since the last.
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * load.rate) + 1);
      for (; sent < due; sent++) send(sent, start + (sent * 1000) / load.rate);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}
