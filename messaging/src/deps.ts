import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Logger } from "@symbia/http";
import { createVerifier, loginAsService, type LoginSession, type Verifier } from "@symbia/id";
import { createServiceTelemetry, telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import { failoverBus, type AssistantBus } from "./bus/assistant-bus.js";
import { relayBus, type RelayBus } from "./bus/relay-bus.js";
import { webhookBus } from "./bus/webhook-bus.js";
import type { MessagingConfig } from "./config.js";
import * as schema from "./db/schema.js";
import { identityDirectory, type Directory } from "./directory/directory.js";
import { TypingTracker } from "./presence/typing.js";
import { Realtime } from "./realtime/realtime.js";
import { StreamRegistry } from "./streams/streams.registry.js";

export type MessagingSchema = typeof schema;

/** Everything messaging's features need, built once at start (tests pass their own parts). */
export interface MessagingDeps {
  config: MessagingConfig;
  database: Database<MessagingSchema>;
  logger: Logger;
  /** Verifies tokens and API keys (REST and socket handshakes). */
  verifier: Verifier;
  /** Messaging's own service login at identity (absent without MESSAGING_SERVICE_SECRET). */
  serviceLogin?: LoginSession;
  directory: Directory;
  realtime: Realtime;
  streams: StreamRegistry;
  typing: TypingTracker;
  bus: AssistantBus;
  /** The relay transport of the bus (absent when disabled or without a service secret). */
  relay?: RelayBus;
  /** Ships request and relay-hop spans and warn+ log lines to logging (absent when disabled or without a service secret). */
  telemetry?: LoggingClient;
}

export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/** Opens the database and builds the verifier, directory, realtime hub and assistant bus (relay, then webhook). */
export async function buildDeps(config: MessagingConfig, overrides: Partial<Pick<MessagingDeps, "database" | "logger" | "bus" | "directory">> = {}): Promise<MessagingDeps> {
  const identityUrl = config.serviceUrls.identity;
  const serviceLogin = config.serviceSecret ? loginAsService({ identityUrl, serviceId: "messaging", secret: config.serviceSecret }) : undefined;
  // Dropped telemetry batches are reported on a logger that is not itself shipped.
  const telemetry = createServiceTelemetry({ service: "messaging", env: config.env, config: config.telemetry, auth: serviceLogin, report: createLogger({ service: "messaging", level: config.logLevel }) });
  const logger =
    overrides.logger ??
    createLogger({ service: "messaging", level: config.logLevel, ...(telemetry ? { destination: telemetryDestination(telemetry, { minLevel: config.telemetry.logLevel }) } : {}) });
  const database = overrides.database ?? (await createDatabase({ service: "messaging", schema, migrationsDir, config: config.database, logger }));
  if (!serviceLogin) logger.warn("MESSAGING_SERVICE_SECRET is not set: API keys cannot be checked and revocations are not followed");
  const verifier = createVerifier({
    identityUrl,
    issuer: config.identityIssuer,
    ...(serviceLogin ? { auth: serviceLogin } : {}),
    onError: (error) => logger.warn({ err: error.message }, "identity revocation feed unavailable"),
  });
  const relay =
    !overrides.bus && config.relayEnabled && serviceLogin
      ? relayBus({ networkUrl: config.serviceUrls.network, credentials: serviceLogin, logger, ackTimeoutMs: config.relayAckTimeoutMs })
      : undefined;
  if (!relay && !overrides.bus) logger.warn({ relayEnabled: config.relayEnabled }, "not joining the network relay: assistant events go by webhook");
  const bus =
    overrides.bus ??
    failoverBus([
      ...(relay ? [relay] : []),
      webhookBus({
        url: config.assistantWebhookUrl,
        ...(serviceLogin ? { auth: serviceLogin } : {}),
        ...(config.webhookSecret ? { secret: config.webhookSecret } : {}),
        timeoutMs: config.webhookTimeoutMs,
        retries: config.webhookRetries,
        logger,
      }),
    ]);
  return {
    config,
    database,
    logger,
    verifier,
    ...(serviceLogin ? { serviceLogin } : {}),
    directory: overrides.directory ?? identityDirectory(identityUrl, serviceLogin),
    realtime: new Realtime(),
    streams: new StreamRegistry({ maxHeldChunks: config.maxHeldChunks }),
    typing: new TypingTracker(config.typingTtlMs),
    bus,
    ...(relay ? { relay } : {}),
    ...(telemetry ? { telemetry } : {}),
  };
}
