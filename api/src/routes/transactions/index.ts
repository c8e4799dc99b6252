import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { allowRoles, type AppEnv } from "../../auth";
import { claimSchema, commonErrors, transactionReceiptSchema, conflict, decisionSchema, notFound, unprocessable } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const json = { "application/json": { schema: decisionSchema } };

const commit = createRoute({
  method: "post",
  path: "/",
  summary: "Commit a receipt (sale or return); idempotent on receiptId",
  ...allowRoles("pos", "admin"),
  request: { body: { content: { "application/json": { schema: transactionReceiptSchema } }, required: true } },
  responses: { 201: { description: "Committed", content: json }, 200: { description: "Already committed with this body: the same decision", content: json }, ...commonErrors, ...notFound, ...conflict, ...unprocessable },
});

const claim = createRoute({
  method: "post",
  path: "/{receiptId}/claim",
  summary: "Attach an anonymous sale to a member for points, on the same store-day only",
  ...allowRoles("pos", "admin"),
  request: { params: z.object({ receiptId: z.string().min(1) }), body: { content: { "application/json": { schema: claimSchema } }, required: true } },
  responses: { 200: { description: "The member's decision for the claimed sale", content: json }, ...commonErrors, ...notFound, ...unprocessable },
});

/** Commits and claims. */
export function transactionsRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(commit, async (c) => {
      const { created, decision } = await services.sales.commit(c.req.valid("json"), c.get("principal"));
      return created ? c.json(decision, 201) : c.json(decision, 200);
    })
    .openapi(claim, async (c) => {
      const { memberId, at } = c.req.valid("json");
      return c.json(await services.sales.claim(c.req.valid("param").receiptId, memberId, at, c.get("principal")), 200);
    });
}
