import { defineRouter } from "@symbia/http";
import { ControlBody, ControlResult, ConversationId } from "@symbia/messaging-client";
import { z } from "zod";
import { actorFromRequest } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as control from "./control.service.js";

const Params = z.object({ id: ConversationId });

/** `POST /api/conversations/:id/control`: pause, resume, cancel, preempt, route, handoff, priority. */
export function controlRouter(deps: MessagingDeps) {
  const router = defineRouter({ basePath: "/api/conversations/:id/control", tag: "control", description: "Control events with real effect on streamed replies and on who answers." });
  router.post(
    "/",
    {
      summary: "Apply a control event (stored as an event message, broadcast, forwarded to the assistant)",
      description:
        "pause/resume/cancel/preempt/priority need cap:messaging.interrupt; route/handoff need cap:messaging.route. Any other event name answers 400. 409 when there is nothing to act on.",
      params: Params,
      body: ControlBody,
      response: ControlResult,
      status: 201,
      errors: [409],
    },
    (req) => control.sendControl(deps, actorFromRequest(req), req.valid.params.id, req.valid.body),
  );
  return router;
}
