import { AppError, isAppError, type Scope } from "@symbia/sys";
import type { InjectAccepted, InjectBody } from "./executions.schemas.js";
import type { ExecutionService } from "./executions.service.js";

/** How one inject call behaves. */
export interface InjectPolicy {
  /** Wait for room instead of refusing. */
  wait: boolean;
  /** Longest wait asked for, ms; never more than `maxWaitMs`. */
  timeoutMs?: number;
  /** The service's bound on waiting, ms. */
  maxWaitMs: number;
  /** Aborts the wait (the caller went away); the value is then not taken. */
  signal?: AbortSignal;
}

/**
 * Offers a value to an execution's input. Without `wait`, a full queue answers at once with
 * backpressure; with `wait`, the caller waits its turn (callers that wait are admitted in call
 * order) up to the bound, then gets the same answer. Either way a refused value was not taken:
 * nothing is dropped silently.
 *
 * @throws AppError `rate_limited` (429) with `retryAfterSeconds` and `{queueDepth, capacity,
 *   retryAfterMs}` when the value was not taken; what `ExecutionService.inject` throws (400 for a
 *   value not matching the port's type, 404, 409 once the execution ended or its input closed).
 */
export async function injectValue(executions: ExecutionService, scope: Pick<Scope, "orgId">, id: string, body: InjectBody, policy: InjectPolicy): Promise<InjectAccepted> {
  const target = { node: body.node, ...(body.port !== undefined ? { port: body.port } : {}) };
  const startedAt = performance.now();
  const first = await executions.inject(scope, id, target, body.value);
  if (first.accepted) return { accepted: true, sequence: first.sequence, queueDepth: first.queueDepth, waitedMs: 0 };
  const waitMs = Math.min(policy.timeoutMs ?? policy.maxWaitMs, policy.maxWaitMs);
  if (!policy.wait || waitMs <= 0) throw backpressure(first.retryAfterMs, first.queueDepth, first.capacity);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), waitMs);
  const signal = policy.signal ? AbortSignal.any([timeout.signal, policy.signal]) : timeout.signal;
  try {
    const admitted = await executions.injectWait(scope, id, target, body.value, signal);
    return { accepted: true, sequence: admitted.sequence, queueDepth: admitted.queueDepth, waitedMs: Math.round(performance.now() - startedAt) };
  } catch (error) {
    if (!signal.aborted || (isAppError(error) && error.code !== "timeout")) throw error;
    const metrics = await executions.metrics(scope, id);
    throw backpressure(first.retryAfterMs, metrics?.queue.depth ?? first.queueDepth, first.capacity, waitMs);
  } finally {
    clearTimeout(timer);
  }
}

function backpressure(retryAfterMs: number, queueDepth: number, capacity: number, waitedMs?: number): AppError {
  return new AppError(
    "rate_limited",
    waitedMs === undefined ? "the execution's input queue is full; retry later" : `no room in the execution's input queue after waiting ${waitedMs} ms; retry later`,
    { reason: "backpressure", queueDepth, capacity, retryAfterMs, ...(waitedMs !== undefined ? { waitedMs } : {}) },
    { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1_000)) },
  );
}
