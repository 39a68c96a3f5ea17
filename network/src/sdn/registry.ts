import { EventEmitter } from "node:events";
import type { EntityBinding, Node } from "@symbia/relay";
import type { Socket } from "socket.io";
import type { NodeDirectory, NodeInfo } from "./directory.js";

/**
 * The live topology in memory: registered nodes (mirroring the `nodes` table), the sockets that
 * serve each node, and entity bindings. It is the routing directory `decide()` reads, so routing
 * never waits on the database.
 *
 * Several sockets may serve one node id (two instances of a service). Delivery to such a node is
 * one-of-N: each event goes to one of its sockets, chosen round-robin, and to the next one only if
 * that socket does not acknowledge it; instances of a node are replicas, not subscribers.
 */
export class NodeRegistry implements NodeDirectory {
  private readonly byId = new Map<string, Node>();
  private readonly socketsByNode = new Map<string, Socket[]>();
  private readonly nodeBySocket = new Map<string, string>();
  private readonly bindings = new Map<string, EntityBinding>();
  private readonly turn = new Map<string, number>();
  private readonly events = new EventEmitter();

  constructor() {
    // One listener per delivery waiting for a reconnecting node.
    this.events.setMaxListeners(0);
  }

  /** Replaces everything with what the database holds (at start). */
  load(nodes: readonly Node[], bindings: readonly EntityBinding[]): void {
    this.byId.clear();
    this.bindings.clear();
    for (const node of nodes) this.byId.set(node.id, node);
    for (const binding of bindings) this.bindings.set(binding.entityId, binding);
  }

  /** Records a node as stored (after registration, a heartbeat or a status change). */
  put(node: Node): void {
    this.byId.set(node.id, node);
  }

  /** The registered node, or undefined. */
  get(id: string): Node | undefined {
    return this.byId.get(id);
  }

  /** Every registered node. */
  all(): Node[] {
    return [...this.byId.values()];
  }

  /** Forgets a node, its bindings and its sockets; returns the sockets (to disconnect) and the entity ids it held. */
  remove(id: string): { sockets: Socket[]; entityIds: string[] } {
    this.byId.delete(id);
    const sockets = this.socketsByNode.get(id) ?? [];
    this.socketsByNode.delete(id);
    this.turn.delete(id);
    for (const socket of sockets) this.nodeBySocket.delete(socket.id);
    const entityIds: string[] = [];
    for (const [entityId, binding] of this.bindings) {
      if (binding.nodeId === id) {
        this.bindings.delete(entityId);
        entityIds.push(entityId);
      }
    }
    return { sockets, entityIds };
  }

  /** Attaches a socket to a node (a socket serves one node). */
  addSocket(nodeId: string, socket: Socket): void {
    const list = this.socketsByNode.get(nodeId) ?? [];
    if (!list.includes(socket)) list.push(socket);
    this.socketsByNode.set(nodeId, list);
    this.nodeBySocket.set(socket.id, nodeId);
    this.events.emit(`socket:${nodeId}`);
  }

  /** Detaches a socket; returns the node it served. */
  removeSocket(socket: Socket): string | undefined {
    const nodeId = this.nodeBySocket.get(socket.id);
    if (nodeId === undefined) return undefined;
    this.nodeBySocket.delete(socket.id);
    const list = (this.socketsByNode.get(nodeId) ?? []).filter((s) => s !== socket);
    if (list.length) this.socketsByNode.set(nodeId, list);
    else this.socketsByNode.delete(nodeId);
    return nodeId;
  }

  /** The node a socket registered as, if any. */
  nodeOf(socket: Socket): string | undefined {
    return this.nodeBySocket.get(socket.id);
  }

  /** How many sockets serve a node now. */
  connections(nodeId: string): number {
    return this.socketsByNode.get(nodeId)?.length ?? 0;
  }

  /** The node's connected sockets, starting with the next in round-robin order. */
  socketsFor(nodeId: string): Socket[] {
    const list = (this.socketsByNode.get(nodeId) ?? []).filter((s) => s.connected);
    if (list.length < 2) return list;
    const start = (this.turn.get(nodeId) ?? 0) % list.length;
    this.turn.set(nodeId, start + 1);
    return [...list.slice(start), ...list.slice(0, start)];
  }

  /** Resolves true as soon as a socket serves `nodeId`, false after `timeoutMs`. */
  waitForSocket(nodeId: string, timeoutMs: number): Promise<boolean> {
    if (this.connections(nodeId) > 0) return Promise.resolve(true);
    if (timeoutMs <= 0 || !this.byId.has(nodeId)) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onSocket = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.events.off(`socket:${nodeId}`, onSocket);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.events.once(`socket:${nodeId}`, onSocket);
    });
  }

  /** Records a binding. */
  bind(binding: EntityBinding): void {
    this.bindings.set(binding.entityId, binding);
  }

  /** Drops a binding. */
  unbind(entityId: string): void {
    this.bindings.delete(entityId);
  }

  /** The binding of an entity, if any. */
  binding(entityId: string): EntityBinding | undefined {
    return this.bindings.get(entityId);
  }

  /** Bindings held by a node. */
  bindingsOf(nodeId: string): EntityBinding[] {
    return [...this.bindings.values()].filter((b) => b.nodeId === nodeId).sort((a, b) => (a.entityId < b.entityId ? -1 : 1));
  }

  // --- NodeDirectory ---

  node(id: string): NodeInfo | undefined {
    const node = this.byId.get(id);
    return node ? { id: node.id, type: node.type, orgId: node.orgId } : undefined;
  }

  /** Fan-out candidates: online nodes. */
  *nodes(): Iterable<NodeInfo> {
    for (const node of this.byId.values()) if (node.status === "online") yield { id: node.id, type: node.type, orgId: node.orgId };
  }

  entityNode(entityId: string): string | undefined {
    return this.bindings.get(entityId)?.nodeId;
  }
}
