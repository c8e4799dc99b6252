import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { instantSchema } from "../../../../engine/src/index";
import { allowRoles, type AppEnv } from "../../auth";
import { commonErrors } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const changeCountsSchema = z.object({
  members: z.number().int(),
  supremeGranted: z.number().int(),
  supremeRevoked: z.number().int(),
  statusChanged: z.record(z.string(), z.number().int()),
  bonusPoints: z.number().int(),
  pointsForfeited: z.number().int(),
});

const lifecycleResultSchema = z.object({
  asOf: z.string(),
  pointsExpired: z.object({ members: z.number().int(), lots: z.number().int(), points: z.number().int() }),
  yearEnds: changeCountsSchema.extend({ years: z.array(z.number().int()) }),
  lifecycle: changeCountsSchema,
});

const run = createRoute({
  method: "post",
  path: "/runs",
  summary: "Run every lifecycle step due up to asOf (points expiry, year ends, dormancy and cancellation); idempotent and resumable",
  ...allowRoles("admin"),
  request: { body: { content: { "application/json": { schema: z.object({ asOf: instantSchema }).strict() } }, required: true } },
  responses: {
    200: { description: "What this run changed", content: { "application/json": { schema: lifecycleResultSchema } } },
    ...commonErrors,
  },
});

/** Lifecycle runs. */
export function lifecycleRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(run, async (c) => c.json(await services.lifecycle.run(c.req.valid("json").asOf, c.get("principal").keyId), 200));
}
