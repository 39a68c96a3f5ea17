import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { CAPABILITIES } from "@symbia/sys";
import type { RuntimeDeps } from "../deps.js";
import { GraphValidation, ValidateGraphBody } from "./graph.schemas.js";
import { resolveGraphSource, validateSourcedGraph } from "./graph.sources.js";

/** `POST /api/graphs/validate`: checks a posted or catalog graph without running it. */
export function graphsRouter(deps: RuntimeDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/graphs", tag: "graphs", description: "Graph validation: typed ports, cycles, execution order." });
  router.post(
    "/validate",
    {
      summary: "Validate a graph (posted or from catalog): execution order, or every problem with its path (a cycle named node by node)",
      body: ValidateGraphBody,
      response: GraphValidation,
      entitlement: CAPABILITIES.runtime.read,
      errors: [502, 503],
    },
    async (req) => validateSourcedGraph(deps.registry, await resolveGraphSource(deps.catalog, deps.registry, scopeOf(req), req.valid.body)),
  );
  return router;
}
