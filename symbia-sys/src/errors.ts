/**
 * Error codes of the shared error envelope `{"error": {"code", "message", "details"?, "errorId"?}}`
 * (ARCHITECTURE §4). `@symbia/http` maps each code to its HTTP status.
 */
export const ERROR_CODES = [
  "bad_request",
  "validation_failed",
  "unauthenticated",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "gone",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "internal",
  "bad_gateway",
  "unavailable",
  "timeout",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The body of every error response and every failed Socket.IO ack. */
export interface ErrorEnvelope {
  error: {
    code: ErrorCode;
    message: string;
    /** Machine-readable detail, e.g. the failing validation paths. */
    details?: unknown;
    /** Correlates a 500 with the one log line that describes it. */
    errorId?: string;
  };
}

/**
 * The error domain code throws. It never touches the response: `@symbia/http` turns it into the
 * envelope and the status mapped from `code`.
 *
 * @example throw new AppError("not_found", "conversation not found")
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  /** Seconds a client should wait before retrying (sent as `Retry-After` on 429/503). */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { retryAfterSeconds?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    if (details !== undefined) this.details = details;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The envelope for this error (no errorId: only 500s get one). */
  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

/** True when `value` is an {@link AppError} (also across duplicated module instances). */
export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError || (value instanceof Error && value.name === "AppError" && typeof (value as AppError).code === "string");
}
