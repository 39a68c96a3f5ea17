import type { ValidatedGraph } from "../graphs/graph.validate.js";
import type { ExecutionOptions } from "./execution.options.js";
import type { Clock, Message } from "./node-runtime.js";
import type { OutputRecord } from "./output-buffer.js";

/** An input value accepted into the queue, stamped with its acceptance order. */
export interface QueuedInput {
  sequence: number;
  node: string;
  port: string;
  value: unknown;
  bytes: number;
}

/** Where to inject: a node, and one of its open input ports (optional when it has exactly one). */
export interface InjectTarget {
  node: string;
  port?: string;
}

/**
 * Answer of `Execution.inject`: accepted with its sequence number, or refused because the
 * queue is full. A refused value was not taken: the caller still holds it and retries after
 * `retryAfterMs` (an HTTP route answers 429 with `Retry-After`).
 */
export type InjectResult =
  | { accepted: true; sequence: number; queueDepth: number }
  | { accepted: false; reason: "backpressure"; retryAfterMs: number; queueDepth: number; capacity: number };

/**
 * Everything needed to continue an execution elsewhere: component states, values in flight,
 * the input queue, counters and kept outputs. Plain JSON.
 */
export interface ExecutionSnapshot {
  format: 1;
  state: "running" | "paused";
  ending: boolean;
  sequence: number;
  startedAt: string | null;
  queue: QueuedInput[];
  inboxes: Record<string, Message[]>;
  nodes: Record<string, unknown>;
  counters: {
    nodes: Record<string, Record<string, number>>;
    inputsAccepted: number;
    inputsRefused: number;
    inputsWaited: number;
    outputCount: number;
  };
  outputs: OutputRecord[];
}

/** Engine logger (pino's shape). */
export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What an `Execution` is built from. */
export interface ExecutionInit {
  id: string;
  orgId: string;
  graph: ValidatedGraph;
  options?: Partial<ExecutionOptions>;
  clock?: Clock;
  logger?: EngineLogger;
  /** Continue from this checkpoint instead of starting empty. */
  restore?: ExecutionSnapshot;
}
