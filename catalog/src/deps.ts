import { fileURLToPath } from "node:url";
import { CATALOG_RESOURCE_EVENTS, RESOURCE_BODY_SCHEMAS, type BodySchemaMap } from "@symbia/catalog-client";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Logger } from "@symbia/http";
import { createVerifier, loginAsService, type Verifier } from "@symbia/id";
import { createServiceTelemetry, telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import { connectRelay, type RelayClient } from "@symbia/relay";
import { BlobStore } from "./artifacts/storage.js";
import type { CatalogConfig } from "./config.js";
import * as schema from "./db/schema.js";
import { loggedCatalogEvents, relayCatalogEvents, type CatalogEvents } from "./events/events.js";

export type CatalogSchema = typeof schema;

/** Everything catalog's features need, built once at start (tests build it with their own config). */
export interface CatalogDeps {
  config: CatalogConfig;
  database: Database<CatalogSchema>;
  logger: Logger;
  /** Verifies identity's tokens and API keys (`@symbia/id`). */
  verifier: Verifier;
  /** Artifact bytes on disk, by digest. */
  blobs: BlobStore;
  /** Where publish, deprecate and yank notifications go (the relay, else the log). */
  events: CatalogEvents;
  /** Catalog's network node `service:catalog` (absent when CATALOG_RELAY=false, without a service secret, or with `events` overridden). */
  relay?: RelayClient;
  /** Body schema of each resource type (replaceable: see `extendBodySchemas`). */
  bodySchemas: BodySchemaMap;
  /** Ships request spans and warn+ log lines to logging (absent when disabled or without a secret). */
  telemetry?: LoggingClient;
}

export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/** Opens the database and the artifact store, and connects the verifier to identity. */
export async function buildDeps(config: CatalogConfig, overrides: Partial<Pick<CatalogDeps, "database" | "logger" | "events" | "bodySchemas">> = {}): Promise<CatalogDeps> {
  const identityUrl = config.serviceUrls.identity;
  const session = config.serviceSecret ? loginAsService({ identityUrl, serviceId: "catalog", secret: config.serviceSecret }) : undefined;
  // Dropped telemetry batches are reported on a logger that is not itself shipped.
  const telemetry = createServiceTelemetry({ service: "catalog", env: config.env, config: config.telemetry, auth: session, report: createLogger({ service: "catalog", level: config.logLevel }) });
  const logger =
    overrides.logger ??
    createLogger({ service: "catalog", level: config.logLevel, ...(telemetry ? { destination: telemetryDestination(telemetry, { minLevel: config.telemetry.logLevel }) } : {}) });
  const database = overrides.database ?? (await createDatabase({ service: "catalog", schema, migrationsDir, config: config.database, logger }));
  if (!config.serviceSecret) logger.warn("CATALOG_SERVICE_SECRET is not set: API keys are refused and revocations are not followed");
  const verifier = createVerifier({
    identityUrl,
    issuer: config.identityIssuer,
    ...(session ? { auth: session } : {}),
    onError: (error) => logger.warn({ err: error.message }, "identity revocation feed unreachable"),
  });
  const blobs = new BlobStore(config.artifactsDir);
  await blobs.init();
  // The node starts after listen and leaves first at shutdown (createServer's `relay` option);
  // events emitted meanwhile wait in its outbox.
  const relay =
    !overrides.events && config.relayEnabled && session
      ? connectRelay({
          networkUrl: config.serviceUrls.network,
          nodeId: "service:catalog",
          type: "service",
          name: "catalog",
          credentials: session,
          capabilities: [...CATALOG_RESOURCE_EVENTS],
          logger,
          autoStart: false,
        })
      : undefined;
  if (!relay && !overrides.events) logger.warn({ relayEnabled: config.relayEnabled }, "not joining the network relay: catalog events are only logged");
  const events = overrides.events ?? (relay ? relayCatalogEvents(relay, logger) : loggedCatalogEvents(logger));
  return { config, database, logger, verifier, blobs, events, ...(relay ? { relay } : {}), bodySchemas: overrides.bodySchemas ?? RESOURCE_BODY_SCHEMAS, ...(telemetry ? { telemetry } : {}) };
}
