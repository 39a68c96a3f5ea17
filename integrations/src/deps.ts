import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { CatalogClient } from "@symbia/catalog-client";
import { createLogger, outgoingTraceHeaders, type Authenticator, type Logger } from "@symbia/http";
import { createVerifier, IdentityClient, loginAsService, type LoginSession } from "@symbia/id";
import type { RelayClient } from "@symbia/relay";
import { createServiceTelemetry, telemetryDestination } from "@symbia/logging-client";
import { BudgetTracker } from "./budgets/budgets.service.js";
import type { IntegrationsConfig } from "./config.js";
import { CredentialResolver } from "./credentials/credentials.service.js";
import * as schema from "./db/schema.js";
import type { GatewayDeps } from "./execute/gateway.js";
import { BreakerRegistry } from "./execute/reliability.js";
import { RunRegistry } from "./execute/runs.js";
import { createGatewayMetrics } from "./metrics.js";
import { CatalogModelConfigSource } from "./model-config/catalog-source.js";
import { EnvModelConfigSource, type ModelConfigSource } from "./model-config/model-config.js";
import { anthropicAdapter } from "./providers/anthropic.adapter.js";
import { ProviderError } from "./providers/errors.js";
import { huggingFaceAdapter } from "./providers/huggingface.adapter.js";
import { openAiAdapter } from "./providers/openai.adapter.js";
import { LedgerWriter } from "./usage/ledger.js";
import { integrationsRelay } from "./relay/relay.js";

export type IntegrationsSchema = typeof schema;
/** The service's drizzle-kit migrations. */
export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/** What {@link createApp} wires together. */
export interface AppDeps extends GatewayDeps {
  database: Database<IntegrationsSchema>;
  /** The auth slot of @symbia/http: identity's verifier. */
  authenticate: Authenticator;
  /** The service's own login at identity (null without INTEGRATIONS_SERVICE_SECRET). */
  session: LoginSession | null;
  /** The network node `service:integrations` (absent when INTEGRATIONS_RELAY is off or without a service secret). */
  relay?: RelayClient;
  /** Stops background work (revocation feed, breaker timers, catalog cache); the ledger is flushed by the server's shutdown. */
  close(): Promise<void>;
}

/** Parts tests (or another wiring) may supply instead of the ones built from the configuration. */
export interface DepsOverrides {
  database?: Database<IntegrationsSchema>;
  logger?: Logger;
  authenticate?: Authenticator;
  modelConfig?: ModelConfigSource;
}

/**
 * Builds the service from its configuration: the database (migrations applied), the service's
 * login at identity (INTEGRATIONS_SERVICE_SECRET) used for API-key introspection, revocations, the
 * vault and the models service, identity's token verifier, the provider adapters (official SDKs),
 * circuit breakers, the usage ledger writer, budgets and the run registry.
 */
export async function buildDeps(config: IntegrationsConfig, overrides: DepsOverrides = {}): Promise<AppDeps> {
  const identityUrl = config.serviceUrls.identity;
  const secret = config.identity.serviceSecret;
  const session = secret ? loginAsService({ identityUrl, serviceId: "integrations", secret }) : null;
  // Dropped telemetry batches are reported on a logger that is not itself shipped.
  const telemetry = createServiceTelemetry({ service: "integrations", env: config.env, config: config.telemetry, auth: session ?? undefined, report: createLogger({ service: "integrations", level: config.logLevel }) });
  const logger =
    overrides.logger ??
    createLogger({ service: "integrations", level: config.logLevel, ...(telemetry ? { destination: telemetryDestination(telemetry, { minLevel: config.telemetry.logLevel }) } : {}) });
  const database = overrides.database ?? (await createDatabase({ service: "integrations", schema, migrationsDir, config: config.database, logger }));
  if (!secret) logger.warn("INTEGRATIONS_SERVICE_SECRET is not set: no vault credentials, no API keys, no symbia-labs (models service) authentication");

  let closeVerifier = () => {};
  let authenticate = overrides.authenticate;
  if (!authenticate) {
    let lastFeedWarning = 0;
    const verifier = createVerifier({
      identityUrl,
      issuer: config.identity.issuer,
      ...(session ? { auth: session } : {}),
      onError: (error) => {
        // Identity down: tokens still verify against the cached keys; say so once a minute.
        if (Date.now() - lastFeedWarning < 60_000) return;
        lastFeedWarning = Date.now();
        logger.warn({ err: error }, "identity's revocation feed is unreachable");
      },
    });
    authenticate = verifier.authenticate;
    closeVerifier = () => verifier.close();
  }

  const metrics = createGatewayMetrics();
  const g = config.gateway;
  let modelConfig = overrides.modelConfig;
  if (!modelConfig) {
    const fromEnv = new EnvModelConfigSource(config.providers, g);
    if (g.modelConfig === "catalog" && !session) logger.warn("INTEGRATIONS_MODEL_CONFIG=catalog needs INTEGRATIONS_SERVICE_SECRET to read catalog: using the environment's provider configuration");
    modelConfig =
      g.modelConfig === "catalog" && session
        ? new CatalogModelConfigSource(fromEnv, {
            catalog: new CatalogClient({ baseUrl: config.serviceUrls.catalog, token: session, headers: () => outgoingTraceHeaders() }),
            platformOrgId: g.catalogPlatformOrgId,
            cacheMs: g.catalogCacheMs,
            logger,
          })
        : fromEnv;
  }
  const breakers = new BreakerRegistry(
    { errorPercent: g.breakerErrorPercent, volume: g.breakerVolume, windowMs: g.breakerWindowMs, resetMs: g.breakerResetMs },
    (error) => error instanceof ProviderError && (error.category === "provider" || error.category === "timeout"),
    (key, state) => logger.warn({ endpoint: key, state }, "provider circuit changed"),
  );
  const ledger = new LedgerWriter(
    database,
    { queueSize: g.ledgerQueueSize, batchSize: g.ledgerBatchSize, flushMs: g.ledgerFlushMs, onDropped: (n) => metrics.ledgerDropped.inc(n), onWritten: (n) => metrics.ledgerWritten.inc(n) },
    logger,
  );
  const budgets = new BudgetTracker(database, { dailyTokenLimit: g.dailyTokenLimit, dailyRequestLimit: g.dailyRequestLimit, onRejected: (scope) => metrics.budgetRejections.inc({ scope }) }, logger);
  const credentials = new CredentialResolver({
    identity: session ? new IdentityClient(identityUrl, session) : null,
    session,
    cacheMs: g.credentialCacheMs,
    allowBaseUrl: g.credentialBaseUrls,
    logger,
  });
  const openai = openAiAdapter();
  const runs = new RunRegistry();
  const relay = g.relayEnabled && session ? integrationsRelay({ runs, logger }, { networkUrl: config.serviceUrls.network, credentials: session, logger }) : undefined;
  return {
    config,
    logger,
    database,
    authenticate,
    session,
    modelConfig,
    credentials,
    adapters: { openai, "symbia-labs": openai, anthropic: anthropicAdapter(), huggingface: huggingFaceAdapter() },
    breakers,
    ledger,
    budgets,
    runs,
    ...(relay ? { relay } : {}),
    metrics,
    ...(telemetry ? { telemetry } : {}),
    async close() {
      closeVerifier();
      breakers.shutdown();
      modelConfig.close?.();
    },
  };
}
