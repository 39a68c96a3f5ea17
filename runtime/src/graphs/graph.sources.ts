import type { VersionRef } from "@symbia/catalog-client";
import { AppError, type Scope } from "@symbia/sys";
import type { CatalogAccess } from "../catalog/catalog-access.js";
import { loadCatalogGraph } from "../catalog/catalog-graphs.js";
import type { ComponentRegistry } from "../components/manifest.js";
import { GraphValidationError } from "../errors.js";
import type { GraphValidation } from "./graph.schemas.js";
import { validateGraph, type ValidatedGraph } from "./graph.validate.js";

/** A request's graph: its definition and, when it came from catalog, its reference. */
export interface SourcedGraph {
  graph: unknown;
  graphRef: string | null;
}

/**
 * The graph a request names: the posted definition, or the catalog graph read as the runtime
 * service principal in the caller's org (see `loadCatalogGraph`).
 */
export async function resolveGraphSource(catalog: CatalogAccess, registry: ComponentRegistry, scope: Pick<Scope, "orgId">, body: { graph?: unknown; graphRef?: string | undefined; version?: number | string | undefined }): Promise<SourcedGraph> {
  if (body.graphRef === undefined) return { graph: body.graph, graphRef: null };
  const loaded = await loadCatalogGraph(catalog, registry, scope, body.graphRef, (body.version ?? "latest") as VersionRef);
  return { graph: loaded.graph, graphRef: loaded.graphRef };
}

/**
 * Rewrites a graph validation error so its paths say where the graph came from: a posted graph's
 * issues point into the request (`body.graph.edges.0`); a catalog graph's stay relative to the
 * version's body and carry `graphRef`. Other errors pass through.
 */
export function locateGraphIssues(error: unknown, source: SourcedGraph): unknown {
  if (!(error instanceof GraphValidationError)) return error;
  if (source.graphRef === null) return new GraphValidationError(error.issues.map((issue) => ({ ...issue, path: issue.path === "(root)" ? "body.graph" : `body.graph.${issue.path}` })));
  return new AppError("validation_failed", `catalog graph ${source.graphRef} is invalid: ${error.message.replace(/^graph is invalid: /, "")}`, { graphRef: source.graphRef, issues: error.issues });
}

/**
 * Validates a request's graph against the registry (see `validateGraph`).
 * @throws GraphValidationError / AppError `validation_failed` located by {@link locateGraphIssues}.
 */
export function validateSourcedGraph(registry: ComponentRegistry, source: SourcedGraph): GraphValidation {
  let validated: ValidatedGraph;
  try {
    validated = validateGraph(source.graph, registry);
  } catch (error) {
    throw locateGraphIssues(error, source);
  }
  const endpoints = (list: Array<{ node: string; port: string }>) => list.map((e) => `${e.node}.${e.port}`);
  return { valid: true, graphRef: source.graphRef, order: validated.order, openInputs: endpoints(validated.openInputs), openOutputs: endpoints(validated.openOutputs) };
}
