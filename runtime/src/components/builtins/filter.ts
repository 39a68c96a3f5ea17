import type { ComponentDefinition } from "../manifest.js";
import { EXPRESSION_PROPERTY, SCHEMA_PROPERTY, schemaFrom } from "./shared.js";

/** `filter`: forwards a value when `config.expression` is truthy for it; drops it otherwise. */
export const filter: ComponentDefinition = {
  manifest: {
    id: "filter",
    version: "1.0.0",
    name: "Filter",
    description: "Forwards a value from in to out when the JavaScript expression over `value` is truthy; other values are dropped (counted in the node's metrics as in minus out).",
    inputs: [{ name: "in", schema: {} }],
    outputs: [{ name: "out", schema: {} }],
    config: {
      type: "object",
      additionalProperties: false,
      required: ["expression"],
      properties: { expression: EXPRESSION_PROPERTY, schema: SCHEMA_PROPERTY },
    },
    stateful: false,
    portsFromConfig: "config.schema types both in and out",
  },
  ports(config) {
    const schema = schemaFrom(config, "schema");
    return { inputs: [{ name: "in", schema }], outputs: [{ name: "out", schema }] };
  },
  async create(context) {
    // Truthiness is decided inside the sandbox, so a large value is not copied back to the host.
    const predicate = await context.sandbox(`!!(${String(context.config.expression)}\n)`);
    return {
      async receive(_port, value) {
        if ((await predicate.evaluate(value)) === true) context.emit("out", value);
      },
    };
  },
};
