import { and, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { compilePolicy, instantSchema, parsePolicy, simulate, SimulationAborted, SyntheticHistory, type CompiledPolicy, type HistorySource, type SimulationProgress, type SimulationResult } from "../../../engine/src/index";
import type { Principal } from "../auth";
import type { Db } from "../db/client";
import { policyVersions, simulations } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { recordedHistory } from "../history/recorded";
import { announce, type ChangeFeed } from "./changes";
import type { PolicyRegistry } from "./policies";

/** A simulation job as asked for. */
export const simulationRequestSchema = z
  .object({
    programId: z.string().min(1).max(64),
    draftVersion: z.number().int().min(1),
    /** Default: the version in force now; equal to the draft, a single-version replay. */
    baselineVersion: z.number().int().min(1).optional(),
    source: z.enum(["recorded", "synthetic"]),
    period: z.object({ from: instantSchema.optional(), to: instantSchema.optional() }).strict().optional(),
    synthetic: z
      .object({ members: z.number().int().min(1).max(200_000).default(20_000), seed: z.number().int().default(1), days: z.number().int().min(1).max(1_100).default(365), start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() })
      .strict()
      .optional(),
    enrolment: z.enum(["same-day-evidence", "first-sale", "explicit"]).optional(),
    returnWindowDays: z.number().int().min(0).max(3_650).optional(),
  })
  .strict();
export type SimulationRequest = z.infer<typeof simulationRequestSchema>;

type Row = typeof simulations.$inferSelect;
type Status = "queued" | "running" | "succeeded" | "failed" | "cancelled";
const FINISHED: readonly string[] = ["succeeded", "failed", "cancelled"];

interface Job {
  id: string;
  request: SimulationRequest;
  signal: { aborted: boolean };
  progress: SimulationProgress;
  done: Promise<void>;
  resolve: () => void;
}

/** How often a running job's progress is written to its row. */
const PROGRESS_WRITE_MS = 1_000;
/** How long to wait for another process to say it has a job, before taking the job for interrupted. */
const OWNER_ANSWER_MS = 2_000;
/** How long a cancel waits for the process that runs the job to stop it. */
const REMOTE_CANCEL_MS = 10_000;

/** A job as the API shows it. */
export function viewOf(row: Row, live?: SimulationProgress) {
  return {
    id: row.id,
    kind: row.kind,
    programId: row.programId,
    draftVersion: row.draftVersion,
    baselineVersion: row.baselineVersion,
    source: row.source,
    params: row.params,
    status: row.status as Status,
    progress: (live ?? row.progress) as Partial<SimulationProgress>,
    result: (row.result ?? null) as SimulationResult | null,
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Simulation jobs: replays of recorded or synthetic history through a draft and a baseline, run one
 * at a time in the process that queued them (the replay is CPU-bound), with progress, results and
 * cancellation. Other processes on the database ask that process, through the change feed, whether
 * it still has a job, and pass cancellations on to it.
 */
export class SimulationsService {
  private readonly queue: Job[] = [];
  private readonly jobs = new Map<string, Job>();
  private running = false;
  private readonly published = new Map<string, CompiledPolicy>();

  constructor(private readonly deps: { db: Db; registry: PolicyRegistry; changes?: ChangeFeed; now: () => Date; onError?: (error: unknown) => void }) {
    const report = (error: unknown) => deps.onError?.(error);
    deps.changes?.on("simulation.ping", (change) => {
      if (this.jobs.has(change.id)) announce(deps.db, { topic: "simulation.pong", id: change.id }).catch(report);
    });
    deps.changes?.on("simulation.cancel", (change) => {
      const job = this.jobs.get(change.id);
      if (job) this.stop(job).catch(report);
    });
  }

  /** Whether another process has this job: asks every process following the database, and waits a moment for an answer. */
  private async runsElsewhere(id: string): Promise<boolean> {
    const changes = this.deps.changes;
    if (!changes?.following) return false;
    let off = () => {};
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), OWNER_ANSWER_MS);
      off = changes.on("simulation.pong", (change) => {
        if (change.id === id) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    try {
      await announce(this.deps.db, { topic: "simulation.ping", id });
      return await answered;
    } finally {
      off();
    }
  }

  /** A version of a program, compiled: published ones once, drafts each time (they may still change). */
  async policyVersion(programId: string, version: number): Promise<CompiledPolicy> {
    const key = `${programId}@${version}`;
    const known = this.published.get(key);
    if (known) return known;
    const [row] = await this.deps.db.select({ document: policyVersions.document, status: policyVersions.status }).from(policyVersions).where(and(eq(policyVersions.programId, programId), eq(policyVersions.version, version))).limit(1);
    if (!row) throw new ApiError("not_found", `no version ${version} of program "${programId}"`);
    const parsed = parsePolicy(row.document);
    if (!parsed.ok) throw new ApiError("unprocessable", `version ${version} of "${programId}" does not parse: fix it before simulating`, parsed.diagnostics.map((d) => ({ path: d.path, message: d.message })));
    const compiled = compilePolicy(parsed.value);
    if (row.status === "published") this.published.set(key, compiled);
    return compiled;
  }

  private baselineOf(request: SimulationRequest): number | null {
    if (request.baselineVersion !== undefined) return request.baselineVersion;
    try {
      return this.deps.registry.inForce(request.programId, this.deps.now().getTime()).version;
    } catch {
      return null;
    }
  }

  /** Queues a job; it starts when the jobs before it have finished. */
  async start(request: SimulationRequest, principal: Principal) {
    await this.policyVersion(request.programId, request.draftVersion);
    const baselineVersion = this.baselineOf(request);
    if (baselineVersion !== null) await this.policyVersion(request.programId, baselineVersion);
    const id = newId("sim");
    const params = { period: request.period ?? null, synthetic: request.source === "synthetic" ? simulationRequestSchema.shape.synthetic.unwrap().parse(request.synthetic ?? {}) : null, enrolment: request.enrolment ?? null, returnWindowDays: request.returnWindowDays ?? null };
    const [row] = await this.deps.db
      .insert(simulations)
      .values({ id, kind: "simulation", programId: request.programId, draftVersion: request.draftVersion, baselineVersion: baselineVersion === request.draftVersion ? null : baselineVersion, source: request.source, params, status: "queued", progress: {}, createdBy: principal.keyId })
      .returning();
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const job: Job = { id, request: { ...request, baselineVersion: baselineVersion ?? request.draftVersion }, signal: { aborted: false }, progress: { events: 0, sales: 0, returns: 0, at: null }, done, resolve };
    this.jobs.set(id, job);
    this.queue.push(job);
    void this.drain();
    return viewOf(row!, job.progress);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) await this.run(job);
    } finally {
      this.running = false;
    }
  }

  private async finish(job: Job, status: Status, fields: { result?: SimulationResult; error?: string }): Promise<void> {
    await this.deps.db.update(simulations).set({ status, progress: job.progress, result: fields.result ?? null, error: fields.error ?? null, finishedAt: this.deps.now().toISOString() }).where(eq(simulations.id, job.id));
    this.jobs.delete(job.id);
    job.resolve();
  }

  private async run(job: Job): Promise<void> {
    const { db } = this.deps;
    const request = job.request;
    if (job.signal.aborted) return this.finish(job, "cancelled", {});
    try {
      await db.update(simulations).set({ status: "running", startedAt: this.deps.now().toISOString() }).where(eq(simulations.id, job.id));
      const draft = await this.policyVersion(request.programId, request.draftVersion);
      const baseline = request.baselineVersion === request.draftVersion ? null : await this.policyVersion(request.programId, request.baselineVersion!);
      let source: HistorySource;
      if (request.source === "synthetic") {
        const options = simulationRequestSchema.shape.synthetic.unwrap().parse(request.synthetic ?? {});
        source = new SyntheticHistory(options);
      } else source = recordedHistory(db, { programId: request.programId });
      let written = 0;
      const result = await simulate(source, {
        draft,
        baseline,
        enrolment: request.enrolment ?? (request.source === "recorded" ? "explicit" : "same-day-evidence"),
        returnWindowDays: request.returnWindowDays ?? (request.source === "recorded" ? 365 : 90),
        from: request.period?.from ?? null,
        to: request.period?.to ?? null,
        signal: job.signal,
        pause,
        pauseEvery: 5_000,
        progressEvery: 5_000,
        onProgress: (progress) => {
          job.progress = progress;
          const now = Date.now();
          if (now - written >= PROGRESS_WRITE_MS) {
            written = now;
            void db.update(simulations).set({ progress }).where(eq(simulations.id, job.id)).catch(this.deps.onError ?? (() => {}));
          }
        },
      });
      await this.finish(job, "succeeded", { result });
    } catch (error) {
      if (error instanceof SimulationAborted) return this.finish(job, "cancelled", {});
      this.deps.onError?.(error);
      await this.finish(job, "failed", { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async storedRow(id: string): Promise<Row> {
    const [row] = await this.deps.db.select().from(simulations).where(eq(simulations.id, id)).limit(1);
    if (!row) throw new ApiError("not_found", `no simulation "${id}"`);
    return row;
  }

  private async row(id: string): Promise<Row> {
    const row = await this.storedRow(id);
    if (FINISHED.includes(row.status) || this.jobs.has(id) || (await this.runsElsewhere(id))) return row;
    // Queued or running in a process that has stopped: it will never finish. Unless it just did.
    const [failed] = await this.deps.db
      .update(simulations)
      .set({ status: "failed", error: "interrupted: the service restarted before the job finished", finishedAt: this.deps.now().toISOString() })
      .where(and(eq(simulations.id, id), inArray(simulations.status, ["queued", "running"])))
      .returning();
    return failed ?? this.storedRow(id);
  }

  /** A job with its progress and, once it succeeded, its result. */
  async get(id: string) {
    const row = await this.row(id);
    return viewOf(row, this.jobs.get(id)?.progress);
  }

  /** The latest jobs, without their results. */
  async list(limit = 100) {
    const rows = await this.deps.db.select().from(simulations).orderBy(desc(simulations.createdAt), desc(simulations.id)).limit(limit);
    return rows.map((row) => ({ ...viewOf(row, this.jobs.get(row.id)?.progress), result: null }));
  }

  /** Cancels a queued or running job and answers once it has stopped. */
  async cancel(id: string) {
    const row = await this.row(id);
    if (FINISHED.includes(row.status)) throw new ApiError("conflict", `simulation "${id}" has already ${row.status === "succeeded" ? "succeeded" : row.status === "failed" ? "failed" : "been cancelled"}`);
    const job = this.jobs.get(id);
    if (job) await this.stop(job);
    else {
      // Another process runs it (row() asked): it stops the job when it hears of this, and stores the outcome.
      await announce(this.deps.db, { topic: "simulation.cancel", id });
      for (const deadline = Date.now() + REMOTE_CANCEL_MS; Date.now() < deadline && !FINISHED.includes((await this.storedRow(id)).status); ) await new Promise((r) => setTimeout(r, 50));
    }
    return this.get(id);
  }

  private async stop(job: Job): Promise<void> {
    job.signal.aborted = true;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      await this.finish(job, "cancelled", {});
    } else await job.done;
  }

  /** Waits for every queued and running job (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs.values()].map((job) => job.done));
  }

  /**
   * The behavioural difference of two versions over recorded receipts: replays the recorded history
   * up to `end` through both (receipts before `start` only build the members' state) and reports
   * the receipts and members decided differently in the period, by what changed, with examples.
   */
  async behaviourDiff(programId: string, from: number, to: number, start: string | null, end: string | null) {
    const baseline = await this.policyVersion(programId, from);
    const draft = await this.policyVersion(programId, to);
    const result = await simulate(recordedHistory(this.deps.db, { programId }), { draft, baseline, enrolment: "explicit", returnWindowDays: 365, from: start, to: end, pause });
    const diff = result.diff!;
    const yuan = (fen: number) => fen / 100;
    const change = (c: (typeof diff.byChange)["discount"]) => ({ receipts: c.receipts, members: c.members, delta: c.delta, deltaYuan: yuan(c.deltaFen) });
    return {
      programId,
      from,
      to,
      period: { start, end, firstReceiptAt: result.period.firstEventAt, lastReceiptAt: result.period.lastEventAt },
      receipts: diff.receipts,
      members: diff.members,
      byChange: { discount: change(diff.byChange.discount), points: change(diff.byChange.points), parking: change(diff.byChange.parking), tier: change(diff.byChange.tier) },
      costDeltaYuan: diff.costDeltaYuan,
      cost: { fromYuan: yuan(result.baseline!.costFen), toYuan: yuan(result.draft.costFen) },
      examples: diff.examples,
      changedRules: diff.changedRules,
    };
  }
}
