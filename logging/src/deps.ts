import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Authenticator, type Logger } from "@symbia/http";
import { createVerifier, loginAsService } from "@symbia/id";
import { Counter, Gauge } from "prom-client";
import { integrationsLlm, type LlmClient } from "./analysis/llm.js";
import type { LoggingConfig } from "./config.js";
import * as schema from "./db/schema.js";
import { TailHub } from "./tail/tail.hub.js";

export type LoggingSchema = typeof schema;

/** Logging's own Prometheus metrics (registered on the server's registry by `createApp`). */
export interface LoggingMetrics {
  ingested: Counter<"kind">;
  retentionDeleted: Counter<"kind">;
  tailClients: Gauge;
  tailDropped: Counter;
  analyses: Counter<"mode">;
}

/** Creates logging's metrics, not yet registered anywhere. */
export function createLoggingMetrics(): LoggingMetrics {
  return {
    ingested: new Counter({ name: "logging_ingested_rows_total", help: "Rows stored by ingest, by kind (retried duplicates not counted)", labelNames: ["kind"] as const, registers: [] }),
    retentionDeleted: new Counter({ name: "logging_retention_deleted_rows_total", help: "Rows deleted by the retention job, by kind", labelNames: ["kind"] as const, registers: [] }),
    tailClients: new Gauge({ name: "logging_tail_clients", help: "Connected live-tail clients", registers: [] }),
    tailDropped: new Counter({ name: "logging_tail_dropped_total", help: "Live-tail clients dropped for not keeping up", registers: [] }),
    analyses: new Counter({ name: "logging_analyses_total", help: "AI analyses answered, by mode", labelNames: ["mode"] as const, registers: [] }),
  };
}

/** Everything logging's features need, built once at start (tests build it with their own parts). */
export interface LoggingDeps {
  config: LoggingConfig;
  database: Database<LoggingSchema>;
  logger: Logger;
  /** Turns credentials into a principal (identity's verifier). */
  authenticate: Authenticator;
  /** The LLM behind the analysis routes (integrations). */
  llm: LlmClient;
  tail: TailHub;
  metrics: LoggingMetrics;
  /** Released at shutdown (the verifier's revocation polling). */
  close(): void;
}

export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/**
 * Opens the database and wires identity (logging's service-principal login and the token
 * verifier: JWKS, revocation feed, API-key introspection), integrations and the live tail.
 * `overrides` replace parts in tests.
 */
export async function buildDeps(config: LoggingConfig, overrides: Partial<Pick<LoggingDeps, "database" | "logger" | "authenticate" | "llm">> = {}): Promise<LoggingDeps> {
  const logger = overrides.logger ?? createLogger({ service: "logging", level: config.logLevel });
  const database = overrides.database ?? (await createDatabase({ service: "logging", schema, migrationsDir, config: config.database, logger }));
  const session = loginAsService({ identityUrl: config.identityUrl, serviceId: "logging", secret: config.serviceSecret });
  let warned = 0;
  const verifier = overrides.authenticate
    ? undefined
    : createVerifier({
        identityUrl: config.identityUrl,
        issuer: config.identityIssuer,
        auth: session,
        onError: (error) => {
          // Identity down: tokens keep verifying locally; say so at most once a minute.
          if (Date.now() - warned > 60_000) logger.warn({ err: error.message }, "identity revocation feed unreachable");
          warned = Date.now();
        },
      });
  const metrics = createLoggingMetrics();
  const tail = new TailHub({
    maxBufferBytes: config.tailMaxBufferBytes,
    maxClients: config.tailMaxClients,
    keepAliveMs: config.tailKeepAliveMs,
    logger,
    onChange: (event, clients) => {
      metrics.tailClients.set(clients);
      if (event === "dropped") metrics.tailDropped.inc();
    },
  });
  return {
    config,
    database,
    logger,
    authenticate: overrides.authenticate ?? verifier!.authenticate,
    llm: overrides.llm ?? integrationsLlm({ url: config.integrationsUrl, auth: session, timeoutMs: config.analysisTimeoutMs }),
    tail,
    metrics,
    close: () => verifier?.close(),
  };
}
