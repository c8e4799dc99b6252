import type { z } from "zod";
import { validationError } from "../errors";

/** Turns a failed request validation into the one 400 that names every bad field. */
export function validationHook(result: { success: true } | { success: false; error: z.ZodError; target?: string }): void {
  if (!result.success) throw validationError(result.error, result.target === "param" ? "/params" : result.target === "query" ? "/query" : "");
}
