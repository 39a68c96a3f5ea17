import { performance } from "node:perf_hooks";
import {
  isEntityId,
  type Decision,
  type DecisionReasonCode,
  type DecisionStep,
  type Policy,
  type PolicyLogEntry,
  type UnsignedEnvelope,
} from "@symbia/relay";
import { checkContract, fanOutTargets, nodeServesOrg, type ContractLike } from "../contracts/contracts.match.js";
import { orderPolicies, policyMatches } from "../policies/policies.conditions.js";
import { applyTransform } from "../policies/policies.transform.js";
import type { NodeDirectory, NodeInfo } from "./directory.js";

/** What {@link decide} evaluates. */
export interface DecideInput {
  /** The event as received (verified) or as simulated. Not modified. */
  event: UnsignedEnvelope;
  /** Contracts to match against; those of other orgs are ignored. */
  contracts: readonly ContractLike[];
  /** Policies to apply; disabled ones and those of other orgs are ignored. */
  policies: readonly Policy[];
  /** Registered nodes and entity bindings. */
  directory: NodeDirectory;
  /** Current time, epoch ms (contract expiry). Default `Date.now()`. */
  now?: number;
  /** Monotonic clock in ms for step durations. Default `performance.now`. */
  clock?: () => number;
}

/**
 * Decides what the network does with one event, without delivering anything:
 *
 * 1. **Policies**, in {@link orderPolicies} order (platform tier first, then the org's; higher
 *    priority first). Each policy whose conditions all hold applies its action: `allow` stops the
 *    evaluation and accepts; `deny` stops and refuses with its reason; `route` replaces the target;
 *    `transform` rewrites `data`; `log` adds a {@link PolicyLogEntry}. Later policies see the event
 *    as earlier ones left it.
 * 2. **Target resolution**: an entity target (`ent_…`) becomes the node it is bound to; unbound →
 *    `unrouted`.
 * 3. **Contract**: the (source, resolved target, type, boundary) must be allowed by a live
 *    contract of the event's org or of the platform (an `allow` policy does not waive this) →
 *    else `deny` with the closest miss (`no_contract`, `contract_expired`, `type_not_allowed`,
 *    `boundary_not_allowed`). A target node of another org is refused (`cross_org`) unless the
 *    event declares the `inter` boundary. An event without a target fans out to every node of
 *    its org (or the platform) a contract allows; none → `unrouted`.
 *
 * Every step is recorded in `path` with its policy id, action, outcome and duration: this powers
 * `POST /api/policies/test`, `POST /api/sdn/simulate` and the live pipeline alike.
 */
export function decide(input: DecideInput): Decision {
  const clock = input.clock ?? (() => performance.now());
  const elapsed = (started: number) => Math.max(0, clock() - started);
  const nowMs = input.now ?? Date.now();
  const path: DecisionStep[] = [];
  const logs: PolicyLogEntry[] = [];
  let event: UnsignedEnvelope = { ...input.event };

  const finish = (outcome: Decision["outcome"], reasonCode: DecisionReasonCode | null, reason: string | null, targets: string[] = [], contractIds: string[] = []): Decision => ({
    outcome,
    reasonCode,
    reason,
    targets,
    contractIds,
    path,
    logs,
    event,
  });

  for (const policy of orderPolicies(input.policies, event.orgId)) {
    const started = clock();
    const step = (outcome: DecisionStep["outcome"], detail?: string) =>
      path.push({ policyId: policy.id, action: policy.action.type, outcome, ...(detail === undefined ? {} : { detail }), durationMs: elapsed(started) });
    if (!policyMatches(policy, event)) {
      step("not_matched");
      continue;
    }
    const action = policy.action;
    if (action.type === "allow") {
      step("allowed");
      break;
    }
    if (action.type === "deny") {
      step("denied", action.reason);
      return finish("deny", "policy_denied", action.reason);
    }
    if (action.type === "route") {
      const from = event.target ?? "(fan-out)";
      event = { ...event, target: action.to };
      step("routed", `${from} → ${action.to}`);
    } else if (action.type === "transform") {
      const result = applyTransform(event.data, action.operations);
      event = { ...event, data: result.data as UnsignedEnvelope["data"] };
      step("transformed", `${result.applied} of ${action.operations.length} operations applied${result.skipped.length ? `; skipped ${result.skipped.join("; ")}` : ""}`);
    } else {
      const message = action.message ?? `policy ${policy.name} matched ${event.type} from ${event.source}`;
      logs.push({ policyId: policy.id, level: action.level, message });
      step("logged", `${action.level}: ${message}`);
    }
  }

  const source: NodeInfo = input.directory.node(event.source) ?? { id: event.source };
  const base = { source, type: event.type, boundary: event.boundary, orgId: event.orgId };

  if (event.target === undefined) {
    const started = clock();
    const targets = fanOutTargets(input.contracts, base, input.directory.nodes(), nowMs);
    if (targets.length === 0) {
      path.push({ action: "fanout", outcome: "no_targets", detail: `no live contract lets ${event.source} send ${event.type} to any node`, durationMs: elapsed(started) });
      return finish("unrouted", "no_fanout_target", `no contract to fan ${event.type} out along`);
    }
    path.push({ action: "fanout", outcome: "fanned_out", detail: targets.map((t) => `${t.node.id} (${t.contract.id})`).join(", "), durationMs: elapsed(started) });
    return finish("deliver", null, null, targets.map((t) => t.node.id), targets.map((t) => t.contract.id));
  }

  let targetId = event.target;
  if (isEntityId(targetId)) {
    const started = clock();
    const bound = input.directory.entityNode(targetId);
    if (bound === undefined) {
      path.push({ action: "resolve", outcome: "unresolved", detail: `${targetId} is not bound to any node`, durationMs: elapsed(started) });
      return finish("unrouted", "unbound_entity", `entity ${targetId} is not bound to any node`);
    }
    path.push({ action: "resolve", outcome: "resolved", detail: `${targetId} → ${bound}`, durationMs: elapsed(started) });
    targetId = bound;
  }

  const started = clock();
  const target: NodeInfo = input.directory.node(targetId) ?? { id: targetId };
  if (!nodeServesOrg(target, event.orgId) && event.boundary !== "inter") {
    const detail = `${targetId} belongs to another org; crossing orgs needs the inter boundary`;
    path.push({ action: "contract", outcome: "cross_org", detail, durationMs: elapsed(started) });
    return finish("deny", "cross_org", detail);
  }
  const check = checkContract(input.contracts, { ...base, target }, nowMs);
  if (!check.ok) {
    path.push({ action: "contract", outcome: check.reason, ...(check.closest ? { contractId: check.closest.id } : {}), detail: check.detail, durationMs: elapsed(started) });
    return finish("deny", check.reason, check.detail);
  }
  path.push({ action: "contract", outcome: "contract_found", contractId: check.contract.id, durationMs: elapsed(started) });
  return finish("deliver", null, null, [targetId], [check.contract.id]);
}
