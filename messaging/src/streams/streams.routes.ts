import { defineRouter } from "@symbia/http";
import { ChunkResult, ConversationId, EndStreamBody, EndStreamResult, MessageId, StartStreamBody, StreamChunkBody, StreamState } from "@symbia/messaging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import { actorFromRequest } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as streams from "./streams.service.js";

const CAP = CAPABILITIES.messaging;
const Params = z.object({ id: ConversationId });
const StreamParams = z.object({ id: ConversationId, messageId: MessageId });

/**
 * `/api/conversations/:id/streams`: streamed replies over HTTP, for agents that do not hold a
 * socket (the same service functions as `stream:start`, `stream:chunk`, `stream:end`).
 */
export function streamsRouter(deps: MessagingDeps) {
  const router = defineRouter({ basePath: "/api/conversations/:id/streams", tag: "streams", description: "Streamed replies: start, chunks in index order, end (stored once)." });
  router.get("/", { summary: "Active streamed replies with the text delivered so far", params: Params, response: z.object({ items: z.array(StreamState) }), entitlement: CAP.read }, (req) =>
    streams.listStreams(deps, actorFromRequest(req), req.valid.params.id),
  );
  router.post("/", { summary: "Start a streamed reply", params: Params, body: StartStreamBody, response: StreamState, status: 201, entitlement: CAP.send, errors: [409] }, (req) =>
    streams.startStream(deps, actorFromRequest(req), req.valid.params.id, req.valid.body),
  );
  router.post("/:messageId/chunks", { summary: "Send chunk `index` of the caller's stream", params: StreamParams, body: StreamChunkBody, response: ChunkResult, entitlement: CAP.send, errors: [409] }, (req) => {
    const actor = actorFromRequest(req);
    assertConversation(deps, req.valid.params.id, req.valid.params.messageId);
    return streams.appendChunk(deps, actor, req.valid.params.messageId, req.valid.body);
  });
  router.post("/:messageId/end", { summary: "End the caller's stream: the reply is stored once", params: StreamParams, body: EndStreamBody, response: EndStreamResult, entitlement: CAP.send, errors: [409] }, (req) => {
    const actor = actorFromRequest(req);
    assertConversation(deps, req.valid.params.id, req.valid.params.messageId);
    return streams.endStream(deps, actor, req.valid.params.messageId, req.valid.body);
  });
  return router;
}

// The path names the conversation: a stream of another conversation is not found here.
function assertConversation(deps: MessagingDeps, conversationId: string, messageId: string): void {
  const stream = deps.streams.get(messageId);
  if (stream && stream.conversationId !== conversationId) throw new AppError("not_found", "no active stream with this message id");
}
