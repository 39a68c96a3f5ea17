import { defineRouter, scopeOf } from "@symbia/http";
import { NodeDetail, NodeId, type Node } from "@symbia/relay";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { NetworkDeps } from "../deps.js";
import { listNodes } from "./nodes.store.js";
import { evictNode } from "./nodes.service.js";

const ADMIN = CAPABILITIES.network.nodesAdmin;
const IdParams = z.object({ id: NodeId });

function detail(deps: NetworkDeps, node: Node): NodeDetail {
  return { ...node, connections: deps.registry.connections(node.id), bindings: deps.registry.bindingsOf(node.id) };
}

/**
 * `/api/nodes`: administration of registered nodes. Nodes register themselves over Socket.IO
 * (`node:register`), never over REST: a node needs its socket to heartbeat and to receive its key.
 */
export function nodesRouter(deps: NetworkDeps) {
  const router = defineRouter({ basePath: "/api/nodes", tag: "nodes", description: "Registered nodes: list, inspect (connections, bound entities), evict." });
  router.get("/", { summary: "Nodes the org sees (platform nodes and its own), with connections and bindings", response: z.object({ items: z.array(NodeDetail) }), entitlement: ADMIN }, async (req) => ({
    items: (await listNodes(deps.database.db, { orgId: scopeOf(req).orgId })).map((n) => detail(deps, n)),
  }));
  router.get("/:id", { summary: "A node with its connections and bindings", params: IdParams, response: NodeDetail, entitlement: ADMIN }, (req) => {
    const scope = scopeOf(req);
    const node = deps.registry.get(req.valid.params.id);
    if (!node || (node.orgId !== null && node.orgId !== scope.orgId)) throw new AppError("not_found", "node not found");
    return detail(deps, node);
  });
  router.delete("/:id", { summary: "Evict a node: its sockets are closed and its bindings dropped (platform nodes: super admin)", params: IdParams, status: 204, entitlement: ADMIN }, (req) =>
    evictNode(deps, { orgId: scopeOf(req).orgId, superAdmin: req.principal!.superAdmin === true }, req.valid.params.id),
  );
  return router;
}
