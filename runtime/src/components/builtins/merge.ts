import type { ComponentDefinition } from "../manifest.js";
import { PortName } from "../manifest.js";
import { SCHEMA_PROPERTY, numberFrom, schemaFrom } from "./shared.js";

const DEFAULT_INPUTS = ["a", "b"];

function inputsOf(config: Record<string, unknown>): string[] {
  return Array.isArray(config.inputs) ? (config.inputs as string[]) : DEFAULT_INPUTS;
}

/**
 * `merge`: joins several inputs into one output. `interleave` forwards values in arrival order;
 * `zip` waits for one value on every input and emits them together as `{ <input>: value }`.
 */
export const merge: ComponentDefinition = {
  manifest: {
    id: "merge",
    version: "1.0.0",
    name: "Merge",
    description:
      "Joins several inputs into out. mode interleave forwards each value as it arrives; mode zip holds values per input and emits an object { <input name>: value } once every input has one (first in, first paired). In zip mode more than maxBuffered values held on one input, or values left unpaired when input ends, are errors.",
    inputs: DEFAULT_INPUTS.map((name) => ({ name, schema: {} })),
    outputs: [{ name: "out", schema: {} }],
    config: {
      type: "object",
      additionalProperties: false,
      properties: {
        inputs: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 16, uniqueItems: true, default: DEFAULT_INPUTS },
        mode: { enum: ["interleave", "zip"], default: "interleave" },
        schema: SCHEMA_PROPERTY,
        maxBuffered: { type: "integer", minimum: 1, maximum: 100_000, default: 1_000 },
      },
    },
    stateful: true,
    portsFromConfig: "config.inputs names the input ports (default a, b); config.schema types each input; in zip mode out is an object with one property per input",
  },
  checkConfig(config) {
    return inputsOf(config).flatMap((name, i): Array<[string, string]> => {
      const parsed = PortName.safeParse(name);
      return parsed.success ? [] : [[`inputs.${i}`, parsed.error.issues[0]?.message ?? "invalid port name"]];
    });
  },
  ports(config) {
    const inputs = inputsOf(config);
    const schema = schemaFrom(config, "schema");
    const out =
      config.mode === "zip"
        ? { type: "object", required: inputs, additionalProperties: false, properties: Object.fromEntries(inputs.map((name) => [name, schema])) }
        : schema;
    return { inputs: inputs.map((name) => ({ name, schema })), outputs: [{ name: "out", schema: out }] };
  },
  create(context) {
    const inputs = inputsOf(context.config);
    const zip = context.config.mode === "zip";
    const maxBuffered = numberFrom(context.config, "maxBuffered", 1_000);
    let buffers: Record<string, unknown[]> = Object.fromEntries(inputs.map((name) => [name, []]));
    return {
      receive(port, value) {
        if (!zip) {
          context.emit("out", value);
          return;
        }
        const buffer = buffers[port] as unknown[];
        if (buffer.length >= maxBuffered) throw new Error(`merge holds ${maxBuffered} unpaired values on ${port} (maxBuffered)`);
        buffer.push(value);
        if (inputs.every((name) => (buffers[name] as unknown[]).length > 0)) {
          context.emit("out", Object.fromEntries(inputs.map((name) => [name, (buffers[name] as unknown[]).shift()])));
        }
      },
      flush() {
        const left = inputs.filter((name) => (buffers[name] as unknown[]).length > 0).map((name) => `${name}: ${(buffers[name] as unknown[]).length}`);
        if (left.length > 0) throw new Error(`merge has unpaired values at end of input (${left.join(", ")})`);
      },
      checkpoint() {
        return { buffers };
      },
      restore(state) {
        const saved = (state as { buffers?: Record<string, unknown[]> }).buffers ?? {};
        buffers = Object.fromEntries(inputs.map((name) => [name, Array.isArray(saved[name]) ? [...saved[name]] : []]));
      },
    };
  },
};
