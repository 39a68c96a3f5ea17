import { socketEvent } from "@symbia/http";
import { SetPresencePayload, TypingPayload } from "@symbia/messaging-client";
import { z } from "zod";
import { actorFromSocket } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as presence from "./presence.service.js";

/** Typing indicators (rate limited per socket, expiring) and presence within the org. */
export function presenceSocketEvents(deps: MessagingDeps) {
  const typingLimit = { points: 20, durationSeconds: 10 };
  return [
    socketEvent({
      event: "typing:start",
      summary: "Start or renew the caller's typing indicator (expires by itself)",
      schema: TypingPayload,
      rateLimit: typingLimit,
      handler: ({ socket }, { conversationId }) => presence.startTyping(deps, actorFromSocket(socket), conversationId),
    }),
    socketEvent({
      event: "typing:stop",
      summary: "Stop the caller's typing indicator",
      schema: TypingPayload,
      rateLimit: typingLimit,
      handler: ({ socket }, { conversationId }) => presence.stopTyping(deps, actorFromSocket(socket), conversationId),
    }),
    socketEvent({
      event: "presence:set",
      summary: "Set this socket's presence (online, away, busy), visible to the org only",
      schema: SetPresencePayload,
      rateLimit: { points: 10, durationSeconds: 10 },
      handler: ({ socket }, { status }) => presence.setPresence(deps, actorFromSocket(socket), socket, status),
    }),
    socketEvent({
      event: "presence:list",
      summary: "Who of the org is connected, with their status",
      schema: z.object({}).strict().optional(),
      handler: ({ socket }) => presence.listPresence(deps, actorFromSocket(socket)),
    }),
  ];
}
