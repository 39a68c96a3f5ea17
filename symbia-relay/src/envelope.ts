import { z } from "zod";
import { EntityId, EventId, EventType, newEventId, NodeId, OrgId, RunId, TraceId, JsonValue } from "./ids.js";

/**
 * Where an event travels, as its sender declares it; contracts list the boundaries they allow.
 * - `intra`: between nodes working for the same org (the normal case between services).
 * - `inter`: across orgs or applications.
 * - `extra`: to or from outside the platform (bridges, external endpoints).
 */
export const BOUNDARIES = ["intra", "inter", "extra"] as const;
/** One of {@link BOUNDARIES}. */
export const Boundary = z.enum(BOUNDARIES);
/** One of {@link BOUNDARIES}. */
export type Boundary = z.infer<typeof Boundary>;

/**
 * Sensitivity of an event's payload, the same values as the `X-Data-Class` header
 * (ARCHITECTURE §4). Absent means `none`. Policies can match on it.
 */
export const DATA_CLASSES = ["none", "pii", "phi", "secret"] as const;
/** One of {@link DATA_CLASSES}. */
export const DataClass = z.enum(DATA_CLASSES);
/** One of {@link DATA_CLASSES}. */
export type DataClass = z.infer<typeof DataClass>;

/** Kinds of principal, as in `@symbia/sys` `PrincipalType`. */
export const PRINCIPAL_TYPES = ["user", "agent", "service"] as const;

/**
 * The principal an event acts for: `{id, type, entityId}` as identity knows it. It travels at the
 * top level of the envelope (not inside `data`) so that the signature covers it, policies and
 * traces can read it without knowing the payload, and no payload ever needs a bearer token.
 * The signing node vouches for it: a service node may name the user or agent it acts for; the
 * network accepts a principal other than the node's own only from service nodes.
 */
export const ActingPrincipal = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/, "a principal id"),
  type: z.enum(PRINCIPAL_TYPES),
  entityId: EntityId,
});
/** The acting principal of an event (see {@link ActingPrincipal}). */
export type ActingPrincipal = z.infer<typeof ActingPrincipal>;

/** ISO 8601 UTC timestamp with `Z` (`2025-01-31T12:00:00.000Z`). */
export const IsoTimestamp = z.iso.datetime();

const envelopeFields = {
  /** Unique per source; receivers are idempotent by it and the network refuses replays of it. */
  id: EventId,
  /** Dotted `domain.event`. */
  type: EventType,
  /** The node that signed the event. */
  source: NodeId,
  /** A node id, or an entity id (`ent_…`) the network resolves through its bindings; absent → contract fan-out. */
  target: z.union([NodeId, EntityId]).optional(),
  runId: RunId,
  traceId: TraceId,
  orgId: OrgId,
  boundary: Boundary,
  /** The event this one answers or follows from. */
  causedBy: EventId.optional(),
  /** Signing time, ISO 8601 UTC; checked against the receiver's clock window. */
  timestamp: IsoTimestamp,
  /** Who the event acts for (see {@link ActingPrincipal}). */
  principal: ActingPrincipal,
  /** Sensitivity of `data`; absent means `none`. */
  dataClass: DataClass.optional(),
  /** The payload: any JSON value (no NaN, Infinity, Dates or undefined). */
  data: JsonValue,
};

/**
 * A relay event before signing: `{id, type, source, target?, runId, traceId, orgId, boundary,
 * causedBy?, timestamp, principal, dataClass?, data}` (ARCHITECTURE §4, plus the acting principal
 * and the data class). Unknown keys are refused, so what is validated is exactly what is signed.
 */
export const UnsignedEnvelope = z.strictObject(envelopeFields);
/** A relay event before signing (see {@link UnsignedEnvelope}). */
export type UnsignedEnvelope = z.infer<typeof UnsignedEnvelope>;

/**
 * HMAC-SHA256 signature: 32 bytes as unpadded base64url (RFC 4648 §5), always 43 characters.
 */
export const Signature = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "an unpadded base64url HMAC-SHA256 (43 characters)");

/**
 * A signed relay event: {@link UnsignedEnvelope} plus `signature`, the HMAC-SHA256 of the RFC 8785
 * canonical JSON of every other field (see `signEnvelope`).
 */
export const SignedEnvelope = z.strictObject({ ...envelopeFields, signature: Signature });
/** A signed relay event (see {@link SignedEnvelope}). */
export type SignedEnvelope = z.infer<typeof SignedEnvelope>;

/** What {@link createEnvelope} needs; `id` and `timestamp` are filled in when absent. */
export type EnvelopeInput = Omit<UnsignedEnvelope, "id" | "timestamp"> & { id?: string; timestamp?: string };

/**
 * Builds and validates an unsigned envelope, filling `id` (`evt_<uuid>`) and `timestamp` (now,
 * ISO 8601 UTC) when they are absent. Optional fields given as `undefined` are dropped so the
 * object is exactly what JSON would carry.
 *
 * @throws ZodError when a field is invalid (for example `data` holding NaN or a Date).
 */
export function createEnvelope(input: EnvelopeInput, now: Date = new Date()): UnsignedEnvelope {
  const candidate: Record<string, unknown> = { ...input, id: input.id ?? newEventId(), timestamp: input.timestamp ?? now.toISOString() };
  for (const key of Object.keys(candidate)) if (candidate[key] === undefined) delete candidate[key];
  return UnsignedEnvelope.parse(candidate);
}
