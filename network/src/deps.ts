import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Logger } from "@symbia/http";
import { createVerifier, IdentityClient, loginAsService, type TokenSource, type Verifier } from "@symbia/id";
import { createServiceTelemetry, telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import { ReplayCache } from "@symbia/relay";
import type { Server as SocketServer } from "socket.io";
import type { NetworkConfig } from "./config.js";
import { loadDefaultContracts } from "./contracts/contracts.defaults.js";
import { syncDefaultContracts } from "./contracts/contracts.store.js";
import * as schema from "./db/schema.js";
import { HistoryWriter } from "./events/events.history.js";
import { createNetworkMetrics, type NetworkMetrics } from "./metrics.js";
import { listBindings } from "./nodes/bindings.store.js";
import { listNodesAcrossOrgs } from "./nodes/nodes.store.js";
import { NodeKeys } from "./sdn/keys.js";
import { NodeRegistry } from "./sdn/registry.js";
import { RoutingTables } from "./sdn/tables.js";

export type NetworkSchema = typeof schema;

/** The network's own node id: where its decisions happen in traces. */
export const NETWORK_NODE_ID = "service:network";

/** Everything the network's features need, built once at start (tests build it with their own config). */
export interface NetworkDeps {
  config: NetworkConfig;
  database: Database<NetworkSchema>;
  logger: Logger;
  /** The network's service login at identity (client credentials). */
  session: TokenSource;
  /** Verifies identity tokens (sockets and REST). */
  verifier: Verifier;
  /** Identity's API as the network service (entity directory bindings). */
  identity: IdentityClient;
  keys: NodeKeys;
  registry: NodeRegistry;
  tables: RoutingTables;
  /** Event ids seen at ingress (replay protection). */
  replays: ReplayCache;
  metrics: NetworkMetrics;
  /** The event history's writer (group commit). */
  history: HistoryWriter;
  /** The Socket.IO server, set by `createApp` once the server exists. */
  io: { current?: SocketServer };
  /** Ships request spans, a span per relay hop and warn+ log lines to logging (absent when disabled). */
  telemetry?: LoggingClient;
}

export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/**
 * Opens the database, syncs the default contracts (one transaction), loads the topology and the
 * routing tables, and logs in to identity (lazily: the network starts while identity is down).
 *
 * @throws DefaultContractsError when the defaults file is invalid.
 */
export async function buildDeps(config: NetworkConfig, overrides: Partial<Pick<NetworkDeps, "database" | "logger" | "session">> = {}): Promise<NetworkDeps> {
  const identityUrl = config.serviceUrls.identity;
  const session = overrides.session ?? loginAsService({ identityUrl, serviceId: "network", secret: config.serviceSecret });
  // Dropped telemetry batches are reported on a logger that is not itself shipped.
  const telemetry = createServiceTelemetry({ service: "network", env: config.env, config: config.telemetry, auth: session, report: createLogger({ service: "network", level: config.logLevel }) });
  const logger =
    overrides.logger ??
    createLogger({ service: "network", level: config.logLevel, ...(telemetry ? { destination: telemetryDestination(telemetry, { minLevel: config.telemetry.logLevel }) } : {}) });
  const database = overrides.database ?? (await createDatabase({ service: "network", schema, migrationsDir, config: config.database, logger }));
  const defaults = await loadDefaultContracts(config.defaultContractsPath);
  const synced = await database.withTransaction((tx) => syncDefaultContracts(tx, defaults));
  logger.info({ path: config.defaultContractsPath, upserted: synced.upserted, removed: synced.removed }, "default contracts synced");

  const verifier = createVerifier({ identityUrl, issuer: config.identityIssuer, auth: session, onError: (error) => logger.warn({ err: error.message }, "identity revocation feed unavailable") });

  const registry = new NodeRegistry();
  registry.load(await listNodesAcrossOrgs(database.db), await listBindings(database.db));
  const tables = new RoutingTables(database.db);
  await tables.refresh();

  return {
    config,
    database,
    logger,
    session,
    verifier,
    identity: new IdentityClient(identityUrl, session),
    keys: new NodeKeys(config.hashSecret),
    registry,
    tables,
    replays: new ReplayCache({ maxEntries: config.replayCacheMax }),
    metrics: createNetworkMetrics(),
    history: new HistoryWriter(database.db, logger),
    io: {},
    ...(telemetry ? { telemetry } : {}),
  };
}
