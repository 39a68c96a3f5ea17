import { resolveOrg } from "@symbia/http";
import type { ActingPrincipal, Node, NodeType, SignedEnvelope } from "@symbia/relay";
import { AppError, type Principal } from "@symbia/sys";

/**
 * Node id prefixes that name something other than an agent: `service:` is the service principals'
 * namespace, `sandbox:` and `bridge:` the hosted nodes'. An agent whose id starts with one of them
 * (identity does not forbid it) may not register any node, so it can never pose as a service or
 * as another principal's sandbox or bridge.
 */
export const RESERVED_PREFIXES = ["service:", "sandbox:", "bridge:"] as const;

const HOSTED_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Whether `principal` may register node `nodeId` of `type`; null when it may, else why not.
 *
 * | type | who registers | node id |
 * |---|---|---|
 * | `service` | a service principal | its principal id, `service:<serviceId>` |
 * | `assistant` | an agent | its agent id |
 * | `client` | a user | its user id |
 * | `sandbox` | a service principal or an agent that runs the sandbox | `sandbox:<its principal id>:<name>` |
 * | `bridge` | a service principal or an agent that runs the bridge | `bridge:<its principal id>:<name>` |
 *
 * `<name>` is 1–64 of `[A-Za-z0-9._-]` (no `:`), so the owner part of a hosted id is unambiguous
 * and no principal can register an id that embeds another principal's id.
 */
export function nodeIdProblem(principal: Pick<Principal, "id" | "type">, nodeId: string, type: NodeType): string | null {
  if (principal.type === "agent" && RESERVED_PREFIXES.some((p) => principal.id.startsWith(p))) {
    return `agent ids starting with ${RESERVED_PREFIXES.join(", ")} cannot register nodes`;
  }
  switch (type) {
    case "service":
      if (principal.type !== "service") return "service nodes are registered by service principals";
      return nodeId === principal.id ? null : `a service node's id must be its service principal id (${principal.id})`;
    case "assistant":
      if (principal.type !== "agent") return "assistant nodes are registered by agents";
      return nodeId === principal.id ? null : `an assistant node's id must be its agent id (${principal.id})`;
    case "client":
      if (principal.type !== "user") return "client nodes are registered by users";
      return nodeId === principal.id ? null : `a client node's id must be its user id (${principal.id})`;
    case "sandbox":
    case "bridge": {
      if (principal.type === "user") return `${type} nodes are registered by the service or agent that runs them`;
      const prefix = `${type}:${principal.id}:`;
      if (!nodeId.startsWith(prefix) || !HOSTED_NAME.test(nodeId.slice(prefix.length))) return `a ${type} node's id must be ${prefix}<name> (name: 1-64 of [A-Za-z0-9._-])`;
      return null;
    }
  }
}

/**
 * The org a node works for: null (platform) for nodes of service principals, which serve every
 * org; an agent's org for its nodes; for a user's client node, the org it asks for in the
 * handshake (`auth.orgId`) among its memberships, else its first.
 *
 * @throws AppError `forbidden` when the principal belongs to no org, or not to the requested one.
 */
export function nodeOrgOf(principal: Principal, requestedOrg: string | undefined): string | null {
  if (principal.type === "service") return null;
  if (principal.type === "agent") {
    const org = principal.orgs[0]?.orgId;
    if (!org) throw new AppError("forbidden", "the agent belongs to no organization");
    return org;
  }
  return resolveOrg({ ...principal, superAdmin: false }, requestedOrg);
}

/** The acting principal of a node's own events: the registering principal. */
export function actingPrincipalOf(principal: Principal): ActingPrincipal {
  return { id: principal.id, type: principal.type, entityId: principal.entityId };
}

/**
 * Whether a node may bind `entityId`: service nodes may bind any entity (they hold users' and
 * agents' sessions and vouch for them, as for acting principals); any other node only its own
 * principal's entity.
 */
export function mayBind(node: Pick<Node, "type" | "principal">, entityId: string): boolean {
  return node.type === "service" || node.principal.entityId === entityId;
}

/**
 * The network's own rules on a verified event from `node`, beyond the signature: only service
 * nodes may name an acting principal other than their own (`principal_not_allowed`), and a node of
 * an org may only send that org's events (`org_not_allowed`). Null when the event passes.
 */
export function ingressRuleProblem(node: Pick<Node, "type" | "orgId" | "principal">, envelope: Pick<SignedEnvelope, "principal" | "orgId">): { reason: "principal_not_allowed" | "org_not_allowed"; message: string } | null {
  const own = node.principal;
  if (node.type !== "service" && (envelope.principal.id !== own.id || envelope.principal.type !== own.type || envelope.principal.entityId !== own.entityId)) {
    return { reason: "principal_not_allowed", message: `only service nodes may act for another principal; this node acts for ${own.id}` };
  }
  if (node.orgId !== null && envelope.orgId !== node.orgId) {
    return { reason: "org_not_allowed", message: `this node works for org ${node.orgId}, not ${envelope.orgId}` };
  }
  return null;
}
