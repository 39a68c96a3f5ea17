import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { z } from "zod";
import type { ValueIssue } from "../errors.js";

/** A JSON Schema (draft 2020-12) document: an object, or `true`/`false`. */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/** zod shape of a {@link JsonSchema} (structure only; {@link compileSchema} checks the keywords). */
export const JsonSchemaSchema = z.union([z.boolean(), z.record(z.string(), z.unknown())]);

// strict: unknown keywords are errors, so a typo in a port type fails at validation instead of
// silently accepting everything. strictTypes/strictRequired off: they reject valid schemas.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, validateFormats: false });

// Graphs bring their own schemas; cache compiled validators by canonical text, bounded so a
// long-lived engine does not grow without limit.
const CACHE_LIMIT = 1_000;
const cache = new Map<string, { validate: ValidateFunction; schema: JsonSchema }>();
// Port schemas are long-lived objects checked on every value: remember them by identity too, so
// the hot path does not re-serialize the schema.
const byIdentity = new WeakMap<object, ValidateFunction>();

/**
 * Compiles a JSON Schema (draft 2020-12) into a validator, cached by the schema's JSON text.
 *
 * @throws Error when the schema itself is invalid (unknown keyword, bad `type`, ...).
 */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  if (typeof schema === "object") {
    const known = byIdentity.get(schema);
    if (known) return known;
  }
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    if (typeof schema === "object") byIdentity.set(schema, hit.validate);
    return hit.validate;
  }
  const validate = ajv.compile(schema);
  cache.set(key, { validate, schema });
  if (typeof schema === "object") byIdentity.set(schema, validate);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value as string;
    const evicted = cache.get(oldest);
    cache.delete(oldest);
    if (evicted && typeof evicted.schema === "object") ajv.removeSchema(evicted.schema);
  }
  return validate;
}

/** Why a schema does not compile, or null when it does. */
export function schemaProblem(schema: JsonSchema): string | null {
  try {
    compileSchema(schema);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Validates `value` against `schema`; returns the violations (empty when valid). */
export function validateValue(schema: JsonSchema, value: unknown): ValueIssue[] {
  if (schema === true) return [];
  const validate = compileSchema(schema);
  if (validate(value)) return [];
  // An `if`/`then` failure is reported twice (the inner error, then "must match then schema"): keep the inner one.
  return (validate.errors ?? []).filter((e) => e.keyword !== "if").map(toIssue);
}

function toIssue(error: ErrorObject): ValueIssue {
  return { path: error.instancePath, message: error.message ?? error.keyword };
}

// Keywords that never constrain a value.
const ANNOTATIONS = new Set(["title", "description", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly", "$schema"]);
// Lower bounds: the source's must be at least the target's. Upper bounds: at most.
const LOWER_BOUNDS = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"];
const UPPER_BOUNDS = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"];
const HANDLED = new Set(["type", "enum", "const", "anyOf", "oneOf", "properties", "required", "additionalProperties", "items", ...LOWER_BOUNDS, ...UPPER_BOUNDS]);

/**
 * Decides whether every value valid under `source` (an output port's type) is also valid under
 * `target` (an input port's type). JSON Schema containment is undecidable in general, so this is
 * conservative: it understands `type` (integer ⊂ number), `enum`/`const`, `anyOf`/`oneOf`,
 * `properties`/`required`/`additionalProperties`, `items` and numeric/length bounds; any other
 * keyword in the target must appear with an equal value in the source. A "compatible" answer can
 * still meet a value the target rejects (e.g. under `oneOf`), which is why every value is also
 * checked at run time.
 *
 * @returns null when compatible, else a one-line reason.
 */
export function schemaIncompatibility(source: JsonSchema, target: JsonSchema): string | null {
  if (target === true || isUnconstrained(target)) return null;
  if (source === false) return null;
  if (target === false) return "the input accepts no value";
  if (source === true || isUnconstrained(source)) return "the output may carry any value but the input is typed";
  if (sameConstraints(source, target)) return null;

  const sourceValues = listedValues(source);
  if (sourceValues) {
    const validate = compileSchema(target);
    const bad = sourceValues.find((value) => !validate(value));
    return bad === undefined ? null : `the output may carry ${JSON.stringify(bad)}, which the input rejects`;
  }

  const sourceBranches = (source.anyOf ?? source.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(sourceBranches) && onlyKeywords(source, ["anyOf", "oneOf"])) {
    for (const branch of sourceBranches) {
      const reason = schemaIncompatibility(branch, target);
      if (reason) return reason;
    }
    return null;
  }

  const targetBranches = (target.anyOf ?? target.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(targetBranches)) {
    const rest = withoutKeywords(target, ["anyOf", "oneOf"]);
    const restReason = isUnconstrained(rest) ? null : schemaIncompatibility(source, rest);
    if (restReason) return restReason;
    const fits = targetBranches.some((branch) => schemaIncompatibility(source, branch) === null);
    return fits ? null : "the output type matches none of the input's alternatives";
  }

  const typeReason = typeIncompatibility(source, target);
  if (typeReason) return typeReason;

  for (const keyword of LOWER_BOUNDS) {
    if (typeof target[keyword] === "number" && !(typeof source[keyword] === "number" && source[keyword] >= target[keyword])) {
      return `the input requires ${keyword} ${String(target[keyword])}`;
    }
  }
  for (const keyword of UPPER_BOUNDS) {
    if (typeof target[keyword] === "number" && !(typeof source[keyword] === "number" && source[keyword] <= target[keyword])) {
      return `the input requires ${keyword} ${String(target[keyword])}`;
    }
  }

  const objectReason = objectIncompatibility(source, target);
  if (objectReason) return objectReason;

  if (target.items !== undefined) {
    const reason = schemaIncompatibility((source.items ?? true) as JsonSchema, target.items as JsonSchema);
    if (reason) return `items: ${reason}`;
  }

  for (const [keyword, value] of Object.entries(target)) {
    if (ANNOTATIONS.has(keyword) || HANDLED.has(keyword)) continue;
    if (JSON.stringify(source[keyword]) !== JSON.stringify(value)) return `the input requires ${keyword} ${JSON.stringify(value)}`;
  }
  return null;
}

type SchemaObject = { [keyword: string]: unknown };

function isUnconstrained(schema: JsonSchema): boolean {
  return typeof schema === "object" && Object.keys(schema).every((k) => ANNOTATIONS.has(k));
}

function onlyKeywords(schema: SchemaObject, allowed: string[]): boolean {
  return Object.keys(schema).every((k) => ANNOTATIONS.has(k) || allowed.includes(k));
}

function withoutKeywords(schema: SchemaObject, keywords: string[]): SchemaObject {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !keywords.includes(k)));
}

function sameConstraints(a: SchemaObject, b: SchemaObject): boolean {
  const strip = (s: SchemaObject) => JSON.stringify(Object.entries(s).filter(([k]) => !ANNOTATIONS.has(k)).sort(([x], [y]) => (x < y ? -1 : 1)));
  return strip(a) === strip(b);
}

function listedValues(schema: SchemaObject): unknown[] | null {
  if ("const" in schema) return [schema.const];
  if (Array.isArray(schema.enum)) return schema.enum;
  return null;
}

function typesOf(schema: SchemaObject): string[] | null {
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === "string");
  return null;
}

function typeIncompatibility(source: SchemaObject, target: SchemaObject): string | null {
  const targetTypes = typesOf(target);
  if (!targetTypes) return null;
  const sourceTypes = typesOf(source);
  if (!sourceTypes) return `the output is untyped but the input requires ${targetTypes.join(" | ")}`;
  for (const type of sourceTypes) {
    const accepted = targetTypes.includes(type) || (type === "integer" && targetTypes.includes("number"));
    if (!accepted) return `the output may be ${type} but the input requires ${targetTypes.join(" | ")}`;
  }
  return null;
}

function objectIncompatibility(source: SchemaObject, target: SchemaObject): string | null {
  const sourceRequired = new Set(Array.isArray(source.required) ? (source.required as string[]) : []);
  for (const name of Array.isArray(target.required) ? (target.required as string[]) : []) {
    if (!sourceRequired.has(name)) return `the input requires property "${name}", which the output does not guarantee`;
  }
  const sourceProps = (source.properties ?? {}) as Record<string, JsonSchema>;
  const targetProps = (target.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, targetProp] of Object.entries(targetProps)) {
    const sourceProp = sourceProps[name] ?? (source.additionalProperties === false ? false : ((source.additionalProperties ?? true) as JsonSchema));
    const reason = schemaIncompatibility(sourceProp, targetProp);
    if (reason) return `property "${name}": ${reason}`;
  }
  if (target.additionalProperties !== undefined) {
    const extra = Object.keys(sourceProps).filter((name) => !(name in targetProps));
    for (const name of extra) {
      const reason = schemaIncompatibility(sourceProps[name] as JsonSchema, target.additionalProperties as JsonSchema);
      if (reason) return `property "${name}": ${reason}`;
    }
    if (source.additionalProperties !== false) {
      const reason = schemaIncompatibility((source.additionalProperties ?? true) as JsonSchema, target.additionalProperties as JsonSchema);
      if (reason) return `additional properties: ${reason}`;
    }
  }
  return null;
}
