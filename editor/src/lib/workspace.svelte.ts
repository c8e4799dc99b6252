import { ApiProblem, type EditorApi, type ProgramSummary, type VersionSummary } from "./api";
import { DraftState } from "./draft.svelte";
import type { MessageKey } from "./messages";
import type { Permissions } from "./session.svelte";

/** A short message for the person after an action, in words of the dictionary. */
export interface Notice {
  kind: "ok" | "error";
  key: MessageKey;
  params?: Record<string, string | number>;
  problem?: ApiProblem;
}

/**
 * The programs a person may see, the versions of the chosen one, the version open in the
 * editor, and the way a version moves: new draft → save → submit → approve → publish.
 */
export class Workspace {
  programs = $state.raw<ProgramSummary[]>([]);
  programId = $state<string | null>(null);
  versions = $state.raw<VersionSummary[]>([]);
  draft = $state<DraftState | null>(null);
  busy = $state(false);
  notice = $state.raw<Notice | null>(null);

  readonly program = $derived(this.programs.find((p) => p.id === this.programId) ?? null);

  private readonly api: EditorApi;
  private readonly can: Permissions;

  constructor(api: EditorApi, can: Permissions) {
    this.api = api;
    this.can = can;
  }

  private async run<T>(action: () => Promise<T>, ok?: (result: T) => Notice | null): Promise<T | null> {
    this.busy = true;
    this.notice = null;
    try {
      const result = await action();
      this.notice = ok ? ok(result) : null;
      return result;
    } catch (error) {
      const problem = error instanceof ApiProblem ? error : new ApiProblem(0, "unknown", String(error));
      this.notice = { kind: "error", key: (`error.${problem.code}` in errorKeys ? `error.${problem.code}` : "error.unknown") as MessageKey, problem };
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Loads the programs and opens the first one. */
  async load(): Promise<void> {
    if (!this.can.readPrograms) return;
    const programs = await this.run(() => this.api.programs());
    if (!programs) return;
    this.programs = programs;
    if (programs[0]) await this.selectProgram(programs[0].id);
  }

  /** Chooses a program and opens its newest version still on its way (draft, submitted, approved), or else the one in force, or else the newest. */
  async selectProgram(programId: string): Promise<void> {
    this.programId = programId;
    const versions = await this.run(() => this.api.versions(programId));
    if (!versions) return;
    this.versions = versions;
    const pick = this.versions.find((v) => v.status !== "published") ?? this.versions.find((v) => v.version === this.program?.inForce) ?? this.versions[0];
    if (pick) await this.open(pick.version);
  }

  /** Reloads the list of versions (quietly: it keeps the notice of the action that caused it). */
  async refreshVersions(): Promise<void> {
    if (!this.programId) return;
    try {
      this.versions = await this.api.versions(this.programId);
    } catch {
      // The list stays as it was; the next action reports any lasting problem.
    }
  }

  /** Opens a version; its baseline is the version it is based on, or the one in force. */
  async open(version: number): Promise<void> {
    if (!this.programId) return;
    const programId = this.programId;
    const detail = await this.run(() => this.api.version(programId, version));
    if (!detail) return;
    const draft = new DraftState(detail, this.can.editDrafts);
    const baseVersion = detail.basedOn ?? (this.program?.inForce !== version ? (this.program?.inForce ?? null) : null) ?? (version > 1 ? version - 1 : null);
    if (baseVersion !== null && baseVersion !== version) {
      const base = await this.run(() => this.api.version(programId, baseVersion));
      if (base) draft.setBaseline(base.document, baseVersion);
    } else draft.setBaseline(detail.document, version);
    this.draft = draft;
  }

  /** Starts a draft from a version and opens it. */
  async newDraft(basedOn: number): Promise<void> {
    if (!this.programId) return;
    const programId = this.programId;
    const created = await this.run(() => this.api.createDraft(programId, basedOn));
    if (!created) return;
    await this.refreshVersions();
    await this.open(created.version);
  }

  /** Saves the open draft's document and cases. */
  async save(): Promise<boolean> {
    const draft = this.draft;
    if (!draft || !this.programId || !draft.editable) return false;
    draft.settle();
    const content = draft.content();
    if (!content) {
      this.notice = { kind: "error", key: "draft.jsonBroken", params: { message: draft.diagnostics[0]?.message ?? "" } };
      return false;
    }
    const programId = this.programId;
    const saved = await this.run(
      () => this.api.saveDraft(programId, draft.meta.version, content),
      () => ({ kind: "ok", key: "draft.saved" }),
    );
    if (!saved) return false;
    draft.markSaved(saved.validation, { contentHash: saved.contentHash });
    return true;
  }

  /** Asks the server to validate the open version (schema, lint, cases). */
  async validate(): Promise<void> {
    const draft = this.draft;
    if (!draft || !this.programId) return;
    const programId = this.programId;
    const validation = await this.run(
      () => this.api.validate(programId, draft.meta.version),
      (v) => ({ kind: v.ok ? "ok" : "error", key: v.ok ? "draft.valid" : "draft.invalid" }),
    );
    if (validation) draft.serverValidation = validation;
  }

  /** Saves if needed, then submits the draft for approval. */
  async submit(): Promise<void> {
    const draft = this.draft;
    if (!draft || !this.programId) return;
    if (draft.dirty && !(await this.save())) return;
    const programId = this.programId;
    const result = await this.run(
      () => this.api.submit(programId, draft.meta.version),
      () => ({ kind: "ok", key: "draft.submitted" }),
    );
    if (result) draft.meta = { ...draft.meta, ...result };
    else if (this.notice?.problem?.validation) draft.serverValidation = this.notice.problem.validation;
    await this.refreshVersions();
  }

  /** Approves the open (submitted) version. */
  async approve(): Promise<void> {
    const draft = this.draft;
    if (!draft || !this.programId) return;
    const programId = this.programId;
    const result = await this.run(
      () => this.api.approve(programId, draft.meta.version),
      () => ({ kind: "ok", key: "draft.approved" }),
    );
    if (result) draft.meta = { ...draft.meta, ...result };
    await this.refreshVersions();
  }

  /** Publishes the open (approved) version from an instant (ISO 8601 with offset). */
  async publish(effectiveFrom: string): Promise<void> {
    const draft = this.draft;
    if (!draft || !this.programId) return;
    const programId = this.programId;
    const result = await this.run(
      () => this.api.publish(programId, draft.meta.version, effectiveFrom),
      (r) => ({ kind: "ok", key: "draft.published", params: { at: r.effectiveFrom ?? effectiveFrom } }),
    );
    if (result) draft.meta = { ...draft.meta, ...result };
    try {
      this.programs = await this.api.programs();
    } catch {
      // as in refreshVersions
    }
    await this.refreshVersions();
  }
}

const errorKeys: Record<string, true> = Object.fromEntries(["unauthorized", "forbidden", "not_found", "conflict", "unprocessable", "invalid_request", "payload_too_large", "unavailable", "network"].map((c) => [`error.${c}`, true]));
