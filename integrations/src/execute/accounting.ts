import { randomUUID } from "node:crypto";
import type { Logger } from "@symbia/http";
import type { ActiveSpan } from "@symbia/logging-client";
import type { BudgetTracker } from "../budgets/budgets.service.js";
import { utcDay } from "../budgets/budgets.service.js";
import type { GatewaySettings } from "../config.js";
import type { GatewayMetrics } from "../metrics.js";
import type { ProviderSettings } from "../model-config/model-config.js";
import type { LedgerWriter } from "../usage/ledger.js";
import type { Attempt, ErrorCategory, ExecuteRequest, Usage } from "./execute.schemas.js";

/** Who a call is for and who made it. */
export interface Actor {
  /** The principal whose usage, budget and credentials apply. */
  principalId: string;
  orgId: string;
  /** The authenticated caller (a service principal acting on behalf of `principalId`, or the same). */
  callerId: string;
}

/** The request's identity in logs, the ledger and responses. */
export interface CallInfo {
  requestId: string;
  traceId: string;
}

/** Estimated tokens of a text: ≈ 4 characters per token (used only when a provider reports none). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Estimated prompt tokens of a request (messages' text plus a few tokens of framing per message). */
export function estimatePromptTokens(request: ExecuteRequest): number {
  switch (request.operation) {
    case "chat":
      return request.params.messages.reduce((n, m) => n + 4 + estimateTokens(m.content ?? "") + (m.toolCalls ?? []).reduce((k, c) => k + estimateTokens(c.name + c.arguments), 0), 0);
    case "generate":
      return estimateTokens(request.params.prompt);
    case "embeddings":
      return (Array.isArray(request.params.input) ? request.params.input : [request.params.input]).reduce((n, t) => n + estimateTokens(t), 0);
  }
}

/** Cost of a call in USD from INTEGRATIONS_PRICES (`provider/model`, else `provider/*`), or null when no price is known. */
export function costUsd(prices: GatewaySettings["prices"], provider: string, model: string, usage: Usage): number | null {
  const price = prices[`${provider}/${model}`] ?? prices[`${provider}/*`];
  if (!price) return null;
  return (usage.promptTokens * price.prompt + usage.completionTokens * price.completion) / 1_000_000;
}

/** One provider call to account for. */
export interface AttemptRecord {
  provider: ProviderSettings;
  model: string;
  startedAt: Date;
  latencyMs: number;
  outcome: "ok" | "error" | "cancelled";
  category?: ErrorCategory;
  usage: Usage;
  /** The call's span, ended here with its tokens, cost and outcome. */
  span?: ActiveSpan;
  /** The model that answered, as the provider names it (`gen_ai.response.model`). */
  responseModel?: string;
  /** Why generation stopped (`gen_ai.response.finish_reasons`). */
  finishReason?: string;
}

/**
 * Accounts for the provider calls of one request: each becomes a ledger row (queued, written off
 * the request path), counts against the budgets, feeds the metrics, and is listed in the
 * response's `attempts`.
 */
export class CallAccounting {
  readonly attempts: Attempt[] = [];

  constructor(
    private readonly deps: { ledger: LedgerWriter; budgets: BudgetTracker; metrics: GatewayMetrics; logger: Logger; prices: GatewaySettings["prices"] },
    private readonly actor: Actor,
    private readonly info: CallInfo,
    private readonly request: ExecuteRequest,
  ) {}

  record(attempt: AttemptRecord): void {
    const { provider, model, usage } = attempt;
    const latencyMs = Math.max(0, Math.round(attempt.latencyMs));
    this.attempts.push({ provider: provider.id, model, outcome: attempt.outcome, ...(attempt.category ? { category: attempt.category } : {}), latencyMs });
    const row = {
      id: randomUUID(),
      orgId: this.actor.orgId,
      principalId: this.actor.principalId,
      callerId: this.actor.callerId,
      provider: provider.id,
      model,
      operation: this.request.operation,
      status: attempt.outcome,
      errorCategory: attempt.category ?? null,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      totalTokens: usage.totalTokens,
      usageEstimated: usage.estimated === true,
      costUsd: costUsd(this.deps.prices, provider.id, model, usage),
      latencyMs,
      stream: this.request.stream,
      traceId: this.info.traceId,
      runId: this.request.runId ?? null,
      requestId: this.info.requestId,
      day: utcDay(attempt.startedAt),
      startedAt: attempt.startedAt,
    };
    this.deps.ledger.enqueue(row);
    attempt.span
      ?.setAttributes({
        "llm.outcome": attempt.outcome,
        "llm.tokens.prompt": usage.promptTokens,
        "llm.tokens.completion": usage.completionTokens,
        "llm.tokens.total": usage.totalTokens,
        "llm.tokens.estimated": usage.estimated === true,
        // OpenTelemetry GenAI names for the same figures.
        "gen_ai.usage.input_tokens": usage.promptTokens,
        "gen_ai.usage.output_tokens": usage.completionTokens,
        ...(attempt.responseModel ? { "gen_ai.response.model": attempt.responseModel } : {}),
        ...(attempt.finishReason ? { "gen_ai.response.finish_reasons": [attempt.finishReason] } : {}),
        ...(attempt.category ? { "error.type": attempt.category } : {}),
        ...(row.costUsd !== null ? { "llm.cost_usd": row.costUsd } : {}),
        ...(attempt.category ? { "llm.error_category": attempt.category } : {}),
      })
      .setStatus(attempt.outcome === "error" ? "error" : "ok", attempt.category)
      .end();
    this.deps.budgets.record(row);
    const m = this.deps.metrics;
    m.calls.inc({ provider: provider.id, operation: this.request.operation, outcome: attempt.outcome, category: attempt.category ?? "" });
    m.callDuration.observe({ provider: provider.id, operation: this.request.operation }, latencyMs / 1000);
    if (usage.promptTokens) m.tokens.inc({ provider: provider.id, kind: "prompt" }, usage.promptTokens);
    if (usage.completionTokens) m.tokens.inc({ provider: provider.id, kind: "completion" }, usage.completionTokens);
    // Never the prompt or the key: ids, sizes and outcome only.
    this.deps.logger.info(
      { provider: provider.id, model, operation: this.request.operation, outcome: attempt.outcome, category: attempt.category, latencyMs, totalTokens: usage.totalTokens, runId: this.request.runId, principalId: this.actor.principalId, orgId: this.actor.orgId },
      "provider call",
    );
  }
}

/** Usage with the total filled in. */
export function usageOf(promptTokens: number, completionTokens: number, estimated: boolean): Usage {
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, ...(estimated ? { estimated: true } : {}) };
}
