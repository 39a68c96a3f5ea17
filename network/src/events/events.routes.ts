import { defineRouter, scopeOf } from "@symbia/http";
import { EventRecord, EventStats, ListEventsQuery, pageOf } from "@symbia/relay";
import { CAPABILITIES } from "@symbia/sys";
import type { NetworkDeps } from "../deps.js";
import * as events from "./events.service.js";

/** `/api/events`: the bounded event history. */
export function eventsRouter(deps: NetworkDeps) {
  const router = defineRouter({ basePath: "/api/events", tag: "events", description: "The bounded history of events the network handled or refused, with their traces." });
  router.get("/", { summary: "Events of the org, newest first (filters: runId, type, source, status); payloads only for those entitled", query: ListEventsQuery, response: pageOf(EventRecord), entitlement: CAPABILITIES.network.eventsRead }, (req) =>
    events.listHistory(deps, req.principal!, scopeOf(req), req.valid.query),
  );
  router.get("/stats", { summary: "Counts by status and type, and refusals by reason", response: EventStats, entitlement: CAPABILITIES.network.eventsRead }, (req) => events.stats(deps, scopeOf(req)));
  return router;
}
