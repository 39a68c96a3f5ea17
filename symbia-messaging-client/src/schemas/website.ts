import { z } from "zod";
import { ConversationId, MessageId, PrincipalRef } from "./common.js";
import { Message } from "./messages.js";

/** Longest website chat message, in characters (guests and members alike). */
export const MAX_WEBSITE_MESSAGE_CHARS = 2_000;

/**
 * Body of `POST /api/messaging/send`, the website chat. Visitors without an account send their
 * guest session (from the first answer's `session` event) in the `X-Guest-Session` header;
 * signed-in callers give `conversationId` of a conversation they take part in.
 */
export const WebsiteSendBody = z.object({
  message: z.string().trim().min(1).max(MAX_WEBSITE_MESSAGE_CHARS),
  conversationId: ConversationId.optional(),
});
/** See {@link WebsiteSendBody}. */
export type WebsiteSendBody = z.input<typeof WebsiteSendBody>;

/** Server-Sent Event names of the website chat, in the order they come. */
export const WEBSITE_EVENTS = ["session", "message", "start", "chunk", "paused", "resumed", "done", "error"] as const;

/** `session`: the guest session to send back next time (guests only), and the conversation. */
export const WebsiteSessionEvent = z.object({ conversationId: ConversationId, principal: PrincipalRef, guestSession: z.string().nullable(), expiresAt: z.string().nullable() });
/** `message`: the visitor's message as stored. */
export const WebsiteMessageEvent = Message;
/** `start`: the assistant began its reply. */
export const WebsiteStartEvent = z.object({ messageId: MessageId, sender: PrincipalRef });
/** `chunk`: one chunk of the reply, as the assistant produced it. */
export const WebsiteChunkEvent = z.object({ messageId: MessageId, index: z.number().int(), delta: z.string() });
/** `done`: the reply as persisted (status `complete` or `cancelled`). */
export const WebsiteDoneEvent = Message;
/** `error`: the reply could not be obtained (`timeout`, `unavailable`, ...). The stream then ends. */
export const WebsiteErrorEvent = z.object({ code: z.string(), message: z.string() });

/** One parsed website chat event. */
export type WebsiteChatEvent =
  | { event: "session"; data: z.infer<typeof WebsiteSessionEvent> }
  | { event: "message"; data: Message }
  | { event: "start"; data: z.infer<typeof WebsiteStartEvent> }
  | { event: "chunk"; data: z.infer<typeof WebsiteChunkEvent> }
  | { event: "paused" | "resumed"; data: { messageId: string } }
  | { event: "done"; data: Message }
  | { event: "error"; data: z.infer<typeof WebsiteErrorEvent> };
