import { defineRouter, scopeOf } from "@symbia/http";
import { Decision, EventTrace, RunFlow, RunId, SimulateBody, Topology } from "@symbia/relay";
import { CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { NetworkDeps } from "../deps.js";
import * as sdn from "./sdn.service.js";

const C = CAPABILITIES.network;
const RunParams = z.object({ runId: RunId });

/** `/api/sdn`: topology, traces, flows and dry runs. */
export function sdnRouter(deps: NetworkDeps) {
  const router = defineRouter({ basePath: "/api/sdn", tag: "sdn", description: "Observability of the network: topology, per-event traces, run flows, and dry runs." });
  router.get("/topology", { summary: "Nodes, contracts and edges with event counts", response: Topology, entitlement: C.topologyRead }, (req) => sdn.topology(deps, scopeOf(req)));
  router.get("/traces/:runId", { summary: "Every event of a run with its hops", params: RunParams, response: z.object({ runId: z.string(), traces: z.array(EventTrace) }), entitlement: C.tracesRead }, async (req) => ({
    runId: req.valid.params.runId,
    traces: await sdn.runTraces(deps, scopeOf(req), req.valid.params.runId),
  }));
  router.get("/flow/:runId", { summary: "A run as a graph of nodes and events", params: RunParams, response: RunFlow, entitlement: C.tracesRead }, (req) => sdn.runFlow(deps, scopeOf(req), req.valid.params.runId));
  router.post("/simulate", { summary: "Dry-run an event against the live contracts, policies and topology", body: SimulateBody, response: Decision, entitlement: C.topologyRead }, (req) =>
    sdn.simulate(deps, req.principal!, scopeOf(req), req.valid.body),
  );
  return router;
}
