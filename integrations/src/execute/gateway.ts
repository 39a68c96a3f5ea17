import type { Logger } from "@symbia/http";
import type { LoggingClient } from "@symbia/logging-client";
import type { BudgetTracker } from "../budgets/budgets.service.js";
import type { IntegrationsConfig, ProviderKind } from "../config.js";
import type { CredentialResolver } from "../credentials/credentials.service.js";
import type { GatewayMetrics } from "../metrics.js";
import type { ModelConfigSource } from "../model-config/model-config.js";
import type { ProviderAdapter } from "../providers/provider.js";
import type { LedgerWriter } from "../usage/ledger.js";
import type { BreakerRegistry } from "./reliability.js";
import type { RunRegistry } from "./runs.js";

/** What the gateway's service functions use (built once by `buildDeps`). */
export interface GatewayDeps {
  config: IntegrationsConfig;
  logger: Logger;
  modelConfig: ModelConfigSource;
  credentials: CredentialResolver;
  /** The adapter of each provider kind (symbia-labs uses the OpenAI one). */
  adapters: Record<ProviderKind, ProviderAdapter>;
  breakers: BreakerRegistry;
  ledger: LedgerWriter;
  budgets: BudgetTracker;
  runs: RunRegistry;
  metrics: GatewayMetrics;
  /** Ships spans (one per provider call: tokens, latency, cost) and log lines to logging; absent in tests and without a secret. */
  telemetry?: LoggingClient;
}
