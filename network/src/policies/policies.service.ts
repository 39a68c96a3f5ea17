import { newTraceId } from "@symbia/http";
import { createEnvelope, type CreatePolicyBody, type Decision, type Page, type Policy, type PolicyTestBody, type SimulatedEvent, type UnsignedEnvelope, type UpdatePolicyBody } from "@symbia/relay";
import { AppError, type Principal, type Scope } from "@symbia/sys";
import type { z } from "zod";
import { ownerFor } from "../contracts/contracts.service.js";
import type { NetworkDeps } from "../deps.js";
import { decide } from "../sdn/decide.js";
import { assertPolicyTerms } from "./policies.rules.js";
import * as store from "./policies.store.js";

type ParsedCreate = z.output<typeof CreatePolicyBody>;

/** A page of the policies the org sees (its own and the platform's). */
export function listPolicies(deps: NetworkDeps, scope: Scope, page: { limit: number; cursor?: string | undefined }): Promise<Page<Policy>> {
  return store.listPolicies(deps.database.db, { orgId: scope.orgId }, page);
}

/** One policy the org sees. @throws AppError `not_found` (also for another org's). */
export async function getPolicy(deps: NetworkDeps, scope: Scope, id: string): Promise<Policy> {
  const policy = await store.findPolicy(deps.database.db, { orgId: scope.orgId }, id);
  if (!policy) throw new AppError("not_found", "policy not found");
  return policy;
}

/**
 * Creates a policy of the caller's org, or a platform policy (`platform: true`, super admin).
 * Regex conditions are checked for safety (400 with the failing path). Effective for the next event.
 */
export async function createPolicy(deps: NetworkDeps, caller: Principal, scope: Scope, body: ParsedCreate): Promise<Policy> {
  const { platform, ...input } = body;
  assertPolicyTerms(input);
  const policy = await store.insertPolicy(deps.database.db, ownerFor(caller, scope, platform), input, { createdBy: caller.id });
  await deps.tables.refresh();
  deps.logger.info({ policyId: policy.id, orgId: policy.orgId, action: policy.action.type, priority: policy.priority }, "policy created");
  return policy;
}

/** Changes a policy. @throws AppError `not_found`, `forbidden` (platform policy without super admin), `validation_failed`. */
export async function updatePolicy(deps: NetworkDeps, caller: Principal, scope: Scope, id: string, patch: UpdatePolicyBody): Promise<Policy> {
  assertPolicyTerms(patch);
  const existing = await getPolicy(deps, scope, id);
  const updated = await store.updatePolicy(deps.database.db, ownerFor(caller, scope, existing.orgId === null), id, patch);
  if (!updated) throw new AppError("not_found", "policy not found");
  await deps.tables.refresh();
  return updated;
}

/** Deletes a policy. @throws AppError `not_found`, `forbidden`. */
export async function deletePolicy(deps: NetworkDeps, caller: Principal, scope: Scope, id: string): Promise<void> {
  const existing = await getPolicy(deps, scope, id);
  if (!(await store.deletePolicy(deps.database.db, ownerFor(caller, scope, existing.orgId === null), id))) throw new AppError("not_found", "policy not found");
  await deps.tables.refresh();
}

/**
 * The event of a dry run: the given fields, completed with a new id, now, a new run and trace id,
 * the caller's org and the caller as acting principal.
 * @throws AppError `validation_failed` when `orgId` names another org than the request's.
 */
export function simulatedEnvelope(caller: Principal, scope: Scope, input: z.output<typeof SimulatedEvent>, location = "body.event"): UnsignedEnvelope {
  if (input.orgId !== undefined && input.orgId !== scope.orgId) {
    throw new AppError("validation_failed", "a dry run acts in the request's org", { issues: [{ path: `${location}.orgId`, message: `must be ${scope.orgId} (choose the org with X-Org-Id)`, code: "custom" }] });
  }
  return createEnvelope({
    ...input,
    runId: input.runId ?? "run_dry",
    traceId: input.traceId ?? newTraceId(),
    orgId: scope.orgId,
    principal: input.principal ?? { id: caller.id, type: caller.type, entityId: caller.entityId },
  });
}

/**
 * `POST /api/policies/test`: dry-runs an event against the stored policies, or against the draft
 * `policies` given instead (nothing is stored), with the live contracts and topology. Nothing is
 * delivered or recorded.
 */
export function testPolicies(deps: NetworkDeps, caller: Principal, scope: Scope, body: z.output<typeof PolicyTestBody>): Decision {
  const event = simulatedEnvelope(caller, scope, body.event);
  let policies: readonly Policy[] = deps.tables.policies;
  if (body.policies) {
    const now = Date.now();
    policies = body.policies.map((parsed, index) => {
      assertPolicyTerms(parsed, `body.policies.${index}`);
      // Drafts keep their order of listing as creation order, behind nothing stored.
      return {
        id: `draft:${index}`,
        orgId: parsed.platform ? null : scope.orgId,
        name: parsed.name,
        description: parsed.description ?? null,
        priority: parsed.priority,
        enabled: parsed.enabled,
        conditions: parsed.conditions,
        action: parsed.action,
        createdBy: caller.id,
        createdAt: new Date(now + index).toISOString(),
        updatedAt: new Date(now).toISOString(),
      } satisfies Policy;
    });
  }
  return decide({ event, contracts: deps.tables.contracts, policies, directory: deps.registry });
}
