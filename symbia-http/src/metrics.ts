import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Request, RequestHandler } from "express";

/** The Prometheus metrics every service exposes on `/metrics`. */
export interface HttpMetrics {
  registry: Registry;
  requestDuration: Histogram<"method" | "route" | "status_code">;
  requestsInFlight: Gauge;
  errors: Counter<"code">;
}

/**
 * A registry per server (so several servers can share a test process) with Node process metrics,
 * a request-duration histogram in seconds labelled by method, route template and status, an
 * in-flight gauge, and a counter of error responses by code.
 */
export function createHttpMetrics(service: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration in seconds, by method, route template and status",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const requestsInFlight = new Gauge({ name: "http_requests_in_flight", help: "HTTP requests being served", registers: [registry] });
  const errors = new Counter({ name: "http_errors_total", help: "Error responses by error code", labelNames: ["code"] as const, registers: [registry] });
  return { registry, requestDuration, requestsInFlight, errors };
}

/** Middleware timing every request; the route label is the matched template, never the raw URL. */
export function metricsMiddleware(metrics: HttpMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.requestDuration.startTimer();
    metrics.requestsInFlight.inc();
    res.once("close", () => {
      metrics.requestsInFlight.dec();
      end({ method: req.method, route: routeTemplateOf(req) ?? "unmatched", status_code: String(res.statusCode) });
    });
    next();
  };
}

/** The matched route template of a finished request (`/api/orgs/:orgId`), or undefined when no route matched. */
export function routeTemplateOf(req: Request): string | undefined {
  const recorded = req.res?.locals.routeTemplate;
  if (typeof recorded === "string") return recorded;
  return req.route?.path !== undefined ? `${req.baseUrl}${req.route.path === "/" && req.baseUrl ? "" : req.route.path}` : undefined;
}
