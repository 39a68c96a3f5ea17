import { socketEvent } from "@symbia/http";
import { SocketControlPayload } from "@symbia/messaging-client";
import { actorFromSocket } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as control from "./control.service.js";

/** `control:send`: the socket twin of `POST /api/conversations/:id/control`. */
export function controlSocketEvents(deps: MessagingDeps) {
  return [
    socketEvent({
      event: "control:send",
      summary: "Apply a control event to a conversation (ack: ControlResult)",
      schema: SocketControlPayload,
      rateLimit: { points: 20, durationSeconds: 1 },
      handler: ({ socket }, { conversationId, ...body }) => control.sendControl(deps, actorFromSocket(socket), conversationId, body as Parameters<typeof control.sendControl>[3]),
    }),
  ];
}
