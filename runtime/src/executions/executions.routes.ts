import { currentContext, defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { RuntimeDeps } from "../deps.js";
import { createExecution } from "./executions.create.js";
import { injectValue } from "./executions.inject.js";
import {
  CreateExecutionBody,
  ExecutionMetricsSchema,
  ExecutionPage,
  ExecutionViewSchema,
  InjectAccepted,
  InjectBody,
  InjectQuery,
  ListExecutionsInput,
  OutputPage,
  OutputsQuery,
} from "./executions.schemas.js";

const IdParams = z.object({ id: z.uuid({ error: "an execution id is a UUID" }) });
const READ = CAPABILITIES.runtime.read;
const EXECUTE = CAPABILITIES.runtime.execute;

/** `/api/executions`: create, control, feed and read executions. Thin: every route calls `ExecutionService`. */
export function executionsRouter(deps: RuntimeDeps): ServiceRouter {
  const { executions } = deps;
  const router = defineRouter({ basePath: "/api/executions", tag: "executions", description: "Executions of graphs: state machine, inputs with backpressure, outputs and metrics." });

  router.get("/", { summary: "List the org's executions, newest first", query: ListExecutionsInput, response: ExecutionPage, entitlement: READ }, (req) => executions.list(scopeOf(req), req.valid.query));

  router.post(
    "/",
    { summary: "Create an execution from a posted graph or a catalog graph resource (optionally starting it)", body: CreateExecutionBody, response: ExecutionViewSchema, status: 201, entitlement: EXECUTE, errors: [409, 502, 503] },
    (req) => {
      const traceId = currentContext()?.traceId;
      return createExecution(deps, scopeOf(req), req.valid.body, traceId ? { traceId } : {});
    },
  );

  router.get("/:id", { summary: "An execution", params: IdParams, response: ExecutionViewSchema, entitlement: READ }, (req) => executions.get(scopeOf(req), req.valid.params.id));

  const control = (verb: "start" | "pause" | "resume" | "cancel" | "end", summary: string) =>
    router.post(`/:id/${verb}`, { summary, params: IdParams, response: ExecutionViewSchema, entitlement: EXECUTE, errors: [409, 503] }, (req) => executions[verb](scopeOf(req), req.valid.params.id));
  control("start", "Start (pending → running)");
  control("pause", "Pause: nothing flows; input queues up to its bound, then producers get 429 (or wait)");
  control("resume", "Resume: the queue drains in order");
  control("cancel", "Cancel (queued inputs are discarded and counted)");
  control("end", "Close the input: the execution completes once drained and flushed");

  router.post(
    "/:id/inject",
    {
      summary: "Offer a value to an input node: 202, or 429 with Retry-After when the queue is full (?wait=true waits for room, bounded)",
      params: IdParams,
      query: InjectQuery,
      body: InjectBody,
      response: InjectAccepted,
      status: 202,
      entitlement: EXECUTE,
      errors: [409, 413, 503],
    },
    (req, res) => {
      const gone = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) gone.abort();
      });
      return injectValue(executions, scopeOf(req), req.valid.params.id, req.valid.body, {
        wait: req.valid.query.wait,
        maxWaitMs: deps.config.injectWaitMaxMs,
        signal: gone.signal,
        ...(req.valid.query.timeoutMs !== undefined ? { timeoutMs: req.valid.query.timeoutMs } : {}),
      });
    },
  );

  router.get("/:id/outputs", { summary: "Kept outputs, oldest first, a page at a time", params: IdParams, query: OutputsQuery, response: OutputPage, entitlement: READ }, async (req) => {
    const all = await executions.outputs(scopeOf(req), req.valid.params.id);
    const after = req.valid.query.cursor === undefined ? -1 : Number(req.valid.query.cursor);
    const rest = all.filter((o) => o.index > after);
    const items = rest.slice(0, req.valid.query.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rest.length > items.length && last ? String(last.index) : null };
  });

  router.get("/:id/metrics", { summary: "Metrics: per node messages in/out, errors, queue depth, latency; queue and inputs", params: IdParams, response: ExecutionMetricsSchema, entitlement: READ }, async (req) => {
    const metrics = await executions.metrics(scopeOf(req), req.valid.params.id);
    if (!metrics) throw new AppError("not_found", "this execution has no metrics yet (it has not been started)");
    return metrics;
  });

  return router;
}
