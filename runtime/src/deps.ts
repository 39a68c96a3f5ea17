import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Logger } from "@symbia/http";
import { createVerifier, loginAsService, type LoginSession, type Verifier } from "@symbia/id";
import { createServiceTelemetry, telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import type { CatalogAccess } from "./catalog/catalog-access.js";
import { createBuiltinRegistry } from "./components/builtins/index.js";
import { codeToolComponents } from "./components/code-tools/code-tools.js";
import type { ComponentRegistry } from "./components/manifest.js";
import type { RuntimeConfig } from "./config.js";
import * as schema from "./db/schema.js";
import { ExecutionService } from "./executions/executions.service.js";
import { loggingExecutionTelemetry, teeExecutionTelemetry } from "./telemetry/logging.js";
import { loggedExecutionTelemetry, type ExecutionTelemetry } from "./telemetry/telemetry.js";

export type RuntimeSchema = typeof schema;

/** Everything runtime's features need, built once at start (tests build it with their own config). */
export interface RuntimeDeps {
  config: RuntimeConfig;
  database: Database<RuntimeSchema>;
  logger: Logger;
  /** Verifies identity's tokens and API keys (`@symbia/id`). */
  verifier: Verifier;
  /** Runtime's own service login (`service:runtime`), or null without RUNTIME_SERVICE_SECRET. */
  session: LoginSession | null;
  /** The components graphs may use: the built-ins and the code tools (code-file, code-search, code-bash). */
  registry: ComponentRegistry;
  /** Where catalog is and how runtime reaches it. */
  catalog: CatalogAccess;
  /** Where execution state changes and node latency go (logging). */
  telemetry: ExecutionTelemetry;
  /** The logging client request spans, log lines and execution telemetry ship through (absent when disabled or without a secret). */
  shipped?: LoggingClient;
  /** The engine: executions, persistence, checkpoints. */
  executions: ExecutionService;
}

export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/**
 * Opens the database, logs in to identity as `service:runtime` (lazily: runtime starts while
 * identity is down), connects the verifier, and builds the engine with the configured defaults.
 */
export async function buildDeps(config: RuntimeConfig, overrides: Partial<Pick<RuntimeDeps, "database" | "logger" | "telemetry" | "registry">> = {}): Promise<RuntimeDeps> {
  const identityUrl = config.serviceUrls.identity;
  const session = config.serviceSecret ? loginAsService({ identityUrl, serviceId: "runtime", secret: config.serviceSecret }) : null;
  // Dropped telemetry batches are reported on a logger that is not itself shipped.
  const shipped = createServiceTelemetry({ service: "runtime", env: config.env, config: config.telemetry, auth: session ?? undefined, report: createLogger({ service: "runtime", level: config.logLevel }) });
  const logger =
    overrides.logger ??
    createLogger({ service: "runtime", level: config.logLevel, ...(shipped ? { destination: telemetryDestination(shipped, { minLevel: config.telemetry.logLevel }) } : {}) });
  const database = overrides.database ?? (await createDatabase({ service: "runtime", schema, migrationsDir, config: config.database, logger }));
  if (!config.serviceSecret) logger.warn("RUNTIME_SERVICE_SECRET is not set: catalog graphs cannot be read, API keys are refused and revocations are not followed");
  const verifier = createVerifier({
    identityUrl,
    issuer: config.identityIssuer,
    ...(session ? { auth: session } : {}),
    onError: (error) => logger.warn({ err: error.message }, "identity revocation feed unreachable"),
  });
  const registry = overrides.registry ?? createBuiltinRegistry();
  // Code tools run in the assistants service's isolated workspaces, as service:runtime.
  if (!overrides.registry) for (const component of codeToolComponents({ baseUrl: config.serviceUrls.assistants, tokens: session })) registry.register(component);
  const telemetry = overrides.telemetry ?? (shipped ? teeExecutionTelemetry(loggedExecutionTelemetry(logger), loggingExecutionTelemetry(shipped)) : loggedExecutionTelemetry(logger));
  const executions = new ExecutionService({
    database,
    registry,
    logger,
    telemetry,
    checkpointIntervalMs: config.checkpointIntervalMs,
    maxLiveExecutions: config.maxLiveExecutions,
    defaults: { queueCapacity: config.queueCapacity, metricsIntervalMs: config.metricsIntervalMs, emissionSampleEvery: config.emissionSampleEvery },
  });
  return {
    config,
    database,
    logger,
    verifier,
    session,
    registry,
    catalog: { baseUrl: config.serviceUrls.catalog, session, platformOrgId: config.platformOrgId },
    telemetry,
    ...(shipped ? { shipped } : {}),
    executions,
  };
}
