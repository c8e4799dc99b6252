import type { z } from "zod";
import { toPointer, type Diagnostic, type Result } from "../result";
import { lintPolicy } from "./lint";
import { policySchema, type Policy } from "./schema";

/** Turns zod issues into diagnostics with JSON pointers, one per bad field. */
export function issuesToDiagnostics(issues: readonly z.core.$ZodIssue[], code = "invalid"): Diagnostic[] {
  return issues.flatMap((issue) => issueFields(issue).map(({ path, message }) => ({ code, severity: "error" as const, message, path })));
}

/**
 * The fields a zod issue is about, as JSON pointers: an unknown key is reported at the key
 * itself rather than at the object holding it, so the editor can mark the exact spot.
 */
export function issueFields(issue: z.core.$ZodIssue): { path: string; message: string }[] {
  if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: toPointer([...issue.path, key]), message: `unknown field "${key}"` }));
  return [{ path: toPointer(issue.path), message: issue.message }];
}

/**
 * Parses and lints a policy document. Errors make the result fail; warnings travel with a
 * successful result so the editor can show them.
 */
export function parsePolicy(document: unknown): Result<Policy> {
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) return { ok: false, diagnostics: issuesToDiagnostics(parsed.error.issues, "schema") };
  const diagnostics = lintPolicy(parsed.data);
  if (diagnostics.some((d) => d.severity === "error")) return { ok: false, diagnostics };
  return { ok: true, value: parsed.data, diagnostics };
}
