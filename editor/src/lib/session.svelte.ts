import { ApiProblem, type EditorApi, type Principal, type Role } from "./api";

/** What a role may see and do in the editor; mirrors the API's route × role table. */
export interface Permissions {
  readPrograms: boolean;
  editDrafts: boolean;
  submit: boolean;
  approve: boolean;
  publish: boolean;
  validate: boolean;
  readAudit: boolean;
  quoteOnServer: boolean;
  simulate: boolean;
}

/** The permissions of a role. */
export function permissionsFor(role: Role | null): Permissions {
  const is = (...roles: Role[]) => role !== null && roles.includes(role);
  return {
    readPrograms: is("marketer", "approver", "auditor", "admin"),
    editDrafts: is("marketer"),
    submit: is("marketer"),
    approve: is("approver"),
    publish: is("approver"),
    validate: is("marketer", "approver"),
    readAudit: is("auditor", "admin"),
    quoteOnServer: is("pos", "marketer", "approver", "admin"),
    simulate: is("marketer", "approver"),
  };
}

/** Where the key is kept between reloads of the tab (never across browser sessions). */
export interface KeyStorage {
  get(): string | null;
  set(key: string | null): void;
}

/** The signed-in person: their key, who the API says they are, and what their role allows. */
export class Session {
  principal = $state<Principal | null>(null);
  api = $state.raw<EditorApi | null>(null);
  busy = $state(false);
  error = $state<ApiProblem | null>(null);
  readonly can = $derived(permissionsFor(this.principal?.role ?? null));

  private readonly connect: (key: string) => EditorApi;
  private readonly storage: KeyStorage;

  constructor(connect: (key: string) => EditorApi, storage: KeyStorage = { get: () => null, set: () => {} }) {
    this.connect = connect;
    this.storage = storage;
  }

  /** Signs in with a key: the API names its holder and role, or the key is refused. */
  async signIn(key: string): Promise<boolean> {
    const trimmed = key.trim();
    if (!trimmed) return false;
    this.busy = true;
    this.error = null;
    try {
      const api = this.connect(trimmed);
      this.principal = await api.whoami();
      this.api = api;
      this.storage.set(trimmed);
      return true;
    } catch (error) {
      this.error = error instanceof ApiProblem ? error : new ApiProblem(0, "unknown", String(error));
      this.principal = null;
      this.api = null;
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Signs in again with the key kept for this tab, if any. */
  async resume(): Promise<boolean> {
    const key = this.storage.get();
    if (!key) return false;
    const ok = await this.signIn(key);
    if (!ok) this.storage.set(null);
    return ok;
  }

  /** Forgets the key. */
  signOut(): void {
    this.principal = null;
    this.api = null;
    this.error = null;
    this.storage.set(null);
  }
}
