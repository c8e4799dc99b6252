import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { allowRoles, type AppEnv } from "../../auth";
import { instantSchema } from "../../../../engine/src/index";
import { commonErrors, conflict, enrolmentSchema, memberViewSchema, notFound, traceEntrySchema, unprocessable } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const idParam = z.object({ id: z.string().min(1) });

const enrol = createRoute({
  method: "post",
  path: "/",
  summary: "Enrol a new member on same store-day evidence",
  ...allowRoles("pos", "admin"),
  request: { body: { content: { "application/json": { schema: enrolmentSchema } }, required: true } },
  responses: {
    201: {
      description: "Enrolled",
      content: {
        "application/json": {
          schema: z.object({
            member: memberViewSchema,
            decisionId: z.string(),
            /** What the entry rules gave: the rules that applied, one-time benefits (a welcome gift) and bonus points. */
            enrolment: z.object({ rules: z.array(z.string()), benefits: z.array(z.string()), bonusPoints: z.object({ points: z.number().int(), rule: z.string() }).nullable() }),
          }),
        },
      },
    },
    ...commonErrors,
    ...notFound,
    ...unprocessable,
  },
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
  storedValue: z.number().int(),
  /** For a change of status, supreme club or plan: from what to what. */
  detail: z.unknown().nullable(),
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

const traceSchema = z.array(traceEntrySchema);
const policyRefSchema = z.object({ id: z.string(), version: z.number().int() });

const rechargeBodySchema = z
  .object({ rechargeId: z.string().min(1).max(128), storeId: z.string().min(1).max(128), at: instantSchema, amount: z.number().int().min(1).max(100_000_000) })
  .strict();
const rechargeResultSchema = z.object({
  rechargeId: z.string(),
  decisionId: z.string(),
  memberId: z.string(),
  policy: policyRefSchema,
  amount: z.number().int(),
  bonusPoints: z.object({ points: z.number().int(), rule: z.string() }).nullable(),
  bonusCredit: z.object({ amount: z.number().int(), rule: z.string() }).nullable(),
  plan: z.object({ plan: z.string(), rule: z.string() }).nullable(),
  storedValue: z.object({ balance: z.number().int(), plan: z.string().nullable() }),
  points: z.object({ balance: z.number().int() }),
  trace: traceSchema,
});

const recharge = createRoute({
  method: "post",
  path: "/{id}/recharges",
  summary: "Recharge stored value: bonus points or credit and the plan the program's recharge rules give; idempotent on rechargeId",
  ...allowRoles("pos", "admin"),
  request: { params: idParam, body: { content: { "application/json": { schema: rechargeBodySchema } }, required: true } },
  responses: {
    201: { description: "Recharged", content: { "application/json": { schema: rechargeResultSchema } } },
    200: { description: "Already made with this body: the same answer", content: { "application/json": { schema: rechargeResultSchema } } },
    ...commonErrors,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
});

const redemptionBodySchema = z
  .object({ redemptionId: z.string().min(1).max(128), storeId: z.string().min(1).max(128), at: instantSchema, giftId: z.string().min(1).max(64), quantity: z.number().int().min(1).max(100).default(1) })
  .strict();
const redemptionResultSchema = z.object({
  redemptionId: z.string(),
  decisionId: z.string(),
  memberId: z.string(),
  policy: policyRefSchema,
  giftId: z.string(),
  quantity: z.number().int(),
  unitPoints: z.number().int(),
  points: z.object({ redeemed: z.number().int(), balance: z.number().int() }),
  rules: z.array(z.string()),
  trace: traceSchema,
});

const redeem = createRoute({
  method: "post",
  path: "/{id}/redemptions",
  summary: "Redeem points for a gift of the catalog, oldest points first; 422 when the balance is short; idempotent on redemptionId",
  ...allowRoles("pos", "admin"),
  request: { params: idParam, body: { content: { "application/json": { schema: redemptionBodySchema } }, required: true } },
  responses: {
    201: { description: "Redeemed", content: { "application/json": { schema: redemptionResultSchema } } },
    200: { description: "Already made with this body: the same answer", content: { "application/json": { schema: redemptionResultSchema } } },
    ...commonErrors,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
});

const gifts = createRoute({
  method: "get",
  path: "/{id}/gifts",
  summary: "The gift catalog with this member's points price for each gift",
  ...allowRoles("pos", "auditor", "admin"),
  request: { params: idParam },
  responses: {
    200: {
      description: "Gifts, in catalog order",
      content: {
        "application/json": {
          schema: z.object({
            memberId: z.string(),
            gifts: z.array(z.object({ id: z.string(), name: z.object({ zh: z.string(), en: z.string() }), catalogPoints: z.number().int(), points: z.number().int(), affordable: z.boolean(), rules: z.array(z.string()) })),
          }),
        },
      },
    },
    ...commonErrors,
    ...notFound,
  },
});

/** Enrolment, members and their ledgers. */
export function membersRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(enrol, async (c) => {
      const { member, decisionId, decision } = await services.members.enrol(c.req.valid("json"), c.get("principal"));
      return c.json({ member, decisionId, enrolment: { rules: decision.rules, benefits: decision.benefits, bonusPoints: decision.bonusPoints } }, 201);
    })
    .openapi(show, async (c) => c.json(await services.members.view(c.req.valid("param").id), 200))
    .openapi(ledger, async (c) => {
      const { id } = c.req.valid("param");
      return c.json({ memberId: id, entries: await services.members.ledger(id) }, 200);
    })
    .openapi(recharge, async (c) => {
      const { created, result } = await services.operations.recharge(c.req.valid("param").id, c.req.valid("json"), c.get("principal"));
      return created ? c.json(result, 201) : c.json(result, 200);
    })
    .openapi(redeem, async (c) => {
      const { created, result } = await services.operations.redeem(c.req.valid("param").id, c.req.valid("json"), c.get("principal"));
      return created ? c.json(result, 201) : c.json(result, 200);
    })
    .openapi(gifts, async (c) => {
      const { id } = c.req.valid("param");
      return c.json({ memberId: id, gifts: await services.operations.gifts(id, services.now().toISOString()) }, 200);
    });
}
