import type { EventTrace, Node, TopologyChange } from "@symbia/relay";
import type { NetworkDeps } from "../deps.js";

/** Room every watcher joins: changes to platform nodes (services) concern every org. */
export const WATCH_ALL_ROOM = "watch:platform";

/** Room of one org's watchers. */
export function watchRoom(orgId: string): string {
  return `watch:org:${orgId}`;
}

/**
 * Pushes a topology change to the watchers who may see the node: every watcher for a platform
 * node, the node's org's watchers otherwise (`sdn:topology`).
 */
export function publishTopology(deps: NetworkDeps, change: TopologyChange["change"], nodeId: string, node: Node | null, extra: { orgId?: string | null; entityId?: string } = {}): void {
  const io = deps.io.current;
  if (!io) return;
  const orgId = node ? node.orgId : (extra.orgId ?? null);
  const payload: TopologyChange = { change, nodeId, node, at: new Date().toISOString(), ...(extra.entityId ? { entityId: extra.entityId } : {}) };
  io.to(orgId === null ? WATCH_ALL_ROOM : watchRoom(orgId)).emit("sdn:topology", payload);
}

/** Pushes a handled event's trace to its org's watchers (`sdn:event`). */
export function publishEvent(deps: NetworkDeps, trace: EventTrace): void {
  deps.io.current?.to(watchRoom(trace.orgId)).emit("sdn:event", trace);
}
