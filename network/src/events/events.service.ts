import type { EventRecord, EventStats, ListEventsQuery, Page } from "@symbia/relay";
import type { Principal, Scope } from "@symbia/sys";
import type { NetworkDeps } from "../deps.js";
import { eventStats, listEvents } from "./events.store.js";

/**
 * Whether `caller` may read the payload of `record`: payloads of class `none` to whoever may read
 * the org's events (`cap:network.events.read`, checked by the route); `pii` and `phi` payloads
 * only to the event's own acting principal and the super admin. `secret` payloads are never kept.
 */
export function mayReadPayload(caller: Principal, record: Pick<EventRecord, "dataClass" | "principal">): boolean {
  if (record.dataClass === "none") return true;
  if (record.dataClass === "secret") return false;
  return caller.superAdmin === true || record.principal?.id === caller.id;
}

/** A page of the org's event history, newest first, with the payloads the caller may read. */
export async function listHistory(deps: NetworkDeps, caller: Principal, scope: Scope, query: ListEventsQuery): Promise<Page<EventRecord>> {
  const page = await listEvents(deps.database.db, { orgId: scope.orgId }, query, { includeData: true });
  return {
    ...page,
    items: page.items.map((record) => {
      if (mayReadPayload(caller, record)) return record;
      const { data: _hidden, ...rest } = record;
      return rest;
    }),
  };
}

/** Counts of the org's history: by status, by type, and refusals at the door by reason. */
export function stats(deps: NetworkDeps, scope: Scope): Promise<EventStats> {
  return eventStats(deps.database.db, { orgId: scope.orgId });
}
