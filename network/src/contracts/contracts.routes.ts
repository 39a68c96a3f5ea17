import { defineRouter, scopeOf } from "@symbia/http";
import { Contract, CreateContractBody, ListQuery, pageOf, UpdateContractBody } from "@symbia/relay";
import { CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import type { NetworkDeps } from "../deps.js";
import * as contracts from "./contracts.service.js";

const C = CAPABILITIES.network;
const IdParams = z.object({ id: z.string().min(1).max(200) });

/** `/api/contracts`: who may send which events to whom. */
export function contractsRouter(deps: NetworkDeps) {
  const router = defineRouter({ basePath: "/api/contracts", tag: "contracts", description: "Contracts: which nodes may send which event types to whom across which boundaries. Without a live contract nothing is delivered." });
  router.get("/", { summary: "List the contracts the org sees (its own and the platform's)", query: ListQuery, response: pageOf(Contract), entitlement: C.topologyRead }, (req) =>
    contracts.listContracts(deps, scopeOf(req), req.valid.query),
  );
  router.get("/:id", { summary: "Get a contract", params: IdParams, response: Contract, entitlement: C.topologyRead }, (req) => contracts.getContract(deps, scopeOf(req), req.valid.params.id));
  router.post("/", { summary: "Create a contract (platform: true needs a super admin)", body: CreateContractBody, response: Contract, status: 201, entitlement: C.contractsWrite }, (req) =>
    contracts.createContract(deps, req.principal!, scopeOf(req), req.valid.body),
  );
  router.patch("/:id", { summary: "Change a contract's terms or expiry", params: IdParams, body: UpdateContractBody, response: Contract, entitlement: C.contractsWrite }, (req) =>
    contracts.updateContract(deps, req.principal!, scopeOf(req), req.valid.params.id, req.valid.body),
  );
  router.delete("/:id", { summary: "Delete a contract", params: IdParams, status: 204, entitlement: C.contractsWrite }, (req) =>
    contracts.deleteContract(deps, req.principal!, scopeOf(req), req.valid.params.id),
  );
  return router;
}
