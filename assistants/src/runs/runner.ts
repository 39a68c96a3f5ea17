import { randomBytes } from "node:crypto";
import { AppError } from "@symbia/sys";
import { executeActions, type Action, type ActionRecord, type ActionScopeInput } from "../actions/index.js";
import type { LoadedAssistant } from "../assistants/assistants.service.js";
import { getConversation, saveConversation } from "../conversations/conversations.store.js";
import { canTransition, type ConversationState } from "../conversations/state.js";
import type { AssistantsDeps } from "../deps.js";
import { executeGraph, resumeGraphRun, type GraphRunState } from "../graphs/index.js";
import { ActiveRun } from "./active-runs.js";
import { createRunEffects } from "./effects.js";
import { checkpointRun, finishRun, insertRun, insertStep, type RunRow } from "./runs.store.js";

/** What a run starts from: the event scope its actions and templates see. */
export interface RunScope {
  event: Record<string, unknown>;
  message?: Record<string, unknown>;
  user?: Record<string, unknown>;
  conversation?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

/** The checkpoint column of a run: enough to resume or explain it. */
export interface RunCheckpoint extends Record<string, unknown> {
  scope: RunScope;
  /** Rules runs: the actions chosen by the rule engine, with their rule ids. */
  actions?: Array<{ ruleId: string; action: Action }>;
  /** Rules runs: how many action records were written. */
  records?: number;
  lastPath?: string;
  /** Graph runs: the graph run state after the latest node start or end. */
  graph?: GraphRunState;
}

/** Input of {@link startRun}. */
export interface StartRunInput {
  runId: string;
  assistant: LoadedAssistant;
  kind: "rules" | "graph";
  trigger: string;
  scope: RunScope;
  actions?: Array<{ ruleId: string; action: Action }>;
  conversationId?: string | undefined;
  messageId?: string | undefined;
  eventId?: string | undefined;
  traceId: string;
}

const newSpanId = () => randomBytes(8).toString("hex");

function spanTraceId(traceId: string): string {
  return /^[A-Za-z0-9._-]{8,64}$/.test(traceId) ? traceId : randomBytes(16).toString("hex");
}

/** Generates a run id (`run_<uuid>`). */
export function newRunId(): string {
  return `run_${crypto.randomUUID()}`;
}

/**
 * Records a run in the database and executes it in the background (this process owns it and
 * renews its lease). Returns the stored row and a promise of the end of the execution.
 */
export async function startRun(deps: AssistantsDeps, input: StartRunInput): Promise<{ run: RunRow; done: Promise<void> }> {
  const checkpoint: RunCheckpoint = { scope: input.scope, ...(input.actions ? { actions: input.actions, records: 0 } : {}) };
  const run = await insertRun(deps.database, {
    id: input.runId, orgId: input.assistant.orgId, assistantKey: input.assistant.key, assistantVersion: input.assistant.version, agentId: input.assistant.agentId,
    kind: input.kind, trigger: input.trigger, conversationId: input.conversationId ?? null, messageId: input.messageId ?? null, eventId: input.eventId ?? null,
    traceId: input.traceId, checkpoint, owner: deps.config.instanceId, leaseMs: deps.config.runLeaseMs,
  });
  return { run, done: executeRun(deps, run, input.assistant) };
}

/**
 * Executes (or resumes) a stored run this process owns: rules runs execute their actions, graph
 * runs execute the prompt graph — from `checkpoint.graph` when there is one (a resume: finished
 * nodes are not run again). Every action or node end writes a run step and a checkpoint. The
 * conversation goes `ai_active` while the run works and `waiting_for_user` after it. Never throws:
 * failures end the run as `failed` with the reason.
 */
export async function executeRun(deps: AssistantsDeps, run: RunRow, assistant: LoadedAssistant): Promise<void> {
  const checkpoint = run.checkpoint as RunCheckpoint;
  const integrationsCancel = (reason: string) => {
    void (async () => {
      if (!deps.session) return;
      await fetch(`${deps.config.serviceUrls.integrations}/api/integrations/runs/${encodeURIComponent(run.id)}/cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${await deps.session.getToken()}`, "x-trace-id": run.traceId, "content-type": "application/json" },
        body: "{}",
        signal: AbortSignal.timeout(5_000),
      }).catch((error: Error) => deps.logger.warn({ runId: run.id, err: error.message }, "could not cancel the run at integrations"));
      deps.logger.info({ runId: run.id, reason }, "run cancelled");
    })();
  };
  const active = new ActiveRun(run.id, run.orgId, run.conversationId, run.assistantKey, run.messageId, integrationsCancel);
  deps.activeRuns.add(active);
  const traceId = spanTraceId(run.traceId);
  const runSpan = newSpanId();
  const runStarted = new Date();
  const agent = { id: assistant.agentId, type: "agent" as const, entityId: assistant.agentEntityId ?? "" };
  const effects = createRunEffects(deps, { run: active, assistant, agent, orgId: run.orgId, traceId: run.traceId, triggerMessageId: run.messageId ?? undefined });
  const span = (name: string, started: Date, ended: Date, status: "ok" | "error", attributes: Record<string, string | number | boolean>, own?: { spanId: string }) =>
    deps.telemetry?.span({ orgId: run.orgId, traceId, spanId: own?.spanId ?? newSpanId(), ...(own ? {} : { parentSpanId: runSpan }), name, startTime: started.toISOString(), endTime: ended.toISOString(), status, attributes, runId: run.id });
  const logStep = async (step: { path: string; type: string; status: string; input?: unknown; output?: unknown; error?: unknown; attempts?: number; startedAt: string; durationMs: number }) => {
    await insertStep(deps.database, {
      runId: run.id, orgId: run.orgId, path: step.path, type: step.type, status: step.status, input: step.input ?? null, output: step.output ?? null, error: step.error ?? null,
      attempts: step.attempts ?? 1, startedAt: new Date(step.startedAt), durationMs: step.durationMs,
    });
    const started = new Date(step.startedAt);
    span(`assistant.${step.type}`, started, new Date(started.getTime() + step.durationMs), step.status === "failed" ? "error" : "ok", { path: step.path, status: step.status });
  };
  const conversationId = run.conversationId;
  const setState = async (from: ConversationState[], to: ConversationState) => {
    if (!conversationId) return;
    const conversation = await getConversation(deps.database, run.orgId, conversationId);
    if (from.includes(conversation.state) && canTransition(conversation.state, to)) await saveConversation(deps.database, run.orgId, conversationId, { state: to });
  };
  let outcome: { status: "completed" | "failed" | "cancelled"; error?: { code: string; message: string; details?: unknown } } = { status: "completed" };
  try {
    await setState(["idle", "waiting_for_user", "resolved"], "ai_active");
    const conversation = conversationId ? await getConversation(deps.database, run.orgId, conversationId) : null;
    const scope = checkpoint.scope;
    const scopeConversation: Record<string, unknown> & { id?: string; state?: ConversationState } = { ...(scope.conversation ?? {}), ...(conversation && conversationId ? { id: conversationId, state: conversation.state } : {}) };
    const scopeInput: ActionScopeInput = {
      event: scope.event, ...(scope.message ? { message: scope.message } : {}), ...(scope.user ? { user: scope.user } : {}),
      conversation: scopeConversation, context: conversation?.context ?? scope.context ?? {},
    };
    const actor = { principalId: assistant.agentId, runId: run.id, ...(conversationId ? { conversationId } : {}) };
    if (run.kind === "rules") {
      let records = checkpoint.records ?? 0;
      const result = await executeActions((checkpoint.actions ?? []).map((a) => a.action), scopeInput, {
        effects, runId: run.id, actor, signal: active.signal,
        onRecord: async (record: ActionRecord) => {
          records += 1;
          await logStep({ path: record.path, type: record.type, status: record.status, input: record.params, output: record.output, error: record.error, attempts: record.attempts, startedAt: record.startedAt, durationMs: record.durationMs });
          await checkpointRun(deps.database, run.id, deps.config.instanceId, { ...checkpoint, records, lastPath: record.path }, deps.config.runLeaseMs);
        },
      });
      if (result.status !== "completed") outcome = { status: result.status, ...(result.error ? { error: { code: result.error.code, message: result.error.message, details: { path: result.error.path } } } : {}) };
    } else {
      if (!assistant.graph) throw new AppError("conflict", "the assistant has no prompt graph");
      const logged = new Set<string>();
      if (checkpoint.graph) for (const [id, node] of Object.entries(checkpoint.graph.nodes)) if (!["pending", "running"].includes(node.status)) logged.add(id);
      const nodeTypes = new Map(assistant.graph.graph.nodes.map((n) => [n.id, n.type]));
      const options = {
        effects, runId: run.id, actor, signal: active.signal, interrupted: "retry" as const,
        checkpoint: async (state: GraphRunState) => {
          for (const [id, node] of Object.entries(state.nodes)) {
            if (logged.has(id) || node.status === "pending" || node.status === "running") continue;
            logged.add(id);
            await logStep({
              path: `node:${id}`, type: nodeTypes.get(id) ?? "node", status: node.status, input: node.input, output: node.output, error: node.error, attempts: node.action?.attempts ?? 1,
              startedAt: node.startedAt ?? new Date().toISOString(), durationMs: node.durationMs ?? 0,
            });
          }
          await checkpointRun(deps.database, run.id, deps.config.instanceId, { ...checkpoint, graph: state }, deps.config.runLeaseMs);
        },
      };
      const state = checkpoint.graph
        ? await resumeGraphRun(assistant.graph, checkpoint.graph, options)
        : await executeGraph(assistant.graph, { input: (scope.message as { content?: unknown } | undefined)?.content ?? null, ...scopeInput, conversation: scopeConversation }, options);
      if (state.status !== "completed") outcome = { status: state.status === "cancelled" ? "cancelled" : "failed", ...(state.error ? { error: { code: state.error.code, message: state.error.message, ...(state.error.nodeId ? { details: { nodeId: state.error.nodeId } } : {}) } } : {}) };
    }
  } catch (error) {
    outcome = { status: active.signal.aborted ? "cancelled" : "failed", error: { code: (error as { code?: string }).code ?? "internal", message: (error as Error).message } };
  } finally {
    deps.activeRuns.remove(run.id);
  }
  if (outcome.status === "cancelled" && !outcome.error) outcome.error = { code: "cancelled", message: String((active.signal.reason as Error | undefined)?.message ?? "cancelled") };
  await finishRun(deps.database, run.id, outcome.status, outcome.error).catch((error) => deps.logger.error({ err: error, runId: run.id }, "could not record the end of a run"));
  await setState(["ai_active"], "waiting_for_user").catch(() => undefined);
  span("assistant.run", runStarted, new Date(), outcome.status === "failed" ? "error" : "ok", { assistant: run.assistantKey, kind: run.kind, status: outcome.status, trigger: run.trigger }, { spanId: runSpan });
  deps.logger.info({ runId: run.id, assistant: run.assistantKey, status: outcome.status, error: outcome.error, traceId: run.traceId }, "run ended");
}
