import { defineRouter } from "@symbia/http";
import { PresenceList } from "@symbia/messaging-client";
import { CAPABILITIES } from "@symbia/sys";
import { actorFromRequest } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as presence from "./presence.service.js";

/** `GET /api/presence`: who of the caller's org is connected. */
export function presenceRouter(deps: MessagingDeps) {
  const router = defineRouter({ basePath: "/api/presence", tag: "presence", description: "Presence of the org's principals (Socket.IO connections)." });
  router.get("/", { summary: "Connected principals of the caller's org, with their status", response: PresenceList, entitlement: CAPABILITIES.messaging.read }, (req) =>
    presence.listPresence(deps, actorFromRequest(req)),
  );
  return router;
}
