/**
 * The real service as a child process, for the fault suites: `node --import tsx api/src/main.ts`
 * in one process (tsx's CLI would put a second process in between, and SIGKILL is not relayed),
 * on port 0, with the port read from its "listening" log line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A running service: where it listens, its output so far, and how it ended. */
export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  base: string;
  output: { stdout: string; stderr: string };
  /** Resolves when the process has ended, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running. */
  running(): boolean;
  /** Sends `signal` and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the service with `env` over the test's environment (DATABASE_URL is removed unless
 * given) and resolves once it listens; rejects with its output if it exits or stays silent.
 */
export async function startService(env: Record<string, string>, timeoutMs = 120_000): Promise<ServiceProcess> {
  const childEnv: Record<string, string | undefined> = { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env };
  if (!("DATABASE_URL" in env)) delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "api/src/main.ts"], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the service did not listen within ${timeoutMs} ms; stdout:\n${output.stdout}\nstderr:\n${output.stderr}`));
    }, timeoutMs);
    const check = () => {
      const match = /"message":"listening on http:\/\/localhost:(\d+)"/.exec(output.stdout);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", check);
      resolve(Number(match[1]));
    };
    child.stdout!.on("data", check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the service ended (${code ?? signal}) before it listened; stdout:\n${output.stdout}\nstderr:\n${output.stderr}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    base: `http://127.0.0.1:${port}`,
    output,
    exited,
    running,
    async kill(signal = "SIGTERM") {
      if (running()) child.kill(signal);
      return exited;
    },
  };
}

/** A JSON answer of the service. */
export interface Answer {
  status: number;
  body: any;
  contentType: string | null;
  ms: number;
}

/** Sends a JSON request with a bearer key; network failures reject (the caller decides what they mean). */
export async function call(base: string, key: string, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, contentType: res.headers.get("content-type"), ms: performance.now() - started };
}
