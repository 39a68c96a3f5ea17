import { randomUUID } from "node:crypto";
import { currentContext, newTraceId } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { z } from "zod";
import { Boundary, DataClass, createEnvelope, type ActingPrincipal, type SignedEnvelope } from "../envelope.js";
import { EntityId, EventId, EventType, JsonValue, NodeId, OrgId, RunId, TraceId } from "../ids.js";
import { signEnvelope } from "../signing.js";
import type { NodeRegistered } from "../wire/nodes.js";
import type { EmitOptions } from "./types.js";

/** An emitted event waiting to be signed and sent: everything but the signing node's own fields. */
export interface PendingEvent {
  /** Emission order (outbox requeues keep it). */
  seq: number;
  id: string;
  type: string;
  data: JsonValue;
  target?: string;
  runId: string;
  traceId: string;
  boundary: Boundary;
  causedBy?: string;
  principal?: ActingPrincipal;
  dataClass?: DataClass;
  orgId?: string;
}

const EmitFields = z.object({
  type: EventType,
  target: z.union([NodeId, EntityId]).optional(),
  runId: RunId,
  traceId: TraceId,
  boundary: Boundary,
  causedBy: EventId.optional(),
  dataClass: DataClass.optional(),
  orgId: OrgId.optional(),
  data: JsonValue,
});

/**
 * Validates an emit and captures what belongs to the moment of emission: a new event id, the run,
 * and the trace id and org of the current request context (`@symbia/http`) unless given.
 * @throws ZodError for an invalid field.
 */
export function pendingEvent(seq: number, type: string, data: unknown, options: EmitOptions): PendingEvent {
  const context = currentContext();
  const fields = EmitFields.parse({
    type,
    data,
    target: options.target,
    runId: options.runId ?? `run_${randomUUID()}`,
    traceId: options.traceId ?? context?.traceId ?? newTraceId(),
    boundary: options.boundary ?? "intra",
    causedBy: options.causedBy,
    dataClass: options.dataClass,
    orgId: options.orgId ?? context?.orgId,
  });
  return {
    seq,
    id: `evt_${randomUUID()}`,
    type: fields.type,
    data: fields.data,
    runId: fields.runId,
    traceId: fields.traceId,
    boundary: fields.boundary,
    ...(fields.target === undefined ? {} : { target: fields.target }),
    ...(fields.causedBy === undefined ? {} : { causedBy: fields.causedBy }),
    ...(fields.dataClass === undefined ? {} : { dataClass: fields.dataClass }),
    ...(fields.orgId === undefined ? {} : { orgId: fields.orgId }),
    ...(options.principal ? { principal: options.principal } : {}),
  };
}

/**
 * Builds and signs the envelope of a pending event as node `nodeId` with its key, now: signed when
 * sent, not when emitted, so a queued event's timestamp stays inside the window. The principal
 * defaults to the node's own, the org to the event's, else the node's, else the client's option.
 * @throws AppError `validation_failed` when no org can be found (org-less service nodes).
 */
export function signPending(pending: PendingEvent, node: { nodeId: string; registration: NodeRegistered; key: Uint8Array; orgId?: string }): SignedEnvelope {
  const orgId = pending.orgId ?? node.registration.node.orgId ?? node.orgId;
  if (!orgId) throw new AppError("validation_failed", "orgId is required: this node serves every org, so each event must name one (emit option orgId, or a request context)");
  const envelope = createEnvelope({
    id: pending.id,
    type: pending.type,
    source: node.nodeId,
    runId: pending.runId,
    traceId: pending.traceId,
    orgId,
    boundary: pending.boundary,
    principal: pending.principal ?? node.registration.node.principal,
    data: pending.data,
    ...(pending.target === undefined ? {} : { target: pending.target }),
    ...(pending.causedBy === undefined ? {} : { causedBy: pending.causedBy }),
    ...(pending.dataClass === undefined ? {} : { dataClass: pending.dataClass }),
  });
  return signEnvelope(envelope, node.key);
}
