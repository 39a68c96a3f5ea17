import { AppError, type ErrorEnvelope, type Principal } from "@symbia/sys";
import type { Server as SocketServer, Socket } from "socket.io";
import { z } from "zod";
import { resolveOrg, type AuthInput, type Authenticator, type Authorizer } from "./auth.js";
import { newSpanId, newTraceId, parseTraceparent, runWithContext, sanitizeTraceId } from "./context.js";
import { errorResponse, issuesFromZod, validationError } from "./errors.js";
import type { Logger } from "./logger.js";
import { memoryLimiter } from "./ratelimit.js";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

/** The result every client event's ack receives (ARCHITECTURE §4, API conventions). */
export type AckResult<T = unknown> = { ok: true; data: T } | { ok: false; error: ErrorEnvelope["error"] };

/** What a socket event handler gets besides its validated payload. */
export interface SocketEventContext {
  socket: Socket;
  io: SocketServer;
  /** The verified caller (always set unless the event's auth is "none"). */
  principal?: Principal;
}

/** Declaration of one client → server event: its payload schema, entitlement and handler. */
export interface SocketEventDefinition<S extends z.ZodType = z.ZodType> {
  /** `noun:verb`, e.g. `message:send`. */
  event: string;
  summary: string;
  schema: S;
  /** Entitlement required (`cap:…`); an error ack without it. */
  entitlement?: string;
  /** Per-socket limit of this event. */
  rateLimit?: { points: number; durationSeconds: number };
  handler: (ctx: SocketEventContext, payload: z.output<S>) => unknown | Promise<unknown>;
}

/** Declares a socket event (typed helper; see {@link SocketEventDefinition}). */
export function socketEvent<S extends z.ZodType>(definition: SocketEventDefinition<S>): SocketEventDefinition<S> {
  return definition;
}

/** The socket events of a service as documented in `/api/bootstrap/service`. */
export function describeSocketEvents(events: readonly SocketEventDefinition[]) {
  return events.map((e) => ({
    event: e.event,
    summary: e.summary,
    ...(e.entitlement ? { entitlement: e.entitlement } : {}),
    payload: z.toJSONSchema(e.schema, { unrepresentable: "any", io: "input" }),
  }));
}

declare module "socket.io" {
  interface SocketData {
    principal?: Principal;
    traceId?: string;
  }
}

/** The {@link AuthInput} of a Socket.IO handshake: `auth.token` becomes a bearer authorization. */
export function socketAuthInput(socket: Socket): AuthInput {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(socket.handshake.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof token === "string" && token.length > 0) headers.authorization = `Bearer ${token}`;
  return { headers, ip: socket.handshake.address, transport: "socket" };
}

/** Options of {@link attachSocketHandlers}. */
export interface SocketSetup {
  events: readonly SocketEventDefinition[];
  authenticate?: Authenticator;
  authorize: Authorizer;
  /** "required" (default): connections without valid credentials are refused. */
  auth: "required" | "optional";
  logger: Logger;
  /** Called for each authenticated connection after the event handlers are attached. */
  onConnection?: (socket: Socket, io: SocketServer) => void | Promise<void>;
}

/**
 * Authenticates connections and wires every declared event: each payload is parsed with its zod
 * schema (`safeParse`), the entitlement and rate limit are checked, the handler runs inside a
 * request context (trace id from the handshake), and the ack gets `{ok: true, data}` or
 * `{ok: false, error}` with the same envelope as REST. Errors never escape to the socket.
 */
export function attachSocketHandlers(io: SocketServer, setup: SocketSetup): void {
  const limiters = new Map<string, RateLimiterAbstract>();
  for (const e of setup.events) if (e.rateLimit) limiters.set(e.event, memoryLimiter(e.rateLimit, `socket:${e.event}`));

  io.use(async (socket, next) => {
    try {
      const principal = setup.authenticate ? await setup.authenticate(socketAuthInput(socket)) : null;
      if (!principal && setup.auth === "required") return next(Object.assign(new Error("unauthenticated"), { data: { code: "unauthenticated" } }));
      if (principal) socket.data.principal = principal;
      const headers = socket.handshake.headers;
      socket.data.traceId =
        parseTraceparent(headers.traceparent as string | undefined)?.traceId ?? sanitizeTraceId(headers["x-trace-id"] as string | undefined) ?? newTraceId();
      next();
    } catch (error) {
      const { body } = errorResponse(error, setup.logger);
      next(Object.assign(new Error(body.error.message), { data: body.error }));
    }
  });

  io.on("connection", (socket) => {
    for (const definition of setup.events) {
      socket.on(definition.event, (payload: unknown, maybeAck?: unknown) => {
        // Clients may omit the payload and pass only an ack.
        const ack = typeof maybeAck === "function" ? maybeAck : typeof payload === "function" ? payload : undefined;
        const input = typeof payload === "function" ? undefined : payload;
        const context = { requestId: newSpanId(), traceId: socket.data.traceId ?? newTraceId(), spanId: newSpanId(), ...(socket.data.principal ? { principal: socket.data.principal } : {}) };
        void runWithContext(context, async () => {
          let result: AckResult;
          try {
            const data = await runEvent(definition, input, { socket, io, ...(socket.data.principal ? { principal: socket.data.principal } : {}) });
            result = { ok: true, data: data ?? null };
          } catch (error) {
            result = { ok: false, error: errorResponse(error, setup.logger).body.error };
          }
          if (typeof ack === "function") (ack as (r: AckResult) => void)(result);
        });
      });
    }
    void Promise.resolve(setup.onConnection?.(socket, io)).catch((error: unknown) => setup.logger.error({ err: error }, "socket onConnection failed"));
  });

  async function runEvent(definition: SocketEventDefinition, payload: unknown, ctx: SocketEventContext): Promise<unknown> {
    const limiter = limiters.get(definition.event);
    if (limiter) {
      try {
        await limiter.consume(ctx.socket.id);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          const retryAfterSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
          throw new AppError("rate_limited", `too many ${definition.event} events`, { retryAfterSeconds }, { retryAfterSeconds });
        }
        throw error;
      }
    }
    if (definition.entitlement) {
      if (!ctx.principal) throw new AppError("unauthenticated", "authentication required");
      const requested = (payload as { orgId?: unknown } | null)?.orgId ?? (ctx.socket.handshake.auth as { orgId?: unknown } | undefined)?.orgId;
      const orgId = ctx.principal.orgs.length || typeof requested === "string" ? resolveOrg(ctx.principal, typeof requested === "string" ? requested : undefined) : undefined;
      if (!(await setup.authorize(ctx.principal, definition.entitlement, orgId))) {
        throw new AppError("forbidden", `missing entitlement ${definition.entitlement}`, { entitlement: definition.entitlement });
      }
    }
    const parsed = definition.schema.safeParse(payload);
    if (!parsed.success) throw validationError(issuesFromZod(parsed.error, "payload"));
    return definition.handler(ctx, parsed.data);
  }
}
