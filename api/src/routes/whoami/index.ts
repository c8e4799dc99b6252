import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { allowRoles, roles, type AppEnv } from "../../auth";
import { commonErrors } from "../../schemas";

const principalSchema = z.object({ keyId: z.string(), name: z.string(), role: z.enum(roles) }).meta({ id: "Principal" });

const whoami = createRoute({
  method: "get",
  path: "/",
  summary: "Who the presented key belongs to: its id, name and role (the editor shows what the role may do)",
  ...allowRoles(...roles),
  responses: { 200: { description: "The caller", content: { "application/json": { schema: principalSchema } } }, ...commonErrors },
});

/** The caller's own identity, never the key itself. */
export function whoamiRoutes() {
  return new OpenAPIHono<AppEnv>().openapi(whoami, (c) => {
    const { keyId, name, role } = c.get("principal");
    return c.json({ keyId, name, role }, 200);
  });
}
