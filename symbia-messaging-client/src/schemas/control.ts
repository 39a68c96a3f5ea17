import { z } from "zod";
import { ConversationId, MessageId, PrincipalId, PrincipalRef, Timestamp } from "./common.js";
import { Responder } from "./conversations.js";
import { Message, Priority } from "./messages.js";

/** Control event names. `route` and `handoff` need `cap:messaging.route`; the others `cap:messaging.interrupt`. */
export const CONTROL_EVENTS = ["pause", "resume", "cancel", "preempt", "route", "handoff", "priority"] as const;
/** One of {@link CONTROL_EVENTS}. */
export const ControlName = z.enum(CONTROL_EVENTS);
/** One of {@link CONTROL_EVENTS}. */
export type ControlName = z.infer<typeof ControlName>;

const Reason = z.string().trim().min(1).max(500).optional();

/**
 * Body of `POST /api/conversations/:id/control` (and `control:send` with `conversationId`).
 * Any other `event` is answered 400.
 *
 * - `pause` / `resume` / `cancel`: the streamed reply `messageId`, or every active reply of the conversation.
 * - `preempt`: cancels the active replies in favour of `messageId` (the newer message; default the
 *   latest message not sent by an agent), which is forwarded to the assistant to answer instead.
 * - `route`: the next user turn goes to the agent participant `to` (once).
 * - `handoff`: `to` (an agent or a person taking part) becomes the active responder; the previous
 *   responder's active replies are cancelled.
 * - `priority`: changes a message's priority.
 */
export const ControlBody = z.discriminatedUnion("event", [
  z.object({ event: z.literal("pause"), messageId: MessageId.optional(), reason: Reason }),
  z.object({ event: z.literal("resume"), messageId: MessageId.optional(), reason: Reason }),
  z.object({ event: z.literal("cancel"), messageId: MessageId.optional(), reason: Reason }),
  z.object({ event: z.literal("preempt"), messageId: MessageId.optional(), reason: Reason }),
  z.object({ event: z.literal("route"), to: PrincipalId, reason: Reason }),
  z.object({ event: z.literal("handoff"), to: PrincipalId, reason: Reason }),
  z.object({ event: z.literal("priority"), messageId: MessageId, priority: Priority, reason: Reason }),
]);
/** See {@link ControlBody}. */
export type ControlBody = z.input<typeof ControlBody>;

/** Socket payload of `control:send`. */
export const SocketControlPayload = z.intersection(z.object({ conversationId: ConversationId }), ControlBody);
/** See {@link SocketControlPayload}. */
export type SocketControlPayload = z.input<typeof SocketControlPayload>;

/** States of a streamed reply. */
export const STREAM_STATES = ["streaming", "paused", "completed", "cancelled"] as const;
/** One of {@link STREAM_STATES}. */
export const StreamStateName = z.enum(STREAM_STATES);

/** A streamed reply as clients see it (`stream:started`, `stream:updated`, `GET …/streams`). */
export const StreamState = z
  .object({
    messageId: MessageId,
    conversationId: ConversationId,
    sender: PrincipalRef,
    replyTo: MessageId.nullable(),
    state: StreamStateName,
    /** Chunks delivered to clients so far. */
    delivered: z.number().int().min(0),
    /** Chunks received while paused, waiting for resume. */
    held: z.number().int().min(0),
    startedAt: Timestamp,
    /** Delivered text so far (lets a client that joins mid-stream catch up). */
    content: z.string(),
  })
  .meta({ id: "StreamState" });
/** See {@link StreamState}. */
export type StreamState = z.infer<typeof StreamState>;

/**
 * What a control event did: the stored event message, the streams it touched, and the
 * conversation's responder state afterwards.
 */
export const ControlResult = z
  .object({
    event: Message,
    streams: z.array(z.object({ messageId: MessageId, state: StreamStateName })),
    activeResponder: Responder.nullable(),
    routedTo: PrincipalId.nullable(),
  })
  .meta({ id: "ControlResult" });
/** See {@link ControlResult}. */
export type ControlResult = z.infer<typeof ControlResult>;

/**
 * A control event as forwarded to the assistant running the reply (`control:received` on its
 * sockets, `message.control` on the assistant bus).
 */
export const ControlNotice = z.object({
  /** The stored event message's id: assistants are idempotent by it. */
  id: MessageId,
  conversationId: ConversationId,
  event: ControlName,
  /** The reply the control applies to (pause/resume/cancel/priority), or the newer message (preempt). */
  messageId: MessageId.nullable(),
  /** Replies cancelled by this control (cancel, preempt, handoff). */
  cancelled: z.array(MessageId),
  to: PrincipalId.nullable(),
  reason: z.string().nullable(),
  priority: Priority.nullable(),
  by: PrincipalRef,
  at: Timestamp,
});
/** See {@link ControlNotice}. */
export type ControlNotice = z.infer<typeof ControlNotice>;
