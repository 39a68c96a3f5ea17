import { defineRouter, type ServiceRouter } from "@symbia/http";
import { AggregateQuery, AggregateResult, MetricQuery, MetricRecord, pageOf } from "@symbia/logging-client";
import { CAPABILITIES } from "@symbia/sys";
import { readScope } from "../access.js";
import type { LoggingDeps } from "../deps.js";
import { aggregateMetrics, listMetrics } from "./metrics.store.js";

/** Metric points and their aggregations. */
export function metricsRouter(deps: LoggingDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/metrics", tag: "metrics", description: "Metric points and aggregations over time buckets." });
  router.get("/", { summary: "Metric points by name, service, env, time and labels (label.<key>=value); newest first", query: MetricQuery, response: pageOf(MetricRecord), entitlement: CAPABILITIES.logging.read }, (req) =>
    listMetrics(deps.database.db, readScope(req), req.valid.query),
  );
  router.get(
    "/aggregate",
    { summary: "avg/sum/min/max/count of a metric over epoch-aligned time buckets, one series per groupBy label combination", query: AggregateQuery, response: AggregateResult, entitlement: CAPABILITIES.logging.read },
    (req) => aggregateMetrics(deps.database.db, readScope(req), req.valid.query),
  );
  return router;
}
