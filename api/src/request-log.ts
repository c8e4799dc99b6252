/** A structured log line; callers never put keys or request bodies in it. */
export type Logger = (line: Record<string, unknown>) => void;

/** The line every answered request logs: its id, method, path, status, time taken since `started` (performance.now()) and the key's id. */
export function requestLine(requestId: string, method: string, path: string, status: number, started: number, keyId: string | undefined): Record<string, unknown> {
  return { level: "info", requestId, method, path, status, ms: Math.round((performance.now() - started) * 100) / 100, key: keyId };
}
