import { resolveOrg, socketEvent, type SocketEventDefinition } from "@symbia/http";
import { AppError, CAPABILITIES, type Principal } from "@symbia/sys";
import type { Socket } from "socket.io";
import type { ExecutionMonitor } from "./execution-monitor.js";
import { WatchPayload } from "./monitoring.schemas.js";

// Same rule as REST's X-Org-Id: the payload's org, else the handshake's, else the principal's first.
function orgOf(socket: Socket, principal: Principal | undefined, requested: string | undefined): string {
  if (!principal) throw new AppError("unauthenticated", "authentication required");
  const fromHandshake = (socket.handshake.auth as { orgId?: unknown } | undefined)?.orgId;
  return resolveOrg(principal, requested ?? (typeof fromHandshake === "string" ? fromHandshake : undefined));
}

/** Socket.IO events of the monitoring rooms (`execution:watch`, `execution:unwatch`). */
export function monitoringSocketEvents(monitor: ExecutionMonitor): SocketEventDefinition[] {
  return [
    socketEvent({
      event: "execution:watch",
      summary:
        "Watch an execution of your org: joins its room and answers {execution, metrics, watching}; then execution:state, execution:progress, execution:emission (sampled), execution:metrics, execution:output, execution:backpressure, execution:node-error",
      schema: WatchPayload,
      entitlement: CAPABILITIES.runtime.read,
      rateLimit: { points: 100, durationSeconds: 10 },
      handler: ({ socket, principal }, payload) => monitor.watch(socket, { orgId: orgOf(socket, principal, payload.orgId) }, payload.executionId),
    }),
    socketEvent({
      event: "execution:unwatch",
      summary: "Stop watching an execution (leaves its room)",
      schema: WatchPayload.pick({ executionId: true }),
      handler: ({ socket }, payload) => monitor.unwatch(socket, payload.executionId),
    }),
  ] as SocketEventDefinition[];
}
