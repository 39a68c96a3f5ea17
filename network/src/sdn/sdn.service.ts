import type { Decision, EventTrace, RunFlow, SimulateBody, Topology } from "@symbia/relay";
import { AppError, type Principal, type Scope } from "@symbia/sys";
import type { z } from "zod";
import { edgeCounts, listRecordsByRun, listTracesByRun } from "../events/events.store.js";
import type { NetworkDeps } from "../deps.js";
import { listNodes } from "../nodes/nodes.store.js";
import { simulatedEnvelope } from "../policies/policies.service.js";
import { decide } from "./decide.js";

/**
 * The org's view of the network: the nodes it sees (platform nodes and its own), the contracts
 * that apply to it (its own and the platform's, expired ones included with their `expiresAt`),
 * and edges with the number of events delivered along each, from the history.
 */
export async function topology(deps: NetworkDeps, scope: Scope): Promise<Topology> {
  const [nodes, edges] = await Promise.all([listNodes(deps.database.db, { orgId: scope.orgId }), edgeCounts(deps.database.db, { orgId: scope.orgId })]);
  const contracts = deps.tables.contracts.filter((c) => c.orgId === null || c.orgId === scope.orgId);
  return { nodes, contracts, edges };
}

/** The traces of a run, in handling order. @throws AppError `not_found` for an unknown run or another org's. */
export async function runTraces(deps: NetworkDeps, scope: Scope, runId: string): Promise<EventTrace[]> {
  const traces = await listTracesByRun(deps.database.db, { orgId: scope.orgId }, runId);
  if (traces.length === 0) throw new AppError("not_found", "run not found");
  return traces;
}

/**
 * A run as a graph: the nodes its events touched, edges (source → each node that received an
 * event, counted, with the event types) and every event in order with its status and duration.
 * @throws AppError `not_found` for an unknown run or another org's.
 */
export async function runFlow(deps: NetworkDeps, scope: Scope, runId: string): Promise<RunFlow> {
  const records = await listRecordsByRun(deps.database.db, { orgId: scope.orgId }, runId);
  if (records.length === 0) throw new AppError("not_found", "run not found");
  const nodes = new Set<string>();
  const edges = new Map<string, { from: string; to: string; count: number; types: Set<string> }>();
  const steps = records.map((r) => {
    nodes.add(r.source);
    for (const to of r.deliveredTo) {
      nodes.add(to);
      const key = `${r.source}\u0000${to}`;
      const edge = edges.get(key) ?? { from: r.source, to, count: 0, types: new Set<string>() };
      edge.count += 1;
      edge.types.add(r.type);
      edges.set(key, edge);
    }
    const first = r.hops[0];
    const last = r.hops[r.hops.length - 1];
    const start = first ? Date.parse(first.at) : Date.parse(r.recordedAt);
    const end = last ? Date.parse(last.at) + last.durationMs : start;
    return {
      eventId: r.eventId,
      type: r.type,
      source: r.source,
      target: r.target,
      deliveredTo: r.deliveredTo,
      status: r.status,
      reasonCode: r.reasonCode,
      causedBy: r.causedBy,
      at: new Date(start).toISOString(),
      durationMs: Math.max(0, end - start),
    };
  });
  return {
    runId,
    nodes: [...nodes].sort(),
    edges: [...edges.values()].map((e) => ({ from: e.from, to: e.to, count: e.count, types: [...e.types].sort() })),
    steps,
  };
}

/** `POST /api/sdn/simulate`: what the network would do with an event now (live contracts, policies, topology); nothing is delivered. */
export function simulate(deps: NetworkDeps, caller: Principal, scope: Scope, body: z.output<typeof SimulateBody>): Decision {
  const event = simulatedEnvelope(caller, scope, body.event);
  return decide({ event, contracts: deps.tables.contracts, policies: deps.tables.policies, directory: deps.registry });
}
