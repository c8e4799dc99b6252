import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { allowRoles, roles, type AppEnv } from "../../auth";
import { ApiError } from "../../errors";
import { commonErrors, notFound } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const create = createRoute({
  method: "post",
  path: "/",
  summary: "Create an API key; the key is shown once, only its hash is stored",
  ...allowRoles("admin"),
  request: { body: { content: { "application/json": { schema: z.object({ role: z.enum(roles), name: z.string().min(1).max(128) }).strict() } }, required: true } },
  responses: { 201: { description: "The new key", content: { "application/json": { schema: z.object({ id: z.string(), role: z.enum(roles), name: z.string(), key: z.string() }) } } }, ...commonErrors },
});

const list = createRoute({
  method: "get",
  path: "/",
  summary: "List API keys (never their values)",
  ...allowRoles("admin"),
  responses: { 200: { description: "Keys", content: { "application/json": { schema: z.object({ keys: z.array(z.object({ id: z.string(), name: z.string(), role: z.string(), createdAt: z.string(), revokedAt: z.string().nullable() })) }) } } }, ...commonErrors },
});

const revoke = createRoute({
  method: "delete",
  path: "/{id}",
  summary: "Revoke an API key",
  ...allowRoles("admin"),
  request: { params: z.object({ id: z.string().min(1) }) },
  responses: { 204: { description: "Revoked" }, ...commonErrors, ...notFound },
});

/** API keys (admin only). */
export function apiKeysRoutes(services: Services) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(create, async (c) => {
      const { role, name } = c.req.valid("json");
      const created = await services.db.transaction(async (tx) => {
        const key = await services.keys.create(role, name, tx);
        await services.audit.record(tx, c.get("principal"), { action: "key.created", detail: { keyId: key.id, role, name } });
        return key;
      });
      return c.json(created, 201);
    })
    .openapi(list, async (c) => c.json({ keys: await services.keys.list() }, 200))
    .openapi(revoke, async (c) => {
      const { id } = c.req.valid("param");
      await services.db.transaction(async (tx) => {
        if (!(await services.keys.revoke(id, tx))) throw new ApiError("not_found", "no such active key");
        await services.audit.record(tx, c.get("principal"), { action: "key.revoked", detail: { keyId: id } });
      });
      // Again once committed: a request of that key read before the commit may have cached it as active.
      services.keys.forget();
      return c.body(null, 204);
    });
}
