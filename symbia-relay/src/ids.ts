import { randomUUID } from "node:crypto";
import { z } from "zod";

/**
 * A node id: 1–200 characters from `[A-Za-z0-9._:-]`, starting with a letter or digit. It is the
 * id of the principal that registers the node: a service node's id is its service principal's id
 * (`service:messaging`), an assistant node's its agent id (`assistant:support`), a client node's
 * its user id. `/` and `*` never appear: they mark contract selectors (`type/assistant`, `*`).
 */
export const NodeId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, "a node id: 1-200 of [A-Za-z0-9._:-]");
/** A node id (see {@link NodeId}). */
export type NodeId = z.infer<typeof NodeId>;

/** An entity id from identity's Entity Directory: `ent_` then 1–64 of `[A-Za-z0-9_-]`. */
export const EntityId = z.string().regex(/^ent_[A-Za-z0-9_-]{1,64}$/, "an entity id: ent_<id>");
/** An entity id (see {@link EntityId}). */
export type EntityId = z.infer<typeof EntityId>;

/** True when `value` names an entity (`ent_…`) rather than a node: targets may be either. */
export function isEntityId(value: string): boolean {
  return EntityId.safeParse(value).success;
}

/** An event id: 1–128 characters from `[A-Za-z0-9._:-]`, starting with a letter or digit. */
export const EventId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "an event id: 1-128 of [A-Za-z0-9._:-]");
/** An event id (see {@link EventId}). */
export type EventId = z.infer<typeof EventId>;

/** A new random event id: `evt_<uuid v4>`. */
export function newEventId(): string {
  return `evt_${randomUUID()}`;
}

/**
 * A relay event type: dotted `domain.event` (ARCHITECTURE §4), at least two segments of
 * `[A-Za-z0-9_-]`, at most 128 characters. Examples: `message.new`, `assistant.intent.claim`.
 */
export const EventType = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/, "a dotted event type such as message.new");
/** A relay event type (see {@link EventType}). */
export type EventType = z.infer<typeof EventType>;

/** A run id: 1–128 characters from `[A-Za-z0-9._:-]`. */
export const RunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "a run id: 1-128 of [A-Za-z0-9._:-]");

/**
 * A trace id: a W3C trace id (32 lowercase hex) or, as `@symbia/http` accepts from other tools,
 * 8–64 characters from `[A-Za-z0-9._-]`.
 */
export const TraceId = z.string().regex(/^[A-Za-z0-9._-]{8,64}$/, "a trace id: 8-64 of [A-Za-z0-9._-]");

/** An organization id (identity's tenant id): 1–128 characters from `[A-Za-z0-9._:-]`. */
export const OrgId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "an org id");

/** Any JSON value (the TypeScript type of {@link JsonValue}). */
export type JsonValue = z.core.util.JSONType;

/**
 * Any JSON value: string, finite number, boolean, null, array or object of JSON values (no NaN,
 * Infinity, Dates or undefined). Equivalent to `z.json()`, but registered under the id
 * `JsonValue` so OpenAPI generators emit one recursive component instead of recursing forever.
 */
export const JsonValue: z.ZodType<JsonValue> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]))
  .meta({ id: "JsonValue" });
