import type { Scope } from "@symbia/sys";
import type { CatalogAccess } from "../catalog/catalog-access.js";
import type { ComponentRegistry } from "../components/manifest.js";
import { locateGraphIssues, resolveGraphSource } from "../graphs/graph.sources.js";
import type { CreateContext, ExecutionService } from "./executions.service.js";
import type { CreateExecutionBody, ExecutionView } from "./executions.schemas.js";

/**
 * Creates an execution from a request: resolves the graph (posted or catalog), validates and
 * stores it (pending), and starts it when asked.
 * @throws what `resolveGraphSource` and `ExecutionService.create`/`start` throw; graph issues are
 *   located in the request (`body.graph.…`) or name the catalog graph.
 */
export async function createExecution(
  deps: { executions: ExecutionService; registry: ComponentRegistry; catalog: CatalogAccess },
  scope: Scope,
  body: CreateExecutionBody,
  context: CreateContext = {},
): Promise<ExecutionView> {
  const source = await resolveGraphSource(deps.catalog, deps.registry, scope, body);
  let created: ExecutionView;
  try {
    created = await deps.executions.create(scope, { graph: source.graph, ...(source.graphRef ? { graphRef: source.graphRef } : {}), ...(body.options ? { options: body.options } : {}) }, context);
  } catch (error) {
    throw locateGraphIssues(error, source);
  }
  return body.start ? deps.executions.start(scope, created.id) : created;
}
