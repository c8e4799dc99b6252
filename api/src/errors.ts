import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import { toPointer } from "../../engine/src/index";

/** The closed set of problem codes the API answers with. */
export const problemCodes = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  unavailable: 503,
  internal: 500,
} as const;
export type ProblemCode = keyof typeof problemCodes;

/** One bad field: a JSON pointer into the request and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

/** The one error handlers throw; `onError` renders it as application/problem+json. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail);
    this.status = problemCodes[code];
  }
}

/** A 400 naming every bad field of a zod validation failure. */
export function validationError(error: z.ZodError, prefix = ""): ApiError {
  // An unknown key is reported by zod on its parent object: point at the key itself so every bad field is named.
  const errors = error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" ? issue.keys.map((key) => ({ path: prefix + toPointer([...issue.path, key]), message: `unknown field "${key}"` })) : [{ path: prefix + toPointer(issue.path), message: issue.message }],
  );
  return new ApiError("invalid_request", `${errors.length} invalid field${errors.length === 1 ? "" : "s"}`, errors);
}

const TITLES: Record<ProblemCode, string> = {
  invalid_request: "Invalid request",
  unauthorized: "Missing or unknown API key",
  forbidden: "Not allowed for this role",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Request body too large",
  unprocessable: "Refused by the program's rules",
  unavailable: "Service unavailable",
  internal: "Internal error",
};

// Socket and postgres.js codes of a database out of reach, and PostgreSQL's shutdown and connection classes.
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECT_TIMEOUT", "CONNECTION_DESTROYED", "57P01", "57P02", "57P03", "08006", "08001", "08003"]);

/** Whether an error comes from the database being out of reach, so the client should retry later. */
export function isUnavailable(error: unknown): boolean {
  // The driver's error may come wrapped (drizzle's DrizzleQueryError keeps it as the cause).
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
  }
  return false;
}

/**
 * What a 5xx logs about its error: the stack, but of a failed query only its SQL and its cause.
 * Drizzle puts the query's parameters in its error message, and they are request data (receipt
 * bodies, names and phone numbers) that logs must not hold.
 */
function describeError(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return String(error);
  const query = (error as { query?: unknown }).query;
  if (typeof query === "string" && "params" in error && depth < 5) return `failed query: ${query}${error.cause ? `\ncaused by: ${describeError(error.cause, depth + 1)}` : ""}`;
  return error.stack ?? error.message;
}

/** An error as the API answers it: status, headers and the problem document's text. */
export interface Problem {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Any error as RFC 9457 problem details; only 5xx are logged, never with request secrets. */
export function problemOf(error: unknown, requestId: string | undefined, log: (line: Record<string, unknown>) => void): Problem {
  let problem: ApiError;
  if (error instanceof ApiError) problem = error;
  else if (error instanceof HTTPException) {
    const code: ProblemCode = error.status === 413 ? "payload_too_large" : error.status === 401 ? "unauthorized" : error.status < 500 ? "invalid_request" : "internal";
    problem = new ApiError(code, error.message || TITLES[code]);
  } else if (isUnavailable(error)) problem = new ApiError("unavailable", "the database is out of reach; retry shortly");
  else problem = new ApiError("internal", "an unexpected error occurred");
  if (problem.status >= 500) log({ level: "error", requestId, code: problem.code, error: describeError(error) });
  const body = {
    type: `urn:problem:${problem.code}`,
    title: TITLES[problem.code],
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    requestId,
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extra,
  };
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (problem.status === 503) headers["retry-after"] = "1";
  return { status: problem.status, headers, body: JSON.stringify(body) };
}

/** Renders any error as a Hono response (see problemOf). */
export function renderError(error: unknown, c: Context, log: (line: Record<string, unknown>) => void): Response {
  const { status, headers, body } = problemOf(error, c.get("requestId" as never) as string | undefined, log);
  return new Response(body, { status, headers });
}

/** The 400 of a body that is not JSON, worded as Hono's validators word it, which the other routes answer with. */
export function malformedJson(): ApiError {
  return new ApiError("invalid_request", "Malformed JSON in request body");
}

/** Whether a database error (or one it caused) is a unique violation: another request stored the same key first. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: unknown }).code === "23505") return true;
  return false;
}
