import { defineRouter, type ServiceRouter } from "@symbia/http";
import { IngestBody, IngestResult, LogInput, MetricInput, MixedIngestResult, ObjectInput, SpanInput, batchOf } from "@symbia/logging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import type { RequestHandler } from "express";
import { z } from "zod";
import { batchOrg } from "../access.js";
import type { LoggingDeps } from "../deps.js";
import { ingest } from "./ingest.service.js";
import { logsFromOtlp, OtlpLogsBody, OtlpTraceBody, spansFromOtlp } from "./otlp.js";

const write = CAPABILITIES.logging.write;
const OtlpResponse = z.object({ partialSuccess: z.object({}) });

/**
 * Ingest routes: a mixed batch (what `@symbia/logging-client` sends), one batch per kind, and
 * OTLP/HTTP JSON for traces and logs. Items without an `orgId` go to the batch's org (`X-Org-Id`,
 * else the principal's first org, else the platform org for services).
 */
export function ingestRouter(deps: LoggingDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/", tag: "ingest", description: "Batched ingest of logs, metrics, spans and objects; OTLP/HTTP JSON." });
  router.post("/api/ingest", { summary: "Ingest a mixed batch of logs, metrics, spans and objects", body: IngestBody, response: MixedIngestResult, status: 201, entitlement: write, errors: [413] }, async (req) => {
    const { accepted } = await ingest(deps, req.principal!, batchOrg(req), req.valid.body);
    return { accepted };
  });
  const kinds = [
    ["logs", LogInput, "Ingest a batch of log lines"],
    ["metrics", MetricInput, "Ingest a batch of metric points"],
    ["spans", SpanInput, "Ingest a batch of finished spans (GenAI attribute names for LLM calls)"],
    ["objects", ObjectInput, "Ingest a batch of object metadata (name, size, digest, location, owner)"],
  ] as const;
  for (const [kind, schema, summary] of kinds) {
    router.post(`/api/${kind}`, { summary, body: batchOf(schema as z.ZodType), response: IngestResult, status: 201, entitlement: write, errors: [413] }, async (req) => {
      const { accepted, ids } = await ingest(deps, req.principal!, batchOrg(req), { [kind]: (req.valid.body as { items: never[] }).items });
      return { accepted: accepted[kind], ids: ids[kind] };
    });
  }
  router.post("/v1/traces", { summary: "OTLP/HTTP JSON trace export (ExportTraceServiceRequest)", body: OtlpTraceBody, response: OtlpResponse, entitlement: write, errors: [413, 415] }, async (req) => {
    const spans = spansFromOtlp(req.valid.body);
    if (spans.length) await ingest(deps, req.principal!, batchOrg(req), { spans });
    return { partialSuccess: {} };
  });
  router.post("/v1/logs", { summary: "OTLP/HTTP JSON logs export (ExportLogsServiceRequest)", body: OtlpLogsBody, response: OtlpResponse, entitlement: write, errors: [413, 415] }, async (req) => {
    const logs = logsFromOtlp(req.valid.body);
    if (logs.length) await ingest(deps, req.principal!, batchOrg(req), { logs });
    return { partialSuccess: {} };
  });
  return router;
}

/** OTLP exporters may send protobuf; only the JSON encoding is served here (415 otherwise). */
export const otlpJsonOnly: RequestHandler = (req, _res, next) => {
  if (req.method === "POST" && (req.path === "/v1/traces" || req.path === "/v1/logs") && !req.is("application/json")) {
    return next(new AppError("unsupported_media_type", "OTLP/HTTP is served as JSON only: send Content-Type: application/json (protobuf is not accepted)"));
  }
  next();
};
