import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Authenticator, type Logger } from "@symbia/http";
import { createVerifier, loginAsService, type LoginSession } from "@symbia/id";
import { createServiceTelemetry, telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import type { AssistantsConfig } from "./config.js";
import * as schema from "./db/schema.js";
import { createCodeTools, type CodeTools } from "./tools/code-tools.js";
import { recordAudit } from "./workspaces/workspaces.service.js";

export type AssistantsSchema = typeof schema;
/** The service's drizzle-kit migrations. */
export const migrationsDir = fileURLToPath(new URL("./db/migrations", import.meta.url));

/** Everything the service's features need, built once at start (tests build it with their own config). */
export interface AssistantsDeps {
  config: AssistantsConfig;
  database: Database<AssistantsSchema>;
  logger: Logger;
  /** The auth slot of @symbia/http: identity's verifier. */
  authenticate: Authenticator;
  /** The service's own login at identity (null without ASSISTANTS_SERVICE_SECRET). */
  session: LoginSession | null;
  /** Code tools in isolated workspaces. */
  codeTools: CodeTools;
  /** Ships request spans and warn+ log lines to logging (absent when disabled or without a secret). */
  telemetry?: LoggingClient;
  /** Stops background work (revocation feed). */
  close(): Promise<void>;
}

/** Parts tests may supply instead of the ones built from the configuration. */
export interface DepsOverrides {
  database?: Database<AssistantsSchema>;
  logger?: Logger;
}

/** Opens the database (migrations applied), logs in at identity, builds the verifier and the code tools. */
export async function buildDeps(config: AssistantsConfig, overrides: DepsOverrides = {}): Promise<AssistantsDeps> {
  const identityUrl = config.serviceUrls.identity;
  const session = config.serviceSecret ? loginAsService({ identityUrl, serviceId: "assistants", secret: config.serviceSecret }) : null;
  const telemetry = createServiceTelemetry({ service: "assistants", env: config.env, config: config.telemetry, auth: session ?? undefined, report: createLogger({ service: "assistants", level: config.logLevel }) });
  const logger =
    overrides.logger ??
    createLogger({ service: "assistants", level: config.logLevel, ...(telemetry ? { destination: telemetryDestination(telemetry, { minLevel: config.telemetry.logLevel }) } : {}) });
  const database = overrides.database ?? (await createDatabase({ service: "assistants", schema, migrationsDir, config: config.database, logger }));
  if (!session) logger.warn("ASSISTANTS_SERVICE_SECRET is not set: no catalog loading, no relay, no integrations or messaging calls");
  let lastFeedWarning = 0;
  const verifier = createVerifier({
    identityUrl,
    issuer: config.identityIssuer,
    ...(session ? { auth: session } : {}),
    onError: (error) => {
      if (Date.now() - lastFeedWarning < 60_000) return;
      lastFeedWarning = Date.now();
      logger.warn({ err: error.message }, "identity's revocation feed is unreachable");
    },
  });
  const deps: AssistantsDeps = {
    config,
    database,
    logger,
    authenticate: verifier.authenticate,
    session,
    codeTools: undefined as unknown as CodeTools,
    ...(telemetry ? { telemetry } : {}),
    async close() {
      verifier.close();
    },
  };
  deps.codeTools = await createCodeTools({ workspacesDir: config.workspacesDir, bashEnabled: config.bashEnabled, onAudit: (record) => recordAudit(deps, record) });
  return deps;
}
