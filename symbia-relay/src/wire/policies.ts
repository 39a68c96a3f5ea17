import { z } from "zod";
import { IsoTimestamp } from "../envelope.js";
import { EntityId, NodeId, OrgId, JsonValue } from "../ids.js";
import { DataPath } from "./common.js";

/** Event fields a policy condition can test. `dataClass` of an event without one is `none`. */
export const POLICY_FIELDS = ["source", "target", "type", "boundary", "orgId", "dataClass"] as const;
/** One of {@link POLICY_FIELDS}. */
export const PolicyField = z.enum(POLICY_FIELDS);
/** One of {@link POLICY_FIELDS}. */
export type PolicyField = z.infer<typeof PolicyField>;

/** Condition operators: equality, inequality, membership, string prefix, regular expression. */
export const CONDITION_OPERATORS = ["eq", "neq", "in", "prefix", "regex"] as const;
/** One of {@link CONDITION_OPERATORS}. */
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Longest regex source accepted in a condition. */
export const MAX_REGEX_LENGTH = 256;

/**
 * One condition; a policy matches when all its conditions hold. `in` takes a list of 1–100
 * strings; the others a single string. A `regex` is an ECMAScript pattern without flags, tested
 * with `RegExp.prototype.test` (so unanchored unless it says `^…$`); the network also refuses
 * patterns `safe-regex2` considers catastrophic. A condition on an absent field (`target` of a
 * fan-out event) holds only for `neq`.
 */
export const PolicyCondition = z.discriminatedUnion("op", [
  z.strictObject({ field: PolicyField, op: z.literal("in"), value: z.array(z.string().max(256)).min(1).max(100) }),
  z.strictObject({ field: PolicyField, op: z.enum(["eq", "neq", "prefix"]), value: z.string().max(256) }),
  z.strictObject({
    field: PolicyField,
    op: z.literal("regex"),
    value: z
      .string()
      .min(1)
      .max(MAX_REGEX_LENGTH)
      .refine(
        (source) => {
          try {
            new RegExp(source);
            return true;
          } catch {
            return false;
          }
        },
        { message: "not a valid regular expression" },
      ),
  }),
]);
/** One policy condition (see {@link PolicyCondition}). */
export type PolicyCondition = z.infer<typeof PolicyCondition>;

/**
 * One step of a declarative transform of `data` (no code runs):
 * - `set`: put `value` at `path`, creating missing objects on the way;
 * - `remove`: delete the key at `path`;
 * - `rename`: move the value at `from` to `to`.
 * A step whose path runs through a non-object is skipped and reported in the decision path.
 */
export const TransformOperation = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("set"), path: DataPath, value: JsonValue }),
  z.strictObject({ op: z.literal("remove"), path: DataPath }),
  z.strictObject({ op: z.literal("rename"), from: DataPath, to: DataPath }),
]);
/** One transform step (see {@link TransformOperation}). */
export type TransformOperation = z.infer<typeof TransformOperation>;

/** Levels of the `log` action. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * What a matching policy does:
 * - `allow`: accept now; lower policies are not evaluated (a contract is still required);
 * - `deny`: refuse with `reason`; nothing is delivered;
 * - `route`: send to another node (or the node bound to an entity) instead of the target;
 * - `transform`: apply {@link TransformOperation}s to `data`;
 * - `log`: record the event at `level` in the network's log and the trace.
 * `allow` and `deny` end the evaluation; the others let it continue.
 */
export const PolicyAction = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("allow") }),
  z.strictObject({ type: z.literal("deny"), reason: z.string().min(1).max(500) }),
  z.strictObject({ type: z.literal("route"), to: z.union([NodeId, EntityId]) }),
  z.strictObject({ type: z.literal("transform"), operations: z.array(TransformOperation).min(1).max(50) }),
  z.strictObject({ type: z.literal("log"), level: z.enum(LOG_LEVELS), message: z.string().max(500).optional() }),
]);
/** A policy action (see {@link PolicyAction}). */
export type PolicyAction = z.infer<typeof PolicyAction>;
/** The action names: allow, deny, route, transform, log. */
export type PolicyActionType = PolicyAction["type"];

/** Priority range; higher runs first. */
export const POLICY_PRIORITY = { min: -10_000, max: 10_000 } as const;

/** The fields that define a policy's behaviour. */
export const PolicyTerms = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(1000).optional(),
  /** Higher runs first; ties run in creation order. */
  priority: z.number().int().min(POLICY_PRIORITY.min).max(POLICY_PRIORITY.max).default(0),
  enabled: z.boolean().default(true),
  conditions: z.array(PolicyCondition).max(20).default([]),
  action: PolicyAction,
});

/**
 * Body of `POST /api/policies`. The policy belongs to the caller's org unless `platform` is true
 * (platform-wide; super admins only). Platform policies are evaluated before org policies.
 */
export const CreatePolicyBody = PolicyTerms.extend({ platform: z.boolean().default(false) });
/** Body of `POST /api/policies` (see {@link CreatePolicyBody}). */
export type CreatePolicyBody = z.input<typeof CreatePolicyBody>;

/** Body of `PATCH /api/policies/:id`: any of the terms. */
export const UpdatePolicyBody = z
  .strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(1000).nullable(),
    priority: z.number().int().min(POLICY_PRIORITY.min).max(POLICY_PRIORITY.max),
    enabled: z.boolean(),
    conditions: z.array(PolicyCondition).max(20),
    action: PolicyAction,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, { message: "nothing to update" });
/** Body of `PATCH /api/policies/:id` (see {@link UpdatePolicyBody}). */
export type UpdatePolicyBody = z.infer<typeof UpdatePolicyBody>;

/** A stored policy. `orgId` null means platform-wide. */
export const Policy = z.object({
  id: z.string(),
  orgId: OrgId.nullable(),
  name: z.string(),
  description: z.string().nullable(),
  priority: z.number().int(),
  enabled: z.boolean(),
  conditions: z.array(PolicyCondition),
  action: PolicyAction,
  createdBy: z.string().nullable(),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp,
});
/** A stored policy (see {@link Policy}). */
export type Policy = z.infer<typeof Policy>;
