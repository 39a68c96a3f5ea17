import { createServer, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import pkg from "../package.json" with { type: "json" };
import { budgetsRouter } from "./budgets/budgets.routes.js";
import type { AppDeps } from "./deps.js";
import { executeRouter } from "./execute/execute.routes.js";
import { registerGatewayMetrics } from "./metrics.js";
import { openAiRouter } from "./openai/openai.routes.js";
import { usageRouter } from "./usage/usage.routes.js";

/**
 * The integrations gateway: the normalized API under `/api/integrations`, the OpenAI-compatible one
 * under `/v1`, usage under `/api/usage`, budgets, health, docs and `/metrics`. Shutting down aborts
 * the calls still in flight after the drain, then writes the usage ledger's queue.
 */
export function createApp(deps: AppDeps): SymbiaServer {
  const server = createServer({
    service: "integrations",
    version: pkg.version,
    description: "LLM gateway: OpenAI, Anthropic, Hugging Face and symbia-labs behind one normalized, metered, cancellable API.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: deps.authenticate,
    // Identity is the one dependency every call needs (tokens, vault); providers are checked per call.
    readiness: {
      identity: async () => {
        const res = await fetch(`${deps.config.serviceUrls.identity}/health/live`, { signal: AbortSignal.timeout(1_500) });
        if (!res.ok) throw new Error(`identity answered ${res.status}`);
      },
    },
    ...(deps.telemetry ? { telemetry: requestTelemetry(deps.telemetry) } : {}),
    // The relay node starts after listen, leaves first at shutdown, and shows in /health/ready.
    ...(deps.relay ? { relay: deps.relay } : {}),
    routers: [executeRouter(deps), openAiRouter(deps), usageRouter(deps.database), budgetsRouter(deps.budgets)],
    tags: [
      { name: "integrations", description: "Execute calls on any provider; cancel runs; list providers." },
      { name: "openai", description: "OpenAI-compatible API over every provider." },
      { name: "usage", description: "The usage ledger and its aggregates." },
      { name: "budgets", description: "Daily budgets per org and principal." },
    ],
  });
  registerGatewayMetrics(server.metrics.registry, deps.metrics, {
    ledgerDepth: () => deps.ledger.depth,
    activeCalls: () => deps.runs.size,
    circuits: () => deps.breakers.states(),
  });
  server.onShutdown("calls in flight", () => {
    const n = deps.runs.cancelAll();
    if (n > 0) deps.logger.warn({ cancelled: n }, "calls still running at shutdown were cancelled");
  });
  server.onShutdown("usage ledger", () => deps.ledger.close());
  server.onShutdown("background work", () => deps.close());
  if (deps.telemetry) attachTelemetry(server, deps.telemetry);
  return server;
}
