import { defineRouter, type ServiceRouter } from "@symbia/http";
import { AnalysisResult, InvestigateBody, SummarizeBody } from "@symbia/logging-client";
import { CAPABILITIES } from "@symbia/sys";
import { readScope } from "../access.js";
import type { LoggingDeps } from "../deps.js";
import { analyze } from "./analysis.service.js";

/** AI summaries and investigations of what the requester may read. */
export function analysisRouter(deps: LoggingDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/analysis", tag: "analysis", description: "LLM summaries of logs and spans, through integrations, citing evidence ids." });
  const limit = { points: 30, durationSeconds: 60, key: "principal" as const };
  router.post("/summarize", { summary: "Summarize the logs and spans of a time range, trace or run, citing evidence ids", body: SummarizeBody, response: AnalysisResult, entitlement: CAPABILITIES.logging.read, rateLimit: limit, errors: [502, 503, 504] }, (req) =>
    analyze(deps, readScope(req), req.valid.body),
  );
  router.post("/investigate", { summary: "Answer a question about a time range, trace or run from its logs and spans, citing evidence ids", body: InvestigateBody, response: AnalysisResult, entitlement: CAPABILITIES.logging.read, rateLimit: limit, errors: [502, 503, 504] }, (req) =>
    analyze(deps, readScope(req), req.valid.body),
  );
  return router;
}
