import { describe, expect, it } from "vitest";
import { schemaIncompatibility, schemaProblem, validateValue, type JsonSchema } from "./json-schema.js";

describe("validateValue", () => {
  it("returns the violations with JSON Pointer paths", () => {
    const schema = { type: "object", required: ["n"], properties: { n: { type: "integer" } } };
    expect(validateValue(schema, { n: 3 })).toEqual([]);
    expect(validateValue(schema, { n: "x" })).toEqual([{ path: "/n", message: "must be integer" }]);
    expect(validateValue(schema, {})[0]?.message).toMatch(/required property 'n'/);
  });
});

describe("schemaProblem", () => {
  it("rejects unknown keywords and bad types", () => {
    expect(schemaProblem({ type: "string" })).toBeNull();
    expect(schemaProblem({ type: "strin" })).toMatch(/type/);
    expect(schemaProblem({ tpye: "string" })).toMatch(/unknown keyword/);
  });
});

describe("schemaIncompatibility", () => {
  const ok = (source: JsonSchema, target: JsonSchema) => expect(schemaIncompatibility(source, target)).toBeNull();
  const bad = (source: JsonSchema, target: JsonSchema) => expect(schemaIncompatibility(source, target)).toEqual(expect.any(String));

  it("accepts anything into an untyped input and nothing untyped into a typed one", () => {
    ok({ type: "string" }, {});
    ok({}, { description: "anything" });
    bad({}, { type: "string" });
  });

  it("compares types, with integer inside number", () => {
    ok({ type: "integer" }, { type: "number" });
    bad({ type: "number" }, { type: "integer" });
    bad({ type: "string" }, { type: "number" });
    ok({ type: ["string", "null"] }, { type: ["null", "string", "number"] });
    bad({ type: ["string", "null"] }, { type: "string" });
  });

  it("checks enum and const values against the target", () => {
    ok({ enum: ["a", "b"] }, { type: "string" });
    bad({ enum: ["a", 1] }, { type: "string" });
    ok({ const: 3 }, { type: "integer", minimum: 0 });
  });

  it("checks object properties and required", () => {
    const point = { type: "object", required: ["x", "y"], properties: { x: { type: "number" }, y: { type: "number" } } };
    ok(point, { type: "object", required: ["x"], properties: { x: { type: "number" } } });
    bad({ type: "object", properties: { x: { type: "number" } } }, { type: "object", required: ["x"] });
    bad({ type: "object", required: ["x"], properties: { x: { type: "string" } } }, { type: "object", properties: { x: { type: "number" } } });
    bad({ type: "object", required: ["x"], properties: { x: { type: "number" } } }, { type: "object", properties: { x: { type: "number" } }, additionalProperties: false });
  });

  it("checks array items and bounds", () => {
    ok({ type: "array", items: { type: "integer" } }, { type: "array", items: { type: "number" } });
    bad({ type: "array", items: { type: "string" } }, { type: "array", items: { type: "number" } });
    ok({ type: "string", minLength: 3 }, { type: "string", minLength: 1 });
    bad({ type: "string" }, { type: "string", minLength: 1 });
    bad({ type: "string", pattern: "^a" }, { type: "string", pattern: "^b" });
    ok({ type: "string", pattern: "^a" }, { type: "string", pattern: "^a" });
  });

  it("handles alternatives on either side", () => {
    ok({ anyOf: [{ type: "string" }, { type: "integer" }] }, { type: ["string", "number"] });
    bad({ anyOf: [{ type: "string" }, { type: "boolean" }] }, { type: ["string", "number"] });
    ok({ type: "integer" }, { anyOf: [{ type: "string" }, { type: "number" }] });
    bad({ type: "boolean" }, { oneOf: [{ type: "string" }, { type: "number" }] });
  });
});
