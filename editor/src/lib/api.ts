/**
 * The editor's HTTP client: hono's typed client (`hc`) over the API's own route types, so request
 * and response shapes come from the routes' zod schemas. Every failure becomes an ApiProblem.
 */
import { hc, type ClientResponse, type InferRequestType, type InferResponseType } from "hono/client";
import type { AppType } from "../../../api/src/app";
import type { Diagnostic } from "../../../engine/src/index";

type Client = ReturnType<typeof hc<AppType>>;
type Programs = Client["v1"]["programs"];
type OneVersion = Programs[":programId"]["versions"][":version"];

export type Principal = InferResponseType<Client["v1"]["whoami"]["$get"], 200>;
export type Role = Principal["role"];
export type ProgramSummary = InferResponseType<Programs["$get"], 200>["programs"][number];
export type VersionSummary = InferResponseType<Programs[":programId"]["versions"]["$get"], 200>["versions"][number];
export type VersionDetail = InferResponseType<OneVersion["$get"], 200>;
export type Validation = InferResponseType<OneVersion["validate"]["$post"], 200>;
export type DraftSaved = InferResponseType<OneVersion["$put"], 200>;
export type PolicyDiff = InferResponseType<Programs[":programId"]["diff"]["$get"], 200>;
export type AuditEvent = Extract<InferResponseType<Client["v1"]["audit"]["$get"], 200>, { events: unknown }>["events"][number];
export type ServerDecision = InferResponseType<Client["v1"]["decisions"]["$post"], 200>;
export type QuoteRequest = InferRequestType<Client["v1"]["decisions"]["$post"]>["json"];

/** A simulation job as the simulations API reports it (read defensively: see SimulationState). */
export interface SimulationJob {
  id: string;
  status: string;
  /** How far the replay got: events read and the instant of the last one (or a share 0–1). */
  progress?: number | { events?: number; sales?: number; returns?: number; at?: string | null } | null;
  result?: unknown;
  error?: unknown;
}

/** What a simulation is asked to do: POST /v1/simulations. */
export interface SimulationRequest {
  programId: string;
  draftVersion: number;
  baselineVersion?: number;
  source: "recorded" | "synthetic";
  synthetic?: { members: number; days: number; start?: string; seed?: number };
}

/** A failed call: the problem document's code and detail, or `network` when the server was not reached. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: { path: string; message: string }[] = [],
    readonly body: Record<string, unknown> = {},
  ) {
    super(`${code}: ${detail}`);
  }

  /** The diagnostics of a refused submit or publish, when the server sent its validation along. */
  get validation(): Validation | null {
    const v = this.body.validation;
    return v && typeof v === "object" ? (v as Validation) : null;
  }
}

async function problemOf(res: Response): Promise<ApiProblem> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // not a problem document
  }
  const errors = Array.isArray(body.errors) ? (body.errors as { path: string; message: string }[]) : [];
  return new ApiProblem(res.status, typeof body.code === "string" ? body.code : res.status === 404 ? "not_found" : "unknown", typeof body.detail === "string" ? body.detail : res.statusText, errors, body);
}

type SuccessBody<R> = R extends ClientResponse<infer T, infer S, infer _F> ? (S extends 200 | 201 | 202 ? T : never) : never;

async function read<R extends ClientResponse<unknown, number, "json" | "text">>(call: Promise<R>): Promise<SuccessBody<R>> {
  let res: R;
  try {
    res = await call;
  } catch (error) {
    throw new ApiProblem(0, "network", error instanceof Error ? error.message : String(error));
  }
  if (!res.ok) throw await problemOf(res as unknown as Response);
  return (await res.json()) as SuccessBody<R>;
}

/** The calls the editor makes, bound to a base URL and a key. */
export function createApi(baseUrl: string, key: string, fetchImpl: typeof fetch = (...args) => fetch(...args)) {
  const headers = { authorization: `Bearer ${key}` };
  const client = hc<AppType>(baseUrl, { headers, fetch: fetchImpl });
  const version = (programId: string, v: number) => client.v1.programs[":programId"].versions[":version"];
  const param = (programId: string, v: number) => ({ param: { programId, version: String(v) } });
  const raw = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetchImpl(`${baseUrl}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ApiProblem(0, "network", error instanceof Error ? error.message : String(error));
    }
    if (!res.ok) throw await problemOf(res);
    return res.json();
  };
  return {
    whoami: () => read(client.v1.whoami.$get()),
    programs: async () => (await read(client.v1.programs.$get())).programs,
    versions: async (programId: string) => (await read(client.v1.programs[":programId"].versions.$get({ param: { programId } }))).versions,
    version: (programId: string, v: number) => read(version(programId, v).$get(param(programId, v))),
    createDraft: (programId: string, basedOn: number) => read(client.v1.programs[":programId"].versions.$post({ param: { programId }, json: { basedOn } })),
    saveDraft: (programId: string, v: number, content: { document?: Record<string, unknown>; cases?: unknown[] }) => read(version(programId, v).$put({ ...param(programId, v), json: content })),
    validate: (programId: string, v: number) => read(version(programId, v).validate.$post(param(programId, v))),
    submit: (programId: string, v: number) => read(version(programId, v).submit.$post(param(programId, v))),
    approve: (programId: string, v: number) => read(version(programId, v).approve.$post(param(programId, v))),
    publish: (programId: string, v: number, effectiveFrom: string) => read(version(programId, v).publish.$post({ ...param(programId, v), json: { effectiveFrom } })),
    diff: (programId: string, from: number, to: number) => read(client.v1.programs[":programId"].diff.$get({ param: { programId }, query: { from: String(from), to: String(to) } })),
    audit: async (programId?: string): Promise<AuditEvent[]> => ((await read(client.v1.audit.$get({ query: programId ? { program: programId } : {} }))) as { events: AuditEvent[] }).events,
    quote: (receipt: QuoteRequest) => read(client.v1.decisions.$post({ json: receipt })),
    // The simulations API is built separately and may be absent: plain calls, read defensively.
    startSimulation: async (request: SimulationRequest) => (await raw("POST", "/v1/simulations", request)) as { id: string },
    simulation: async (id: string) => (await raw("GET", `/v1/simulations/${encodeURIComponent(id)}`)) as SimulationJob,
    cancelSimulation: async (id: string) => (await raw("POST", `/v1/simulations/${encodeURIComponent(id)}/cancel`)) as SimulationJob,
  };
}

/** The editor's API: what createApi returns (tests pass fakes of it). */
export type EditorApi = ReturnType<typeof createApi>;

/** Diagnostics as the server reports them in a validation. */
export type ServerDiagnostic = Diagnostic;
