import { ApiProblem, type AuditEvent, type EditorApi, type PolicyDiff } from "./api";

/** The history of a program: the readable difference of two versions, and the audit trail. */
export class HistoryState {
  from = $state<number | null>(null);
  to = $state<number | null>(null);
  diff = $state.raw<PolicyDiff | null>(null);
  events = $state.raw<AuditEvent[]>([]);
  auditLoaded = $state(false);
  problem = $state.raw<ApiProblem | null>(null);
  busy = $state(false);

  /** Chooses the versions to compare when none are chosen: the open version against its predecessor. */
  suggest(open: number | null, versions: readonly number[]): void {
    if (this.from !== null && this.to !== null) return;
    const sorted = [...versions].sort((a, b) => a - b);
    const to = open ?? sorted[sorted.length - 1] ?? null;
    const from = to === null ? null : ([...sorted].reverse().find((v) => v < to) ?? to);
    this.from = from;
    this.to = to;
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.problem = null;
    try {
      await action();
    } catch (error) {
      this.problem = error instanceof ApiProblem ? error : new ApiProblem(0, "unknown", String(error));
    } finally {
      this.busy = false;
    }
  }

  /** Loads the changes between the chosen versions. */
  async showDiff(api: EditorApi, programId: string): Promise<void> {
    const { from, to } = this;
    if (from === null || to === null) return;
    await this.run(async () => {
      this.diff = await api.diff(programId, from, to);
    });
  }

  /** Loads the program's audit trail, newest first. */
  async loadAudit(api: EditorApi, programId: string): Promise<void> {
    await this.run(async () => {
      this.events = [...(await api.audit(programId))].reverse();
      this.auditLoaded = true;
    });
  }
}
