import { randomUUID } from "node:crypto";
import { appErrorFromDatabase } from "@symbia/db";
import { AppError, isAppError, type ErrorCode, type ErrorEnvelope } from "@symbia/sys";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { ZodError } from "zod";
import type { Logger } from "./logger.js";

/** HTTP status of each error code (ARCHITECTURE §4). A missing code fails to compile. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  bad_gateway: 502,
  unavailable: 503,
  timeout: 504,
};

/** One failing path of a validation error, as sent in `details.issues`. */
export interface ValidationIssue {
  /** Where: `body.participants.0.id`, `query.limit`, `params.id`. */
  path: string;
  message: string;
  code: string;
}

/** Turns zod issues into {@link ValidationIssue}s, each path prefixed with its request part. */
export function issuesFromZod(error: ZodError, location?: string): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [location, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join("."),
    message: issue.message,
    code: issue.code,
  }));
}

/** A `validation_failed` AppError listing the failing paths. */
export function validationError(issues: ValidationIssue[]): AppError {
  const where = issues.map((i) => i.path || "(root)").join(", ");
  return new AppError("validation_failed", `invalid request: ${where}`, { issues });
}

/** Errors body-parser raises, by its `type` property. */
const BODY_PARSER_ERRORS: Record<string, () => AppError> = {
  "entity.too.large": () => new AppError("payload_too_large", "request body is too large"),
  "entity.parse.failed": () => new AppError("bad_request", "request body is not valid JSON"),
  "encoding.unsupported": () => new AppError("unsupported_media_type", "unsupported content encoding"),
  "charset.unsupported": () => new AppError("unsupported_media_type", "unsupported charset"),
  "request.aborted": () => new AppError("bad_request", "request aborted"),
};

/**
 * Classifies any thrown value: AppErrors pass through; zod errors become `validation_failed`;
 * body-parser and client-caused database errors get their codes; everything else is `null`
 * (an internal error).
 */
export function toAppError(error: unknown): AppError | null {
  if (isAppError(error)) return error;
  if (error instanceof ZodError) return validationError(issuesFromZod(error));
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === "string" && BODY_PARSER_ERRORS[type]) return BODY_PARSER_ERRORS[type]();
  return appErrorFromDatabase(error);
}

/**
 * The status and envelope for any thrown value. Internal errors are logged once, with a new
 * `errorId` that the envelope also carries; their message never reaches the client.
 */
export function errorResponse(error: unknown, logger: Logger): { status: number; body: ErrorEnvelope; retryAfterSeconds?: number } {
  const known = toAppError(error);
  if (known) {
    const status = STATUS_BY_CODE[known.code];
    if (status >= 500) logger.warn({ code: known.code, err: known }, known.message);
    return { status, body: known.toEnvelope(), ...(known.retryAfterSeconds !== undefined ? { retryAfterSeconds: known.retryAfterSeconds } : {}) };
  }
  const errorId = randomUUID();
  logger.error({ errorId, err: error }, "unhandled error");
  return { status: 500, body: { error: { code: "internal", message: "internal error", errorId } } };
}

/** Express error middleware sending the shared envelope (and `Retry-After` when known). */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      // A streamed response already began: the client sees the stream end; record why.
      logger.warn({ err: error, path: req.path }, "error after response started");
      res.end();
      return;
    }
    void next;
    const { status, body, retryAfterSeconds } = errorResponse(error, logger);
    if (retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(retryAfterSeconds))));
    res.status(status).json(body);
  };
}

/** Answers 404 in the envelope for any request no route matched. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("not_found", `no route for ${req.method} ${req.path}`));
};
