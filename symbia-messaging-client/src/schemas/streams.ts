import { z } from "zod";
import { ConversationId, Metadata, MessageId } from "./common.js";
import { ContentType, Message, Priority } from "./messages.js";

/** Largest chunk, in characters. */
export const MAX_CHUNK_CHARS = 8_000;

/**
 * Starts a streamed reply (`stream:start`, `POST /api/conversations/:id/streams`). The streamer
 * may choose the message id (a UUID) so it can send chunks before the answer arrives (the relay).
 */
export const StartStreamBody = z.object({
  messageId: MessageId.optional(),
  replyTo: MessageId.optional(),
  metadata: Metadata.optional(),
  priority: Priority.default("normal"),
  contentType: ContentType.exclude(["event"]).default("text"),
});
/** See {@link StartStreamBody}. */
export type StartStreamBody = z.input<typeof StartStreamBody>;
/** Socket payload of `stream:start`. */
export const SocketStartStreamPayload = StartStreamBody.extend({ conversationId: ConversationId });

/**
 * One chunk of a streamed reply (`stream:chunk`, `POST …/streams/:messageId/chunks`): indexes
 * start at 0 and increase by one. A repeated index is acknowledged as a duplicate and ignored; a
 * chunk that arrives early waits for the ones before it.
 */
export const StreamChunkBody = z.object({ index: z.number().int().min(0).max(1_000_000), delta: z.string().max(MAX_CHUNK_CHARS) });
/** See {@link StreamChunkBody}. */
export type StreamChunkBody = z.input<typeof StreamChunkBody>;
/** Socket payload of `stream:chunk`. */
export const SocketStreamChunkPayload = StreamChunkBody.extend({ messageId: MessageId });

/**
 * Ends a streamed reply (`stream:end`, `POST …/streams/:messageId/end`): it is persisted once.
 * `chunks` (how many were sent) lets the end overtake chunks still on their way (the relay does
 * not promise order): the reply is stored when the last of them arrives.
 */
export const EndStreamBody = z.object({ metadata: Metadata.optional(), chunks: z.number().int().min(0).max(1_000_001).optional() });
/** Socket payload of `stream:end`. */
export const SocketEndStreamPayload = EndStreamBody.extend({ messageId: MessageId });

/**
 * What ending a stream did: `completed` with the persisted message, or `pending` when the reply
 * is paused (it is persisted once resumed and its held chunks delivered) or chunks announced by
 * `chunks` have yet to arrive.
 */
export const EndStreamResult = z.object({ messageId: MessageId, state: z.enum(["completed", "pending"]), message: Message.nullable() });
/** See {@link EndStreamResult}. */
export type EndStreamResult = z.infer<typeof EndStreamResult>;

/** What a chunk did: delivered now, held (paused), or ignored as a duplicate. */
export const ChunkResult = z.object({ messageId: MessageId, index: z.number().int(), outcome: z.enum(["delivered", "held", "queued", "duplicate"]) });
/** See {@link ChunkResult}. */
export type ChunkResult = z.infer<typeof ChunkResult>;

/** `message:stream`: one chunk delivered to clients, in index order. */
export const StreamChunkEvent = z.object({ conversationId: ConversationId, messageId: MessageId, index: z.number().int().min(0), delta: z.string() });
/** See {@link StreamChunkEvent}. */
export type StreamChunkEvent = z.infer<typeof StreamChunkEvent>;

/** `stream:ended`: the reply finished (`completed`) or was cancelled (with the reason). */
export const StreamEndedEvent = z.object({
  conversationId: ConversationId,
  messageId: MessageId,
  status: z.enum(["completed", "cancelled"]),
  reason: z.string().nullable(),
  /** The persisted message's sequence. */
  sequence: z.number().int().nullable(),
});
/** See {@link StreamEndedEvent}. */
export type StreamEndedEvent = z.infer<typeof StreamEndedEvent>;
