import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Database } from "@symbia/db";
import { toLlmsFullTxt, toLlmsTxt, type OpenApiDocument } from "@symbia/md";
import { getService, type ServiceId } from "@symbia/sys";
import cors from "cors";
import express, { type Express, type RequestHandler } from "express";
import helmet from "helmet";
import { Server as SocketServer } from "socket.io";
import { z } from "zod";
import { authMiddleware, entitlementMiddleware, hasEntitlement, type Authenticator, type Authorizer } from "./auth.js";
import { newSpanId, newTraceId, parseTraceparent, runWithContext, sanitizeTraceId, type RequestContext } from "./context.js";
import { errorHandler, notFoundHandler, toAppError } from "./errors.js";
import { createLogger, type Logger } from "./logger.js";
import { createHttpMetrics, metricsMiddleware, routeTemplateOf, type HttpMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi.js";
import { memoryLimiter, rateLimitKey, rateLimitMiddleware } from "./ratelimit.js";
import { defineRouter, registeredRoutes, type RegisteredRoute, type ServiceRouter } from "./routes.js";
import { attachSocketHandlers, describeSocketEvents, type SocketEventDefinition, type SocketSetup } from "./sockets.js";

/** A readiness check: resolves when healthy, rejects (or resolves false) when not. */
export type ReadinessCheck = () => Promise<void | boolean>;

/** The server settings `createServer` needs (a subset of `BaseConfig`). */
export interface ServerConfig {
  env: "development" | "test" | "production";
  host: string;
  port: number;
  logLevel: string;
  bodyLimitBytes: number;
  corsOrigins: string[];
  rateLimit: { points: number; durationSeconds: number };
  shutdown: { preShutdownDelayMs: number; graceMs: number };
}

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  service: ServiceId;
  /** The service's version (its package.json version). */
  version: string;
  description?: string;
  config: ServerConfig;
  routers: readonly ServiceRouter[];
  /** Socket.IO: events to serve; the Socket.IO server is created only when given. */
  sockets?: Omit<SocketSetup, "authenticate" | "authorize" | "logger" | "auth"> & { auth?: SocketSetup["auth"] };
  /** The service's database: pinged by readiness, exported and closed at shutdown. */
  db?: Database<Record<string, unknown>>;
  /** Extra readiness checks by name (dependencies). */
  readiness?: Record<string, ReadinessCheck>;
  /** Fills the auth slot: turns credentials into a principal. Without it, "required" routes answer 401. */
  authenticate?: Authenticator;
  /** Entitlement decision (default: {@link hasEntitlement}). */
  authorize?: Authorizer;
  /** Logger to use (default: a new pino logger on stdout). */
  logger?: Logger;
  /** OpenAPI tag descriptions. */
  tags?: { name: string; description?: string }[];
  /** Extra app-wide middleware run before the routers (cookie parsing, for example). */
  middleware?: RequestHandler[];
  /**
   * The service's node on the network (one option joins it): started after `listen()`, closed
   * at shutdown, reported by `/health/ready` under `relay`. The relay is best effort: a network
   * that is down never makes the service not ready.
   */
  relay?: RelayAttachment;
  /** Request start/end hooks (route, status, duration, trace and span ids) for request spans. */
  telemetry?: RequestTelemetry;
}

/**
 * What readiness reports about a service's network node (see {@link RelayAttachment}); every
 * other field of the object (outbox size, counters, last error) is reported as well.
 */
export interface RelayAttachmentStatus {
  /** The node's socket to the network is open. */
  connected: boolean;
  /** The network accepted the node's registration on that socket. */
  registered: boolean;
}

/**
 * A node of the network service that the server runs for its service: `@symbia/relay`'s
 * `connectRelay({..., autoStart: false})` is one. Declared here as an interface so that
 * `@symbia/http` does not depend on the relay client (the relay client depends on `@symbia/http`
 * for the request context).
 */
export interface RelayAttachment {
  /** Starts connecting; called once the HTTP server listens. Idempotent. */
  start(): void;
  /** Leaves the network; called first among the shutdown hooks. */
  close(): Promise<void>;
  /** Current state, shown by `/health/ready`. */
  status(): RelayAttachmentStatus;
}


/** What {@link RequestTelemetry} learns when a request starts: W3C ids of the server span. */
export interface RequestStartInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  requestId: string;
  /** W3C trace id (or the caller's `x-trace-id`). */
  traceId: string;
  /** This request's span id (16 hex). */
  spanId: string;
  /** The caller's span id, from `traceparent`. */
  parentSpanId?: string;
  /** Wall-clock start, ms since the epoch. */
  startTimeMs: number;
}

/** What {@link RequestTelemetry} learns when a request's response is closed. */
export interface RequestEndInfo extends RequestStartInfo {
  /** Matched route template (`/api/orgs/:orgId`); undefined when no route matched (404s). */
  route?: string;
  status: number;
  /** Duration, ms (monotonic clock). */
  durationMs: number;
  principalId?: string;
  /** Org the request acted in, once `scopeOf` resolved it. */
  orgId?: string;
  /** True when the client went away before the response finished. */
  aborted: boolean;
}

/**
 * Hooks told about every HTTP request, for shipping request spans (see `@symbia/logging-client`).
 * They run synchronously on the request path: they must only enqueue, never block or throw (a
 * throw is caught and ignored).
 */
export interface RequestTelemetry {
  onRequestStart?(info: RequestStartInfo): void;
  onRequestEnd?(info: RequestEndInfo): void;
}

/** Phases of shutdown that hooks can join (ARCHITECTURE §4 "Shutdown"). */
export type ShutdownPhase = "hooks" | "telemetry";

/** A running (or ready to run) service. */
export interface SymbiaServer {
  readonly app: Express;
  readonly httpServer: HttpServer;
  readonly io?: SocketServer;
  /** The network node given as the `relay` option. */
  readonly relay?: RelayAttachment;
  readonly logger: Logger;
  readonly metrics: HttpMetrics;
  readonly routes: readonly RegisteredRoute[];
  /** The service's OpenAPI 3.1 document. */
  readonly openapi: OpenApiDocument;
  /** Starts listening (port 0 picks a free one); resolves with the bound port. Readiness turns on. */
  listen(port?: number, host?: string): Promise<number>;
  /** `http://host:port` once listening. */
  url(): string;
  /** Registers work to run at shutdown, in registration order within its phase. */
  onShutdown(name: string, fn: () => Promise<void> | void, phase?: ShutdownPhase): void;
  /**
   * Graceful shutdown: readiness 503 → pre-shutdown delay (still serving) → stop accepting and
   * drain in-flight requests (up to the grace period) → hooks → export memory DB → flush telemetry
   * → close DB → close sockets → close remaining connections. Idempotent.
   */
  shutdown(reason?: string): Promise<void>;
  /** Calls {@link SymbiaServer.shutdown} on SIGTERM/SIGINT, then exits 0 (1 if shutdown failed). */
  installSignalHandlers(): void;
  /** True between listen() and the start of shutdown, while readiness checks pass. */
  isShuttingDown(): boolean;
}

const started = Date.now();

/**
 * Builds a Symbia service: Express 5 with trace context, JSON logging, security headers, CORS,
 * body limit, validation, auth slot, entitlements, rate limits, one error envelope, health,
 * metrics, OpenAPI and llms.txt docs, the bootstrap descriptor, optional Socket.IO, and graceful
 * shutdown. Built-in routes are declared like any other route, so the OpenAPI document lists them.
 */
export function createServer(options: CreateServerOptions): SymbiaServer {
  const { config, service } = options;
  const logger = options.logger ?? createLogger({ service, level: config.logLevel });
  const metrics = createHttpMetrics(service);
  const authorize: Authorizer = options.authorize ?? ((principal, entitlement, orgId) => hasEntitlement(principal, entitlement, orgId));
  const app = express();
  const httpServer = createHttpServer(app);
  app.set("etag", false);
  app.set("x-powered-by", false);
  app.set("trust proxy", "loopback");

  let listening = false;
  let shuttingDown = false;
  let inFlight = 0;
  const hooks: { name: string; fn: () => Promise<void> | void; phase: ShutdownPhase }[] = [];
  // The relay leaves the network before anything else shuts down, so peers stop routing to us.
  if (options.relay) hooks.push({ name: "relay", fn: () => options.relay!.close(), phase: "hooks" });

  // Trace context first, so every later line (including errors) carries the trace id.
  app.use((req, res, next) => {
    const parent = parseTraceparent(req.get("traceparent"));
    const traceId = parent?.traceId ?? sanitizeTraceId(req.get("x-trace-id")) ?? newTraceId();
    const context: RequestContext = { requestId: sanitizeTraceId(req.get("x-request-id")) ?? newSpanId(), traceId, spanId: newSpanId(), ...(parent ? { parentSpanId: parent.parentSpanId } : {}) };
    res.setHeader("x-trace-id", traceId);
    res.setHeader("x-request-id", context.requestId);
    inFlight++;
    const startedAt = process.hrtime.bigint();
    const telemetry = options.telemetry;
    const startInfo: RequestStartInfo | undefined = telemetry
      ? { method: req.method, path: req.originalUrl.split("?")[0]!, requestId: context.requestId, traceId, spanId: context.spanId, ...(parent ? { parentSpanId: parent.parentSpanId } : {}), startTimeMs: Date.now() }
      : undefined;
    if (startInfo) safely(() => telemetry!.onRequestStart?.(startInfo));
    res.once("close", () => {
      inFlight--;
      const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
      if (startInfo) {
        const route = routeTemplateOf(req);
        const principalId = req.principal?.id;
        safely(() =>
          telemetry!.onRequestEnd?.({
            ...startInfo,
            ...(route !== undefined ? { route } : {}),
            status: res.statusCode,
            durationMs,
            ...(principalId ? { principalId } : {}),
            ...(context.orgId ? { orgId: context.orgId } : {}),
            aborted: !res.writableFinished,
          }),
        );
      }
      runWithContext(context, () =>
        logger[res.statusCode >= 500 ? "error" : "info"](
          { method: req.method, path: req.originalUrl.split("?")[0], status: res.statusCode, durationMs: Math.round(durationMs * 100) / 100, principalId: req.principal?.id, orgId: context.orgId },
          "request",
        ),
      );
    });
    runWithContext(context, next);
  });
  app.use(metricsMiddleware(metrics));
  app.use(helmet({ contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: "same-site" } }));
  app.use(
    cors({
      origin: (origin, cb) => cb(null, !origin || config.corsOrigins.includes(origin) || config.corsOrigins.includes("*") ? (origin ?? false) : false),
      credentials: true,
      exposedHeaders: ["x-trace-id", "x-request-id", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
    }),
  );
  app.use(express.json({ limit: config.bodyLimitBytes }));
  // RFC 7662 introspection and OAuth-style clients send form bodies.
  app.use(express.urlencoded({ extended: false, limit: config.bodyLimitBytes }));

  const serverLimiter = config.rateLimit.points > 0 ? memoryLimiter(config.rateLimit, `${service}:server`) : null;
  const routeLimiters = new Map<string, ReturnType<typeof memoryLimiter>>();
  const hooksForMount = {
    auth: (mode: Parameters<typeof authMiddleware>[0]): RequestHandler[] => [
      authMiddleware(mode, options.authenticate),
      ...(serverLimiter ? [rateLimitMiddleware(serverLimiter, config.rateLimit.points, (req) => rateLimitKey(req))] : []),
      orgRateLimit,
    ],
    entitlement: (entitlement: string) => entitlementMiddleware(entitlement, authorize),
    rateLimit: (limit: { points: number; durationSeconds: number; key?: "ip" | "principal" }, route: string) => {
      let limiter = routeLimiters.get(route);
      if (!limiter) routeLimiters.set(route, (limiter = memoryLimiter(limit, `${service}:${route}`)));
      return rateLimitMiddleware(limiter, limit.points, (req) => rateLimitKey(req, limit.key ?? "ip"));
    },
  };

  // Tenant quotas: an org that sets a rate limit (carried in its members' tokens) is counted as a
  // whole, across all its principals and keys, on top of the per-principal limit.
  const orgLimiters = new Map<string, ReturnType<typeof memoryLimiter>>();
  const orgRateLimit: RequestHandler = (req, res, next) => {
    const principal = req.principal;
    if (!principal) return next();
    const requested = req.get("x-org-id")?.trim();
    const membership = requested ? principal.orgs.find((o) => o.orgId === requested) : principal.orgs[0];
    const limit = membership?.rateLimit;
    if (!limit || limit.points <= 0) return next();
    const id = `${limit.points}/${limit.durationSeconds}`;
    let limiter = orgLimiters.get(id);
    if (!limiter) orgLimiters.set(id, (limiter = memoryLimiter(limit, `${service}:org:${id}`)));
    return rateLimitMiddleware(limiter, limit.points, () => `org:${membership!.orgId}`)(req, res, next);
  };

  const systemRouter = buildSystemRouter();
  const allRouters = [systemRouter, ...options.routers];
  const routes = registeredRoutes(allRouters);
  const openapi = buildOpenApiDocument(
    { title: `Symbia ${getService(service).name}`, version: options.version, ...(options.description ? { description: options.description } : {}), ...(options.tags ? { tags: options.tags } : {}) },
    routes,
  );
  const llmsTxt = toLlmsTxt(openapi);
  const llmsFullTxt = toLlmsFullTxt(openapi);
  for (const handler of options.middleware ?? []) app.use(handler);
  for (const router of allRouters) app.use(router.options.basePath || "/", router.build(hooksForMount));
  app.use(notFoundHandler);
  const handleError = errorHandler(logger);
  app.use(((error, req, res, next) => {
    metrics.errors.inc({ code: toAppError(error)?.code ?? "internal" });
    handleError(error, req, res, next);
  }) as express.ErrorRequestHandler);

  let io: SocketServer | undefined;
  if (options.sockets) {
    io = new SocketServer(httpServer, {
      cors: { origin: config.corsOrigins.length ? config.corsOrigins : false, credentials: true },
      maxHttpBufferSize: config.bodyLimitBytes,
    });
    attachSocketHandlers(io, {
      ...options.sockets,
      auth: options.sockets.auth ?? "required",
      authorize,
      logger,
      ...(options.authenticate ? { authenticate: options.authenticate } : {}),
    });
  }

  function buildSystemRouter(): ServiceRouter {
    const router = defineRouter({ basePath: "/", tag: "system", auth: "none", description: "Health, metrics and documentation." });
    const HealthBody = z.object({ status: z.enum(["ok", "shutting_down"]), service: z.string(), version: z.string(), uptimeSeconds: z.number(), startedAt: z.string() });
    router.get("/health", { summary: "Service status, version and uptime", response: HealthBody }, () => ({
      status: shuttingDown ? "shutting_down" : "ok",
      service,
      version: options.version,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      startedAt: new Date(started).toISOString(),
    }));
    router.get("/health/live", { summary: "Liveness: the process answers", response: z.object({ status: z.literal("ok") }) }, () => ({ status: "ok" }));
    router.get(
      "/health/ready",
      {
        summary: "Readiness: listening, not shutting down, and every dependency check passes (503 otherwise)",
        response: z.object({
          status: z.enum(["ready", "not_ready"]),
          checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional(), durationMs: z.number() })),
          reason: z.string().optional(),
          relay: z.object({ connected: z.boolean(), registered: z.boolean() }).catchall(z.unknown()).optional().describe("the service's network node; informative, never fails readiness"),
        }),
        errors: [503],
      },
      async (_req, res) => {
        const checks = await runReadiness();
        const failed = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
        const reason = !listening ? "not listening yet" : shuttingDown ? "shutting down" : failed.length ? `failing: ${failed.join(", ")}` : undefined;
        res.status(reason ? 503 : 200).json({ status: reason ? "not_ready" : "ready", checks, ...(reason ? { reason } : {}), ...(options.relay ? { relay: options.relay.status() } : {}) });
      },
    );
    router.get("/metrics", { summary: "Prometheus metrics (text exposition format)", produces: "text/plain" }, async (_req, res) => {
      res.setHeader("Content-Type", metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    });
    router.get("/docs/openapi.json", { summary: "This service's OpenAPI 3.1 document" }, () => openapi);
    router.get("/docs/llms.txt", { summary: "LLM-ready index of the API (llms.txt)", produces: "text/plain" }, (_req, res) => {
      res.type("text/plain").send(llmsTxt);
    });
    router.get("/docs/llms-full.txt", { summary: "LLM-ready full API reference", produces: "text/plain" }, (_req, res) => {
      res.type("text/plain").send(llmsFullTxt);
    });
    router.get("/api/bootstrap/service", { summary: "Service descriptor: id, version, docs and endpoints" }, () => ({
      service,
      name: getService(service).name,
      version: options.version,
      docs: { openapi: "/docs/openapi.json", llmsTxt: "/docs/llms.txt", llmsFullTxt: "/docs/llms-full.txt" },
      endpoints: routes.filter((r) => !r.spec.hidden).map((r) => ({ method: r.method.toUpperCase(), path: r.path, summary: r.spec.summary, auth: r.auth, ...(r.spec.entitlement ? { entitlement: r.spec.entitlement } : {}) })),
      socketEvents: options.sockets ? describeSocketEvents(options.sockets.events as SocketEventDefinition[]) : [],
    }));
    return router;
  }

  async function runReadiness() {
    const all: Record<string, () => Promise<void | boolean>> = { ...(options.db ? { database: () => options.db!.ping() } : {}), ...options.readiness };
    const entries = await Promise.all(
      Object.entries(all).map(async ([name, check]) => {
        const t0 = Date.now();
        try {
          const ok = await withTimeout(check(), 2_000);
          return [name, ok === false ? { ok: false, error: "check returned false", durationMs: Date.now() - t0 } : { ok: true, durationMs: Date.now() - t0 }] as const;
        } catch (error) {
          return [name, { ok: false, error: (error as Error).message, durationMs: Date.now() - t0 }] as const;
        }
      }),
    );
    return Object.fromEntries(entries);
  }

  let shutdownPromise: Promise<void> | undefined;
  const server: SymbiaServer = {
    app,
    httpServer,
    ...(io ? { io } : {}),
    ...(options.relay ? { relay: options.relay } : {}),
    logger,
    metrics,
    routes,
    openapi,
    async listen(port = config.port, host = config.host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve();
        });
      });
      listening = true;
      const bound = (httpServer.address() as AddressInfo).port;
      logger.info({ port: bound, host, version: options.version, database: options.db?.mode }, "listening");
      options.relay?.start();
      return bound;
    },
    url() {
      const address = httpServer.address() as AddressInfo | null;
      if (!address) throw new Error("server is not listening");
      const host = address.address === "::" || address.address === "0.0.0.0" ? "127.0.0.1" : address.address;
      return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
    },
    onShutdown(name, fn, phase = "hooks") {
      hooks.push({ name, fn, phase });
    },
    isShuttingDown: () => shuttingDown,
    shutdown(reason = "shutdown") {
      shutdownPromise ??= (async () => {
        shuttingDown = true;
        logger.info({ reason, delayMs: config.shutdown.preShutdownDelayMs, graceMs: config.shutdown.graceMs }, "shutting down: not ready");
        await sleep(config.shutdown.preShutdownDelayMs);
        // Stop accepting; idle keep-alive connections go now, busy ones when their response ends.
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        const drainDeadline = Date.now() + config.shutdown.graceMs;
        while (inFlight > 0 && Date.now() < drainDeadline) await sleep(25);
        if (inFlight > 0) logger.warn({ inFlight }, "grace period over; closing busy connections");
        const run = async (phase: ShutdownPhase) => {
          for (const hook of hooks.filter((h) => h.phase === phase)) {
            try {
              await hook.fn();
            } catch (error) {
              logger.error({ err: error, hook: hook.name }, "shutdown hook failed");
            }
          }
        };
        await run("hooks");
        if (options.db?.mode === "memory") {
          try {
            await options.db.close();
          } catch (error) {
            logger.error({ err: error }, "memory database export failed");
          }
        }
        await run("telemetry");
        if (options.db && options.db.mode !== "memory") await options.db.close().catch((error: unknown) => logger.error({ err: error }, "closing database failed"));
        if (io) await new Promise<void>((resolve) => io!.close(() => resolve()));
        httpServer.closeAllConnections();
        await Promise.race([closed, sleep(1_000)]);
        logger.info({ reason }, "shut down");
      })();
      return shutdownPromise;
    },
    installSignalHandlers() {
      const onSignal = (signal: NodeJS.Signals) => {
        server.shutdown(signal).then(
          () => process.exit(0),
          (error: unknown) => {
            logger.fatal({ err: error }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
    },
  };
  return server;
}

/** Runs a telemetry hook; its failure must never reach the request. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    /* telemetry must not break requests */
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
