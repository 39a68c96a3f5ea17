import { defineRouter } from "@symbia/http";
import { ConversationId, EditMessageBody, ListMessagesQuery, Message, MessageId, MessagePage, SendMessageBody } from "@symbia/messaging-client";
import { CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import { actorFromRequest } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as messages from "./messages.service.js";

const CAP = CAPABILITIES.messaging;
const Params = z.object({ id: ConversationId });
const MessageParams = z.object({ id: ConversationId, messageId: MessageId });

/** `/api/conversations/:id/messages`: send, page by sequence, threads, edit, soft delete. */
export function messagesRouter(deps: MessagingDeps) {
  const router = defineRouter({ basePath: "/api/conversations/:id/messages", tag: "messages", description: "Messages with a per-conversation sequence, threads, idempotent sends and soft deletes." });
  router.post(
    "/",
    {
      summary: "Send a message (201; 200 with the first message when clientId repeats)",
      description: "The same clientId from the same sender in the same conversation returns the first message; in another conversation it answers 409.",
      params: Params,
      body: SendMessageBody,
      response: Message,
      status: 201,
      entitlement: CAP.send,
      errors: [409],
    },
    async (req, res) => {
      const { message, replayed } = await messages.sendMessage(deps, actorFromRequest(req), req.valid.params.id, req.valid.body);
      res.status(replayed ? 200 : 201).json(message);
    },
  );
  router.get("/", { summary: "Page messages by sequence (after, before, limit), oldest first", params: Params, query: ListMessagesQuery, response: MessagePage, entitlement: CAP.read }, (req) =>
    messages.listMessages(deps, actorFromRequest(req), req.valid.params.id, req.valid.query),
  );
  router.get("/:messageId", { summary: "Get one message", params: MessageParams, response: Message, entitlement: CAP.read }, (req) =>
    messages.getMessage(deps, actorFromRequest(req), req.valid.params.id, req.valid.params.messageId),
  );
  router.get(
    "/:messageId/thread",
    { summary: "A message and its replies, oldest first", params: MessageParams, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }), response: z.object({ root: Message, items: z.array(Message) }), entitlement: CAP.read },
    (req) => messages.listThread(deps, actorFromRequest(req), req.valid.params.id, req.valid.params.messageId, req.valid.query.limit),
  );
  router.patch("/:messageId", { summary: "Edit a message (its sender)", params: MessageParams, body: EditMessageBody, response: Message, entitlement: CAP.send, errors: [409] }, (req) =>
    messages.editMessage(deps, actorFromRequest(req), req.valid.params.id, req.valid.params.messageId, req.valid.body),
  );
  router.delete("/:messageId", { summary: "Soft-delete a message (its sender, owners, admins): content erased, row kept", params: MessageParams, status: 204, entitlement: CAP.send, errors: [409] }, async (req) => {
    await messages.deleteMessage(deps, actorFromRequest(req), req.valid.params.id, req.valid.params.messageId);
  });
  return router;
}
