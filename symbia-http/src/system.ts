import type { Database } from "@symbia/db";
import type { OpenApiDocument } from "@symbia/md";
import { getService, type ServiceId } from "@symbia/sys";
import { z } from "zod";
import type { RelayAttachment } from "./hooks.js";
import type { HttpMetrics } from "./metrics.js";
import { defineRouter, type RegisteredRoute, type ServiceRouter } from "./routes.js";
import { describeSocketEvents, type SocketEventDefinition } from "./sockets.js";

/** A readiness check: resolves when healthy, rejects (or resolves false) when not. */
export type ReadinessCheck = () => Promise<void | boolean>;

/** What the system routes read from the server they belong to (late-bound: routes and docs are built after this router). */
export interface SystemContext {
  service: ServiceId;
  version: string;
  startedAt: number;
  metrics: HttpMetrics;
  db?: Database<Record<string, unknown>>;
  readiness?: Record<string, ReadinessCheck>;
  relay?: RelayAttachment;
  socketEvents?: readonly SocketEventDefinition[];
  state(): { listening: boolean; shuttingDown: boolean };
  docs(): { openapi: OpenApiDocument; llmsTxt: string; llmsFullTxt: string; routes: readonly RegisteredRoute[] };
}

/**
 * Health, metrics, docs and the bootstrap descriptor, declared like any other router so the
 * OpenAPI document lists them: `/health`, `/health/live`, `/health/ready` (503 before listen,
 * while shutting down, or naming the failing check), `/metrics`, `/docs/openapi.json`,
 * `/docs/llms.txt`, `/docs/llms-full.txt`, `/api/bootstrap/service`.
 */
export function systemRouter(ctx: SystemContext): ServiceRouter {
  const router = defineRouter({ basePath: "/", tag: "system", auth: "none", description: "Health, metrics and documentation." });
  const HealthBody = z.object({ status: z.enum(["ok", "shutting_down"]), service: z.string(), version: z.string(), uptimeSeconds: z.number(), startedAt: z.string() });
  router.get("/health", { summary: "Service status, version and uptime", response: HealthBody }, () => ({
    status: ctx.state().shuttingDown ? "shutting_down" : "ok",
    service: ctx.service,
    version: ctx.version,
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
    startedAt: new Date(ctx.startedAt).toISOString(),
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
      const checks = await runReadiness(ctx);
      const failed = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name);
      const { listening, shuttingDown } = ctx.state();
      const reason = !listening ? "not listening yet" : shuttingDown ? "shutting down" : failed.length ? `failing: ${failed.join(", ")}` : undefined;
      res.status(reason ? 503 : 200).json({ status: reason ? "not_ready" : "ready", checks, ...(reason ? { reason } : {}), ...(ctx.relay ? { relay: ctx.relay.status() } : {}) });
    },
  );
  router.get("/metrics", { summary: "Prometheus metrics (text exposition format)", produces: "text/plain" }, async (_req, res) => {
    res.setHeader("Content-Type", ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });
  router.get("/docs/openapi.json", { summary: "This service's OpenAPI 3.1 document" }, () => ctx.docs().openapi);
  router.get("/docs/llms.txt", { summary: "LLM-ready index of the API (llms.txt)", produces: "text/plain" }, (_req, res) => {
    res.type("text/plain").send(ctx.docs().llmsTxt);
  });
  router.get("/docs/llms-full.txt", { summary: "LLM-ready full API reference", produces: "text/plain" }, (_req, res) => {
    res.type("text/plain").send(ctx.docs().llmsFullTxt);
  });
  router.get("/api/bootstrap/service", { summary: "Service descriptor: id, version, docs and endpoints" }, () => ({
    service: ctx.service,
    name: getService(ctx.service).name,
    version: ctx.version,
    docs: { openapi: "/docs/openapi.json", llmsTxt: "/docs/llms.txt", llmsFullTxt: "/docs/llms-full.txt" },
    endpoints: ctx
      .docs()
      .routes.filter((r) => !r.spec.hidden)
      .map((r) => ({ method: r.method.toUpperCase(), path: r.path, summary: r.spec.summary, auth: r.auth, ...(r.spec.entitlement ? { entitlement: r.spec.entitlement } : {}) })),
    socketEvents: ctx.socketEvents ? describeSocketEvents(ctx.socketEvents) : [],
  }));
  return router;
}

/** Runs every readiness check (the database's ping first) in parallel, each bounded to 2 s. */
export async function runReadiness(ctx: Pick<SystemContext, "db" | "readiness">) {
  const all: Record<string, ReadinessCheck> = { ...(ctx.db ? { database: () => ctx.db!.ping() } : {}), ...ctx.readiness };
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
