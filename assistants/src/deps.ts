import { fileURLToPath } from "node:url";
import { createDatabase, type Database } from "@symbia/db";
import { createLogger, type Authenticator, type Logger } from "@symbia/http";
import { createVerifier, loginAsService, type LoginSession } from "@symbia/id";
import { createServiceTelemetry, telemetryDestination, type LoggingClient } from "@symbia/logging-client";
import { CatalogClient, CatalogResourceEventData, RESOURCE_YANKED } from "@symbia/catalog-client";
import { AssistantOutboundEvent } from "@symbia/messaging-client";
import { connectRelay, defineHandler, type RelayClient } from "@symbia/relay";
import { IdentityClient } from "@symbia/id";
import { z } from "zod";
import { AssistantRegistry } from "./assistants/assistants.service.js";
import { startCatalogLoader } from "./catalog/catalog-loader.js";
import type { AssistantsConfig } from "./config.js";
import { handleBusEvent } from "./events/events.service.js";
import { ActiveRuns } from "./runs/active-runs.js";
import { createOutlet, type Outlet } from "./runs/outlet.js";
import { recoverRuns } from "./runs/recovery.js";
import { renewLeases } from "./runs/runs.store.js";
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
  /** Loaded assistants (shared through the database). */
  registry: AssistantRegistry;
  /** Runs executing in this process. */
  activeRuns: ActiveRuns;
  /** Events to messaging (relay, else HTTP). */
  outlet: Outlet;
  /** The relay node `service:assistants` (absent when disabled or without a service secret). */
  relay?: RelayClient;
  /** Starts background work once the server listens: catalog loading, run recovery, lease renewal. */
  start(): Promise<void>;
  /** Reloads assistants from catalog now (no-op without catalog). */
  reloadCatalog(): Promise<void>;
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
  const timers: NodeJS.Timeout[] = [];
  let loader: ReturnType<typeof startCatalogLoader> | null = null;
  const busHandler = defineHandler(z.unknown(), async (envelope) => {
    const parsed = AssistantOutboundEvent.safeParse(envelope.data);
    if (!parsed.success) throw new Error(`invalid messaging event: ${parsed.error.issues[0]?.message ?? "?"}`);
    await handleBusEvent(deps, parsed.data);
  });
  const relay =
    config.relayEnabled && session
      ? connectRelay({
          networkUrl: config.serviceUrls.network,
          nodeId: "service:assistants",
          type: "service",
          name: "assistants",
          credentials: session,
          capabilities: ["message.response", "message.stream.start", "message.stream.chunk", "message.stream.end", "assistant.intent.claim", "assistant.intent.defer"],
          handlers: {
            "message.new": busHandler,
            "message.control": busHandler,
            // Catalog's version events: reload assistants; a yanked loaded version is unloaded first.
            "catalog.resource.*": defineHandler(z.unknown(), async (envelope) => {
              const data = CatalogResourceEventData.safeParse(envelope.data);
              if (!data.success || data.data.type !== "assistant") return;
              const loaded = deps.registry.find(data.data.orgId, data.data.key);
              if (envelope.type === RESOURCE_YANKED && loaded?.version === data.data.version) await deps.registry.unload(data.data.orgId, data.data.key);
              await deps.reloadCatalog();
            }),
          },
          logger,
          autoStart: false,
        })
      : undefined;
  const deps: AssistantsDeps = {
    config,
    database,
    logger,
    authenticate: verifier.authenticate,
    session,
    codeTools: undefined as unknown as CodeTools,
    registry: new AssistantRegistry({ database, logger }),
    activeRuns: new ActiveRuns(),
    outlet: createOutlet({ messagingUrl: config.serviceUrls.messaging, auth: session, ...(relay ? { relay } : {}), logger }),
    ...(relay ? { relay } : {}),
    ...(telemetry ? { telemetry } : {}),
    async start() {
      await deps.registry.refresh();
      if (config.catalogEnabled && session) {
        loader = startCatalogLoader({
          catalog: new CatalogClient({ baseUrl: config.serviceUrls.catalog, token: session }),
          identity: new IdentityClient(identityUrl, session),
          registry: deps.registry,
          logger,
          pollMs: config.catalogPollMs,
        });
        await loader.ready;
      }
      const recover = () => recoverRuns(deps).catch((error) => logger.error({ err: error }, "run recovery failed"));
      await recover();
      if (config.recoveryIntervalMs > 0) timers.push(setInterval(() => void recover(), config.recoveryIntervalMs));
      timers.push(setInterval(() => void renewLeases(database, deps.activeRuns.ids(), config.instanceId, config.runLeaseMs).catch(() => undefined), Math.max(200, Math.floor(config.runLeaseMs / 3))));
      // Other processes install versions too: keep this one's view fresh.
      timers.push(setInterval(() => void deps.registry.refresh().catch(() => undefined), Math.max(1_000, config.catalogPollMs || 30_000)));
      for (const t of timers) t.unref();
    },
    async reloadCatalog() {
      await loader?.reload();
    },
    async close() {
      for (const t of timers) clearInterval(t);
      loader?.stop();
      const cancelled = deps.activeRuns.cancelAll("shutdown");
      if (cancelled) logger.warn({ cancelled }, "runs still executing at shutdown were cancelled");
      verifier.close();
    },
  };
  deps.codeTools = await createCodeTools({ workspacesDir: config.workspacesDir, bashEnabled: config.bashEnabled, onAudit: (record) => recordAudit(deps, record) });
  return deps;
}
