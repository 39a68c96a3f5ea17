import { createHmac, timingSafeEqual } from "node:crypto";
import { SignedEnvelope } from "./envelope.js";
import { replayKey, type ReplayCache } from "./replay.js";
import { canonicalEnvelope } from "./signing.js";

/** Default oldest accepted event age: 60 s. */
export const DEFAULT_MAX_AGE_MS = 60_000;
/** Default furthest accepted future timestamp (clock skew): 5 s. */
export const DEFAULT_MAX_FUTURE_MS = 5_000;
/** Default largest accepted canonical envelope: 1 MiB. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 1_048_576;

/**
 * Why an envelope was refused.
 * - `malformed`: not a valid signed envelope (shape, types, unknown keys, not canonicalizable).
 * - `too_large`: its canonical JSON is larger than `maxBytes`.
 * - `unknown_source`: no key is known for its `source`.
 * - `bad_signature`: the HMAC does not match (tampered, or signed with another key).
 * - `expired`: older than the window, or older than the replay cache can still vouch for.
 * - `future_timestamp`: further in the future than the allowed clock skew.
 * - `replayed`: this source already sent this event id inside the window.
 */
export const VERIFY_FAILURE_REASONS = ["malformed", "too_large", "unknown_source", "bad_signature", "expired", "future_timestamp", "replayed"] as const;
/** One of {@link VERIFY_FAILURE_REASONS}. */
export type VerifyFailureReason = (typeof VERIFY_FAILURE_REASONS)[number];

/** Result of {@link verifyEnvelope}. */
export type VerifyResult =
  | { ok: true; envelope: SignedEnvelope }
  | {
      ok: false;
      reason: VerifyFailureReason;
      message: string;
      /** The event id and source when the envelope was readable enough to tell (for counting and traces). */
      eventId?: string;
      source?: string;
      /** Failing paths, for `malformed`. */
      issues?: string[];
      /**
       * The envelope when its shape was valid but a later check failed. UNTRUSTED: nothing in it
       * is vouched for; use it only to record and count the rejection.
       */
      unverified?: SignedEnvelope;
    };

/** The key of a source, or undefined/null when the source is unknown. */
export type KeyResolver = (source: string, envelope: SignedEnvelope) => Uint8Array | undefined | null;

/** Options of {@link verifyEnvelope}. */
export interface VerifyOptions {
  /** The key to check against, or a resolver from the event's source to its key. */
  key: Uint8Array | KeyResolver;
  /**
   * Where seen event ids are remembered. Share one per receiver. `null` skips the replay check,
   * which only suits dry runs that never deliver.
   */
  replayCache: ReplayCache | null;
  /** Current time (default `Date.now()`). */
  now?: number | Date;
  /** Oldest accepted age in ms (default {@link DEFAULT_MAX_AGE_MS}). */
  maxAgeMs?: number;
  /** Furthest accepted future skew in ms (default {@link DEFAULT_MAX_FUTURE_MS}). */
  maxFutureMs?: number;
  /** Largest accepted canonical envelope in bytes (default {@link DEFAULT_MAX_ENVELOPE_BYTES}). */
  maxBytes?: number;
}

function fail(reason: VerifyFailureReason, message: string, extra: { eventId?: string; source?: string; issues?: string[]; unverified?: SignedEnvelope } = {}): VerifyResult {
  return { ok: false, reason, message, ...extra };
}

/**
 * Verifies a received envelope, in this order: shape (zod, strict) → size → key of the source →
 * HMAC-SHA256 over the RFC 8785 canonical JSON, compared in constant time → timestamp window →
 * replay (the event id is recorded only once everything else passed, so forged or stale events
 * cannot fill the cache). Never throws for bad input: the result names the reason.
 *
 * @param input the envelope as received (parsed JSON).
 * @returns `{ok: true, envelope}` or `{ok: false, reason, message}` with a {@link VerifyFailureReason}.
 */
export function verifyEnvelope(input: unknown, options: VerifyOptions): VerifyResult {
  const parsed = SignedEnvelope.safeParse(input);
  if (!parsed.success) {
    const probe = (typeof input === "object" && input !== null ? input : {}) as { id?: unknown; source?: unknown };
    return fail("malformed", "not a valid signed envelope", {
      ...(typeof probe.id === "string" ? { eventId: probe.id.slice(0, 128) } : {}),
      ...(typeof probe.source === "string" ? { source: probe.source.slice(0, 128) } : {}),
      issues: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    });
  }
  const envelope = parsed.data;
  const ids = { eventId: envelope.id, source: envelope.source, unverified: envelope };

  let bytes: Buffer;
  try {
    bytes = canonicalEnvelope(envelope);
  } catch (error) {
    return fail("malformed", `cannot canonicalize: ${(error as Error).message}`, ids);
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES;
  if (bytes.length > maxBytes) return fail("too_large", `envelope is ${bytes.length} bytes, over ${maxBytes}`, ids);

  const key = typeof options.key === "function" ? options.key(envelope.source, envelope) : options.key;
  if (!key || key.length === 0) return fail("unknown_source", `no key for source ${envelope.source}`, ids);

  const expected = createHmac("sha256", key).update(bytes).digest();
  const actual = Buffer.from(envelope.signature, "base64url");
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return fail("bad_signature", "signature does not match the envelope", ids);
  }

  const now = options.now === undefined ? Date.now() : typeof options.now === "number" ? options.now : options.now.getTime();
  const at = Date.parse(envelope.timestamp);
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const maxFutureMs = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  if (now - at > maxAgeMs) return fail("expired", `timestamp is ${now - at} ms old, over ${maxAgeMs}`, ids);
  if (at - now > maxFutureMs) return fail("future_timestamp", `timestamp is ${at - now} ms ahead, over ${maxFutureMs}`, ids);

  if (options.replayCache) {
    const seen = options.replayCache.checkAndRecord(replayKey(envelope.source, envelope.id), at + maxAgeMs, now);
    if (seen === "replayed") return fail("replayed", `event ${envelope.id} from ${envelope.source} was already received`, ids);
    if (seen === "unverifiable") return fail("expired", "older than the replay cache can vouch for under the current load", ids);
  }
  return { ok: true, envelope };
}
