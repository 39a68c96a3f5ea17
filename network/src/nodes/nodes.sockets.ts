import { resolveOrg, socketEvent, type SocketEventContext } from "@symbia/http";
import { BindEntityBody, HeartbeatBody, RegisterNodeBody, WatchBody, type WatchSnapshot } from "@symbia/relay";
import { AppError, CAPABILITIES, type Principal } from "@symbia/sys";
import type { Socket } from "socket.io";
import { z } from "zod";
import type { NetworkDeps } from "../deps.js";
import { ingestEvent } from "../events/events.ingress.js";
import { listNodes } from "./nodes.store.js";
import { bind, heartbeat, nodeOfSocket, registerNode, socketClosed, unbind } from "./nodes.service.js";
import { WATCH_ALL_ROOM, watchRoom } from "../sdn/watch.js";

// The handshake refuses anonymous sockets already; each event checks again, so nothing relies on one line.
function principalOf(ctx: SocketEventContext): Principal {
  if (!ctx.principal) throw new AppError("unauthenticated", "authentication required");
  return ctx.principal;
}

function requestedOrg(socket: Socket): string | undefined {
  const org = (socket.handshake.auth as { orgId?: unknown } | undefined)?.orgId;
  return typeof org === "string" && org.length > 0 ? org : undefined;
}

/** The network's Socket.IO events (client → server); server → client: `event:deliver`, `sdn:topology`, `sdn:event`. */
export function networkSocketEvents(deps: NetworkDeps) {
  return [
    socketEvent({
      event: "node:register",
      summary: "Register this socket as a node (the id must be the principal's own); the ack carries the node's HMAC key",
      schema: RegisterNodeBody,
      handler: (ctx, body) => registerNode(deps, principalOf(ctx), body, ctx.socket, requestedOrg(ctx.socket)),
    }),
    socketEvent({
      event: "node:heartbeat",
      summary: "Heartbeat of the socket's node (answers not_found once the node was removed: register again)",
      schema: HeartbeatBody.optional(),
      handler: (ctx) => {
        principalOf(ctx);
        return heartbeat(deps, ctx.socket);
      },
    }),
    socketEvent({
      event: "event:send",
      summary: "Send a signed envelope; the ack is the network's verdict (delivered, denied, unrouted, dropped, error)",
      schema: z.unknown(),
      handler: (ctx, envelope) => {
        principalOf(ctx);
        return ingestEvent(deps, nodeOfSocket(deps, ctx.socket), envelope);
      },
    }),
    socketEvent({
      event: "entity:bind",
      summary: "Bind an entity to the socket's node (service nodes: any entity; others: their own)",
      schema: BindEntityBody,
      handler: (ctx, body) => {
        principalOf(ctx);
        return bind(deps, nodeOfSocket(deps, ctx.socket), body.entityId);
      },
    }),
    socketEvent({
      event: "entity:unbind",
      summary: "Unbind an entity the socket's node holds",
      schema: BindEntityBody,
      handler: async (ctx, body) => {
        principalOf(ctx);
        await unbind(deps, nodeOfSocket(deps, ctx.socket), body.entityId);
        return { entityId: body.entityId };
      },
    }),
    socketEvent({
      event: "sdn:watch",
      summary: "Watch the topology (sdn:topology) and handled events (sdn:event) of an org live",
      schema: WatchBody.optional(),
      entitlement: CAPABILITIES.network.topologyRead,
      handler: async (ctx, body): Promise<WatchSnapshot> => {
        const orgId = resolveOrg(principalOf(ctx), body?.orgId ?? requestedOrg(ctx.socket));
        await ctx.socket.join([WATCH_ALL_ROOM, watchRoom(orgId)]);
        return { orgId, nodes: await listNodes(deps.database.db, { orgId }) };
      },
    }),
    socketEvent({
      event: "sdn:unwatch",
      summary: "Stop watching",
      schema: z.unknown(),
      handler: async (ctx) => {
        principalOf(ctx);
        for (const room of ctx.socket.rooms) if (room.startsWith("watch:")) await ctx.socket.leave(room);
        return { watching: false };
      },
    }),
  ];
}

/** Per connection: forget the socket when it closes. */
export function onNetworkConnection(deps: NetworkDeps) {
  return (socket: Socket) => {
    socket.on("disconnect", (reason) => socketClosed(deps, socket, reason));
  };
}
