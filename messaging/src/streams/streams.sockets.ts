import { socketEvent } from "@symbia/http";
import { SocketEndStreamPayload, SocketStartStreamPayload, SocketStreamChunkPayload } from "@symbia/messaging-client";
import { actorFromSocket } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as streams from "./streams.service.js";

/** `stream:start`, `stream:chunk`, `stream:end`: an agent streams a reply over its socket. */
export function streamSocketEvents(deps: MessagingDeps) {
  return [
    socketEvent({
      event: "stream:start",
      summary: "Start a streamed reply in a conversation (ack: StreamState)",
      schema: SocketStartStreamPayload,
      rateLimit: { points: 20, durationSeconds: 1 },
      handler: ({ socket }, { conversationId, ...body }) => streams.startStream(deps, actorFromSocket(socket), conversationId, body),
    }),
    socketEvent({
      event: "stream:chunk",
      summary: "Send chunk `index` of the caller's stream (ack: delivered, held, queued or duplicate)",
      schema: SocketStreamChunkPayload,
      rateLimit: { points: 1_000, durationSeconds: 1 },
      handler: ({ socket }, { messageId, ...body }) => streams.appendChunk(deps, actorFromSocket(socket), messageId, body),
    }),
    socketEvent({
      event: "stream:end",
      summary: "End the caller's stream: stored once (pending while paused)",
      schema: SocketEndStreamPayload,
      handler: ({ socket }, { messageId, ...body }) => streams.endStream(deps, actorFromSocket(socket), messageId, body),
    }),
  ];
}
