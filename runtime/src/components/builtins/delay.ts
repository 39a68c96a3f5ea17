import type { ComponentDefinition, TimerHandle } from "../manifest.js";
import { SCHEMA_PROPERTY, numberFrom, schemaFrom } from "./shared.js";

/** A value held by a delay node until `due` (ms since the epoch). */
interface Pending {
  value: unknown;
  due: number;
}

/**
 * `delay`: emits each value `ms` after it arrived, in order. At most `maxPending` values are held:
 * beyond that, receiving waits for the oldest to leave, which slows the graph's producers instead
 * of growing memory.
 */
export const delay: ComponentDefinition = {
  manifest: {
    id: "delay",
    version: "1.0.0",
    name: "Delay",
    description:
      "Emits each value on out `ms` milliseconds after it arrived on in, in arrival order. At most maxPending values are held; beyond that, receiving waits for the oldest to leave (backpressure). At end of input the held values leave on schedule. Held values are checkpointed.",
    inputs: [{ name: "in", schema: {} }],
    outputs: [{ name: "out", schema: {} }],
    config: {
      type: "object",
      additionalProperties: false,
      required: ["ms"],
      properties: {
        ms: { type: "integer", minimum: 0, maximum: 3_600_000 },
        maxPending: { type: "integer", minimum: 1, maximum: 100_000, default: 1_000 },
        schema: SCHEMA_PROPERTY,
      },
    },
    stateful: true,
    portsFromConfig: "config.schema types both in and out",
  },
  ports(config) {
    const schema = schemaFrom(config, "schema");
    return { inputs: [{ name: "in", schema }], outputs: [{ name: "out", schema }] };
  },
  create(context) {
    const ms = numberFrom(context.config, "ms", 0);
    const maxPending = numberFrom(context.config, "maxPending", 1_000);
    let pending: Pending[] = [];
    let timer: TimerHandle | null = null;
    // Resolved whenever values leave: wakes a receive waiting for room, or a flush waiting for empty.
    let waiters: Array<() => void> = [];

    const wake = () => {
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    };
    const release = () => {
      timer = null;
      const now = context.now();
      while (pending.length > 0 && (pending[0] as Pending).due <= now) context.emit("out", (pending.shift() as Pending).value);
      arm();
      wake();
    };
    const arm = () => {
      if (timer || pending.length === 0) return;
      timer = context.setTimer((pending[0] as Pending).due - context.now(), release);
    };
    const changed = () =>
      new Promise<void>((resolve, reject) => {
        if (context.signal.aborted) return reject(new Error("execution stopped"));
        const onAbort = () => reject(new Error("execution stopped"));
        context.signal.addEventListener("abort", onAbort, { once: true });
        waiters.push(() => {
          context.signal.removeEventListener("abort", onAbort);
          resolve();
        });
      });

    return {
      async receive(_port, value) {
        while (pending.length >= maxPending) await changed();
        pending.push({ value, due: context.now() + ms });
        arm();
      },
      async flush() {
        while (pending.length > 0) await changed();
      },
      checkpoint() {
        return { pending };
      },
      restore(state) {
        const saved = (state as { pending?: Pending[] }).pending;
        pending = Array.isArray(saved) ? saved.map((p) => ({ value: p.value, due: p.due })) : [];
        arm();
      },
      dispose() {
        if (timer) context.clearTimer(timer);
        timer = null;
      },
    };
  },
};
