import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { instantSchema } from "../../../../engine/src/index";
import { allowRoles, type AppEnv } from "../../auth";
import { commonErrors } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const run = createRoute({
  method: "post",
  path: "/runs",
  summary: "Run every lifecycle step due up to asOf (points expiry); idempotent",
  ...allowRoles("admin"),
  request: { body: { content: { "application/json": { schema: z.object({ asOf: instantSchema }).strict() } }, required: true } },
  responses: {
    200: { description: "What this run changed", content: { "application/json": { schema: z.object({ asOf: z.string(), pointsExpired: z.object({ members: z.number(), lots: z.number(), points: z.number() }) }) } } },
    ...commonErrors,
  },
});

/** Lifecycle runs. */
export function lifecycleRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(run, async (c) => c.json(await services.lifecycle.run(c.req.valid("json").asOf, c.get("principal").keyId), 200));
}
