import { outgoingTraceHeaders } from "@symbia/http";
import { startSpan, type ActiveSpan } from "@symbia/logging-client";
import { AppError } from "@symbia/sys";
import type { CallCredential } from "../credentials/credentials.service.js";
import { classifyError, ProviderError } from "../providers/errors.js";
import type { ProviderRequest } from "../providers/provider.js";
import { usageOf, type CallAccounting } from "./accounting.js";
import type { Attempt, ExecuteRequest } from "./execute.schemas.js";
import type { GatewayDeps } from "./gateway.js";
import type { Candidate } from "./plan.js";
import { backoffMs, sleep } from "./reliability.js";

/** Reason of an attempt aborted by its own timeout. */
class AttemptTimeout extends Error {
  override readonly name = "AttemptTimeout";
}

/** One provider call in progress: its credential, its abort signal and its timer. */
export interface AttemptHandle {
  readonly candidate: Candidate;
  readonly credential: CallCredential;
  readonly startedAt: Date;
  /** `performance.now()` at the start, ms. */
  readonly t0: number;
  /** Aborts on the run's cancel, the client's disconnect, or this attempt's timeout. */
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  /** (Re)starts the timeout: the attempt is aborted after `ms` unless re-armed or disarmed. */
  arm(ms: number): void;
  disarm(): void;
  /** Aborts the upstream request now (consumer gone). */
  abort(): void;
  /** The adapter request for `params`. */
  request<P>(params: P): ProviderRequest<P>;
  /** Classifies an error thrown during this attempt. */
  classify(error: unknown): ProviderError;
  /** The attempt's `llm.call` span (telemetry on), ended when the attempt is accounted for. */
  readonly span?: ActiveSpan;
}

/** What one request's attempts share. */
export interface AttemptContext {
  request: ExecuteRequest;
  subject: { principalId: string; orgId: string };
  /** Aborts when the run is cancelled or the client leaves. */
  runSignal: AbortSignal;
  accounting: CallAccounting;
  /** Per-attempt timeout (to the whole answer, or to a stream's first event), ms. */
  timeoutMs: number;
  /** Prompt tokens estimated for the request (charged to a cancelled attempt). */
  promptEstimate: number;
}

/** The circuit breaker of a provider endpoint: the credential's own base URL gets its own breaker. */
export function breakerKey(candidate: Candidate, credential: CallCredential): string {
  return `${candidate.provider.id}@${credential.baseUrl ?? candidate.provider.baseUrl ?? "default"}`;
}

function newAttempt(candidate: Candidate, credential: CallCredential, runSignal: AbortSignal, orgId: string, span?: ActiveSpan): AttemptHandle {
  const controller = new AbortController();
  const signal = AbortSignal.any([runSignal, controller.signal]);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const handle: AttemptHandle = {
    candidate,
    credential,
    startedAt: new Date(),
    t0: performance.now(),
    signal,
    get timedOut() {
      return timedOut;
    },
    arm(ms) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new AttemptTimeout(`no answer within ${ms} ms`));
      }, ms);
    },
    disarm() {
      clearTimeout(timer);
    },
    abort() {
      clearTimeout(timer);
      controller.abort(new Error("consumer gone"));
    },
    request: (params) => ({
      model: candidate.model,
      params,
      apiKey: credential.apiKey,
      ...(credential.baseUrl ?? candidate.provider.baseUrl ? { baseUrl: credential.baseUrl ?? candidate.provider.baseUrl } : {}),
      signal,
      // Trace context goes to our own models service only, not to third parties; the attempt's
      // span (when recorded) is the parent of the models service's request span.
      // The tenant goes along too, so the models service files its spans in the caller's org.
      headers: candidate.provider.kind === "symbia-labs" ? { ...outgoingTraceHeaders(span ? span.context() : undefined), "x-org-id": orgId } : {},
    }),
    classify: (error) => classifyError(error, { provider: candidate.provider.id, cancelled: runSignal.aborted, timedOut, secret: credential.apiKey }),
    ...(span ? { span } : {}),
  };
  return handle;
}

/** `gen_ai.operation.name` of each operation (OpenTelemetry GenAI semantic conventions). */
const GEN_AI_OPERATIONS: Record<ExecuteRequest["operation"], string> = { chat: "chat", embeddings: "embeddings", generate: "text_completion" };

/**
 * The OpenTelemetry GenAI request attributes of an attempt (`gen_ai.operation.name`,
 * `gen_ai.provider.name`, `gen_ai.request.model`, and the sampling parameters that were set).
 * Never the prompt.
 */
export function genAiRequestAttributes(request: ExecuteRequest, candidate: Candidate): Record<string, string | number | boolean | string[]> {
  const params = request.params as { temperature?: number; topP?: number; maxTokens?: number; seed?: number; stop?: string[] };
  return {
    "gen_ai.operation.name": GEN_AI_OPERATIONS[request.operation],
    "gen_ai.provider.name": candidate.provider.kind,
    "gen_ai.request.model": candidate.model,
    ...(params.temperature !== undefined ? { "gen_ai.request.temperature": params.temperature } : {}),
    ...(params.topP !== undefined ? { "gen_ai.request.top_p": params.topP } : {}),
    ...(params.maxTokens !== undefined ? { "gen_ai.request.max_tokens": params.maxTokens } : {}),
    ...(params.seed !== undefined ? { "gen_ai.request.seed": params.seed } : {}),
    ...(params.stop?.length ? { "gen_ai.request.stop_sequences": params.stop } : {}),
  };
}

/**
 * Tries the candidates in order. At each provider, `start` is run through the provider's circuit
 * breaker with the attempt's timeout armed; retryable failures (rate limit, provider error,
 * timeout) are retried after a backoff (or the provider's Retry-After, when it is short enough),
 * up to `maxRetries`; then the next candidate is tried. A refused request (`invalid_request`) or a
 * cancel ends the loop at once. Every attempt that reached a provider is accounted for (a failed
 * one with no tokens; a cancelled one with the prompt's estimate).
 *
 * @returns the first success and its attempt (timer still armed: the caller disarms or re-arms).
 * @throws ProviderError the last failure (category `cancelled` when the run was cancelled).
 */
export async function runAttempts<T>(
  deps: Pick<GatewayDeps, "credentials" | "breakers" | "config" | "metrics" | "telemetry">,
  context: AttemptContext,
  candidates: Candidate[],
  start: (attempt: AttemptHandle) => Promise<T>,
): Promise<{ value: T; attempt: AttemptHandle }> {
  const { maxRetries, retryBaseMs, retryMaxMs } = deps.config.gateway;
  let last: ProviderError | undefined;
  for (const [index, candidate] of candidates.entries()) {
    if (index > 0) deps.metrics.fallbacks.inc({ from: candidates[index - 1]!.provider.id });
    if (context.runSignal.aborted) throw new ProviderError("cancelled", "call cancelled");
    let credential: CallCredential;
    try {
      credential = await deps.credentials.resolve(candidate.provider, context.subject);
    } catch (error) {
      // symbia-labs authenticates with the service's own login: identity unreachable means no credential.
      last = new ProviderError("auth", `${candidate.provider.id}: no credential could be obtained (${(error as Error).message})`);
      context.accounting.attempts.push({ provider: candidate.provider.id, model: candidate.model, outcome: "error", category: "auth", latencyMs: 0 });
      continue;
    }
    for (let retry = 0; ; retry++) {
      const span = deps.telemetry
        ? startSpan(deps.telemetry, "llm.call", {
            kind: "client",
            attributes: {
              "llm.provider": candidate.provider.id,
              "llm.model": candidate.model,
              "llm.operation": context.request.operation,
              "llm.stream": context.request.stream,
              "llm.retry": retry,
              ...genAiRequestAttributes(context.request, candidate),
            },
            ...(context.request.runId ? { runId: context.request.runId } : {}),
            orgId: context.subject.orgId,
          })
        : undefined;
      const attempt = newAttempt(candidate, credential, context.runSignal, context.subject.orgId, span);
      try {
        const value = await deps.breakers.run(breakerKey(candidate, credential), async () => {
          attempt.arm(candidate.provider.timeoutMs ? Math.min(candidate.provider.timeoutMs, context.timeoutMs) : context.timeoutMs);
          try {
            return await start(attempt);
          } catch (error) {
            throw attempt.classify(error);
          }
        });
        return { value, attempt };
      } catch (thrown) {
        attempt.disarm();
        const error = thrown instanceof ProviderError ? thrown : attempt.classify(thrown);
        const latencyMs = performance.now() - attempt.t0;
        const cancelled = error.category === "cancelled";
        const record = {
          provider: candidate.provider,
          model: candidate.model,
          startedAt: attempt.startedAt,
          latencyMs,
          outcome: cancelled ? ("cancelled" as const) : ("error" as const),
          ...(cancelled ? {} : { category: error.category as Exclude<typeof error.category, "cancelled"> }),
          usage: cancelled ? usageOf(context.promptEstimate, 0, true) : usageOf(0, 0, false),
        };
        if (error.info.circuitOpen) {
          context.accounting.attempts.push({ provider: candidate.provider.id, model: candidate.model, outcome: "error", category: "provider", latencyMs: 0 });
          attempt.span?.setAttribute("llm.circuit_open", true).setStatus("error", "circuit open").end();
        } else context.accounting.record({ ...record, ...(attempt.span ? { span: attempt.span } : {}) });
        if (cancelled || error.category === "invalid_request") throw error;
        last = error;
        const wait = error.info.retryAfterMs;
        if (!error.info.retryable || retry >= maxRetries || (wait !== undefined && wait > retryMaxMs)) break;
        deps.metrics.retries.inc({ provider: candidate.provider.id });
        try {
          await sleep(wait ?? backoffMs(retry, retryBaseMs, retryMaxMs), context.runSignal);
        } catch {
          throw new ProviderError("cancelled", "call cancelled");
        }
      }
    }
  }
  throw last ?? new ProviderError("provider", "no provider could be tried");
}

/**
 * A classified failure as the shared error envelope: auth → 502 (the provider refused the
 * credential: not the caller's token), rate_limit → 429 with Retry-After, provider → 502 (503
 * while the circuit is open), timeout → 504, invalid_request → 400. `details.category` carries the
 * category, `details.attempts` what was tried.
 */
export function toAppError(error: ProviderError, attempts: Attempt[]): AppError {
  const details = { category: error.category, ...(error.info.status ? { providerStatus: error.info.status } : {}), attempts };
  switch (error.category) {
    case "auth":
      return new AppError("bad_gateway", error.message, details);
    case "rate_limit":
      return new AppError("rate_limited", error.message, details, error.info.retryAfterMs !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil(error.info.retryAfterMs / 1000)) } : { retryAfterSeconds: 1 });
    case "timeout":
      return new AppError("timeout", error.message, details);
    case "invalid_request":
      return new AppError("bad_request", error.message, details);
    case "provider":
      return error.info.circuitOpen ? new AppError("unavailable", error.message, details, { retryAfterSeconds: 1 }) : new AppError("bad_gateway", error.message, details);
    case "cancelled":
      return new AppError("bad_request", error.message, details);
  }
}
