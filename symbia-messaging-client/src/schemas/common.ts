import { z } from "zod";

/** ISO 8601 UTC timestamp as messaging writes it (`2025-01-31T12:00:00.000Z`). */
export const Timestamp = z.string().describe("ISO 8601 UTC");

/** Ids of conversations and messages: UUIDs (RFC 9562). */
export const ConversationId = z.uuid();
/** A message id (UUID). Streamers may choose it when they start a stream. */
export const MessageId = z.uuid();

/** A principal id as identity makes it (user UUID, agent id such as `assistant:support`, `service:<id>`), or a guest id. */
export const PrincipalId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/, "a principal id");

/** An entity id (`ent_…`), the same in every service. */
export const EntityId = z.string().regex(/^ent_[A-Za-z0-9_-]{1,64}$/, "an entity id: ent_<id>");

/**
 * Kinds of conversation members and senders: identity's principal types, plus `guest` for website
 * visitors without an account (sessions messaging issues itself, see the website endpoint).
 */
export const PARTICIPANT_KINDS = ["user", "agent", "service", "guest"] as const;
/** One of {@link PARTICIPANT_KINDS}. */
export const ParticipantKind = z.enum(PARTICIPANT_KINDS);
/** One of {@link PARTICIPANT_KINDS}. */
export type ParticipantKind = z.infer<typeof ParticipantKind>;

/** Who did something: principal id, kind and entity id. */
export const PrincipalRef = z.object({ principalId: PrincipalId, principalType: ParticipantKind, entityId: EntityId }).meta({ id: "PrincipalRef" });
/** See {@link PrincipalRef}. */
export type PrincipalRef = z.infer<typeof PrincipalRef>;

/** True for plain JSON values: null, booleans, finite numbers, strings, arrays and plain objects of them. */
export function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonValue(v, depth + 1));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every((v) => isJsonValue(v, depth + 1));
  return false;
}

/**
 * Free-form JSON metadata attached to conversations and messages: an object of plain JSON values
 * (no binary attachments from Socket.IO), at most 16 KiB of JSON (UTF-8), so one metadata field
 * cannot bloat every read.
 */
export const Metadata = z
  .record(z.string().max(100), z.unknown())
  .refine((value) => isJsonValue(value), "metadata must be plain JSON")
  .refine((value) => new TextEncoder().encode(JSON.stringify(value)).length <= 16_384, "metadata must be at most 16 KiB of JSON");
/** See {@link Metadata}. */
export type Metadata = z.infer<typeof Metadata>;

/** `{items, nextCursor}` of a list of `item` (ARCHITECTURE §4). */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A page of items of type `T`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** `?limit=&cursor=` of plain lists. */
export const PageQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() });

/** The shared error envelope's inner object (also the failed ack of every socket event). */
export const ApiError = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional(), errorId: z.string().optional() });
/** See {@link ApiError}. */
export type ApiError = z.infer<typeof ApiError>;

/** What every client event's ack receives: `{ok: true, data}` or `{ok: false, error}`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ApiError };
