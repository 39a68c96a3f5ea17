import { createRequire } from "node:module";
import { createServer, errorResponse, resolveOrg, type SymbiaServer } from "@symbia/http";
import { attachTelemetry, requestTelemetry } from "@symbia/logging-client";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { actorFromSocket } from "./actor.js";
import { inboundRouter } from "./bus/inbound.routes.js";
import { handleAssistantEvent } from "./bus/inbound.service.js";
import { controlRouter } from "./control/control.routes.js";
import { controlSocketEvents } from "./control/control.sockets.js";
import { conversationsRouter } from "./conversations/conversations.routes.js";
import type { MessagingDeps } from "./deps.js";
import { messagesRouter } from "./messages/messages.routes.js";
import { messageSocketEvents } from "./messages/messages.sockets.js";
import { presenceRouter } from "./presence/presence.routes.js";
import { socketConnected, socketDisconnecting } from "./presence/presence.service.js";
import { presenceSocketEvents } from "./presence/presence.sockets.js";
import { streamsRouter } from "./streams/streams.routes.js";
import { applyStreamControl, cancelAllStreams, STREAM_CONTROL_CHANNEL, type StreamControlRequest } from "./streams/streams.service.js";
import { streamSocketEvents } from "./streams/streams.sockets.js";
import { websiteRouter } from "./website/website.routes.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/**
 * Messaging's server: REST routers and Socket.IO events over the same service functions, the
 * Redis adapter when `REDIS_URL` is set, the assistant bus's inbound side, and shutdown hooks
 * (active replies are stored as cancelled before the sockets close).
 */
export function createApp(deps: MessagingDeps): SymbiaServer {
  const redis = deps.config.redisUrl ? { pub: new Redis(deps.config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 }), sub: new Redis(deps.config.redisUrl, { maxRetriesPerRequest: 3 }) } : null;
  for (const client of redis ? [redis.pub, redis.sub] : []) client.on("error", (error: Error) => deps.logger.warn({ err: error.message }, "redis connection error"));

  const server = createServer({
    service: "messaging",
    version,
    description: "Conversations people and agents share: messages with per-conversation sequences, Socket.IO delivery, streamed replies and control events with real effect.",
    config: deps.config,
    db: deps.database,
    logger: deps.logger,
    authenticate: deps.verifier.authenticate,
    ...(deps.telemetry ? { telemetry: requestTelemetry(deps.telemetry) } : {}),
    // The relay node starts after listen, leaves first at shutdown, and shows in /health/ready.
    ...(deps.relay ? { relay: deps.relay.client } : {}),
    routers: [conversationsRouter(deps), messagesRouter(deps), controlRouter(deps), streamsRouter(deps), presenceRouter(deps), websiteRouter(deps), inboundRouter(deps)],
    ...(redis ? { readiness: { redis: async () => void (await redis.pub.ping()) } } : {}),
    sockets: {
      events: [...messageSocketEvents(deps), ...controlSocketEvents(deps), ...streamSocketEvents(deps), ...presenceSocketEvents(deps)],
      onConnection: async (socket) => {
        const actor = actorFromSocket(socket);
        socket.on("disconnecting", () => void socketDisconnecting(deps, actor, socket).catch((error: unknown) => deps.logger.warn({ err: error }, "presence update failed")));
        await socketConnected(deps, actor, socket);
      },
    },
  });
  const io = server.io!;
  deps.realtime.attach(io);
  // After authentication (registered by createServer first): the org the socket acts in, as X-Org-Id does for REST.
  io.use((socket, next) => {
    const principal = socket.data.principal;
    if (!principal) return next(Object.assign(new Error("unauthenticated"), { data: { code: "unauthenticated", message: "authentication required" } }));
    try {
      const requested = (socket.handshake.auth as { orgId?: unknown } | undefined)?.orgId;
      const orgId = resolveOrg(principal, typeof requested === "string" && requested ? requested : undefined);
      socket.data.scope = { orgId, principalId: principal.id, principalType: principal.type, entityId: principal.entityId };
      next();
    } catch (error) {
      const { body } = errorResponse(error, deps.logger);
      next(Object.assign(new Error(body.error.message), { data: body.error }));
    }
  });
  if (redis) {
    io.adapter(createAdapter(redis.pub, redis.sub, { key: deps.config.redisKeyPrefix, requestsTimeout: 3_000 }));
    deps.realtime.multiInstance = true;
  }
  // Stream controls from other instances act on the replies streaming here.
  io.on(STREAM_CONTROL_CHANNEL, (request: StreamControlRequest, ack: (effects: unknown) => void) => {
    void applyStreamControl(deps, request).then(ack, (error: unknown) => {
      deps.logger.error({ err: error }, "remote stream control failed");
      ack([]);
    });
  });
  deps.bus.onInbound((event, meta) => handleAssistantEvent(deps, event, { via: "relay", ...(meta ? { source: meta.source } : {}) }));

  if (deps.telemetry) attachTelemetry(server, deps.telemetry);
  server.onShutdown("streams", () => cancelAllStreams(deps, "shutdown"));
  // createServer's final io.close() drops packets still buffered; closing this instance's sockets
  // here lets each flush first (what the cancelled replies just broadcast included).
  server.onShutdown("sockets", async () => {
    io.local.disconnectSockets(true);
    for (let waited = 0; io.engine.clientsCount > 0 && waited < 1_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  });
  server.onShutdown("realtime", async () => {
    deps.typing.clear();
    deps.verifier.close();
    await deps.bus.close();
  });
  if (redis) {
    // createServer closes Socket.IO (and with it the adapter, which unsubscribes) as its last
    // step, so the Redis clients may only quit after the whole shutdown.
    const shutdown = server.shutdown.bind(server);
    let closed: Promise<void> | undefined;
    server.shutdown = (reason) =>
      (closed ??= shutdown(reason).then(async () => {
        await Promise.allSettled([redis.pub.quit(), redis.sub.quit()]);
      }));
  }
  return server;
}
