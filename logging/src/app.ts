import { createRequire } from "node:module";
import { createServer, type SymbiaServer } from "@symbia/http";
import { analysisRouter } from "./analysis/analysis.routes.js";
import type { LoggingDeps } from "./deps.js";
import { ingestRouter, otlpJsonOnly } from "./ingest/ingest.routes.js";
import { logsRouter } from "./logs/logs.routes.js";
import { metricsRouter } from "./metrics/metrics.routes.js";
import { objectsRouter } from "./objects/objects.routes.js";
import { startRetentionJob } from "./retention/retention.service.js";
import { retentionRouter } from "./retention/retention.routes.js";
import { tracesRouter } from "./traces/traces.routes.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Logging's HTTP server: ingest, queries, live tail, retention, analysis, and the retention job. */
export function createApp(deps: LoggingDeps): SymbiaServer {
  const server = createServer({
    service: "logging",
    version,
    description: "Logs, metrics, spans and objects of the whole stack: batched and OTLP ingest, queries and aggregations, trace trees, SSE live tail, retention, AI summaries.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: deps.authenticate,
    middleware: [otlpJsonOnly],
    routers: [ingestRouter(deps), logsRouter(deps), metricsRouter(deps), tracesRouter(deps), objectsRouter(deps), retentionRouter(deps), analysisRouter(deps)],
  });
  for (const metric of Object.values(deps.metrics)) server.metrics.registry.registerMetric(metric);
  const stopRetention = startRetentionJob(deps, deps.config.retentionIntervalMs);
  server.onShutdown("retention job", stopRetention);
  server.onShutdown("live tail", () => deps.tail.close());
  server.onShutdown("identity verifier", () => deps.close());
  return server;
}
