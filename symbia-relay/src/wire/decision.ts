import { z } from "zod";
import { ActingPrincipal, Boundary, DataClass, IsoTimestamp, UnsignedEnvelope } from "../envelope.js";
import { EntityId, EventId, EventType, NodeId, OrgId, RunId, TraceId, JsonValue } from "../ids.js";
import { LOG_LEVELS, CreatePolicyBody } from "./policies.js";

/**
 * What the network would do with an event:
 * - `deliver`: pass it (transformed/rerouted as `event` shows) to `targets`;
 * - `deny`: a policy refused it, no live contract covers it, or it would cross into another org's
 *   node without the `inter` boundary (`reasonCode` says which);
 * - `unrouted`: no target could be found (unbound entity, no contract to fan out along).
 */
export const DECISION_OUTCOMES = ["deliver", "deny", "unrouted"] as const;
/** One of {@link DECISION_OUTCOMES}. */
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** Machine-readable cause of a `deny` or `unrouted` decision. */
export const DECISION_REASON_CODES = [
  "policy_denied",
  "no_contract",
  "contract_expired",
  "type_not_allowed",
  "boundary_not_allowed",
  "cross_org",
  "unbound_entity",
  "no_fanout_target",
] as const;
/** One of {@link DECISION_REASON_CODES}. */
export type DecisionReasonCode = (typeof DECISION_REASON_CODES)[number];

/**
 * What a decision step was: a policy's action (`allow`, `deny`, `route`, `transform`, `log`),
 * or one of the network's own steps: `resolve` (entity → node), `contract` (contract check for a
 * target), `fanout` (targets from contracts when the event names none).
 */
export const STEP_ACTIONS = ["resolve", "allow", "deny", "route", "transform", "log", "contract", "fanout"] as const;
/** One of {@link STEP_ACTIONS}. */
export type StepAction = (typeof STEP_ACTIONS)[number];

/** Outcome of one decision step. */
export const STEP_OUTCOMES = [
  "not_matched",
  "allowed",
  "denied",
  "routed",
  "transformed",
  "logged",
  "direct",
  "resolved",
  "unresolved",
  "contract_found",
  "no_contract",
  "contract_expired",
  "type_not_allowed",
  "boundary_not_allowed",
  "cross_org",
  "fanned_out",
  "no_targets",
] as const;
/** One of {@link STEP_OUTCOMES}. */
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

/** One step of a decision path. */
export const DecisionStep = z.object({
  /** The policy that acted (policy steps only). */
  policyId: z.string().optional(),
  /** The contract that matched or came closest (contract and fan-out steps). */
  contractId: z.string().optional(),
  action: z.enum(STEP_ACTIONS),
  outcome: z.enum(STEP_OUTCOMES),
  /** Human-readable specifics: the deny reason, the new target, skipped transform steps... */
  detail: z.string().optional(),
  /** Time the step took, ms (fractional). */
  durationMs: z.number().nonnegative(),
});
/** One step of a decision path (see {@link DecisionStep}). */
export type DecisionStep = z.infer<typeof DecisionStep>;

/** A `log` action's record. */
export const PolicyLogEntry = z.object({ policyId: z.string(), level: z.enum(LOG_LEVELS), message: z.string() });
/** A `log` action's record (see {@link PolicyLogEntry}). */
export type PolicyLogEntry = z.infer<typeof PolicyLogEntry>;

/**
 * The result of evaluating an event against contracts and policies: the outcome, the decision path
 * step by step, and the event as it would be delivered (after route and transform). This is the
 * response of `POST /api/policies/test` and `POST /api/sdn/simulate`.
 */
export const Decision = z.object({
  outcome: z.enum(DECISION_OUTCOMES),
  reasonCode: z.enum(DECISION_REASON_CODES).nullable(),
  reason: z.string().nullable(),
  /** Node ids it would be delivered to (empty unless `deliver`). */
  targets: z.array(NodeId),
  /** The contract covering each target, in the order of `targets`. */
  contractIds: z.array(z.string()),
  path: z.array(DecisionStep),
  logs: z.array(PolicyLogEntry),
  event: UnsignedEnvelope,
});
/** The result of a decision (see {@link Decision}). */
export type Decision = z.infer<typeof Decision>;

/**
 * An event to dry-run: envelope fields without a signature; `id`, `timestamp`, `runId`,
 * `traceId`, `orgId` (the caller's org) and `principal` (the caller) are filled in when absent.
 */
export const SimulatedEvent = z.strictObject({
  id: EventId.optional(),
  type: EventType,
  source: NodeId,
  target: z.union([NodeId, EntityId]).optional(),
  runId: RunId.optional(),
  traceId: TraceId.optional(),
  orgId: OrgId.optional(),
  boundary: Boundary.default("intra"),
  causedBy: EventId.optional(),
  timestamp: IsoTimestamp.optional(),
  principal: ActingPrincipal.optional(),
  dataClass: DataClass.optional(),
  data: JsonValue.default({}),
});
/** An event to dry-run (see {@link SimulatedEvent}). */
export type SimulatedEvent = z.input<typeof SimulatedEvent>;

/** Body of `POST /api/sdn/simulate`: dry-run an event against the live contracts, policies and topology. */
export const SimulateBody = z.strictObject({ event: SimulatedEvent });
/** Body of `POST /api/sdn/simulate` (see {@link SimulateBody}). */
export type SimulateBody = z.input<typeof SimulateBody>;

/**
 * Body of `POST /api/policies/test`: dry-run an event against the stored policies, or against
 * the draft `policies` given here instead (nothing is stored).
 */
export const PolicyTestBody = z.strictObject({
  event: SimulatedEvent,
  policies: z.array(CreatePolicyBody).max(100).optional(),
});
/** Body of `POST /api/policies/test` (see {@link PolicyTestBody}). */
export type PolicyTestBody = z.input<typeof PolicyTestBody>;
