import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { allowRoles, type AppEnv } from "../../auth";
import { commonErrors, enrolmentSchema, memberViewSchema, notFound, unprocessable } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const idParam = z.object({ id: z.string().min(1) });

const enrol = createRoute({
  method: "post",
  path: "/",
  summary: "Enrol a new member on same store-day evidence",
  ...allowRoles("pos", "admin"),
  request: { body: { content: { "application/json": { schema: enrolmentSchema } }, required: true } },
  responses: { 201: { description: "Enrolled", content: { "application/json": { schema: z.object({ member: memberViewSchema, decisionId: z.string() }) } } }, ...commonErrors, ...notFound, ...unprocessable },
});

const show = createRoute({
  method: "get",
  path: "/{id}",
  summary: "A member: tier, status, cycle, points with expiry, parking hours, benefits",
  ...allowRoles("pos", "auditor", "admin"),
  request: { params: idParam },
  responses: { 200: { description: "The member", content: { "application/json": { schema: memberViewSchema } } }, ...commonErrors, ...notFound },
});

const ledgerEntrySchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  points: z.number().int(),
  debt: z.number().int(),
  spend: z.number().int(),
  parkingHours: z.number().int(),
  cycleStart: z.string().nullable(),
  lotId: z.number().int().nullable(),
  decisionId: z.string().nullable(),
  receiptId: z.string().nullable(),
  policy: z.object({ id: z.string(), version: z.number().int() }),
  rule: z.string().nullable(),
  at: z.string(),
});

const ledger = createRoute({
  method: "get",
  path: "/{id}/ledger",
  summary: "Every points, spend and parking entry of a member, with the decision that caused it",
  ...allowRoles("pos", "auditor", "admin"),
  request: { params: idParam },
  responses: { 200: { description: "The ledger, oldest first", content: { "application/json": { schema: z.object({ memberId: z.string(), entries: z.array(ledgerEntrySchema) }) } } }, ...commonErrors, ...notFound },
});

/** Enrolment, members and their ledgers. */
export function membersRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(enrol, async (c) => {
      const { member, decisionId } = await services.members.enrol(c.req.valid("json"), c.get("principal"));
      return c.json({ member, decisionId }, 201);
    })
    .openapi(show, async (c) => c.json(await services.members.view(c.req.valid("param").id), 200))
    .openapi(ledger, async (c) => {
      const { id } = c.req.valid("param");
      return c.json({ memberId: id, entries: await services.members.ledger(id) }, 200);
    });
}
