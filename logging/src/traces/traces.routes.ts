import { defineRouter, type ServiceRouter } from "@symbia/http";
import { SpanQuery, SpanRecord, TraceId, TraceView, pageOf } from "@symbia/logging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import { readScope } from "../access.js";
import type { LoggingDeps } from "../deps.js";
import { getTrace, listSpans } from "./traces.store.js";

/** Traces as span trees, and span queries. */
export function tracesRouter(deps: LoggingDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api", tag: "traces", description: "Spans and traces." });
  router.get("/traces/:traceId", { summary: "A trace as a span tree with durations and the services it crossed", params: z.object({ traceId: TraceId }), response: TraceView, entitlement: CAPABILITIES.logging.read }, async (req) => {
    const trace = await getTrace(deps.database.db, readScope(req), req.valid.params.traceId);
    if (!trace) throw new AppError("not_found", "trace not found");
    return trace;
  });
  router.get("/spans", { summary: "Spans by trace, run, service, name, kind, status, duration and time; newest first", query: SpanQuery, response: pageOf(SpanRecord), entitlement: CAPABILITIES.logging.read }, (req) =>
    listSpans(deps.database.db, readScope(req), req.valid.query),
  );
  return router;
}
