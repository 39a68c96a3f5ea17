import { z } from "zod";
import { Boundary, IsoTimestamp } from "../envelope.js";
import { NodeId, OrgId } from "../ids.js";
import { NODE_TYPES } from "./nodes.js";

const selectorPattern = new RegExp(`^(\\*|type/(${NODE_TYPES.join("|")}))$`);

/**
 * One end of a contract:
 * - a node id: exactly that node. Platform services have stable ids (their service principal ids,
 *   `service:messaging`), which is how the default contracts name them;
 * - `type/<nodeType>`: any node of that type (`type/assistant`);
 * - `*`: any node.
 */
export const ContractEndpoint = z.union([NodeId, z.string().regex(selectorPattern, "a node id, type/<node type> or *")]);
/** One end of a contract (see {@link ContractEndpoint}). */
export type ContractEndpoint = z.infer<typeof ContractEndpoint>;

/**
 * An allowed event type: exact (`message.new`), a prefix (`message.*` matches `message.new` and
 * `message.stream.chunk`, not `message` nor `messages.new`), or `*` (every type).
 */
export const EventTypePattern = z
  .string()
  .max(128)
  .regex(/^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+)$/, "an event type, prefix.* or *");
/** An allowed event type pattern (see {@link EventTypePattern}). */
export type EventTypePattern = z.infer<typeof EventTypePattern>;

/** The fields that define what a contract allows. */
export const ContractTerms = z.strictObject({
  from: ContractEndpoint,
  to: ContractEndpoint,
  allowedEventTypes: z.array(EventTypePattern).min(1).max(100),
  boundaries: z
    .array(Boundary)
    .min(1)
    .max(3)
    .refine((list) => new Set(list).size === list.length, { message: "boundaries must not repeat" }),
  /** After this instant the contract no longer allows anything (ISO 8601 UTC). */
  expiresAt: IsoTimestamp.nullable().optional(),
  description: z.string().max(1000).optional(),
});
/** The terms of a contract (see {@link ContractTerms}). */
export type ContractTerms = z.infer<typeof ContractTerms>;

/**
 * Body of `POST /api/contracts`. The contract belongs to the caller's org unless `platform` is
 * true (platform-wide, applies to every org; super admins only).
 */
export const CreateContractBody = ContractTerms.extend({ platform: z.boolean().default(false) });
/** Body of `POST /api/contracts` (see {@link CreateContractBody}). */
export type CreateContractBody = z.input<typeof CreateContractBody>;

/** Body of `PATCH /api/contracts/:id`: any of the terms (at least one). */
export const UpdateContractBody = z
  .strictObject({
    from: ContractEndpoint,
    to: ContractEndpoint,
    allowedEventTypes: ContractTerms.shape.allowedEventTypes,
    boundaries: ContractTerms.shape.boundaries,
    expiresAt: IsoTimestamp.nullable(),
    description: z.string().max(1000).nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, { message: "nothing to update" });
/** Body of `PATCH /api/contracts/:id` (see {@link UpdateContractBody}). */
export type UpdateContractBody = z.infer<typeof UpdateContractBody>;

/** Where a contract comes from: the default contracts file loaded at start, or the API. */
export const CONTRACT_ORIGINS = ["default", "api"] as const;

/**
 * A stored contract. `orgId` null means platform-wide. Default contracts have the id
 * `default:<name>` and are replaced when the network loads its defaults file.
 */
export const Contract = z.object({
  id: z.string(),
  orgId: OrgId.nullable(),
  origin: z.enum(CONTRACT_ORIGINS),
  name: z.string().nullable(),
  from: ContractEndpoint,
  to: ContractEndpoint,
  allowedEventTypes: z.array(EventTypePattern),
  boundaries: z.array(Boundary),
  expiresAt: IsoTimestamp.nullable(),
  description: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: IsoTimestamp,
});
/** A stored contract (see {@link Contract}). */
export type Contract = z.infer<typeof Contract>;
