import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { AssistantsDeps } from "../deps.js";
import { findRun, listRuns, listSteps, type RunRow, type RunStepRow } from "./runs.store.js";

/** The API view of a run (the checkpoint is shown: it is the run's own state). */
export function runView(r: RunRow) {
  return {
    id: r.id, orgId: r.orgId, assistant: r.assistantKey, assistantVersion: r.assistantVersion, agentId: r.agentId, kind: r.kind, trigger: r.trigger,
    conversationId: r.conversationId, messageId: r.messageId, eventId: r.eventId, traceId: r.traceId, status: r.status, error: r.error ?? null,
    owner: r.owner, resumedCount: r.resumedCount, checkpoint: r.checkpoint, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(), finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

function stepView(s: RunStepRow) {
  return { seq: s.seq, path: s.path, type: s.type, status: s.status, input: s.input, output: s.output, error: s.error, attempts: s.attempts, startedAt: s.startedAt.toISOString(), durationMs: s.durationMs };
}

const RunView = z.object({ id: z.string(), status: z.string() }).loose();
const Params = z.object({ id: z.string().regex(/^run_[0-9a-f-]{36}$/, "a run id is run_<uuid>") });

/** `/api/runs`: the org's runs and their logs. */
export function runsRouter(deps: AssistantsDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/runs", tag: "runs", description: "Runs of assistants: status, reason, checkpoint and the step log." });
  const entitlement = CAPABILITIES.assistants.read;
  router.get(
    "/",
    {
      summary: "The org's runs, newest first",
      query: z.object({
        status: z.enum(["running", "completed", "failed", "cancelled"]).optional(),
        assistant: z.string().min(1).max(300).optional(),
        conversationId: z.string().min(1).max(100).optional(),
        messageId: z.string().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: z.object({ items: z.array(RunView) }),
      entitlement,
    },
    async (req) => ({ items: (await listRuns(deps.database, scopeOf(req).orgId, req.valid.query)).map(runView) }),
  );
  router.get("/:id", { summary: "One run", params: Params, response: RunView, entitlement }, async (req) => {
    const run = await findRun(deps.database, scopeOf(req).orgId, req.valid.params.id);
    if (!run) throw new AppError("not_found", "run not found");
    return runView(run);
  });
  router.get("/:id/steps", { summary: "The run log: every action or node with input, output, timings and status", params: Params, response: z.object({ items: z.array(z.object({ seq: z.number() }).loose()) }), entitlement }, async (req) => {
    const run = await findRun(deps.database, scopeOf(req).orgId, req.valid.params.id);
    if (!run) throw new AppError("not_found", "run not found");
    return { items: (await listSteps(deps.database, run.id)).map(stepView) };
  });
  return router;
}
