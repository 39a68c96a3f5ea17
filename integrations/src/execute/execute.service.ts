import { AppError } from "@symbia/sys";
import { ProviderError } from "../providers/errors.js";
import type { AdapterEvent, AdapterResult } from "../providers/provider.js";
import { CallAccounting, estimatePromptTokens, estimateTokens, usageOf, type Actor, type CallInfo } from "./accounting.js";
import { runAttempts, toAppError, type AttemptContext, type AttemptHandle } from "./attempts.js";
import type { ExecuteRequest, FinishReason, NormalizedResponse, ProviderInfo, StreamChunk, ToolCall } from "./execute.schemas.js";
import type { GatewayDeps } from "./gateway.js";
import { planCandidates, withDefaults, type Candidate } from "./plan.js";
import type { RegisteredCall } from "./runs.js";

/** Who calls, the request's ids, and the client's disconnect signal. */
export interface ExecuteOptions {
  actor: Actor;
  info: CallInfo;
  /** Aborts when the HTTP client goes away: the upstream call is aborted and partial usage recorded. */
  signal?: AbortSignal;
}

interface Prepared {
  candidates: Candidate[];
  context: AttemptContext;
  call: RegisteredCall;
  t0: number;
}

async function prepare(deps: GatewayDeps, request: ExecuteRequest, options: ExecuteOptions): Promise<Prepared> {
  const t0 = performance.now();
  await deps.budgets.check(options.actor);
  const candidates = await planCandidates(deps, options.actor.orgId, request);
  const { timeoutMs, maxTimeoutMs } = deps.config.gateway;
  const call = deps.runs.register({ runId: request.runId ?? null, orgId: options.actor.orgId, principalId: options.actor.principalId, requestId: options.info.requestId }, options.signal);
  const accounting = new CallAccounting({ ...deps, prices: deps.config.gateway.prices }, options.actor, options.info, request);
  return {
    candidates,
    call,
    t0,
    context: {
      request,
      subject: { principalId: options.actor.principalId, orgId: options.actor.orgId },
      runSignal: call.signal,
      accounting,
      timeoutMs: Math.min(request.timeoutMs ?? timeoutMs, maxTimeoutMs),
      promptEstimate: estimatePromptTokens(request),
    },
  };
}

function callWhole(deps: GatewayDeps, request: ExecuteRequest, attempt: AttemptHandle): Promise<AdapterResult> {
  const { provider } = attempt.candidate;
  const adapter = deps.adapters[provider.kind];
  switch (request.operation) {
    case "chat":
      return adapter.chat(attempt.request(withDefaults(request.params, provider, "chat")));
    case "generate":
      return adapter.generate(attempt.request(withDefaults(request.params, provider, "generate")));
    case "embeddings":
      return adapter.embeddings(attempt.request(request.params));
  }
}

function openUpstream(deps: GatewayDeps, request: ExecuteRequest, attempt: AttemptHandle): AsyncIterator<AdapterEvent> {
  const { provider } = attempt.candidate;
  const adapter = deps.adapters[provider.kind];
  if (request.operation === "chat") return adapter.chatStream(attempt.request(withDefaults(request.params, provider, "chat")))[Symbol.asyncIterator]();
  if (request.operation === "generate") return adapter.generateStream(attempt.request(withDefaults(request.params, provider, "generate")))[Symbol.asyncIterator]();
  throw new AppError("bad_request", "embeddings are not streamed", { category: "invalid_request" });
}

/**
 * Runs a whole (not streamed) call: budget check, provider plan, attempts with retries, fallback
 * and circuit breakers, usage accounting. A call cancelled by its run (or its client) answers with
 * `finishReason: "cancelled"` and the prompt's estimated usage.
 *
 * @throws AppError with `details.category` when every provider failed (see `toAppError`), 429 when
 * a budget is spent, 400 for an unknown provider or model.
 */
export async function execute(deps: GatewayDeps, request: ExecuteRequest, options: ExecuteOptions): Promise<NormalizedResponse> {
  if (request.stream) throw new AppError("bad_request", "a streamed request is run by executeStream", { category: "invalid_request" });
  const prepared = await prepare(deps, request, options);
  const { context, call, t0 } = prepared;
  const base = { id: options.info.requestId, operation: request.operation, runId: request.runId ?? null, traceId: options.info.traceId };
  try {
    const { value, attempt } = await runAttempts(deps, context, prepared.candidates, (a) => callWhole(deps, request, a));
    attempt.disarm();
    const generated = (value.content ?? "") + value.toolCalls.map((c) => c.name + c.arguments).join("");
    const usage = value.usage ?? usageOf(context.promptEstimate, estimateTokens(generated), true);
    const finishReason = request.operation === "embeddings" ? null : (value.finishReason ?? (value.toolCalls.length ? "tool_calls" : "stop"));
    context.accounting.record({
      provider: attempt.candidate.provider,
      model: attempt.candidate.model,
      startedAt: attempt.startedAt,
      latencyMs: performance.now() - attempt.t0,
      outcome: "ok",
      usage,
      ...(attempt.span ? { span: attempt.span } : {}),
      ...(value.model ? { responseModel: value.model } : {}),
      ...(finishReason ? { finishReason } : {}),
    });
    return {
      ...base,
      providerRequestId: value.providerRequestId,
      provider: attempt.candidate.provider.id,
      model: value.model,
      content: request.operation === "embeddings" ? null : value.content,
      toolCalls: value.toolCalls,
      finishReason,
      ...(value.embeddings ? { embeddings: value.embeddings } : {}),
      usage,
      latencyMs: round(performance.now() - t0),
      attempts: context.accounting.attempts,
    };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    if (error.category !== "cancelled") throw toAppError(error, context.accounting.attempts);
    const last = context.accounting.attempts[context.accounting.attempts.length - 1];
    return {
      ...base,
      providerRequestId: null,
      provider: last?.provider ?? prepared.candidates[0]!.provider.id,
      model: last?.model ?? prepared.candidates[0]!.model,
      content: null,
      toolCalls: [],
      finishReason: "cancelled",
      usage: usageOf(last ? context.promptEstimate : 0, 0, true),
      latencyMs: round(performance.now() - t0),
      attempts: context.accounting.attempts,
    };
  } finally {
    call.release();
  }
}

/**
 * Opens a streamed call: everything up to the first event of a provider (budget, plan, attempts
 * with retries, fallback and breakers) happens before this resolves, so a failure there is an
 * ordinary error response. The returned stream yields `delta` chunks, then one `done` (also after a
 * cancel: `finishReason: "cancelled"`, partial usage) or one `error` (the provider failed mid-way:
 * no fallback once content has been sent). The ledger row is written when the stream ends, however
 * it ends. The caller must iterate the stream to its end.
 */
export async function executeStream(deps: GatewayDeps, request: ExecuteRequest, options: ExecuteOptions): Promise<AsyncGenerator<StreamChunk>> {
  if (!request.stream || request.operation === "embeddings") throw new AppError("bad_request", "only chat and generate are streamed", { category: "invalid_request" });
  const prepared = await prepare(deps, request, options);
  try {
    const { value, attempt } = await runAttempts(deps, prepared.context, prepared.candidates, async (a) => {
      const iterator = openUpstream(deps, request, a);
      return { iterator, first: await iterator.next() };
    });
    return streamRest(deps, request, options, prepared, attempt, value.iterator, value.first);
  } catch (error) {
    prepared.call.release();
    if (!(error instanceof ProviderError)) throw error;
    if (error.category !== "cancelled") throw toAppError(error, prepared.context.accounting.attempts);
    // Cancelled before the provider answered: the stream is just its `done`.
    const { attempts } = prepared.context.accounting;
    const last = attempts[attempts.length - 1];
    const done: StreamChunk = {
      type: "done",
      id: options.info.requestId,
      provider: last?.provider ?? prepared.candidates[0]!.provider.id,
      model: last?.model ?? prepared.candidates[0]!.model,
      index: 0,
      providerRequestId: null,
      finishReason: "cancelled",
      content: "",
      toolCalls: [],
      usage: usageOf(last ? prepared.context.promptEstimate : 0, 0, true),
      latencyMs: round(performance.now() - prepared.t0),
      runId: request.runId ?? null,
      traceId: options.info.traceId,
      attempts,
    };
    return (async function* () {
      yield done;
    })();
  }
}

async function* streamRest(
  deps: GatewayDeps,
  request: ExecuteRequest,
  options: ExecuteOptions,
  prepared: Prepared,
  attempt: AttemptHandle,
  iterator: AsyncIterator<AdapterEvent>,
  first: IteratorResult<AdapterEvent>,
): AsyncGenerator<StreamChunk> {
  const { context, call, t0 } = prepared;
  const { provider } = attempt.candidate;
  let model = attempt.candidate.model;
  let providerRequestId: string | null = null;
  let index = 0;
  let deltas = 0;
  let content = "";
  let finish: FinishReason | null = null;
  const reported: { prompt?: number; completion?: number } = {};
  const tools = new Map<number, ToolCall>();
  let recorded = false;

  const chunkBase = () => ({ id: options.info.requestId, provider: provider.id, model, index: index++ });
  function apply(event: AdapterEvent): StreamChunk | null {
    switch (event.type) {
      case "meta":
        if (event.providerRequestId) providerRequestId = event.providerRequestId;
        if (event.model) model = event.model;
        return null;
      case "usage":
        if (event.promptTokens !== undefined) reported.prompt = event.promptTokens;
        if (event.completionTokens !== undefined) reported.completion = event.completionTokens;
        return null;
      case "finish":
        finish = event.finishReason;
        return null;
      case "delta":
        deltas++;
        if (event.content) content += event.content;
        for (const d of event.toolCalls ?? []) {
          const call = tools.get(d.index) ?? { id: "", type: "function" as const, name: "", arguments: "" };
          if (d.id) call.id = d.id;
          if (d.name) call.name = d.name;
          if (d.arguments) call.arguments += d.arguments;
          tools.set(d.index, call);
        }
        return { type: "delta", ...chunkBase(), ...(event.content ? { content: event.content } : {}), ...(event.toolCalls?.length ? { toolCalls: event.toolCalls } : {}) };
    }
  }
  const usage = (complete: boolean) => {
    // One token per streamed delta when the provider has not said (a cut stream, or a server without usage).
    const completion = reported.completion !== undefined ? (complete ? reported.completion : Math.max(reported.completion, deltas)) : deltas;
    const exact = complete && reported.prompt !== undefined && reported.completion !== undefined;
    return usageOf(reported.prompt ?? context.promptEstimate, completion, !exact);
  };
  const account = (outcome: "ok" | "error" | "cancelled", category?: ProviderError["category"], finishReason?: string) => {
    recorded = true;
    const u = usage(outcome === "ok");
    context.accounting.record({
      provider,
      model: attempt.candidate.model,
      startedAt: attempt.startedAt,
      latencyMs: performance.now() - attempt.t0,
      outcome,
      ...(category && category !== "cancelled" ? { category } : {}),
      usage: u,
      ...(attempt.span ? { span: attempt.span } : {}),
      ...(finishReason ? { finishReason } : {}),
    });
    return u;
  };

  try {
    let failure: ProviderError | null = null;
    try {
      const idleMs = deps.config.gateway.streamIdleTimeoutMs;
      attempt.arm(idleMs);
      let next = first;
      while (!next.done) {
        const chunk = apply(next.value);
        if (chunk) yield chunk;
        next = await iterator.next();
        attempt.arm(idleMs);
      }
      // The openai SDK ends an aborted stream quietly instead of throwing: an end after an abort is the abort.
      if (attempt.signal.aborted) throw attempt.signal.reason;
    } catch (error) {
      failure = attempt.classify(error);
    }
    attempt.disarm();
    const toolCalls = [...tools.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    if (failure && failure.category !== "cancelled") {
      account("error", failure.category);
      const appError = toAppError(failure, context.accounting.attempts);
      yield { type: "error", ...chunkBase(), error: { code: appError.code, message: appError.message, category: failure.category, details: { attempts: context.accounting.attempts } } };
      return;
    }
    const cancelled = failure?.category === "cancelled";
    const finishReason = cancelled ? "cancelled" : (finish ?? (toolCalls.length ? "tool_calls" : "stop"));
    const finalUsage = account(cancelled ? "cancelled" : "ok", undefined, finishReason);
    yield {
      type: "done",
      ...chunkBase(),
      providerRequestId,
      finishReason,
      content,
      toolCalls,
      usage: finalUsage,
      latencyMs: round(performance.now() - t0),
      runId: request.runId ?? null,
      traceId: options.info.traceId,
      attempts: context.accounting.attempts,
    };
  } finally {
    attempt.disarm();
    if (!recorded) {
      // The consumer stopped iterating mid-stream: stop the provider too and keep what was used.
      attempt.abort();
      void iterator.return?.()?.catch(() => undefined);
      account("cancelled");
    }
    call.release();
  }
}

/**
 * Cancels every call in flight of a run (the cancel endpoint and, later, the relay's cancel and
 * preempt events call this): their upstream requests and streams are aborted at once, partial
 * usage is recorded. `orgId` restricts it to one org's calls. Returns how many calls were aborted.
 */
export function cancelRun(deps: Pick<GatewayDeps, "runs" | "logger">, runId: string, filter: { orgId?: string } = {}): number {
  const n = deps.runs.cancel(runId, filter);
  deps.logger.info({ runId, orgId: filter.orgId, cancelled: n }, "run cancelled");
  return n;
}

/** The providers an org can use, with their defaults and circuit state. */
export async function listProviders(deps: Pick<GatewayDeps, "modelConfig" | "breakers">, orgId: string): Promise<ProviderInfo[]> {
  const config = await deps.modelConfig.forOrg(orgId);
  return [...config.providers.values()].map((p) => ({
    id: p.id,
    kind: p.kind,
    defaultModels: { ...p.defaultModels } as Record<string, string>,
    models: p.models,
    circuit: deps.breakers.state(`${p.id}@${p.baseUrl ?? "default"}`),
    source: p.source,
  }));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
