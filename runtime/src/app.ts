import { createRequire } from "node:module";
import { createServer, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import { componentsRouter } from "./components/components.routes.js";
import type { RuntimeDeps } from "./deps.js";
import { executionsRouter } from "./executions/executions.routes.js";
import { graphsRouter } from "./graphs/graphs.routes.js";
import { ExecutionMonitor } from "./monitoring/execution-monitor.js";
import { monitoringSocketEvents } from "./monitoring/monitoring.sockets.js";
import { registerRuntimeMetrics } from "./monitoring/prometheus.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** A runtime server and its monitor. */
export interface RuntimeApp {
  server: SymbiaServer;
  monitor: ExecutionMonitor;
}

/**
 * Runtime's HTTP and Socket.IO server: graph validation, executions, components, the monitoring
 * rooms, Prometheus metrics of the engine, identity's verifier in the auth slot, identity and
 * catalog in readiness. At shutdown the engine checkpoints and lets go of its live executions
 * (the next start resumes them), then telemetry is flushed.
 */
export function createApp(deps: RuntimeDeps): RuntimeApp {
  const monitor = new ExecutionMonitor(deps.executions, { emissionsPerSecond: deps.config.socketEmissionsPerSecond, logger: deps.logger });
  const reachable = (base: string, path: string) => async () => {
    const res = await fetch(new URL(path, base), { signal: AbortSignal.timeout(1_500) });
    if (!res.ok) throw new Error(`answered ${res.status}`);
  };
  const server = createServer({
    service: "runtime",
    version,
    description: "Dataflow graphs of typed components: validation, executions with backpressure, live monitoring over Socket.IO, per-execution metrics.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: deps.verifier.authenticate,
    ...(deps.shipped ? { telemetry: requestTelemetry(deps.shipped) } : {}),
    readiness: {
      identity: reachable(deps.config.serviceUrls.identity, "/.well-known/jwks.json"),
      catalog: reachable(deps.catalog.baseUrl, "/health/live"),
    },
    tags: [
      { name: "graphs", description: "Graph validation" },
      { name: "executions", description: "Executions: create, control, inject, outputs, metrics" },
      { name: "components", description: "Built-in component manifests and their catalog resources" },
    ],
    routers: [graphsRouter(deps), executionsRouter(deps), componentsRouter(deps)],
    sockets: {
      events: monitoringSocketEvents(monitor),
      onConnection: (socket) => {
        let rooms: string[] = [];
        socket.on("disconnecting", () => (rooms = [...socket.rooms]));
        socket.on("disconnect", () => monitor.socketLeft(rooms));
      },
    },
  });
  monitor.attach(server.io!);
  registerRuntimeMetrics(server.metrics.registry, deps.executions, monitor);
  server.onShutdown("executions", () => deps.executions.suspend());
  server.onShutdown("verifier", () => deps.verifier.close());
  server.onShutdown("telemetry", () => deps.telemetry.flush(), "telemetry");
  if (deps.shipped) attachTelemetry(server, deps.shipped);
  return { server, monitor };
}

/**
 * Resumes the executions that were live when the service last stopped, from their checkpoints
 * (before listening, so the first requests find them).
 */
export async function resumeExecutions(deps: RuntimeDeps): Promise<{ resumed: string[]; failed: string[] }> {
  const result = await deps.executions.resumeAll();
  if (result.resumed.length || result.failed.length) deps.logger.info({ resumed: result.resumed.length, failed: result.failed.length }, "executions resumed");
  return result;
}

/** Builds the app, resumes live executions, then listens (what `index.ts` does, for tests). Resolves with the bound port. */
export async function startApp(deps: RuntimeDeps, listen: { port?: number; host?: string } = {}): Promise<RuntimeApp & { port: number; resumed: { resumed: string[]; failed: string[] } }> {
  const app = createApp(deps);
  const resumed = await resumeExecutions(deps);
  const port = await app.server.listen(listen.port, listen.host);
  return { ...app, port, resumed };
}
