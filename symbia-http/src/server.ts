import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Database } from "@symbia/db";
import { toLlmsFullTxt, toLlmsTxt, type OpenApiDocument } from "@symbia/md";
import { getService, type ServiceId } from "@symbia/sys";
import cors from "cors";
import express, { type Express, type RequestHandler } from "express";
import helmet from "helmet";
import { Server as SocketServer } from "socket.io";
import { authMiddleware, entitlementMiddleware, hasEntitlement, type Authenticator, type Authorizer } from "./auth.js";
import { newSpanId, newTraceId, parseTraceparent, runWithContext, sanitizeTraceId, type RequestContext } from "./context.js";
import { errorHandler, notFoundHandler, toAppError } from "./errors.js";
import { createLogger, type Logger } from "./logger.js";
import { createHttpMetrics, metricsMiddleware, routeTemplateOf, type HttpMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi.js";
import { memoryLimiter, rateLimitKey, rateLimitMiddleware } from "./ratelimit.js";
import { registeredRoutes, type RegisteredRoute, type ServiceRouter } from "./routes.js";
import { attachSocketHandlers, type SocketEventDefinition, type SocketSetup } from "./sockets.js";
import { systemRouter as buildSystemRouter, type ReadinessCheck, type SystemContext } from "./system.js";
import type { RelayAttachment, RequestStartInfo, RequestTelemetry } from "./hooks.js";


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

  let docs: ReturnType<SystemContext["docs"]> | undefined;
  const systemRouter = buildSystemRouter({
    service,
    version: options.version,
    startedAt: started,
    metrics,
    ...(options.db ? { db: options.db } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
    ...(options.relay ? { relay: options.relay } : {}),
    ...(options.sockets ? { socketEvents: options.sockets.events as SocketEventDefinition[] } : {}),
    state: () => ({ listening, shuttingDown }),
    docs: () => docs!,
  });
  const allRouters = [systemRouter, ...options.routers];
  const routes = registeredRoutes(allRouters);
  const openapi = buildOpenApiDocument(
    { title: `Symbia ${getService(service).name}`, version: options.version, ...(options.description ? { description: options.description } : {}), ...(options.tags ? { tags: options.tags } : {}) },
    routes,
  );
  const llmsTxt = toLlmsTxt(openapi);
  const llmsFullTxt = toLlmsFullTxt(openapi);
  docs = { openapi, llmsTxt, llmsFullTxt, routes };
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

