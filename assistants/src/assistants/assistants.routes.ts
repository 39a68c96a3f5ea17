import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { issuesFromZod as httpIssues, validationError } from "@symbia/http";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { AssistantsDeps } from "../deps.js";
import { graphDigest, validateGraph } from "../graphs/index.js";
import { evaluateRuleSet, RuleEvent, unwrapValidation, validateRuleSet } from "../rules/index.js";
import { newRunId, startRun } from "../runs/runner.js";
import { runView } from "../runs/runs.routes.js";
import { findRun } from "../runs/runs.store.js";
import { assistantView, getAssistant } from "./assistants.service.js";

const AssistantViewSchema = z.object({ key: z.string(), status: z.string() }).loose();

function findIn(deps: AssistantsDeps, orgId: string, ref: string) {
  return deps.registry.find(orgId, ref) ?? deps.registry.find(orgId, `assistants/${ref}`) ?? getAssistant(deps.registry, orgId, ref);
}

/** `/api/assistants`: the org's loaded assistants. */
export function assistantsRouter(deps: AssistantsDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/assistants", tag: "assistants", description: "Assistants loaded from catalog: version, agent principal, alias, status and validation issues." });
  const entitlement = CAPABILITIES.assistants.read;
  router.get("/", { summary: "The org's assistants", response: z.object({ items: z.array(AssistantViewSchema) }), entitlement }, (req) => ({
    items: deps.registry.list(scopeOf(req).orgId).map(assistantView),
  }));
  router.get(
    "/:ref",
    { summary: "One assistant by key (URL-encoded, e.g. assistants%2Fhelper), name, alias or agent id", params: z.object({ ref: z.string().min(1).max(300) }), response: AssistantViewSchema, entitlement },
    (req) => assistantView(findIn(deps, scopeOf(req).orgId, req.valid.params.ref)),
  );
  return router;
}

/** `POST /api/rules/test`: evaluates a rule set against an event, without side effects. */
export function rulesRouter(_deps: AssistantsDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/rules", tag: "rules", description: "Rule sets: validation and dry runs." });
  router.post(
    "/test",
    {
      summary: "Validate a rule set and evaluate it against an event: matched rules, justifications, the actions that would run (nothing runs)",
      // The event is checked against RuleEvent in the handler (its recursive JSON fields do not render in OpenAPI).
      body: z.strictObject({ ruleSet: z.unknown(), event: z.record(z.string(), z.unknown()) }),
      response: z.object({ matched: z.array(z.string()) }).loose(),
      entitlement: CAPABILITIES.assistants.read,
    },
    (req) => {
      const ruleSet = unwrapValidation(validateRuleSet(req.valid.body.ruleSet), "ruleSet");
      const event = RuleEvent.safeParse(req.valid.body.event);
      if (!event.success) throw validationError(httpIssues(event.error, "body.event"));
      return evaluateRuleSet(ruleSet, event.data);
    },
  );
  return router;
}

/** `/api/graphs`: prompt-graph validation and runs. */
export function graphsRouter(deps: AssistantsDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/graphs", tag: "graphs", description: "Prompt graphs: validation and runs." });
  router.post(
    "/validate",
    { summary: "Validate a prompt graph: issues with paths, or its digest and topological order", body: z.strictObject({ graph: z.unknown() }), response: z.object({ ok: z.boolean() }).loose(), entitlement: CAPABILITIES.assistants.read },
    (req) => {
      const result = validateGraph(req.valid.body.graph);
      if (!result.ok) return { ok: false, issues: result.issues };
      return { ok: true, digest: graphDigest(result.value.graph), nodes: result.value.graph.nodes.length, edges: result.value.graph.edges.length };
    },
  );
  router.post(
    "/run",
    {
      summary: "Run an assistant's prompt graph (as its agent, with real effects) on an input; wait: true answers when it ended",
      description: "The run is durable (checkpoints after every node; resumed after a crash). 409 when the assistant has no graph or is not active.",
      body: z.strictObject({
        assistant: z.string().min(1).max(300),
        input: z.unknown().optional(),
        conversationId: z.uuid().optional(),
        context: z.record(z.string(), z.unknown()).optional(),
        wait: z.boolean().default(false),
      }),
      response: z.object({ id: z.string(), status: z.string() }).loose(),
      status: 201,
      entitlement: CAPABILITIES.assistants.run,
      errors: [409],
    },
    async (req) => {
      const scope = scopeOf(req);
      const body = req.valid.body;
      const assistant = findIn(deps, scope.orgId, body.assistant);
      if (assistant.status !== "active") throw new AppError("conflict", `assistant ${assistant.key} is ${assistant.status}`);
      if (!assistant.graph) throw new AppError("conflict", `assistant ${assistant.key} has no prompt graph`);
      const runScope = {
        event: { id: `graph-run:${Date.now()}`, type: "custom", name: "graph.run", source: scope.principalId, timestamp: new Date().toISOString(), data: { input: body.input ?? null } },
        user: { id: scope.principalId, type: scope.principalType, orgId: scope.orgId },
        ...(body.conversationId ? { conversation: { id: body.conversationId, orgId: scope.orgId } } : {}),
        context: body.context ?? {},
        message: { content: typeof body.input === "string" ? body.input : JSON.stringify(body.input ?? null) },
      };
      const { run, done } = await startRun(deps, {
        runId: newRunId(), assistant, kind: "graph", trigger: "graph.run", scope: runScope, conversationId: body.conversationId, traceId: req.get("x-trace-id") ?? `trace-${run_suffix()}`,
      });
      if (body.wait) await done;
      return runView((await findRun(deps.database, scope.orgId, run.id))!);
    },
  );
  return router;
}

function run_suffix(): string {
  return crypto.randomUUID().replace(/-/g, "");
}
