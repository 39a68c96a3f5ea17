import type { ErrorCategory } from "../execute/execute.schemas.js";

/** A category, or `cancelled` (the run was cancelled or the client left: not an error of the provider). */
export type FailureCategory = ErrorCategory | "cancelled";

/** A provider call's failure, classified. Its message never contains the credential. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  constructor(
    readonly category: FailureCategory,
    message: string,
    readonly info: {
      /** The provider's HTTP status, when it answered. */
      status?: number;
      /** How long the provider asked to wait (Retry-After), ms. */
      retryAfterMs?: number;
      /** Worth another try at the same provider (after a backoff). */
      retryable?: boolean;
      /** The provider's circuit is open: the call was not made. */
      circuitOpen?: boolean;
    } = {},
  ) {
    super(message);
  }
}

/** What the caller knows about why a call stopped, besides the thrown value. */
export interface ClassifyContext {
  provider: string;
  /** The run was cancelled or the client disconnected. */
  cancelled?: boolean;
  /** The attempt's own timeout fired. */
  timedOut?: boolean;
  /** The credential used: removed from any message kept. */
  secret?: string | null;
}

/** Replaces every occurrence of `secret` (and of its longer fragments) in `text`. */
export function scrubSecret(text: string, secret: string | null | undefined): string {
  if (!secret || secret.length < 4) return text;
  let out = text.split(secret).join("[REDACTED]");
  // Providers echo keys partly masked ("sk-abc…xyz"): drop long leading fragments too.
  if (secret.length >= 12) out = out.split(secret.slice(0, 8)).join("[REDACTED]");
  return out;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, in ms. */
export function retryAfterMs(headers: Headers | Record<string, unknown> | undefined | null): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) => (typeof (headers as Headers).get === "function" ? (headers as Headers).get(name) : ((headers as Record<string, unknown>)[name] as string | undefined)) ?? undefined;
  const ms = Number(get("retry-after-ms"));
  if (Number.isFinite(ms) && ms >= 0 && get("retry-after-ms") !== undefined) return ms;
  const value = get("retry-after");
  if (value === undefined || value === null || value === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(String(value));
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Category of an HTTP status answered by a provider. */
export function categoryOfStatus(status: number): { category: ErrorCategory; retryable: boolean } {
  if (status === 401 || status === 403) return { category: "auth", retryable: false };
  if (status === 429) return { category: "rate_limit", retryable: true };
  if (status === 408) return { category: "timeout", retryable: true };
  if (status === 409) return { category: "provider", retryable: true };
  if (status >= 500) return { category: "provider", retryable: true };
  return { category: "invalid_request", retryable: false };
}

/** Category of an error `type` in a provider's error body (Anthropic's `overloaded_error`, OpenAI's `insufficient_quota`…). */
function categoryOfType(type: string): { category: ErrorCategory; retryable: boolean } | null {
  if (/auth|permission/.test(type)) return { category: "auth", retryable: false };
  if (/rate_limit|quota/.test(type)) return { category: "rate_limit", retryable: !/quota/.test(type) };
  if (/overloaded|api_error|server_error|internal/.test(type)) return { category: "provider", retryable: true };
  if (/invalid_request|not_found|request_too_large/.test(type)) return { category: "invalid_request", retryable: false };
  return null;
}

function errorType(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as { type?: unknown; error?: { type?: unknown; code?: unknown } | unknown; code?: unknown };
  const inner = b.error && typeof b.error === "object" ? (b.error as { type?: unknown; code?: unknown }) : undefined;
  const type = inner?.type ?? inner?.code ?? (b.type !== "error" ? b.type : undefined) ?? b.code;
  return typeof type === "string" ? type : undefined;
}

/**
 * Classifies anything a provider call threw — the openai and Anthropic SDKs' `APIError`s (status,
 * headers, error body), Hugging Face's `InferenceClient*Error`s, network errors, an open circuit —
 * into a {@link ProviderError}: its category, whether a retry may help, and how long the provider
 * asked to wait. The context's own knowledge (cancelled, timed out) wins over the thrown value.
 */
export function classifyError(error: unknown, context: ClassifyContext): ProviderError {
  const clean = (message: string) => scrubSecret(`${context.provider}: ${message}`, context.secret).slice(0, 1000);
  if (context.cancelled) return new ProviderError("cancelled", clean("call cancelled"));
  if (context.timedOut) return new ProviderError("timeout", clean("no answer in time"), { retryable: true });
  if (error instanceof ProviderError) return error;
  const e = error as { name?: string; code?: string; status?: unknown; headers?: Headers; error?: unknown; message?: string; httpResponse?: { status?: number; body?: unknown }; cause?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(error);
  if (e?.code === "EOPENBREAKER") return new ProviderError("provider", clean("circuit open after repeated failures; not called"), { circuitOpen: true });

  const status = typeof e?.status === "number" ? e.status : typeof e?.httpResponse?.status === "number" ? e.httpResponse.status : undefined;
  if (status !== undefined) {
    const { category, retryable } = categoryOfStatus(status);
    const wait = retryAfterMs(e.headers);
    return new ProviderError(category, clean(message), { status, retryable, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
  }
  // An error event inside a stream carries no status, only the provider's error type.
  const type = errorType(e?.error) ?? errorType(e?.httpResponse?.body);
  const byType = type ? categoryOfType(type) : null;
  if (byType) return new ProviderError(byType.category, clean(message), { retryable: byType.retryable });
  if (e?.name === "APIConnectionTimeoutError") return new ProviderError("timeout", clean(message), { retryable: true });
  if (e?.name === "InputError" || e?.name === "RoutingError") return new ProviderError("invalid_request", clean(message));
  // Connection refused or reset, DNS failure, a stream cut short: the provider is unreachable or failed.
  return new ProviderError("provider", clean(message), { retryable: true });
}
