import type { Boundary, Contract } from "@symbia/relay";
import type { NodeInfo } from "../sdn/directory.js";

/** The terms a contract is matched on (the stored form carries more). */
export type ContractLike = Pick<Contract, "id" | "orgId" | "from" | "to" | "allowedEventTypes" | "boundaries" | "expiresAt">;

/**
 * True when a contract endpoint selects `node`: `*` any node; `type/<nodeType>` any node of that
 * type; otherwise the exact node id (`service:messaging`, `assistant:support`, ...).
 */
export function endpointMatches(endpoint: string, node: NodeInfo): boolean {
  if (endpoint === "*") return true;
  if (endpoint.startsWith("type/")) return node.type === endpoint.slice("type/".length);
  return endpoint === node.id;
}

/** True when `type` is allowed by `pattern`: exact, `prefix.*` (anything below prefix), or `*`. */
export function eventTypeMatches(pattern: string, type: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1)) && type.length > pattern.length - 1;
  return pattern === type;
}

/** True when the contract has no expiry or expires after `nowMs` (epoch ms). */
export function contractIsLive(contract: Pick<Contract, "expiresAt">, nowMs: number): boolean {
  return contract.expiresAt === null || Date.parse(contract.expiresAt) > nowMs;
}

/** What an event needs a contract for. */
export interface ContractQuery {
  source: NodeInfo;
  target: NodeInfo;
  type: string;
  boundary: Boundary;
  orgId: string;
}

/** Why no contract allowed an event, from least to most specific. */
export type ContractMiss = "no_contract" | "contract_expired" | "type_not_allowed" | "boundary_not_allowed";

/** Result of {@link checkContract}. */
export type ContractCheck<C extends ContractLike = ContractLike> =
  | { ok: true; contract: C }
  | { ok: false; reason: ContractMiss; detail: string; closest?: C };

// Exact ids beat type selectors, which beat "*".
function endpointSpecificity(endpoint: string): number {
  if (endpoint === "*") return 0;
  if (endpoint.startsWith("type/")) return 1;
  return 2;
}

function preferred<C extends ContractLike>(a: C, b: C): number {
  const specificity = endpointSpecificity(b.from) + endpointSpecificity(b.to) - (endpointSpecificity(a.from) + endpointSpecificity(a.to));
  if (specificity !== 0) return specificity;
  // An org's own contract beats a platform one; then a stable order.
  if ((a.orgId === null) !== (b.orgId === null)) return a.orgId === null ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Finds a live contract allowing `query`: one whose org is the event's org or the platform
 * (`orgId` null), whose `from` selects the source and `to` the target, not expired at `nowMs`,
 * listing the event type and the boundary. Several may; the most specific wins (exact ids over
 * type selectors over `*`, the org's own over the platform's). When none does, the answer names
 * the candidate that came closest and what it lacked, so a trace can say why. Closeness is judged
 * in this order: allowing the event type, then the boundary, then being live — so an expired
 * contract written for exactly this traffic (`contract_expired`) is closer than a live one for
 * other event types (`type_not_allowed`).
 */
export function checkContract<C extends ContractLike>(contracts: readonly C[], query: ContractQuery, nowMs: number): ContractCheck<C> {
  const candidates = contracts
    .filter((c) => (c.orgId === null || c.orgId === query.orgId) && endpointMatches(c.from, query.source) && endpointMatches(c.to, query.target))
    .sort(preferred);
  if (candidates.length === 0) return { ok: false, reason: "no_contract", detail: `no contract from ${query.source.id} to ${query.target.id}` };

  let best: { rank: number; reason: ContractMiss; detail: string; closest: C } | undefined;
  for (const contract of candidates) {
    const live = contractIsLive(contract, nowMs);
    const typeOk = contract.allowedEventTypes.some((p) => eventTypeMatches(p, query.type));
    const boundaryOk = contract.boundaries.includes(query.boundary);
    if (live && typeOk && boundaryOk) return { ok: true, contract };
    const rank = (typeOk ? 4 : 0) + (boundaryOk ? 2 : 0) + (live ? 1 : 0);
    const miss: { reason: ContractMiss; detail: string } = !typeOk
      ? { reason: "type_not_allowed", detail: `contract ${contract.id} does not allow ${query.type}` }
      : !boundaryOk
        ? { reason: "boundary_not_allowed", detail: `contract ${contract.id} does not allow the ${query.boundary} boundary` }
        : { reason: "contract_expired", detail: `contract ${contract.id} expired at ${contract.expiresAt}` };
    if (!best || rank > best.rank) best = { rank, ...miss, closest: contract };
  }
  const { rank: _rank, ...miss } = best!;
  return { ok: false, ...miss };
}

/** Query of {@link fanOutTargets}: an event without a target. */
export type FanOutQuery = Omit<ContractQuery, "target">;

/**
 * Targets of an event that names none: every node of `nodes` (other than the source, and other
 * than nodes of another org: fan-out never crosses tenants) to which a live contract allows this
 * source, type and boundary, each with the contract that allows it. Ordered by node id so
 * fan-out is deterministic.
 */
export function fanOutTargets<C extends ContractLike>(
  contracts: readonly C[],
  query: FanOutQuery,
  nodes: Iterable<NodeInfo>,
  nowMs: number,
): Array<{ node: NodeInfo; contract: C }> {
  const out: Array<{ node: NodeInfo; contract: C }> = [];
  for (const node of nodes) {
    if (node.id === query.source.id || !nodeServesOrg(node, query.orgId)) continue;
    const check = checkContract(contracts, { ...query, target: node }, nowMs);
    if (check.ok) out.push({ node, contract: check.contract });
  }
  return out.sort((a, b) => (a.node.id < b.node.id ? -1 : a.node.id > b.node.id ? 1 : 0));
}

/** True when `node` may receive an org's events without crossing tenants: a platform node (org null) or a node of that org. */
export function nodeServesOrg(node: NodeInfo, orgId: string): boolean {
  return node.orgId === undefined || node.orgId === null || node.orgId === orgId;
}
