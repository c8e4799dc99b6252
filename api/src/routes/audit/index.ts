import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { instantSchema } from "../../../../engine/src/index";
import { allowRoles, type AppEnv } from "../../auth";
import { commonErrors } from "../../schemas";
import type { Services } from "../../services";
import { auditCsv } from "../../services/audit";
import { validationHook } from "../validation";

const query = z.object({ program: z.string().optional(), actor: z.string().optional(), from: instantSchema.optional(), to: instantSchema.optional(), format: z.enum(["json", "csv"]).default("json") });
const eventSchema = z
  .object({ id: z.number().int(), at: z.string(), actor: z.object({ keyId: z.string(), name: z.string(), role: z.string() }), action: z.string(), programId: z.string().nullable(), version: z.number().int().nullable(), beforeHash: z.string().nullable(), afterHash: z.string().nullable(), detail: z.record(z.string(), z.unknown()) })
  .meta({ id: "AuditEvent" });

const list = createRoute({
  method: "get",
  path: "/",
  summary: "The audit trail, filtered by program, person (key name) and period; CSV with format=csv",
  ...allowRoles("auditor", "admin"),
  request: { query },
  responses: { 200: { description: "Events, oldest first", content: { "application/json": { schema: z.object({ events: z.array(eventSchema) }) }, "text/csv": { schema: z.string() } } }, ...commonErrors },
});

/** The audit trail, read-only. */
export function auditRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(list, async (c) => {
    const { program, actor, from, to, format } = c.req.valid("query");
    const events = await services.audit.list({ programId: program, actor, from, to });
    if (format === "csv") return new Response(auditCsv(events), { status: 200, headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="audit.csv"' } });
    return c.json({ events }, 200);
  });
}
