import type { z } from "zod";
import { toPointer, type Diagnostic, type Result } from "../result";
import { lintPolicy } from "./lint";
import { policySchema, type Policy } from "./schema";

/** Turns zod issues into diagnostics with JSON pointers, one per bad field. */
export function issuesToDiagnostics(issues: readonly z.core.$ZodIssue[], code = "invalid"): Diagnostic[] {
  return issues.map((issue) => ({ code, severity: "error", message: issue.message, path: toPointer(issue.path) }));
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
