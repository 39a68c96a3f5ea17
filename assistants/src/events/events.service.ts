import type { AssistantOutboundEvent, ControlNotice, MessageNewData } from "@symbia/messaging-client";
import type { LoadedAssistant } from "../assistants/assistants.service.js";
import { appendHistory, getConversation, saveConversation } from "../conversations/conversations.store.js";
import { assistantMayRespond, canTransition } from "../conversations/state.js";
import type { AssistantsDeps } from "../deps.js";
import { evaluateRuleSet, RuleEvent } from "../rules/index.js";
import { newRunId, startRun, type RunScope } from "../runs/runner.js";
import { decideTurn, type TurnBid } from "../turns/turns.service.js";

/** What handling one bus event did (returned to the webhook caller, logged for relay deliveries). */
export interface EventOutcome {
  handled: "duplicate" | "ignored" | "silent" | "no_match" | "deferred" | "started" | "control";
  reason?: string;
  runId?: string;
  assistant?: string;
  /** Resolves when the started run ended (tests). */
  done?: Promise<void>;
}

const seen = new Map<string, number>();
function firstTime(id: string): boolean {
  if (seen.has(id)) return false;
  seen.set(id, Date.now());
  if (seen.size > 50_000) for (const key of [...seen.keys()].slice(0, 10_000)) seen.delete(key);
  return true;
}

const mentionsOf = (text: string | null) => [...(text ?? "").matchAll(/(^|\s)(@[a-z0-9][a-z0-9_-]{0,63})/g)].map((m) => m[2]!);

/** The rule event of a `message.new`: message, user, conversation and context roots. */
export function ruleEventOf(event: Extract<AssistantOutboundEvent, { type: "message.new" }>, conversation: { state: string; context: Record<string, unknown> }): RunScope {
  const m = event.data.message;
  return {
    event: { id: event.id, type: "message.received", source: "service:messaging", timestamp: event.occurredAt, data: { routed: event.data.routed } },
    message: {
      id: m.id, conversationId: m.conversationId, content: m.content ?? "", contentType: m.contentType, senderId: m.sender.principalId, senderType: m.sender.principalType,
      replyToId: m.replyTo, sequence: m.sequence, priority: m.priority, mentions: mentionsOf(m.content), metadata: m.metadata, createdAt: m.createdAt,
    },
    user: { id: event.principal.id, type: event.principal.type, orgId: event.orgId },
    conversation: { id: event.data.conversation.id, orgId: event.orgId, type: event.data.conversation.type, name: event.data.conversation.name, state: conversation.state },
    context: conversation.context,
  };
}

/** Bids of the candidate assistants for a rule event (assistants whose rules match, graph-only ones at priority 0). */
export function bidsFor(candidates: LoadedAssistant[], scope: RunScope): Array<TurnBid & { assistant: LoadedAssistant; actions?: ReturnType<typeof evaluateRuleSet>["actions"] }> {
  const out: Array<TurnBid & { assistant: LoadedAssistant; actions?: ReturnType<typeof evaluateRuleSet>["actions"] }> = [];
  const parsed = RuleEvent.safeParse(scope);
  for (const assistant of candidates) {
    if (assistant.ruleSet && parsed.success) {
      const evaluation = evaluateRuleSet(assistant.ruleSet, parsed.data);
      if (evaluation.actions.length) {
        const top = evaluation.rules.find((r) => r.matched);
        const rule = assistant.ruleSet.rules.find((r) => r.id === top?.ruleId);
        const confidence = typeof (rule as { confidence?: unknown } | undefined)?.confidence === "number" ? (rule as unknown as { confidence: number }).confidence : 1;
        out.push({ assistant, assistantKey: assistant.key, priority: top?.priority ?? 0, confidence, ruleId: top?.ruleId, actions: evaluation.actions });
        continue;
      }
    }
    if (assistant.graph) out.push({ assistant, assistantKey: assistant.key, priority: 0, confidence: 0.5 });
  }
  return out;
}

/**
 * Handles an event from messaging (relay delivery or webhook): `message.new` goes through the
 * conversation's state (silent while handed off), the candidates (the routed or responding agent,
 * else every active assistant of the org), the rule engine, turn-taking in the database, and —
 * for the winner, in the one process that claimed the turn — a run; the others defer.
 * `message.control` acts on the runs of the conversation. Idempotent by event id.
 */
export async function handleBusEvent(deps: AssistantsDeps, event: AssistantOutboundEvent): Promise<EventOutcome> {
  if (!firstTime(event.id)) return { handled: "duplicate" };
  if (event.type === "message.control") return handleControl(deps, event.orgId, event.data, event.traceId);
  return handleMessageNew(deps, event);
}

async function handleMessageNew(deps: AssistantsDeps, event: Extract<AssistantOutboundEvent, { type: "message.new" }>): Promise<EventOutcome> {
  const data: MessageNewData = event.data;
  const message = data.message;
  const orgId = event.orgId;
  const conversationId = data.conversation.id;
  const fromAgent = message.sender.principalType === "agent";
  if (message.content && message.contentType !== "event") {
    await appendHistory(deps.database, orgId, conversationId, { id: message.id, role: fromAgent ? "assistant" : "user", content: message.content, sender: message.sender.principalId });
  }
  if (fromAgent || message.contentType === "event") return { handled: "ignored", reason: "not a person's message" };
  const conversation = await getConversation(deps.database, orgId, conversationId);
  if (!assistantMayRespond(conversation.state)) return { handled: "silent", reason: `conversation is ${conversation.state}` };
  if (data.respondent && data.respondent.principalType !== "agent") return { handled: "silent", reason: "a person answers this conversation" };
  let candidates = deps.registry.list(orgId).filter((a) => a.status === "active");
  const routeTo = typeof conversation.context._routeTo === "string" ? conversation.context._routeTo : null;
  if (data.respondent) candidates = candidates.filter((a) => a.agentId === data.respondent!.principalId);
  else if (event.target) candidates = candidates.filter((a) => a.agentId === event.target);
  else if (routeTo) {
    const routed = deps.registry.find(orgId, routeTo);
    if (routed) candidates = candidates.filter((a) => a.key === routed.key);
    const { _routeTo: _, ...rest } = conversation.context;
    await saveConversation(deps.database, orgId, conversationId, { context: rest });
  }
  if (!candidates.length) return { handled: "no_match", reason: "no active assistant for this conversation" };
  const scope = ruleEventOf(event, conversation);
  const bids = bidsFor(candidates, scope);
  if (!bids.length) return { handled: "no_match", reason: "no rule matched" };
  const runId = newRunId();
  const decision = await decideTurn(deps, {
    orgId, conversationId, messageId: message.id, runId,
    bids: bids.map(({ assistantKey, priority, confidence, ruleId }) => ({ assistantKey, priority, confidence, ruleId })),
    isLocal: (key) => bids.some((b) => b.assistantKey === key),
  });
  const winnerBid = decision?.mine ? bids.find((b) => b.assistantKey === decision.assistantKey) : undefined;
  for (const bid of bids) {
    if (bid === winnerBid) continue;
    await deps.outlet.notify("assistant.intent.defer", { messageId: message.id, conversationId, assistant: bid.assistantKey, winner: decision?.assistantKey ?? null, reason: decision ? "another assistant holds the turn" : "undecided" }, {
      orgId, principal: { id: bid.assistant.agentId, type: "agent", entityId: bid.assistant.agentEntityId ?? "" }, traceId: event.traceId,
    });
  }
  if (!decision || !winnerBid) return { handled: "deferred", ...(decision ? { assistant: decision.assistantKey, runId: decision.runId } : {}) };
  const assistant = winnerBid.assistant;
  await deps.outlet.notify("assistant.intent.claim", { messageId: message.id, conversationId, assistant: assistant.key, runId, justification: decision.justification }, {
    orgId, principal: { id: assistant.agentId, type: "agent", entityId: assistant.agentEntityId ?? "" }, traceId: event.traceId,
  });
  const { done } = await startRun(deps, {
    runId, assistant, kind: winnerBid.actions ? "rules" : "graph", trigger: "message.received", scope, ...(winnerBid.actions ? { actions: winnerBid.actions } : {}),
    conversationId, messageId: message.id, eventId: event.id, traceId: event.traceId,
  });
  return { handled: "started", runId, assistant: assistant.key, done };
}

/**
 * Control events on the runs of a conversation: pause / resume the reply being streamed (chunks
 * keep their order), cancel (the stream read is aborted and integrations cancels the run),
 * preempt (runs answering older messages are cancelled; the newer message has its own turn), handoff (to a person or
 * another agent: runs cancelled, the conversation `handoff_pending` and silent; back to one of
 * this service's assistants: `ai_active` again), route (recorded by messaging in the next turn).
 */
export async function handleControl(deps: AssistantsDeps, orgId: string, notice: ControlNotice, traceId: string): Promise<EventOutcome> {
  const runs = deps.activeRuns.inConversation(orgId, notice.conversationId);
  const target = notice.messageId ? (deps.activeRuns.byStream(notice.messageId) ?? null) : null;
  const concerned = target ? [target] : runs;
  switch (notice.event) {
    case "pause":
      for (const run of concerned) run.pause();
      break;
    case "resume":
      for (const run of concerned) run.resume();
      break;
    case "cancel":
      for (const run of concerned) run.cancel(notice.reason ?? "cancelled by a participant");
      break;
    case "preempt": {
      // Messaging cancelled the replies in favour of the newer message, which is answered on its own turn.
      for (const run of runs) if (run.messageId !== notice.messageId) run.cancel("preempted");
      break;
    }
    case "handoff": {
      const conversation = await getConversation(deps.database, orgId, notice.conversationId);
      const back = notice.to ? deps.registry.byAgent(notice.to) : undefined;
      if (back && back.orgId === orgId) {
        const state = canTransition(conversation.state, "ai_active") ? "ai_active" : conversation.state;
        await saveConversation(deps.database, orgId, notice.conversationId, { state, handoff: null });
      } else {
        for (const run of runs) run.cancel("handed off");
        await saveConversation(deps.database, orgId, notice.conversationId, { state: "handoff_pending", handoff: { to: notice.to, reason: notice.reason, by: notice.by.principalId, at: notice.at } });
      }
      break;
    }
    default:
      break;
  }
  deps.logger.info({ event: notice.event, conversationId: notice.conversationId, runs: concerned.map((r) => r.runId), traceId }, "control applied");
  return { handled: "control" };
}
