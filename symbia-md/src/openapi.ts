/** The parts of an OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0) this package reads. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, unknown> };
}

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses), loosely typed. */
export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
  format?: string;
  description?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  minimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  [key: string]: unknown;
};

/** An operation object, loosely typed. */
export interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
  security?: unknown[];
}

/** HTTP methods OpenAPI path items can hold, in the order docs list them. */
export const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

/** Every operation of a document with its method and path, in path order then method order. */
export function listOperations(doc: OpenApiDocument): { method: string; path: string; operation: Operation }[] {
  const out: { method: string; path: string; operation: Operation }[] = [];
  for (const path of Object.keys(doc.paths ?? {}).sort()) {
    const item = doc.paths![path]!;
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (operation) out.push({ method: method.toUpperCase(), path, operation });
    }
  }
  return out;
}

/** Resolves a local `#/components/schemas/X` reference; other schemas are returned as they are. */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  let current = schema;
  for (let i = 0; current?.$ref && i < 10; i++) {
    const match = /^#\/components\/schemas\/(.+)$/.exec(current.$ref);
    current = match ? doc.components?.schemas?.[decodeURIComponent(match[1]!)] : undefined;
  }
  return current;
}

/**
 * A plausible example value for a schema: its `example`/`examples`/`default`/`const`, the first
 * enum value, or a placeholder by type and format, recursing into objects (required properties
 * and those with examples) and arrays (one item). Depth-limited against recursive schemas.
 */
export function exampleFor(doc: OpenApiDocument, schema: JsonSchema | undefined, depth = 0): unknown {
  const s = resolveSchema(doc, schema);
  if (!s || depth > 8) return null;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.const !== undefined) return s.const;
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const variants = s.oneOf ?? s.anyOf;
  if (variants?.length) {
    const nonNull = variants.find((v) => resolveSchema(doc, v)?.type !== "null") ?? variants[0];
    return exampleFor(doc, nonNull, depth + 1);
  }
  if (s.allOf?.length) {
    return Object.assign({}, ...s.allOf.map((part) => exampleFor(doc, part, depth + 1) as object));
  }
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== "null") ?? s.type[0]) : s.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      const required = new Set(s.required ?? []);
      for (const [key, prop] of Object.entries(s.properties ?? {})) {
        const resolved = resolveSchema(doc, prop);
        if (required.has(key) || resolved?.example !== undefined) out[key] = exampleFor(doc, prop, depth + 1);
      }
      return out;
    }
    case "array":
      return [exampleFor(doc, s.items ?? s.prefixItems?.[0], depth + 1)];
    case "string":
      return stringExample(s);
    case "integer":
      return typeof s.minimum === "number" ? Math.ceil(s.minimum) : 1;
    case "number":
      return typeof s.minimum === "number" ? s.minimum : 1.5;
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return s.properties ? exampleFor(doc, { ...s, type: "object" }, depth) : null;
  }
}

function stringExample(s: JsonSchema): string {
  switch (s.format) {
    case "date-time":
      return "2026-01-01T00:00:00.000Z";
    case "date":
      return "2026-01-01";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
    case "email":
      return "ada@example.com";
    case "uri":
    case "url":
      return "https://example.com";
    default:
      return "string";
  }
}
