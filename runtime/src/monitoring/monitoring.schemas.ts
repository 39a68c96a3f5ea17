import { z } from "zod";
import type { ExecutionEventName } from "../executions/execution.events.js";
import { ExecutionMetricsSchema, ExecutionViewSchema } from "../executions/executions.schemas.js";

/** Server events sent to a watching socket, by engine event. */
export const MONITOR_EVENTS: Readonly<Record<ExecutionEventName, string>> = Object.freeze({
  state: "execution:state",
  progress: "execution:progress",
  emission: "execution:emission",
  metrics: "execution:metrics",
  output: "execution:output",
  backpressure: "execution:backpressure",
  "node-error": "execution:node-error",
});

/** Ack data of `execution:watch`. */
export const WatchResult = z.object({
  execution: ExecutionViewSchema,
  /** Metrics now (final ones for an ended execution; null before it was ever started). */
  metrics: ExecutionMetricsSchema.nullable(),
  /** False for an ended execution: nothing more will come, the socket did not join. */
  watching: z.boolean(),
});
export type WatchResult = z.infer<typeof WatchResult>;

/** Payload of `execution:watch` (and, without `orgId`, of `execution:unwatch`). */
export const WatchPayload = z.object({
  executionId: z.uuid({ error: "an execution id is a UUID" }),
  /** The org to act in (one of the caller's; default: the handshake's `auth.orgId`, else the first). */
  orgId: z.string().min(1).max(100).optional(),
});
export type WatchPayload = z.infer<typeof WatchPayload>;
