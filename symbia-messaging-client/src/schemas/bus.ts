import { z } from "zod";
import { ConversationId, EntityId, MessageId, PrincipalId, Timestamp } from "./common.js";
import { ConversationType, Responder } from "./conversations.js";
import { ControlNotice } from "./control.js";
import { Message, SocketSendPayload } from "./messages.js";
import { StartStreamBody, StreamChunkBody, EndStreamBody } from "./streams.js";

/**
 * The acting principal of a bus event: who acts, never a bearer token (ARCHITECTURE §4). Guests
 * act as `user` with a `guest:` id and an `ent_guest_…` entity id.
 */
export const ActingPrincipal = z.object({ id: PrincipalId, type: z.enum(["user", "agent", "service"]), entityId: EntityId });
/** See {@link ActingPrincipal}. */
export type ActingPrincipal = z.infer<typeof ActingPrincipal>;

const Envelope = {
  /** Event id (`evt_<uuid>`): receivers are idempotent by it. */
  id: z.string().min(1).max(100),
  orgId: z.string().min(1),
  traceId: z.string().min(1).max(64),
  principal: ActingPrincipal,
  /** The assistant (agent principal id) the event is meant for; null: every assistant may look. */
  target: PrincipalId.nullable(),
  occurredAt: Timestamp,
};

/**
 * `message.new` data: a stored message and who should answer it. `respondent` is the routed
 * assistant, the active responder (an agent or a person after a handoff) or the sole agent
 * participant; null when several assistants could answer (they take turns) or when an agent sent it.
 */
export const MessageNewData = z.object({
  conversation: z.object({ id: ConversationId, type: ConversationType, name: z.string().nullable() }),
  message: Message,
  respondent: Responder.nullable(),
  /** True when `respondent` comes from a one-shot route. */
  routed: z.boolean(),
});
/** See {@link MessageNewData}. */
export type MessageNewData = z.infer<typeof MessageNewData>;

/** Events messaging sends to assistants over the relay (or the webhook fallback). */
export const AssistantOutboundEvent = z.discriminatedUnion("type", [
  z.object({ ...Envelope, type: z.literal("message.new"), data: MessageNewData }),
  z.object({ ...Envelope, type: z.literal("message.control"), data: ControlNotice }),
]);
/** See {@link AssistantOutboundEvent}. */
export type AssistantOutboundEvent = z.infer<typeof AssistantOutboundEvent>;
/** Type names of {@link AssistantOutboundEvent}. */
export type AssistantOutboundType = AssistantOutboundEvent["type"];

const Inbound = { id: z.string().min(1).max(100), orgId: z.string().min(1), principal: ActingPrincipal, traceId: z.string().min(1).max(64).optional() };

/**
 * Events assistants send to messaging (relay deliveries, or `POST /api/assistant-events` from a
 * service principal): a whole reply (`message.response`) or a streamed one (start, chunks, end).
 * `principal` is the agent that speaks; it must take part in the conversation.
 */
export const AssistantInboundEvent = z.discriminatedUnion("type", [
  z.object({ ...Inbound, type: z.literal("message.response"), data: SocketSendPayload }),
  z.object({ ...Inbound, type: z.literal("message.stream.start"), data: StartStreamBody.extend({ conversationId: ConversationId, messageId: MessageId }) }),
  z.object({ ...Inbound, type: z.literal("message.stream.chunk"), data: StreamChunkBody.extend({ messageId: MessageId }) }),
  z.object({ ...Inbound, type: z.literal("message.stream.end"), data: EndStreamBody.extend({ messageId: MessageId }) }),
]);
/** See {@link AssistantInboundEvent}. */
export type AssistantInboundEvent = z.infer<typeof AssistantInboundEvent>;
/** Input shape of {@link AssistantInboundEvent} (defaults not yet applied). */
export type AssistantInboundEventInput = z.input<typeof AssistantInboundEvent>;
