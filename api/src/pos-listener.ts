import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { z } from "zod";
import type { Receipt } from "../../engine/src/index";
import { checkRole, principalOf, type Principal, type Role } from "./auth";
import { malformedJson, problemOf, validationError } from "./errors";
import { newId } from "./ids";
import { requestLine, type Logger } from "./request-log";
import type { Services } from "./services";
import type { ApiDecision } from "./services/sales";
import { refuseUnstorableBody } from "./storable-json";

/** One of the POS calls a till makes for every receipt, served by its Hono route and by posListener alike. */
export interface PosCall {
  path: string;
  roles: readonly Role[];
  /** The body's schema: the route's OpenAPI document is generated from it. */
  schema: z.ZodType<Receipt>;
  answer(services: Services, receipt: Receipt, principal: Principal): Promise<{ status: 200 | 201; body: ApiDecision }>;
}

/** What posListener needs besides the services. */
export interface PosListenerOptions {
  calls: readonly PosCall[];
  bodyLimit: number;
  logger: Logger;
}

// Only what Hono's JSON validator and storable-JSON check both read as JSON: every other type goes to Hono.
const PLAIN_JSON = /^application\/json\s*(;|$)/i;
// As Request.text() decodes a body: UTF-8, a leading byte order mark dropped, bad bytes replaced.
const utf8 = new TextDecoder();

/** The body's text, or null when the client went away before sending all of it. */
function bodyText(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))));
    req.once("close", () => resolve(null));
  });
}

/**
 * Serves the calls a till makes for every receipt (quotes and commits) straight on node:http, and
 * hands every other request to `next` (the Hono app). Hono's adapter turns each request into a
 * web Request and each answer into a Response, and its middleware and validator run per request
 * as closures over a context; at the 2-core bench machine's loads that was about a fifth of the
 * service's CPU time a quote. This path makes the same checks in the same order (body limit, key,
 * storable body, role, JSON, schema) with the same functions, and answers alike: a differential
 * test holds it to the Hono routes, which still serve these calls for what it declines (bodies
 * without Content-Length, chunked or over the limit, content types other than application/json,
 * URLs with a query).
 */
export function posListener(services: Services, options: PosListenerOptions, next: RequestListener): RequestListener {
  const calls = new Map(options.calls.map((call) => [call.path, call]));
  const log = options.logger;

  async function serve(call: PosCall, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = newId("req");
    let principal: Principal | undefined;
    let status: number;
    let headers: Record<string, string>;
    let body: string;
    try {
      const text = await bodyText(req);
      if (text === null) return;
      principal = await principalOf(services.keys, req.headers.authorization);
      let parsed: unknown;
      let isJson = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        isJson = false;
      }
      if (isJson) refuseUnstorableBody(text, parsed);
      checkRole(principal, call.roles);
      if (!isJson) throw malformedJson();
      const receipt = call.schema.safeParse(parsed);
      if (!receipt.success) throw validationError(receipt.error);
      const answer = await call.answer(services, receipt.data, principal);
      status = answer.status;
      headers = { "content-type": "application/json" };
      body = JSON.stringify(answer.body);
    } catch (error) {
      ({ status, headers, body } = problemOf(error, requestId, log));
    }
    // Encoded once, for its length and for the socket.
    const bytes = Buffer.from(body);
    res.writeHead(status, { ...headers, "content-length": bytes.length, "x-request-id": requestId });
    res.end(bytes);
    log(requestLine(requestId, "POST", call.path, status, started, principal?.keyId));
  }

  return (req, res) => {
    const call = req.method === "POST" ? calls.get(req.url ?? "") : undefined;
    const length = req.headers["content-length"];
    if (!call || length === undefined || req.headers["transfer-encoding"] !== undefined || Number(length) > options.bodyLimit || !PLAIN_JSON.test(req.headers["content-type"] ?? "")) return next(req, res);
    serve(call, req, res).catch((error: unknown) => {
      log({ level: "error", message: "a POS call failed outside its handling", error: String(error) });
      res.destroy();
    });
  };
}
