import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { receiptSchema } from "../../../../engine/src/index";
import { allowRoles, type AppEnv } from "../../auth";
import type { PosCall } from "../../pos-listener";
import { decisions } from "../../db/schema";
import { ApiError } from "../../errors";
import { commonErrors, decisionSchema, notFound } from "../../schemas";
import type { Services } from "../../services";
import { answeredResult } from "../../services/sales";
import { validationHook } from "../validation";

/** A quote, as this route and the POS listener serve it. */
export const quoteCall: PosCall = {
  path: "/v1/decisions",
  roles: ["pos", "marketer", "approver", "admin"],
  schema: receiptSchema,
  answer: async (services, receipt, principal) => ({ status: 200, body: await services.sales.quote(receipt, principal) }),
};

const quote = createRoute({
  method: "post",
  path: "/",
  summary: "Quote: the decision for a receipt, changing nothing",
  ...allowRoles(...quoteCall.roles),
  request: { body: { content: { "application/json": { schema: receiptSchema } }, required: true } },
  responses: { 200: { description: "The decision", content: { "application/json": { schema: decisionSchema } } }, ...commonErrors, ...notFound },
});

const read = createRoute({
  method: "get",
  path: "/{id}",
  summary: "A logged decision: its input, policy version and result",
  ...allowRoles("auditor", "admin"),
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: { description: "The logged decision", content: { "application/json": { schema: z.object({ id: z.string(), kind: z.string(), policy: z.object({ id: z.string(), version: z.number() }), receiptId: z.string().nullable(), memberId: z.string().nullable(), keyId: z.string().nullable(), input: z.unknown(), result: z.unknown(), createdAt: z.string() }) } } },
    ...commonErrors,
    ...notFound,
  },
});

/** Quotes and the decision log. */
export function decisionsRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(quote, async (c) => c.json((await quoteCall.answer(services, c.req.valid("json"), c.get("principal"))).body, 200))
    .openapi(read, async (c) => {
      await services.log.flush();
      const [row] = await services.db.select().from(decisions).where(eq(decisions.id, c.req.valid("param").id)).limit(1);
      if (!row) throw new ApiError("not_found", `no decision "${c.req.valid("param").id}"`);
      const policy = { id: row.policyId, version: row.policyVersion };
      const result = answeredResult(services.registry, row);
      return c.json({ id: row.id, kind: row.kind, policy, receiptId: row.receiptId, memberId: row.memberId, keyId: row.keyId, input: row.input, result, createdAt: row.createdAt }, 200);
    });
}
