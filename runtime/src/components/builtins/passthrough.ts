import type { ComponentDefinition } from "../manifest.js";
import { SCHEMA_PROPERTY, schemaFrom } from "./shared.js";

/** `passthrough`: forwards every value unchanged; `config.schema` types both ports. */
export const passthrough: ComponentDefinition = {
  manifest: {
    id: "passthrough",
    version: "1.0.0",
    name: "Passthrough",
    description: "Forwards every value from in to out unchanged.",
    inputs: [{ name: "in", schema: {} }],
    outputs: [{ name: "out", schema: {} }],
    config: { type: "object", additionalProperties: false, properties: { schema: SCHEMA_PROPERTY } },
    stateful: false,
    portsFromConfig: "config.schema types both in and out",
  },
  ports(config) {
    const schema = schemaFrom(config, "schema");
    return { inputs: [{ name: "in", schema }], outputs: [{ name: "out", schema }] };
  },
  create(context) {
    return {
      receive(_port, value) {
        context.emit("out", value);
      },
    };
  },
};
