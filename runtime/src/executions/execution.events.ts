import { EventEmitter } from "node:events";
import type { ExecutionMetrics, NodeMetrics } from "./execution.metrics.js";
import type { ExecutionState } from "./execution.states.js";

/** Why an execution failed. */
export interface ExecutionError {
  code: string;
  message: string;
  node?: string;
  port?: string;
}

/** A state change. */
export interface StateEvent {
  executionId: string;
  orgId: string;
  from: ExecutionState;
  to: ExecutionState;
  at: string;
  error?: ExecutionError;
}

/** A node's counters, sent when they changed since the last tick. */
export interface ProgressEvent extends NodeMetrics {
  executionId: string;
}

/** A sampled value emitted on a port (`value` omitted past 4 KiB; `bytes` says how large it was). */
export interface EmissionEvent {
  executionId: string;
  node: string;
  port: string;
  /** How many values this port has emitted, this one included. */
  count: number;
  bytes: number;
  value?: unknown;
  truncated?: boolean;
}

/** A value reaching an open output port (an execution output). */
export interface OutputEvent {
  executionId: string;
  node: string;
  port: string;
  /** Position among all outputs of the execution, from 0. */
  index: number;
  value: unknown;
}

/** An input refused or delayed because the queue was full. */
export interface BackpressureEvent {
  executionId: string;
  queueDepth: number;
  capacity: number;
  retryAfterMs: number;
  waited: boolean;
}

/** A node failed on a value; `handled` says whether its error port took it or the execution failed. */
export interface NodeErrorEvent {
  executionId: string;
  node: string;
  code: string;
  message: string;
  handled: "port" | "failed";
}

/** Every event of an execution, by name. */
export interface ExecutionEventMap {
  state: StateEvent;
  progress: ProgressEvent;
  emission: EmissionEvent;
  output: OutputEvent;
  metrics: ExecutionMetrics;
  backpressure: BackpressureEvent;
  "node-error": NodeErrorEvent;
}

/** Name of an execution event. */
export type ExecutionEventName = keyof ExecutionEventMap;

/**
 * Typed events of one execution (what a monitoring room per execution subscribes to).
 * A listener that throws is reported through `onListenerError` and never disturbs the execution.
 */
export class ExecutionEvents {
  private readonly emitter = new EventEmitter();

  constructor(private readonly onListenerError: (error: unknown, event: string) => void = () => {}) {
    this.emitter.setMaxListeners(1_000);
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends ExecutionEventName>(event: K, listener: (payload: ExecutionEventMap[K]) => void): () => void {
    const wrapped = (payload: ExecutionEventMap[K]) => {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    };
    this.emitter.on(event, wrapped);
    return () => this.emitter.off(event, wrapped);
  }

  /** Subscribes to every event; the listener gets the name and the payload. */
  onAny(listener: <K extends ExecutionEventName>(event: K, payload: ExecutionEventMap[K]) => void): () => void {
    const names: ExecutionEventName[] = ["state", "progress", "emission", "output", "metrics", "backpressure", "node-error"];
    const offs = names.map((name) => this.on(name, (payload) => listener(name, payload)));
    return () => offs.forEach((off) => off());
  }

  /** True when someone listens to `event` (skips building payloads nobody reads). */
  has(event: ExecutionEventName): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  emit<K extends ExecutionEventName>(event: K, payload: ExecutionEventMap[K]): void {
    this.emitter.emit(event, payload);
  }

  /** Drops every listener (after the execution ended and its last events went out). */
  clear(): void {
    this.emitter.removeAllListeners();
  }
}
