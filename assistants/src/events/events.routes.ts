import { createHmac, timingSafeEqual } from "node:crypto";
import { defineRouter, type ServiceRouter } from "@symbia/http";
import { AssistantOutboundEvent } from "@symbia/messaging-client";
import { AppError } from "@symbia/sys";
import { z } from "zod";
import type { AssistantsDeps } from "../deps.js";
import { handleBusEvent } from "./events.service.js";

/** Largest age of a signed webhook, ms. */
const MAX_SKEW_MS = 5 * 60_000;

/**
 * `POST /api/webhooks/messaging`: the HTTP side of the assistant bus (messaging's
 * `MESSAGING_ASSISTANT_WEBHOOK_URL`), used while the relay is down. Only messaging's service
 * principal may call it; with `ASSISTANTS_WEBHOOK_SECRET` the `X-Symbia-Signature` HMAC over
 * `<timestamp>.<body>` must match and be at most 5 minutes old. Handled exactly like a relay
 * delivery; answers once the turn is decided (the run goes on in the background).
 */
export function webhooksRouter(deps: AssistantsDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/webhooks", tag: "bus", description: "Messaging's events when the relay is not used." });
  router.post(
    "/messaging",
    {
      summary: "message.new / message.control from messaging (messaging's service principal only)",
      body: AssistantOutboundEvent,
      response: z.object({ handled: z.string(), reason: z.string().optional(), runId: z.string().optional(), assistant: z.string().optional() }),
      status: 202,
      auth: "required",
    },
    async (req) => {
      if (req.principal?.type !== "service" || req.principal.id !== "service:messaging") throw new AppError("forbidden", "only the messaging service delivers these events");
      const secret = deps.config.webhookSecret;
      if (secret) {
        const timestamp = req.get("x-symbia-timestamp") ?? "";
        const signature = req.get("x-symbia-signature") ?? "";
        const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${JSON.stringify(req.body)}`).digest("hex")}`;
        const fresh = Math.abs(Date.now() - Number(timestamp)) <= MAX_SKEW_MS;
        if (!fresh || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) throw new AppError("unauthenticated", "bad or stale webhook signature");
      }
      const { done: _done, ...outcome } = await handleBusEvent(deps, req.valid.body);
      return outcome;
    },
  );
  return router;
}
