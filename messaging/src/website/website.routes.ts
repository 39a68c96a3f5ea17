import { defineRouter } from "@symbia/http";
import { WebsiteSendBody } from "@symbia/messaging-client";
import type { MessagingDeps } from "../deps.js";
import { chat, resolveWebsiteCaller, websiteLimits } from "./website.service.js";

/** `POST /api/messaging/send`: the website chat, answered with Server-Sent Events. */
export function websiteRouter(deps: MessagingDeps) {
  const limits = websiteLimits(deps);
  const router = defineRouter({ basePath: "/api/messaging", tag: "website", auth: "optional", description: "The website's live chat: visitors as rate-limited guests, replies streamed as Server-Sent Events." });
  router.post(
    "/send",
    {
      summary: "Send a chat message and stream the reply (text/event-stream)",
      description:
        "Events: session, message, start, chunk, paused, resumed, done, error. Visitors without an account get a guest session (X-Guest-Session on later calls) in the demo org; signed-in callers give conversationId.",
      body: WebsiteSendBody,
      produces: "text/event-stream",
      rateLimit: { points: deps.config.website.sendsPerIp, durationSeconds: 60, key: "ip" },
      errors: [503],
    },
    async (req, res) => {
      const caller = await resolveWebsiteCaller(deps, limits, req, req.valid.body);
      await chat(deps, caller, req, res, req.valid.body.message);
    },
  );
  return router;
}
