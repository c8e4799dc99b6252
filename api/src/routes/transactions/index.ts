import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { allowRoles, type AppEnv } from "../../auth";
import type { PosCall } from "../../pos-listener";
import { claimSchema, commonErrors, transactionReceiptSchema, conflict, decisionSchema, notFound, unprocessable } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const json = { "application/json": { schema: decisionSchema } };

/** A commit, as this route and the POS listener serve it: 201 when it is new, 200 for a replay. */
export const commitCall: PosCall = {
  path: "/v1/transactions",
  roles: ["pos", "admin"],
  schema: transactionReceiptSchema,
  async answer(services, receipt, principal) {
    const { created, decision } = await services.sales.commit(receipt, principal);
    return { status: created ? 201 : 200, body: decision };
  },
};

const commit = createRoute({
  method: "post",
  path: "/",
  summary: "Commit a receipt (sale or return); idempotent on receiptId",
  ...allowRoles(...commitCall.roles),
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
      const { status, body } = await commitCall.answer(services, c.req.valid("json"), c.get("principal"));
      return status === 201 ? c.json(body, 201) : c.json(body, 200);
    })
    .openapi(claim, async (c) => {
      const { memberId, at } = c.req.valid("json");
      return c.json(await services.sales.claim(c.req.valid("param").receiptId, memberId, at, c.get("principal")), 200);
    });
}
