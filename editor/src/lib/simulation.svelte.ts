import type { CompiledPolicy } from "../../../engine/src/index";
import { ApiProblem, type EditorApi, type SimulationJob } from "./api";
import { simulateInBrowser } from "./simulate-local";
import { reportFromServer, type SimulationReport } from "./simulation-report";

export type SimulationStatus = "idle" | "queued" | "running" | "done" | "failed" | "cancelled";

const DONE = ["succeeded", "done", "completed", "finished"];
const FAILED = ["failed", "error"];
const QUEUED = ["queued", "pending"];
const CANCELLED = ["cancelled", "canceled", "aborted"];

/** The first day of a synthetic history, Beijing time: the months of the charts start here. */
export const SYNTHETIC_START = "2026-01-01";

/** What a simulation needs from the screen. */
export interface SimulationInput {
  api: EditorApi;
  programId: string;
  draftVersion: number;
  draft: CompiledPolicy | null;
  baselineVersion: number | null;
  baseline: CompiledPolicy | null;
}

/**
 * How far a job is, 0–1, or null when it cannot be told (a replay of recorded history reports
 * events read, not a share). A synthetic history's share is where its last event lies in time.
 */
export function shareOf(progress: SimulationJob["progress"], window: { start: number; end: number } | null): number | null {
  if (typeof progress === "number") return Math.max(0, Math.min(1, progress > 1 ? progress / 100 : progress));
  if (!window) return null;
  if (!progress || !progress.at) return 0;
  const at = Date.parse(progress.at);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.min(1, (at - window.start) / (window.end - window.start)));
}

/**
 * A simulation of the open version against a baseline: started on the simulations API and polled
 * for progress; when that API is not there (404), estimated in the browser on synthetic data.
 */
export class SimulationState {
  source = $state<"recorded" | "synthetic">("synthetic");
  members = $state(500);
  months = $state(12);
  status = $state<SimulationStatus>("idle");
  /** 0–1, or null while the share cannot be told. */
  progress = $state<number | null>(0);
  /** Events the server has read so far. */
  events = $state<number | null>(null);
  report = $state.raw<SimulationReport | null>(null);
  problem = $state.raw<ApiProblem | null>(null);
  /** True when the browser computed the results because the API was missing. */
  fallback = $state(false);
  jobId = $state<string | null>(null);

  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pollMs: number;
  private run = 0;
  private api: EditorApi | null = null;

  constructor(options: { sleep?: (ms: number) => Promise<void>; pollMs?: number } = {}) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.pollMs = options.pollMs ?? 500;
  }

  readonly running = $derived(this.status === "queued" || this.status === "running");

  /** Starts a simulation; resolves when it is over (done, failed or stopped). */
  async start(input: SimulationInput): Promise<void> {
    const run = ++this.run;
    this.api = input.api;
    this.status = "queued";
    this.progress = 0;
    this.events = null;
    this.report = null;
    this.problem = null;
    this.fallback = false;
    this.jobId = null;
    const tiers = input.draft?.policy.tiers.map((t) => t.id) ?? [];
    const days = Math.round(this.months * 30.44);
    const start = Date.parse(`${SYNTHETIC_START}T00:00:00+08:00`);
    const window = this.source === "synthetic" ? { start, end: start + days * 86_400_000 } : null;
    let id: string;
    try {
      const started = await input.api.startSimulation({
        programId: input.programId,
        draftVersion: input.draftVersion,
        ...(input.baselineVersion !== null ? { baselineVersion: input.baselineVersion } : {}),
        source: this.source,
        ...(this.source === "synthetic" ? { synthetic: { members: this.members, days, start: SYNTHETIC_START } } : {}),
      });
      id = started.id;
    } catch (error) {
      const problem = error instanceof ApiProblem ? error : new ApiProblem(0, "unknown", String(error));
      // No simulations API on this server (a route it does not know): estimate in the browser.
      if (problem.status === 404 && /no route/.test(problem.detail)) return this.inBrowser(run, input);
      if (problem.status === 405) return this.inBrowser(run, input);
      return this.fail(run, problem);
    }
    if (run !== this.run) return;
    this.jobId = id;
    for (;;) {
      if (run !== this.run) return;
      let job: SimulationJob;
      try {
        job = await input.api.simulation(id);
      } catch (error) {
        return this.fail(run, error instanceof ApiProblem ? error : new ApiProblem(0, "unknown", String(error)));
      }
      if (run !== this.run) return;
      const status = String(job.status).toLowerCase();
      this.progress = shareOf(job.progress, window);
      if (job.progress && typeof job.progress === "object" && typeof job.progress.events === "number") this.events = job.progress.events;
      if (DONE.includes(status)) {
        this.report = reportFromServer(job.result ?? (job as { results?: unknown }).results, tiers);
        this.progress = 1;
        this.status = "done";
        return;
      }
      if (FAILED.includes(status)) return this.fail(run, new ApiProblem(200, "simulation_failed", typeof job.error === "string" ? job.error : JSON.stringify(job.error ?? status)));
      if (CANCELLED.includes(status)) {
        this.status = "cancelled";
        return;
      }
      this.status = QUEUED.includes(status) ? "queued" : "running";
      await this.sleep(this.pollMs);
    }
  }

  /** Stops the simulation: the server's job is cancelled, a browser estimate stops computing. */
  cancel(): void {
    if (!this.running) return;
    this.run++;
    this.status = "cancelled";
    if (this.jobId && this.api) void this.api.cancelSimulation(this.jobId).catch(() => {});
  }

  private fail(run: number, problem: ApiProblem): void {
    if (run !== this.run) return;
    this.problem = problem;
    this.status = "failed";
  }

  private async inBrowser(run: number, input: SimulationInput): Promise<void> {
    if (!input.draft) return this.fail(run, new ApiProblem(0, "invalid_request", "the draft does not compile"));
    this.fallback = true;
    this.status = "running";
    const steps = simulateInBrowser(input.baseline, input.draft, { members: this.members, months: this.months, startMonth: SYNTHETIC_START.slice(0, 7) });
    for (;;) {
      const next = steps.next();
      if (run !== this.run) return;
      if (next.done) {
        this.report = next.value;
        this.progress = 1;
        this.status = "done";
        return;
      }
      this.progress = next.value;
      // Let the page draw the progress bar between months.
      await this.sleep(0);
    }
  }
}
