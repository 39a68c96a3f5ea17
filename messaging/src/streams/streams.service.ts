import { randomUUID } from "node:crypto";
import type { ChunkResult, EndStreamBody, EndStreamResult, Message, PrincipalRef, StartStreamBody, StreamChunkBody, StreamEndedEvent, StreamState } from "@symbia/messaging-client";
import { AppError, CAPABILITIES, type Scope } from "@symbia/sys";
import type { z } from "zod";
import { refOf, requireEntitlement, type Actor } from "../actor.js";
import { requireParticipant } from "../conversations/conversations.service.js";
import type { MessagingDeps } from "../deps.js";
import { announceMessage } from "../messages/messages.service.js";
import { appendMessage, findMessage, findMessageInOrg } from "../messages/messages.store.js";
import type { ActiveStream } from "./streams.registry.js";

const CAP = CAPABILITIES.messaging;

function emit(deps: MessagingDeps, stream: ActiveStream, event: string, payload: unknown): void {
  deps.realtime.toConversation(stream.conversationId, event, payload, { crossInstance: stream.conversationType === "website" });
}

function armIdle(deps: MessagingDeps, stream: ActiveStream): void {
  clearTimeout(stream.idleTimer);
  if (stream.state !== "streaming") return;
  stream.idleTimer = setTimeout(() => void finishStream(deps, stream, "cancelled", "idle").catch(() => undefined), deps.config.streamIdleMs);
  stream.idleTimer.unref();
}

/**
 * Starts a streamed reply by the actor (an agent, usually) in a conversation it takes part in.
 * Clients get `stream:started`; chunks follow as `message:stream`; the message is stored once,
 * when the stream ends. The id may be chosen by the streamer (UUID, unused).
 */
export async function startStream(deps: MessagingDeps, actor: Actor, conversationId: string, body: z.output<typeof StartStreamBody>): Promise<StreamState> {
  requireEntitlement(actor, CAP.send);
  if (actor.kind === "guest") throw new AppError("forbidden", "guests cannot stream replies");
  const { conversation } = await requireParticipant(deps, actor, conversationId);
  const db = deps.database.db;
  const messageId = body.messageId ?? randomUUID();
  if (body.messageId && (await findMessageInOrg(db, actor.scope, body.messageId))) throw new AppError("conflict", "a message with this id exists");
  if (body.replyTo && !(await findMessage(db, actor.scope, conversationId, body.replyTo))) {
    throw new AppError("validation_failed", "invalid request", { issues: [{ path: "replyTo", message: "no such message in this conversation" }] });
  }
  const stream = deps.streams.add({
    messageId,
    conversationId,
    orgId: actor.scope.orgId,
    conversationType: conversation.type,
    sender: refOf(actor),
    replyTo: body.replyTo ?? null,
    metadata: body.metadata ?? {},
    priority: body.priority,
    contentType: body.contentType,
    startedAt: new Date(),
  });
  armIdle(deps, stream);
  const state = deps.streams.view(stream);
  emit(deps, stream, "stream:started", state);
  return state;
}

function ownStream(deps: MessagingDeps, actor: Actor, messageId: string): ActiveStream {
  const stream = deps.streams.get(messageId);
  if (!stream || stream.orgId !== actor.scope.orgId || stream.finishing) throw new AppError("not_found", "no active stream with this message id");
  if (stream.sender.principalId !== actor.scope.principalId) throw new AppError("forbidden", "only the streamer sends its chunks");
  return stream;
}

/**
 * Takes chunk `index` of the actor's stream: delivered to clients at once (`message:stream`, in
 * index order), held while the reply is paused, queued when it comes early, or ignored when
 * repeated.
 */
export async function appendChunk(deps: MessagingDeps, actor: Actor, messageId: string, body: z.output<typeof StreamChunkBody>): Promise<ChunkResult> {
  const stream = ownStream(deps, actor, messageId);
  const { outcome, deliver } = deps.streams.acceptChunk(stream, body.index, body.delta);
  for (const chunk of deliver) emit(deps, stream, "message:stream", { conversationId: stream.conversationId, messageId, index: chunk.index, delta: chunk.delta });
  if (outcome !== "duplicate") armIdle(deps, stream);
  // The last chunk of a stream whose end came first: store it now.
  if (stream.state === "streaming" && deps.streams.complete(stream)) await finishStream(deps, stream, "completed", null);
  return { messageId, index: body.index, outcome };
}

/**
 * Ends the actor's stream: the reply is stored once (sequence taken then) and broadcast as
 * `stream:ended` + `message:new`. While paused, or while announced chunks (`chunks`) are still on
 * their way, the end waits (`pending`) and the reply is stored when it can be.
 *
 * @throws AppError `conflict` when chunks are missing and no count was announced, or when more
 * chunks arrived than announced.
 */
export async function endStream(deps: MessagingDeps, actor: Actor, messageId: string, body: z.output<typeof EndStreamBody>): Promise<EndStreamResult> {
  const stream = ownStream(deps, actor, messageId);
  if (stream.ending) throw new AppError("conflict", "this stream has ended");
  if (body.chunks === undefined && stream.early.size > 0) throw new AppError("conflict", `chunks are missing from index ${stream.nextIndex}`, { expectedIndex: stream.nextIndex });
  if (body.chunks !== undefined && (body.chunks < stream.nextIndex || [...stream.early.keys()].some((i) => i >= body.chunks!))) {
    throw new AppError("conflict", `more than ${body.chunks} chunks arrived`, { received: stream.nextIndex + stream.early.size });
  }
  stream.ending = { ...(body.metadata ? { metadata: body.metadata } : {}), ...(body.chunks !== undefined ? { expected: body.chunks } : {}) };
  if (stream.state === "paused" || !deps.streams.complete(stream)) return { messageId, state: "pending", message: null };
  return { messageId, state: "completed", message: await finishStream(deps, stream, "completed", null) };
}

/**
 * Stores a stream's reply once and forgets the stream: `completed`, or `cancelled` with what
 * clients had been shown (held chunks are dropped) and the reason in `metadata.cancelled`.
 */
export async function finishStream(deps: MessagingDeps, stream: ActiveStream, status: "completed" | "cancelled", reason: string | null, by?: PrincipalRef): Promise<Message> {
  if (stream.finishing) throw new AppError("conflict", "this stream has ended");
  stream.finishing = true;
  clearTimeout(stream.idleTimer);
  clearTimeout(stream.pauseTimer);
  const scope: Scope = { orgId: stream.orgId, principalId: stream.sender.principalId, principalType: stream.sender.principalType === "guest" ? "user" : stream.sender.principalType, entityId: stream.sender.entityId };
  const metadata = {
    ...stream.metadata,
    ...(stream.ending?.metadata ?? {}),
    ...(status === "cancelled" ? { cancelled: { reason, by: by?.principalId ?? null, heldDropped: stream.held.length } } : {}),
  };
  try {
    const result = await deps.database.withTransaction((tx) =>
      appendMessage(tx, scope, stream.conversationId, {
        id: stream.messageId,
        senderId: stream.sender.principalId,
        senderType: stream.sender.principalType,
        senderEntityId: stream.sender.entityId,
        clientId: null,
        content: stream.delivered.join(""),
        contentType: stream.contentType,
        replyTo: stream.replyTo,
        metadata,
        priority: stream.priority,
        status: status === "completed" ? "complete" : "cancelled",
      }),
    );
    if (!result) throw new AppError("not_found", "conversation not found");
    const ended: StreamEndedEvent = { conversationId: stream.conversationId, messageId: stream.messageId, status, reason, sequence: result.message.sequence };
    emit(deps, stream, "stream:ended", ended);
    return await announceMessage(deps, result.before, result.message, { toAssistants: true });
  } catch (error) {
    deps.logger.error({ err: error, messageId: stream.messageId }, "storing a streamed reply failed");
    emit(deps, stream, "stream:ended", { conversationId: stream.conversationId, messageId: stream.messageId, status: "cancelled", reason: "not_stored", sequence: null } satisfies StreamEndedEvent);
    throw error;
  } finally {
    deps.streams.remove(stream.messageId);
  }
}

/** Active streams of a conversation the actor takes part in, with the text delivered so far (late joiners). */
export async function listStreams(deps: MessagingDeps, actor: Actor, conversationId: string): Promise<{ items: StreamState[] }> {
  requireEntitlement(actor, CAP.read);
  await requireParticipant(deps, actor, conversationId);
  return { items: deps.streams.ofConversation(actor.scope.orgId, conversationId).map((s) => deps.streams.view(s)) };
}

/** A stream control to apply on every instance (see {@link applyStreamControl}). */
export interface StreamControlRequest {
  orgId: string;
  conversationId: string;
  action: "pause" | "resume" | "cancel";
  /** Only this reply; else every active reply of the conversation. */
  messageId?: string;
  /** Skip replies to this message (preempt keeps the replies to the newer message). */
  exceptReplyTo?: string;
  /** Skip replies by this principal (handoff keeps the new responder's). */
  exceptSender?: string;
  reason: string | null;
  by: PrincipalRef;
}

/** What a stream control did to one reply. */
export interface StreamControlEffect {
  messageId: string;
  sender: string;
  state: "paused" | "streaming" | "completed" | "cancelled";
}

/**
 * Applies a control to the matching replies streaming on this instance: pause holds their next
 * chunks (and arms the pause limit), resume delivers the held chunks in order (and stores a reply
 * whose end was waiting), cancel stores what was delivered as a cancelled message.
 */
export async function applyStreamControl(deps: MessagingDeps, request: StreamControlRequest): Promise<StreamControlEffect[]> {
  const targets = deps.streams
    .ofConversation(request.orgId, request.conversationId)
    .filter((s) => (!request.messageId || s.messageId === request.messageId) && (!request.exceptReplyTo || s.replyTo !== request.exceptReplyTo) && (!request.exceptSender || s.sender.principalId !== request.exceptSender));
  const effects: StreamControlEffect[] = [];
  for (const stream of targets) {
    if (request.action === "pause") {
      if (!deps.streams.pause(stream)) continue;
      clearTimeout(stream.idleTimer);
      stream.pauseTimer = setTimeout(() => void finishStream(deps, stream, "cancelled", "pause_timeout").catch(() => undefined), deps.config.pauseMaxMs);
      stream.pauseTimer.unref();
      emit(deps, stream, "stream:updated", deps.streams.view(stream));
      effects.push({ messageId: stream.messageId, sender: stream.sender.principalId, state: "paused" });
    } else if (request.action === "resume") {
      const held = deps.streams.resume(stream);
      if (!held) continue;
      clearTimeout(stream.pauseTimer);
      // Clients learn it resumed, then get the held chunks in order.
      emit(deps, stream, "stream:updated", deps.streams.view(stream));
      for (const chunk of held) emit(deps, stream, "message:stream", { conversationId: stream.conversationId, messageId: stream.messageId, index: chunk.index, delta: chunk.delta });
      if (deps.streams.complete(stream)) {
        await finishStream(deps, stream, "completed", null).catch(() => undefined);
        effects.push({ messageId: stream.messageId, sender: stream.sender.principalId, state: "completed" });
      } else {
        armIdle(deps, stream);
        effects.push({ messageId: stream.messageId, sender: stream.sender.principalId, state: "streaming" });
      }
    } else {
      await finishStream(deps, stream, "cancelled", request.reason, request.by).catch(() => undefined);
      effects.push({ messageId: stream.messageId, sender: stream.sender.principalId, state: "cancelled" });
    }
  }
  return effects;
}

/** Server-side event carrying stream controls between instances. */
export const STREAM_CONTROL_CHANNEL = "messaging:stream-control";

/**
 * Applies a stream control here and, with several instances (Redis adapter), on the others too,
 * since a reply lives on the instance its streamer is connected to. Returns every effect.
 */
export async function streamControl(deps: MessagingDeps, request: StreamControlRequest): Promise<StreamControlEffect[]> {
  const local = await applyStreamControl(deps, request);
  if (!deps.realtime.multiInstance) return local;
  const remote = await new Promise<StreamControlEffect[][]>((resolve) => {
    deps.realtime
      .server()
      .serverSideEmit(STREAM_CONTROL_CHANNEL, request, (error: Error | null, responses: StreamControlEffect[][]) => {
        if (error) deps.logger.warn({ err: error.message }, "some instances did not answer a stream control");
        resolve(responses ?? []);
      });
  });
  return [...local, ...remote.flat()];
}

/** Cancels every active reply of this instance (shutdown): what was delivered is stored. */
export async function cancelAllStreams(deps: MessagingDeps, reason: string): Promise<void> {
  for (const stream of deps.streams.all()) {
    if (!stream.finishing) await finishStream(deps, stream, "cancelled", reason).catch(() => undefined);
  }
}
