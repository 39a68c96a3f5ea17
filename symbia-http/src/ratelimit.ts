import { AppError } from "@symbia/sys";
import type { Request, RequestHandler } from "express";
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RouteRateLimit } from "./routes.js";

/** The key a request is counted against: its API key, else its principal, else its IP. */
export function rateLimitKey(req: Request, by: "ip" | "principal" = "principal"): string {
  const principal = req.principal;
  if (by === "principal" && principal) {
    return principal.credential.kind === "api_key" ? `key:${principal.credential.keyId}` : `principal:${principal.id}`;
  }
  return `ip:${req.ip ?? req.socket.remoteAddress ?? "unknown"}`;
}

/**
 * Middleware consuming one point of `limiter` per request; when none is left it answers 429
 * `rate_limited` with `Retry-After` (seconds until a point frees). Also sets the IETF draft
 * `RateLimit-Limit` / `RateLimit-Remaining` / `RateLimit-Reset` headers.
 */
export function rateLimitMiddleware(limiter: RateLimiterAbstract, points: number, keyOf: (req: Request) => string): RequestHandler {
  return async (req, res, next) => {
    try {
      const result = await limiter.consume(keyOf(req));
      res.setHeader("RateLimit-Limit", String(points));
      res.setHeader("RateLimit-Remaining", String(result.remainingPoints));
      res.setHeader("RateLimit-Reset", String(Math.ceil(result.msBeforeNext / 1000)));
      next();
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfterSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      res.setHeader("RateLimit-Limit", String(points));
      res.setHeader("RateLimit-Remaining", "0");
      res.setHeader("RateLimit-Reset", String(retryAfterSeconds));
      throw new AppError("rate_limited", "too many requests", { retryAfterSeconds }, { retryAfterSeconds });
    }
  };
}

/** An in-process limiter of `points` per `durationSeconds` (rate-limiter-flexible). */
export function memoryLimiter(limit: Pick<RouteRateLimit, "points" | "durationSeconds">, keyPrefix: string): RateLimiterAbstract {
  return new RateLimiterMemory({ points: limit.points, duration: limit.durationSeconds, keyPrefix });
}
