import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { instantSchema } from "../../../../engine/src/index";
import { allowRoles, type AppEnv } from "../../auth";
import { commonErrors, conflict, notFound, unprocessable } from "../../schemas";
import type { Services } from "../../services";
import { simulationRequestSchema } from "../../services/simulations";
import { validationHook } from "../validation";

const READERS = ["marketer", "approver", "auditor", "admin"] as const;
const STARTERS = ["marketer", "approver"] as const;
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const progressSchema = z.object({ events: z.number().int().optional(), sales: z.number().int().optional(), returns: z.number().int().optional(), at: z.string().nullable().optional() });
const jobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    programId: z.string(),
    draftVersion: z.number().int(),
    baselineVersion: z.number().int().nullable(),
    source: z.string(),
    params: z.unknown(),
    status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
    progress: progressSchema,
    result: z.unknown().describe("The simulation's result once it succeeded: per version figures, deltas (draft − baseline) and the receipt-by-receipt diff"),
    error: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: "Simulation" });
const idParam = z.object({ id: z.string().min(1).max(64) });
const changeSchema = z.object({ receipts: z.number().int(), members: z.number().int(), delta: z.number(), deltaYuan: z.number() });
const behaviourDiffSchema = z
  .object({
    programId: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    period: z.object({ start: z.string().nullable(), end: z.string().nullable(), firstReceiptAt: z.string().nullable(), lastReceiptAt: z.string().nullable() }),
    receipts: z.object({ compared: z.number().int(), different: z.number().int() }),
    members: z.object({ different: z.number().int(), tierPathDifferent: z.number().int() }),
    byChange: z.object({ discount: changeSchema, points: changeSchema, parking: changeSchema, tier: changeSchema }),
    costDeltaYuan: z.number(),
    cost: z.object({ fromYuan: z.number(), toYuan: z.number() }),
    examples: z.unknown(),
    changedRules: z.array(z.string()),
  })
  .meta({ id: "BehaviourDiff" });

const routes = {
  start: createRoute({
    method: "post",
    path: "/",
    summary: "Start a simulation: replay recorded or synthetic history through a draft and its baseline",
    ...allowRoles(...STARTERS),
    request: { body: { content: { "application/json": { schema: simulationRequestSchema } }, required: true } },
    responses: { 202: json(jobSchema, "Queued; poll GET /v1/simulations/{id}"), ...commonErrors, ...notFound, ...unprocessable },
  }),
  list: createRoute({ method: "get", path: "/", summary: "The latest simulations, without their results", ...allowRoles(...READERS), responses: { 200: json(z.object({ simulations: z.array(jobSchema) }), "Simulations"), ...commonErrors } }),
  behaviourDiff: createRoute({
    method: "get",
    path: "/behaviour-diff",
    summary: "How two versions decide the recorded receipts of a period differently: receipts and members by what changed, examples, cost delta in yuan",
    ...allowRoles(...READERS),
    request: { query: z.object({ programId: z.string().min(1).max(64), from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1), start: instantSchema.optional(), end: instantSchema.optional() }) },
    responses: { 200: json(behaviourDiffSchema, "The behavioural difference"), ...commonErrors, ...notFound, ...unprocessable },
  }),
  get: createRoute({ method: "get", path: "/{id}", summary: "A simulation: status, progress and, once finished, its result", ...allowRoles(...READERS), request: { params: idParam }, responses: { 200: json(jobSchema, "The simulation"), ...commonErrors, ...notFound } }),
  cancel: createRoute({ method: "post", path: "/{id}/cancel", summary: "Cancel a queued or running simulation; answers once it has stopped", ...allowRoles(...STARTERS), request: { params: idParam }, responses: { 200: json(jobSchema, "The cancelled simulation"), ...commonErrors, ...notFound, ...conflict } }),
};

/** Simulation jobs and the behavioural diff of two versions. */
export function simulationsRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.start, async (c) => {
      const job = await services.simulations.start(c.req.valid("json"), c.get("principal"));
      c.header("location", `/v1/simulations/${job.id}`);
      return c.json(job, 202);
    })
    .openapi(routes.list, async (c) => c.json({ simulations: await services.simulations.list() }, 200))
    .openapi(routes.behaviourDiff, async (c) => {
      const { programId, from, to, start, end } = c.req.valid("query");
      return c.json(await services.simulations.behaviourDiff(programId, from, to, start ?? null, end ?? null), 200);
    })
    .openapi(routes.get, async (c) => c.json(await services.simulations.get(c.req.valid("param").id), 200))
    .openapi(routes.cancel, async (c) => c.json(await services.simulations.cancel(c.req.valid("param").id), 200));
}
