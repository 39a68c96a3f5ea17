import type { VersionRef } from "@symbia/catalog-client";
import { AppError, type Scope } from "@symbia/sys";
import type { ComponentRegistry } from "../components/manifest.js";
import { catalogFailure, serviceCatalog, type CatalogAccess } from "./catalog-access.js";

/** A graph read from catalog. */
export interface CatalogGraph {
  /** The version's body with catalog component keys of built-ins (`components/map`) turned into their ids (`map`). */
  graph: unknown;
  /** `graphs/<name>@<version number>`: what the execution stores as its `graphRef`. */
  graphRef: string;
  /** The version's digest (`sha256:<hex>`), re-checked by the catalog client. */
  digest: string;
}

/**
 * Reads version `version` (default `latest`) of graph resource `key` as the runtime service
 * principal acting in the caller's org, so the key resolves as it does for the caller (the org's
 * own resource, else the platform's) and only what a member may read (public and org resources)
 * is found. Nodes naming a component by its catalog key are resolved to the built-in of that id.
 *
 * @throws AppError `not_found` (no such graph or version visible in the org), `validation_failed`
 *   (the resource is not a graph), `unavailable` (catalog down or runtime without credentials),
 *   `bad_gateway` (catalog refused runtime's credentials or failed).
 */
export async function loadCatalogGraph(access: CatalogAccess, registry: ComponentRegistry, scope: Pick<Scope, "orgId">, key: string, version: VersionRef = "latest"): Promise<CatalogGraph> {
  const catalog = serviceCatalog(access, scope.orgId);
  let found;
  try {
    found = await catalog.getVersion(key, version);
  } catch (error) {
    const failure = catalogFailure(error, { asService: true, what: `reading ${key}@${String(version)}` });
    if (failure.code === "not_found") throw new AppError("not_found", `graph ${key}${version === "latest" ? "" : `@${String(version)}`} was not found in catalog`, { graphRef: key, version });
    throw failure;
  }
  if (found.content.type !== "graph") throw new AppError("validation_failed", `${key} is a ${found.content.type}, not a graph`, { issues: [{ path: "body.graphRef", message: "not a graph resource" }] });
  return { graph: builtinComponentIds(found.content.body, registry), graphRef: `${found.key}@${found.version}`, digest: found.digest };
}

// `components/<id>` (a catalog key) → `<id>` when the registry has that component; anything else
// is left for graph validation to report.
function builtinComponentIds(body: Record<string, unknown>, registry: ComponentRegistry): unknown {
  const nodes = body.nodes;
  if (!Array.isArray(nodes)) return body;
  return {
    ...body,
    nodes: nodes.map((node: unknown) => {
      if (!node || typeof node !== "object") return node;
      const component = (node as { component?: unknown }).component;
      if (typeof component !== "string" || !component.startsWith("components/")) return node;
      const id = component.slice("components/".length);
      return registry.get(id) ? { ...node, component: id } : node;
    }),
  };
}
