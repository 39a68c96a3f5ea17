import { defineRouter } from "@symbia/http";
import { AssistantInboundEvent } from "@symbia/messaging-client";
import { AppError } from "@symbia/sys";
import { z } from "zod";
import type { MessagingDeps } from "../deps.js";
import { handleAssistantEvent } from "./inbound.service.js";

/**
 * `POST /api/assistant-events`: the HTTP side of the assistant bus. A platform service (the
 * assistants service) posts an assistant's reply or stream part, naming the agent it speaks for;
 * handled exactly like a relay delivery.
 */
export function inboundRouter(deps: MessagingDeps) {
  const router = defineRouter({ basePath: "/api/assistant-events", tag: "assistant-bus", description: "Events from assistants when the relay is not used." });
  router.post(
    "/",
    { summary: "Deliver an assistant event (service principals only)", body: AssistantInboundEvent, response: z.object({ ok: z.literal(true), result: z.unknown() }), errors: [409] },
    async (req) => {
      if (req.principal?.type !== "service") throw new AppError("forbidden", "only platform services deliver assistant events");
      return { ok: true as const, result: await handleAssistantEvent(deps, req.valid.body, { via: "http" }) };
    },
  );
  return router;
}
