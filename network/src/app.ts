import { createRequire } from "node:module";
import { createServer, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import { contractsRouter } from "./contracts/contracts.routes.js";
import type { NetworkDeps } from "./deps.js";
import { eventsRouter } from "./events/events.routes.js";
import { nodesRouter } from "./nodes/nodes.routes.js";
import { sweep } from "./nodes/nodes.service.js";
import { networkSocketEvents, onNetworkConnection } from "./nodes/nodes.sockets.js";
import { platformRouter } from "./platform/platform.routes.js";
import { policiesRouter } from "./policies/policies.routes.js";
import { sdnRouter } from "./sdn/sdn.routes.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/**
 * The network's server: REST routers, the Socket.IO node protocol, the liveness sweep and the
 * routing-table refresh. Timers stop and the identity verifier closes at shutdown.
 */
export function createApp(deps: NetworkDeps): SymbiaServer {
  const server = createServer({
    service: "network",
    version,
    description: "The software-defined network of Symbia: nodes, contracts, policies, HMAC-signed events, entity bindings, traces.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: deps.verifier.authenticate,
    ...(deps.telemetry ? { telemetry: requestTelemetry(deps.telemetry) } : {}),
    routers: [contractsRouter(deps), policiesRouter(deps), sdnRouter(deps), eventsRouter(deps), nodesRouter(deps), platformRouter(deps)],
    sockets: { events: networkSocketEvents(deps), auth: "required", onConnection: onNetworkConnection(deps) },
    readiness: {
      identity: async () => {
        const res = await fetch(`${deps.config.serviceUrls.identity}/health/live`, { signal: AbortSignal.timeout(1_500) });
        if (!res.ok) throw new Error(`identity answered ${res.status}`);
      },
    },
  });
  deps.io.current = server.io;
  deps.metrics.register(server.metrics.registry);

  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweep(deps)
      .catch((error: Error) => deps.logger.error({ err: error }, "liveness sweep failed"))
      .finally(() => (sweeping = false));
  }, deps.config.sweepIntervalMs);
  sweepTimer.unref();
  const refreshTimer = setInterval(() => void deps.tables.refresh().catch((error: Error) => deps.logger.error({ err: error }, "routing tables refresh failed")), deps.config.tablesRefreshMs);
  refreshTimer.unref();

  if (deps.telemetry) attachTelemetry(server, deps.telemetry);
  server.onShutdown("network timers and history", async () => {
    clearInterval(sweepTimer);
    clearInterval(refreshTimer);
    deps.verifier.close();
    await deps.history.flush();
  });
  return server;
}
