import { currentContext, newSpanId, newTraceId, runWithContext, socketEvent } from "@symbia/http";
import { PageQuery, SocketEditPayload, SocketMessageRef, SocketReadPayload, SocketSendPayload, SyncPayload } from "@symbia/messaging-client";
import { actorFromSocket } from "../actor.js";
import * as conversations from "../conversations/conversations.service.js";
import type { MessagingDeps } from "../deps.js";
import * as messages from "./messages.service.js";

/** The current socket event's context in a new trace. */
function ownTrace() {
  const context = currentContext();
  const spanId = newSpanId();
  return { ...(context ?? { requestId: spanId }), traceId: newTraceId(), spanId, parentSpanId: undefined };
}

/** Socket twins of the message routes, plus `conversation:sync` (recovery after reconnect). */
export function messageSocketEvents(deps: MessagingDeps) {
  return [
    socketEvent({
      event: "message:send",
      summary: "Send a message (ack: the stored message; the same clientId returns the first one)",
      schema: SocketSendPayload,
      rateLimit: { points: 100, durationSeconds: 1 },
      // Each message sent over a socket is a turn of its own: a new trace (the socket's handshake
      // trace would otherwise join every turn of the connection), which the stored message and
      // its message.new carry.
      handler: async ({ socket }, { conversationId, ...body }) =>
        runWithContext(ownTrace(), async () => (await messages.sendMessage(deps, actorFromSocket(socket), conversationId, body)).message),
    }),
    socketEvent({
      event: "message:edit",
      summary: "Edit one of the caller's messages",
      schema: SocketEditPayload,
      handler: ({ socket }, { conversationId, messageId, ...body }) => messages.editMessage(deps, actorFromSocket(socket), conversationId, messageId, body),
    }),
    socketEvent({
      event: "message:delete",
      summary: "Soft-delete a message (sender, owners, admins)",
      schema: SocketMessageRef,
      handler: ({ socket }, { conversationId, messageId }) => messages.deleteMessage(deps, actorFromSocket(socket), conversationId, messageId),
    }),
    socketEvent({
      event: "message:read",
      summary: "Move the caller's read marker forward",
      schema: SocketReadPayload,
      handler: ({ socket }, { conversationId, sequence }) => conversations.markRead(deps, actorFromSocket(socket), conversationId, sequence),
    }),
    socketEvent({
      event: "conversation:sync",
      summary: "Messages after the last sequence the client saw, per conversation, oldest first",
      schema: SyncPayload,
      rateLimit: { points: 60, durationSeconds: 10 },
      handler: ({ socket }, payload) => messages.syncConversations(deps, actorFromSocket(socket), payload),
    }),
    socketEvent({
      event: "conversation:list",
      summary: "The caller's conversations, most recently active first",
      schema: PageQuery,
      handler: ({ socket }, query) => conversations.listConversations(deps, actorFromSocket(socket), query),
    }),
  ];
}
