import { Ajv2020 } from "ajv/dist/2020.js";
import { z } from "zod";
import { Json } from "./common.js";

/** A JSON Schema (draft 2020-12) document: an object of keywords, or `true` / `false`. */
export type JsonSchemaDocument = boolean | { [keyword: string]: Json };

// The same settings runtime compiles port schemas with: unknown keywords are errors, so a schema
// the catalog accepts is one the runtime can run. strictTypes/strictRequired reject valid schemas.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, validateFormats: false });

/**
 * The problem with a JSON Schema document, or null when it compiles under JSON Schema draft
 * 2020-12 in strict mode (unknown keywords, malformed keywords and unresolvable `$ref`s fail).
 */
export function jsonSchemaProblem(schema: JsonSchemaDocument): string | null {
  if (typeof schema === "boolean") return null;
  try {
    ajv.compile(schema);
    return null;
  } catch (error) {
    return (error as Error).message.slice(0, 500);
  } finally {
    // Ajv caches every compiled schema by object identity; forget it so a long-lived service
    // validating user schemas does not grow without bound.
    ajv.removeSchema(schema);
  }
}

/**
 * zod schema of a JSON Schema document (draft 2020-12): structure first, then the keywords are
 * checked by compiling it ({@link jsonSchemaProblem}); the failing path names the schema.
 */
export const JsonSchema: z.ZodType<JsonSchemaDocument> = z.union([z.boolean(), z.record(z.string(), Json)]).superRefine((schema, ctx) => {
  const problem = jsonSchemaProblem(schema);
  if (problem) ctx.addIssue({ code: "custom", message: `invalid JSON Schema: ${problem}` });
});
