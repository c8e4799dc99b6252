import { z } from "zod";
import { factCatalog } from "../facts/catalog";
import { policySchema } from "./schema";

/** The JSON Schema of policy documents, derived from the zod schema, for the editor's completion and validation. */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policySchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { ...schema, title: "Membership policy", "x-facts": Object.keys(factCatalog) };
}
