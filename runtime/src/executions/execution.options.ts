import { z } from "zod";
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from "../components/sandbox.js";

/** Limits and tuning of one execution. */
export interface ExecutionOptions {
  /** Most input values waiting to enter the graph (the backpressure bound). */
  queueCapacity: number;
  /** Most bytes (UTF-8 JSON) of input values waiting to enter the graph. */
  queueMaxBytes: number;
  /** Largest single input value, in bytes of UTF-8 JSON; larger → 413. */
  maxValueBytes: number;
  /** Outputs kept for reading back; older ones are evicted and counted in `outputsEvicted`. */
  maxOutputs: number;
  /** Most bytes (UTF-8 JSON) of outputs kept; past it the oldest are evicted. */
  maxOutputBytes: number;
  /** Retry hint while the execution is not running (paused, starting), in ms. */
  pausedRetryAfterMs: number;
  /** Period of `metrics`/`progress` events, in ms; 0 turns them off. */
  metricsIntervalMs: number;
  /** One `emission` event per this many values emitted on a port (1 = every value). */
  emissionSampleEvery: number;
  /** Limits of every expression sandbox of the execution. */
  sandbox: SandboxLimits;
}

/** Defaults of {@link ExecutionOptions}. */
export const DEFAULT_EXECUTION_OPTIONS: ExecutionOptions = Object.freeze({
  queueCapacity: 1_000,
  queueMaxBytes: 16 * 1024 * 1024,
  maxValueBytes: 1024 * 1024,
  maxOutputs: 10_000,
  maxOutputBytes: 16 * 1024 * 1024,
  pausedRetryAfterMs: 1_000,
  metricsIntervalMs: 1_000,
  emissionSampleEvery: 10,
  sandbox: DEFAULT_SANDBOX_LIMITS,
});

/** Options a caller may set when creating an execution (bounded; the rest are the engine's). */
export const ExecutionOptionsInput = z
  .object({
    queueCapacity: z.number().int().min(1).max(100_000),
    queueMaxBytes: z.number().int().min(1_024).max(256 * 1024 * 1024),
    maxValueBytes: z.number().int().min(16).max(16 * 1024 * 1024),
    maxOutputs: z.number().int().min(0).max(100_000),
    maxOutputBytes: z.number().int().min(0).max(256 * 1024 * 1024),
    pausedRetryAfterMs: z.number().int().min(1).max(60_000),
    metricsIntervalMs: z.number().int().min(0).max(60_000),
    emissionSampleEvery: z.number().int().min(1).max(1_000_000),
  })
  .partial();
export type ExecutionOptionsInput = z.infer<typeof ExecutionOptionsInput>;

/** Applies `input` over `base` (the engine's defaults). */
export function resolveOptions(base: ExecutionOptions, input: Partial<ExecutionOptions> = {}): ExecutionOptions {
  return { ...base, ...input, sandbox: { ...base.sandbox, ...input.sandbox } };
}
