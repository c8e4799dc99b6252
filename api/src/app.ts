import type { RequestListener } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { authenticate, securityScheme, type AppEnv } from "./auth";
import { limitBody } from "./body-limit";
import { ApiError, renderError } from "./errors";
import { newId } from "./ids";
import { apiKeysRoutes } from "./routes/api-keys/index";
import { auditRoutes } from "./routes/audit/index";
import { simulationsRoutes } from "./routes/simulations/index";
import { serveEditor } from "./editor-static";
import { programsRoutes } from "./routes/programs/index";
import { decisionsRoutes, quoteCall } from "./routes/decisions/index";
import { posListener } from "./pos-listener";
import { lifecycleRoutes } from "./routes/lifecycle/index";
import { membersRoutes } from "./routes/members/index";
import { commitCall, transactionsRoutes } from "./routes/transactions/index";
import { whoamiRoutes } from "./routes/whoami/index";
import { commonErrors } from "./schemas";
import type { Services } from "./services";
import { requestLine, type Logger } from "./request-log";
import { storableJson } from "./storable-json";

/** Request bodies are refused (413) above this many bytes unless configured otherwise. */
const DEFAULT_BODY_LIMIT = 1_000_000;

/** What the app needs besides its services. */
export interface AppOptions {
  bodyLimit?: number;
  logger?: Logger;
  /** The built editor to serve at `/` (index.html for every non-API page); none when unset. */
  editorDir?: string;
}

/** What the health checks answer when all is well. */
const ready = { description: "Ready", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } };

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Answers 200 once the service accepts requests; needs no key",
  security: [],
  responses: { 200: ready },
});

const readyRoute = createRoute({
  method: "get",
  path: "/readyz",
  summary: "Answers 200 while the service reaches its database, 503 problem+json while it cannot; needs no key",
  description: "For a load balancer's readiness check: /healthz says the process is up, this that it can serve receipts. It runs one trivial query.",
  security: [],
  responses: { 200: ready, 503: commonErrors[503] },
});

/** Builds the HTTP app: request id, request log, auth on /v1, one error handler, one sub-app per resource. */
export function createApp(services: Services, options: AppOptions = {}) {
  const log: Logger = options.logger ?? (() => {});
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", async (c, next) => {
    const requestId = newId("req");
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    // Set on the response itself: c.header() on a finished response copies it, which turns
    // @hono/node-server's lightweight response into a stream it must then read back.
    c.res.headers.set("x-request-id", requestId);
    log(requestLine(requestId, c.req.method, c.req.path, c.res.status, started, c.get("principal")?.keyId));
  });
  app.use("/v1/*", limitBody(options.bodyLimit ?? DEFAULT_BODY_LIMIT));
  app.use("/v1/*", authenticate(services.keys));
  app.use("/v1/*", storableJson());
  if (options.editorDir) app.use("*", serveEditor(options.editorDir));
  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyRoute, async (c) => {
    // A database out of reach fails the query with a connection error, answered 503 by onError.
    await services.db.execute(sql`select 1`);
    return c.json({ status: "ok" as const }, 200);
  });

  const routes = app
    .route("/v1/api-keys", apiKeysRoutes(services))
    .route("/v1/decisions", decisionsRoutes(services))
    .route("/v1/transactions", transactionsRoutes(services))
    .route("/v1/members", membersRoutes(services))
    .route("/v1/lifecycle", lifecycleRoutes(services))
    .route("/v1/programs", programsRoutes(services))
    .route("/v1/whoami", whoamiRoutes())
    .route("/v1/audit", auditRoutes(services))
    .route("/v1/simulations", simulationsRoutes(services));

  app.openAPIRegistry.registerComponent("securitySchemes", securityScheme, { type: "http", scheme: "bearer", description: "An API key created with POST /v1/api-keys" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Membership policy service", version: "1.0.0", description: "POS decisions, receipts, enrolment and the member ledger; policies and their versions." },
  });
  // Rendered, not thrown: Hono runs the not-found handler outside the middleware's error handling,
  // so a throw here would skip the request id header and the request log.
  app.notFound((c) => renderError(new ApiError("not_found", `no route ${c.req.method} ${c.req.path}`), c, log));
  app.onError((error, c) => renderError(error, c, log));
  return routes;
}

/** The app's type, for the editor's typed client. */
export type AppType = ReturnType<typeof createApp>;

/** What node:http serves: the POS calls of every receipt on their own path (see posListener), everything else by the app. */
export function createRequestListener(services: Services, options: AppOptions = {}): RequestListener {
  const app = createApp(services, options);
  return posListener(services, { calls: [quoteCall, commitCall], bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, logger: options.logger ?? (() => {}) }, getRequestListener(app.fetch));
}
