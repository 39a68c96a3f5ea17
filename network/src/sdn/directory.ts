import type { NodeType } from "@symbia/relay";

/** What routing and contract matching need to know about a node. */
export interface NodeInfo {
  id: string;
  /** Unknown for a node that is not registered (matched by exact id only). */
  type?: NodeType;
  /** The org the node works for; null for platform nodes (services); unknown when absent. */
  orgId?: string | null;
}

/**
 * The topology as the decision engine sees it: nodes that can receive events and the entity →
 * node bindings. The live implementation reads the registered nodes; dry runs may pass a snapshot.
 */
export interface NodeDirectory {
  /** The node with this id, or undefined when it is not registered. */
  node(id: string): NodeInfo | undefined;
  /** Every node that may receive events now (fan-out candidates). */
  nodes(): Iterable<NodeInfo>;
  /** The node an entity is bound to now, or undefined. */
  entityNode(entityId: string): string | undefined;
}

/** A {@link NodeDirectory} over fixed lists, for dry runs and tests. */
export function staticDirectory(nodes: readonly NodeInfo[], bindings: Readonly<Record<string, string>> | ReadonlyMap<string, string> = {}): NodeDirectory {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const bound = bindings instanceof Map ? bindings : new Map(Object.entries(bindings));
  return {
    node: (id) => byId.get(id),
    nodes: () => byId.values(),
    entityNode: (entityId) => bound.get(entityId),
  };
}
