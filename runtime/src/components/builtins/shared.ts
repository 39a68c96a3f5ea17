import type { JsonSchema } from "../json-schema.js";

/** Config property giving the JSON Schema of the values a component carries. */
export const SCHEMA_PROPERTY = {
  description: "JSON Schema (2020-12) of the values; types the component's ports",
  type: ["object", "boolean"],
} as const;

/** Config property holding a JavaScript expression over `value`, run in the QuickJS sandbox. */
export const EXPRESSION_PROPERTY = {
  description: "JavaScript expression over `value`, evaluated in a QuickJS sandbox with time and memory limits",
  type: "string",
  minLength: 1,
  maxLength: 4096,
} as const;

/** The schema a config field gives, or `{}` (any value) when absent. */
export function schemaFrom(config: Record<string, unknown>, key: string): JsonSchema {
  const value = config[key];
  return typeof value === "boolean" || (typeof value === "object" && value !== null) ? (value as JsonSchema) : {};
}

/** A numeric config field, or `fallback` when absent. */
export function numberFrom(config: Record<string, unknown>, key: string, fallback: number): number {
  const value = config[key];
  return typeof value === "number" ? value : fallback;
}

/** Size of a JSON value in bytes (UTF-8 of its JSON text). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}
