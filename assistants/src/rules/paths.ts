/**
 * Field paths (`message.content`, `context.billing.plan`, `message.mentions.0`) and validation
 * issues with readable paths. Shared by conditions, templates, actions and graphs.
 */

/** One publish-time validation problem: where (`rules[0].conditions.conditions[1].operator`) and what. */
export interface ValidationIssue {
  /** Dotted path with bracketed indices into the published document. */
  path: string;
  /** What is wrong, in words an author understands. */
  message: string;
  /** Machine-readable kind: `unknown_operator`, `unknown_field_root`, `unknown_action`, `invalid_params`, ... */
  code: string;
}

/** A path into a document as zod reports it. */
export type PathSegments = ReadonlyArray<PropertyKey>;

/**
 * `["rules", 0, "conditions", "conditions", 1, "operator"]` → `rules[0].conditions.conditions[1].operator`.
 * An empty path is `(root)`.
 */
export function formatPath(segments: PathSegments): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Joins a base path and a relative one (`"rules[0]"` + `"actions[1]"`). */
export function joinPath(base: string, rest: string): string {
  if (base === "" || base === "(root)") return rest;
  if (rest === "" || rest === "(root)") return base;
  return rest.startsWith("[") ? `${base}${rest}` : `${base}.${rest}`;
}

/** Segment names that would reach an object's prototype: never allowed in a path. */
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "prototype", "constructor"]);

/** True for `__proto__`, `prototype` and `constructor`, which no path or template may name. */
export function isForbiddenSegment(segment: string): boolean {
  return FORBIDDEN_SEGMENTS.has(segment);
}

const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_-]{0,63}|0|[1-9][0-9]{0,5})$/;

/**
 * Splits and checks a field path: dot-separated segments, each an identifier (letters, digits,
 * `_`, `-`, not starting with a digit) or an array index; at most 16 segments; no prototype
 * segments. Returns the segments or an error message.
 */
export function parseFieldPath(path: string): { ok: true; segments: string[] } | { ok: false; message: string } {
  if (path.length === 0) return { ok: false, message: "field path is empty" };
  if (path.length > 256) return { ok: false, message: "field path is longer than 256 characters" };
  const segments = path.split(".");
  if (segments.length > 16) return { ok: false, message: "field path has more than 16 segments" };
  for (const segment of segments) {
    if (FORBIDDEN_SEGMENTS.has(segment)) return { ok: false, message: `field path segment "${segment}" is not allowed` };
    if (!SEGMENT.test(segment)) return { ok: false, message: `field path segment "${segment}" is not an identifier or an array index` };
  }
  return { ok: true, segments };
}

/**
 * The value at `segments` inside `root`, following own properties only (never the prototype
 * chain) and array indices; `undefined` when any step is missing.
 */
export function getAtPath(root: unknown, segments: readonly string[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
      current = current[Number(segment)];
      continue;
    }
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * The roots a field path or template may start with, and for roots whose shape the platform
 * defines, the fields allowed right below them (`null` = free-form below the root).
 */
export type FieldRoots = ReadonlyMap<string, ReadonlySet<string> | null>;

/**
 * Fields of the message that triggered the event. `metadata` is free-form below.
 * This is the assistants service's own event contract; the wiring maps messaging's wire message onto it.
 */
export const MESSAGE_FIELDS = [
  "id", "conversationId", "content", "contentType", "senderId", "senderType", "senderName", "threadId",
  "replyToId", "sequence", "priority", "mentions", "metadata", "createdAt",
] as const;

/** Fields of the acting user (a principal: person, agent or service). `metadata` is free-form below. */
export const USER_FIELDS = ["id", "type", "name", "email", "orgId", "roles", "entitlements", "metadata"] as const;

/** Fields of the conversation the event belongs to. `metadata` is free-form below. */
export const CONVERSATION_FIELDS = [
  "id", "orgId", "type", "name", "state", "participantIds", "participantCount", "metadata", "createdAt",
] as const;

/** Fields of the event envelope itself. `data` is free-form below. */
export const EVENT_FIELDS = ["id", "type", "name", "source", "timestamp", "data"] as const;

/** Roots available to rule conditions: the event, message, user, conversation and context. */
export const RULE_ROOTS: FieldRoots = new Map<string, ReadonlySet<string> | null>([
  ["event", new Set(EVENT_FIELDS)],
  ["message", new Set(MESSAGE_FIELDS)],
  ["user", new Set(USER_FIELDS)],
  ["conversation", new Set(CONVERSATION_FIELDS)],
  ["context", null],
]);

/** Rule roots plus the names of values earlier actions saved (`vars`). */
export const ACTION_ROOTS: FieldRoots = new Map([...RULE_ROOTS, ["vars", null]]);

/** {@link ACTION_ROOTS} plus `loop` (`loop.item`, `loop.index`, `loop.count`) inside a loop body. */
export const LOOP_ROOTS: FieldRoots = new Map([...ACTION_ROOTS, ["loop", new Set(["item", "index", "count"])]]);

/** Returns `roots` extended by `extra` entries (used by graphs for `input` and `nodes`). */
export function extendRoots(roots: FieldRoots, extra: ReadonlyArray<[string, ReadonlySet<string> | null]>): FieldRoots {
  return new Map([...roots, ...extra]);
}

/**
 * Checks that a parsed path starts at a known root and, for a root with a fixed shape, names
 * a known field below it. Returns an error message (and its issue code) or null.
 */
export function checkPathRoots(segments: readonly string[], roots: FieldRoots): { code: string; message: string } | null {
  const [root, field] = segments;
  if (root === undefined || !roots.has(root)) {
    return { code: "unknown_field_root", message: `unknown field root "${root ?? ""}"; expected one of ${[...roots.keys()].join(", ")}` };
  }
  const fields = roots.get(root);
  if (fields && field !== undefined && !fields.has(field)) {
    const known = fields.size > 0 ? [...fields].join(", ") : "nothing here (no earlier action saved a value)";
    return { code: "unknown_field", message: `unknown field "${root}.${field}"; ${root} has ${known}` };
  }
  return null;
}
