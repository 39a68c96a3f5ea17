import type { ComponentDefinition } from "../manifest.js";
import { EXPRESSION_PROPERTY, SCHEMA_PROPERTY, schemaFrom } from "./shared.js";

/** `map`: emits the result of `config.expression` for each value. */
export const map: ComponentDefinition = {
  manifest: {
    id: "map",
    version: "1.0.0",
    name: "Map",
    description: "Emits on out the result of the JavaScript expression over `value` for each value received on in. An expression that yields undefined is an error.",
    inputs: [{ name: "in", schema: {} }],
    outputs: [{ name: "out", schema: {} }],
    config: {
      type: "object",
      additionalProperties: false,
      required: ["expression"],
      properties: { expression: EXPRESSION_PROPERTY, inputSchema: SCHEMA_PROPERTY, outputSchema: SCHEMA_PROPERTY },
    },
    stateful: false,
    portsFromConfig: "config.inputSchema types in; config.outputSchema types out",
  },
  ports(config) {
    return { inputs: [{ name: "in", schema: schemaFrom(config, "inputSchema") }], outputs: [{ name: "out", schema: schemaFrom(config, "outputSchema") }] };
  },
  async create(context) {
    const expression = await context.sandbox(String(context.config.expression));
    return {
      async receive(_port, value) {
        const result = await expression.evaluate(value);
        if (result === undefined) throw new Error("map expression yielded undefined");
        context.emit("out", result);
      },
    };
  },
};
