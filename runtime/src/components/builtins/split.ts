import type { ComponentDefinition } from "../manifest.js";
import { EXPRESSION_PROPERTY, SCHEMA_PROPERTY, numberFrom, schemaFrom } from "./shared.js";

/** `split`: emits each element of an array (the value, or `config.expression`'s result) in order. */
export const split: ComponentDefinition = {
  manifest: {
    id: "split",
    version: "1.0.0",
    name: "Split",
    description:
      "Emits each element of an array on out, in order: the array received on in, or the array the JavaScript expression over `value` yields. A non-array, or more than maxItems elements, is an error.",
    inputs: [{ name: "in", schema: { type: "array" } }],
    outputs: [{ name: "out", schema: {} }],
    config: {
      type: "object",
      additionalProperties: false,
      properties: {
        expression: EXPRESSION_PROPERTY,
        inputSchema: SCHEMA_PROPERTY,
        itemSchema: SCHEMA_PROPERTY,
        maxItems: { type: "integer", minimum: 1, maximum: 100_000, default: 10_000 },
      },
    },
    stateful: false,
    portsFromConfig: "without expression in is an array of config.itemSchema; with one, config.inputSchema types in; config.itemSchema types out",
  },
  ports(config) {
    const item = schemaFrom(config, "itemSchema");
    const input = typeof config.expression === "string" ? schemaFrom(config, "inputSchema") : { type: "array", items: item };
    return { inputs: [{ name: "in", schema: input }], outputs: [{ name: "out", schema: item }] };
  },
  async create(context) {
    const maxItems = numberFrom(context.config, "maxItems", 10_000);
    const expression = typeof context.config.expression === "string" ? await context.sandbox(context.config.expression) : null;
    return {
      async receive(_port, value) {
        const items = expression ? await expression.evaluate(value) : value;
        if (!Array.isArray(items)) throw new Error(`split needs an array, got ${items === null ? "null" : typeof items}`);
        if (items.length > maxItems) throw new Error(`split got ${items.length} elements, more than maxItems ${maxItems}`);
        for (const item of items) context.emit("out", item);
      },
    };
  },
};
