import { z } from "zod";
import { ConversationId, Metadata, MessageId, PrincipalRef, Timestamp, page } from "./common.js";

/** Content types of messages. `event` is reserved for control events messaging stores itself. */
export const CONTENT_TYPES = ["text", "markdown", "json", "event"] as const;
/** One of {@link CONTENT_TYPES}. */
export const ContentType = z.enum(CONTENT_TYPES);
/** One of {@link CONTENT_TYPES}. */
export type ContentType = z.infer<typeof ContentType>;

/** Message priorities, lowest first. */
export const PRIORITIES = ["low", "normal", "high", "critical"] as const;
/** One of {@link PRIORITIES}. */
export const Priority = z.enum(PRIORITIES);
/** One of {@link PRIORITIES}. */
export type Priority = z.infer<typeof Priority>;

/** `complete`: a sent message or a finished stream; `cancelled`: a streamed reply ended by cancel, preempt, handoff or a timeout. */
export const MessageStatus = z.enum(["complete", "cancelled"]);

/** A client-chosen idempotency id: the same id from the same sender returns the first message. */
export const ClientId = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, "1-100 of A-Z a-z 0-9 . _ : -");

/** Longest message content, in characters. */
export const MAX_CONTENT_CHARS = 32_000;

const SendMessageFields = z.object({
  content: z.string().min(1).max(MAX_CONTENT_CHARS),
  contentType: ContentType.exclude(["event"]).default("text"),
  replyTo: MessageId.optional(),
  metadata: Metadata.optional(),
  priority: Priority.default("normal"),
  clientId: ClientId.optional(),
});

function jsonContent(body: { content: string; contentType: string }, ctx: z.RefinementCtx): void {
  if (body.contentType !== "json") return;
  try {
    JSON.parse(body.content);
  } catch {
    ctx.addIssue({ code: "custom", path: ["content"], message: "content of type json must be valid JSON" });
  }
}

/**
 * Body of `POST /api/conversations/:id/messages` (and `message:send` with `conversationId`).
 * `json` content must parse as JSON; `event` is refused (control events make those).
 */
export const SendMessageBody = SendMessageFields.superRefine(jsonContent);
/** See {@link SendMessageBody}. */
export type SendMessageBody = z.input<typeof SendMessageBody>;

/** Body of `PATCH /api/conversations/:id/messages/:messageId` (the sender only). */
export const EditMessageBody = z.object({ content: z.string().min(1).max(MAX_CONTENT_CHARS), metadata: Metadata.optional() });
/** See {@link EditMessageBody}. */
export type EditMessageBody = z.input<typeof EditMessageBody>;

/**
 * A stored message. `sequence` increases by one per conversation with no gap; a deleted message
 * keeps its row and sequence but its `content` is null and its metadata empty.
 */
export const Message = z
  .object({
    id: MessageId,
    conversationId: ConversationId,
    orgId: z.string(),
    sequence: z.number().int().min(1),
    sender: PrincipalRef,
    clientId: z.string().nullable(),
    content: z.string().nullable(),
    contentType: ContentType,
    replyTo: MessageId.nullable(),
    metadata: z.record(z.string(), z.unknown()),
    priority: Priority,
    status: MessageStatus,
    editedAt: Timestamp.nullable(),
    deletedAt: Timestamp.nullable(),
    /** Trace id of the request or relay event that created it: follow one turn in logging. */
    traceId: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: "Message" });
/** See {@link Message}. */
export type Message = z.infer<typeof Message>;

/**
 * `GET /api/conversations/:id/messages`: `after` (oldest first from there), `before` (the latest
 * `limit` before it, still returned oldest first), or neither (the latest `limit`). `nextCursor`
 * is the sequence to pass as `after` (or `before`) for the next page, null at the end.
 */
export const ListMessagesQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional(),
    before: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .refine((q) => q.after === undefined || q.before === undefined, "give after or before, not both");
/** See {@link ListMessagesQuery}. */
export type ListMessagesQuery = z.input<typeof ListMessagesQuery>;

/** A page of messages. */
export const MessagePage = page(Message);

/** `message:deleted` payload. */
export const MessageDeleted = z.object({ conversationId: ConversationId, messageId: MessageId, sequence: z.number().int(), deletedBy: z.string() });
/** See {@link MessageDeleted}. */
export type MessageDeleted = z.infer<typeof MessageDeleted>;

/** Socket payload of `message:send`. */
export const SocketSendPayload = SendMessageFields.extend({ conversationId: ConversationId }).superRefine(jsonContent);
/** Socket payload of `message:edit`. */
export const SocketEditPayload = EditMessageBody.extend({ conversationId: ConversationId, messageId: MessageId });
/** Socket payload of `message:delete`. */
export const SocketMessageRef = z.object({ conversationId: ConversationId, messageId: MessageId });

/**
 * `conversation:sync`: for each conversation, the last sequence the client has seen; the ack lists
 * what came after (oldest first), at most `limit` per conversation (`hasMore` says to ask again).
 */
export const SyncPayload = z.object({
  conversations: z.array(z.object({ conversationId: ConversationId, afterSequence: z.number().int().min(0) })).min(1).max(200),
  limit: z.number().int().min(1).max(1_000).default(500),
});
/** See {@link SyncPayload}. */
export type SyncPayload = z.input<typeof SyncPayload>;
/** The ack of `conversation:sync`. */
export const SyncResult = z.object({
  items: z.array(z.object({ conversationId: ConversationId, messages: z.array(Message), hasMore: z.boolean(), lastSequence: z.number().int() })),
});
/** See {@link SyncResult}. */
export type SyncResult = z.infer<typeof SyncResult>;
