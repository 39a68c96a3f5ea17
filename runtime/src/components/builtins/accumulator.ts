import type { ComponentDefinition, TimerHandle } from "../manifest.js";
import { SCHEMA_PROPERTY, jsonBytes, numberFrom, schemaFrom } from "./shared.js";

/** Saved state of an accumulator: the open window. */
interface AccumulatorState {
  items: unknown[];
  bytes: number;
  /** When the open window received its first value (ms since the epoch), or null when empty. */
  openedAt: number | null;
}

/**
 * `accumulator`: gathers values into windows and emits each window as an array.
 * `count`: every `count` values. `size`: once the window's values reach `maxBytes` (UTF-8 JSON).
 * `time`: `ms` after the window's first value. Every window also closes at `maxItems` values, so
 * memory stays bounded; at end of input a partial window is emitted.
 */
export const accumulator: ComponentDefinition = {
  manifest: {
    id: "accumulator",
    version: "1.0.0",
    name: "Accumulator",
    description:
      "Gathers values into tumbling windows and emits each window on out as an array, in arrival order. window count closes every `count` values; window size closes once the values' UTF-8 JSON reaches `maxBytes`; window time closes `ms` after the window's first value. Any window also closes at maxItems values. At end of input a partial window is emitted. The open window is checkpointed.",
    inputs: [{ name: "in", schema: {} }],
    outputs: [{ name: "out", schema: { type: "array" } }],
    config: {
      type: "object",
      additionalProperties: false,
      required: ["window"],
      properties: {
        window: { enum: ["count", "size", "time"] },
        count: { type: "integer", minimum: 1, maximum: 100_000 },
        maxBytes: { type: "integer", minimum: 1, maximum: 64 * 1024 * 1024 },
        ms: { type: "integer", minimum: 1, maximum: 86_400_000 },
        maxItems: { type: "integer", minimum: 1, maximum: 100_000, default: 10_000 },
        schema: SCHEMA_PROPERTY,
      },
      allOf: [
        { if: { properties: { window: { const: "count" } } }, then: { required: ["count"] } },
        { if: { properties: { window: { const: "size" } } }, then: { required: ["maxBytes"] } },
        { if: { properties: { window: { const: "time" } } }, then: { required: ["ms"] } },
      ],
    },
    stateful: true,
    portsFromConfig: "config.schema types in; out is an array of it",
  },
  ports(config) {
    const schema = schemaFrom(config, "schema");
    return { inputs: [{ name: "in", schema }], outputs: [{ name: "out", schema: { type: "array", items: schema } }] };
  },
  create(context) {
    const { config } = context;
    const window = config.window as "count" | "size" | "time";
    const count = numberFrom(config, "count", 1);
    const maxBytes = numberFrom(config, "maxBytes", 1);
    const ms = numberFrom(config, "ms", 1);
    const maxItems = numberFrom(config, "maxItems", 10_000);
    let state: AccumulatorState = { items: [], bytes: 0, openedAt: null };
    let timer: TimerHandle | null = null;

    const close = () => {
      if (timer) context.clearTimer(timer);
      timer = null;
      if (state.items.length === 0) return;
      const items = state.items;
      state = { items: [], bytes: 0, openedAt: null };
      context.emit("out", items);
    };
    const armTimer = (delayMs: number) => {
      timer = context.setTimer(Math.max(0, delayMs), close);
    };

    return {
      receive(_port, value) {
        if (state.items.length === 0) {
          state.openedAt = context.now();
          if (window === "time") armTimer(ms);
        }
        state.items.push(value);
        if (window === "size") state.bytes += jsonBytes(value);
        const full =
          state.items.length >= maxItems ||
          (window === "count" && state.items.length >= count) ||
          (window === "size" && state.bytes >= maxBytes);
        if (full) close();
      },
      flush() {
        close();
      },
      checkpoint() {
        return state;
      },
      restore(saved) {
        const s = saved as Partial<AccumulatorState>;
        state = { items: Array.isArray(s.items) ? [...s.items] : [], bytes: typeof s.bytes === "number" ? s.bytes : 0, openedAt: typeof s.openedAt === "number" ? s.openedAt : null };
        // The window keeps its original deadline across a restart; one already past closes at once.
        if (window === "time" && state.items.length > 0) armTimer((state.openedAt ?? context.now()) + ms - context.now());
      },
      dispose() {
        if (timer) context.clearTimer(timer);
      },
    };
  },
};
