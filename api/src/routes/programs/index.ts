import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { instantSchema } from "../../../../engine/src/index";
import { allowRoles, type AppEnv } from "../../auth";
import { commonErrors, conflict, notFound, unprocessable } from "../../schemas";
import type { Services } from "../../services";
import { validationHook } from "../validation";

const READERS = ["marketer", "approver", "auditor", "admin"] as const;
const programParam = z.object({ programId: z.string().min(1).max(64) });
const versionParam = programParam.extend({ version: z.coerce.number().int().min(1) });
const summarySchema = z
  .object({
    id: z.string(),
    programId: z.string(),
    version: z.number().int(),
    status: z.enum(["draft", "submitted", "approved", "published"]),
    contentHash: z.string(),
    effectiveFrom: z.string().nullable(),
    effectiveTo: z.string().nullable(),
    basedOn: z.number().int().nullable(),
    createdBy: z.string(),
    submittedBy: z.string().nullable(),
    approvedBy: z.string().nullable(),
    publishedBy: z.string().nullable(),
    createdAt: z.string(),
    publishedAt: z.string().nullable(),
  })
  .meta({ id: "PolicyVersion" });
const diagnosticSchema = z.object({ code: z.string(), severity: z.enum(["error", "warning"]), message: z.string(), path: z.string() });
const validationSchema = z
  .object({ ok: z.boolean(), diagnostics: z.array(diagnosticSchema), cases: z.object({ total: z.number().int(), failed: z.array(z.object({ name: z.string(), mismatches: z.array(z.object({ path: z.string(), expected: z.unknown(), actual: z.unknown() })) })) }) })
  .meta({ id: "Validation" });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });
const draftBody = z.object({ document: z.record(z.string(), z.unknown()).optional(), cases: z.array(z.unknown()).optional(), basedOn: z.number().int().min(1).optional() }).strict();

const routes = {
  programs: createRoute({ method: "get", path: "/", summary: "Programs, with their version in force now", ...allowRoles(...READERS), responses: { 200: json(z.object({ programs: z.array(z.object({ id: z.string(), name: z.unknown(), versions: z.number(), inForce: z.number().nullable() })) }), "Programs"), ...commonErrors } }),
  versions: createRoute({ method: "get", path: "/{programId}/versions", summary: "Every version of a program, newest first", ...allowRoles(...READERS), request: { params: programParam }, responses: { 200: json(z.object({ versions: z.array(summarySchema) }), "Versions"), ...commonErrors, ...notFound } }),
  version: createRoute({ method: "get", path: "/{programId}/versions/{version}", summary: "One version with its document and cases", ...allowRoles(...READERS), request: { params: versionParam }, responses: { 200: json(summarySchema.extend({ document: z.unknown(), cases: z.unknown() }), "The version"), ...commonErrors, ...notFound } }),
  export: createRoute({ method: "get", path: "/{programId}/versions/{version}/export", summary: "The version as a policy file, byte for byte", ...allowRoles(...READERS), request: { params: versionParam }, responses: { 200: { description: "The policy file", content: { "application/json": { schema: z.unknown() } } }, ...commonErrors, ...notFound } }),
  create: createRoute({ method: "post", path: "/{programId}/versions", summary: "Start a draft from a document or from a version (a rollback starts from an old version)", ...allowRoles("marketer"), request: { params: programParam, ...body(draftBody) }, responses: { 201: json(summarySchema.extend({ validation: validationSchema }), "The draft and how it validates"), ...commonErrors, ...notFound } }),
  update: createRoute({ method: "put", path: "/{programId}/versions/{version}", summary: "Replace a draft's document and/or cases", ...allowRoles("marketer"), request: { params: versionParam, ...body(draftBody.omit({ basedOn: true })) }, responses: { 200: json(summarySchema.extend({ validation: validationSchema }), "The draft and how it validates"), ...commonErrors, ...notFound, ...conflict } }),
  validate: createRoute({ method: "post", path: "/{programId}/versions/{version}/validate", summary: "Validate a version: schema, lint and its cases", ...allowRoles("marketer", "approver"), request: { params: versionParam }, responses: { 200: json(validationSchema, "The validation"), ...commonErrors, ...notFound } }),
  submit: createRoute({ method: "post", path: "/{programId}/versions/{version}/submit", summary: "Submit a draft for approval (it must validate)", ...allowRoles("marketer"), request: { params: versionParam }, responses: { 200: json(summarySchema, "Submitted"), ...commonErrors, ...notFound, ...conflict, ...unprocessable } }),
  approve: createRoute({ method: "post", path: "/{programId}/versions/{version}/approve", summary: "Approve a submitted version (not by its author or submitter)", ...allowRoles("approver"), request: { params: versionParam }, responses: { 200: json(summarySchema, "Approved"), ...commonErrors, ...notFound, ...conflict } }),
  publish: createRoute({ method: "post", path: "/{programId}/versions/{version}/publish", summary: "Publish an approved version from effectiveFrom (now or later)", ...allowRoles("approver"), request: { params: versionParam, ...body(z.object({ effectiveFrom: instantSchema, effectiveTo: instantSchema.optional() }).strict()) }, responses: { 200: json(summarySchema, "Published"), ...commonErrors, ...notFound, ...conflict, ...unprocessable } }),
  end: createRoute({ method: "post", path: "/{programId}/versions/{version}/end", summary: "Schedule a published version to end", ...allowRoles("approver"), request: { params: versionParam, ...body(z.object({ effectiveTo: instantSchema }).strict()) }, responses: { 200: json(summarySchema, "Scheduled"), ...commonErrors, ...notFound, ...conflict, ...unprocessable } }),
  diff: createRoute({ method: "get", path: "/{programId}/diff", summary: "What changed between two versions, in words, with JSON pointers", ...allowRoles(...READERS), request: { params: programParam, query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }) }, responses: { 200: json(z.object({ programId: z.string(), from: z.unknown(), to: z.unknown(), changes: z.array(z.object({ kind: z.string(), subject: z.string(), id: z.string().optional(), path: z.string(), before: z.unknown().optional(), after: z.unknown().optional(), message: z.object({ zh: z.string(), en: z.string() }) })) }), "The changes"), ...commonErrors, ...notFound, ...unprocessable } }),
};

/** Programs, their versions and the way a change goes from draft to publication. */
export function programsRoutes(services: Services) {
  const { versions } = services;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(routes.programs, async (c) => c.json({ programs: await versions.programs() }, 200))
    .openapi(routes.versions, async (c) => c.json({ versions: await versions.list(c.req.valid("param").programId) }, 200))
    .openapi(routes.version, async (c) => {
      const { programId, version } = c.req.valid("param");
      return c.json(await versions.get(programId, version), 200);
    })
    .openapi(routes.export, async (c) => {
      const { programId, version } = c.req.valid("param");
      // The file's exact bytes, not a re-serialised JSON value: hence a raw body, not c.json.
      const file = await versions.export(programId, version);
      return c.body(file, 200, { "content-type": "application/json; charset=utf-8", "content-disposition": `attachment; filename="v${version}.json"` }) as never;
    })
    .openapi(routes.create, async (c) => c.json(await versions.createDraft(c.req.valid("param").programId, c.req.valid("json"), c.get("principal")), 201))
    .openapi(routes.update, async (c) => {
      const { programId, version } = c.req.valid("param");
      return c.json(await versions.updateDraft(programId, version, c.req.valid("json"), c.get("principal")), 200);
    })
    .openapi(routes.validate, async (c) => {
      const { programId, version } = c.req.valid("param");
      return c.json(await versions.validate(programId, version), 200);
    })
    .openapi(routes.submit, async (c) => {
      const { programId, version } = c.req.valid("param");
      return c.json(await versions.submit(programId, version, c.get("principal")), 200);
    })
    .openapi(routes.approve, async (c) => {
      const { programId, version } = c.req.valid("param");
      return c.json(await versions.approve(programId, version, c.get("principal")), 200);
    })
    .openapi(routes.publish, async (c) => {
      const { programId, version } = c.req.valid("param");
      return c.json(await versions.publish(programId, version, c.req.valid("json"), c.get("principal")), 200);
    })
    .openapi(routes.end, async (c) => {
      const { programId, version } = c.req.valid("param");
      return c.json(await versions.scheduleEnd(programId, version, c.req.valid("json").effectiveTo, c.get("principal")), 200);
    })
    .openapi(routes.diff, async (c) => {
      const { from, to } = c.req.valid("query");
      return c.json(await versions.diff(c.req.valid("param").programId, from, to), 200);
    });
}
