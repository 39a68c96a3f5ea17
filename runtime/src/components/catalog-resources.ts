import { builtinComponents } from "./builtins/index.js";
import type { ComponentManifest } from "./manifest.js";

/** Catalog key of the executor resource that implements the built-ins (the runtime itself). */
export const BUILTIN_EXECUTOR_KEY = "executors/runtime-builtins";

/**
 * A catalog create body (`POST /api/resources`) with its key, exactly as catalog's bootstrap file
 * (`catalog/bootstrap/platform.json`) writes the entry: the same content gives the same version
 * digest whichever of the two publishes it, so neither duplicates the other.
 */
export interface CatalogResourceEntry {
  type: "component" | "executor";
  /** `<type-plural>/<name>`. */
  key: string;
  name: string;
  title: string;
  description: string;
  /** Sorted (catalog stores tags sorted). */
  tags: string[];
  visibility: "public";
  body: Record<string, unknown>;
}

/**
 * The manifests as catalog `component` resources: key `components/<id>`, name = the component id,
 * title = the manifest's name, tags `builtin`, `runtime` (and `stateful`), public, body = the
 * manifest plus `executor: "executors/runtime-builtins"`. Built-ins by default.
 */
export function componentResources(manifests: ComponentManifest[] = builtinComponents().map((c) => c.manifest)): CatalogResourceEntry[] {
  return manifests.map((manifest) => {
    const name = manifest.id.replace(/\//g, "-");
    return {
      type: "component",
      key: `components/${name}`,
      name,
      title: manifest.name,
      description: manifest.description,
      tags: ["builtin", "runtime", ...(manifest.stateful ? ["stateful"] : [])].sort(),
      visibility: "public",
      body: { ...manifest, executor: BUILTIN_EXECUTOR_KEY },
    };
  });
}

/** The executor resource naming every built-in component (catalog `executor`, runtime `builtin`). */
export function builtinExecutorResource(): CatalogResourceEntry {
  return {
    type: "executor",
    key: BUILTIN_EXECUTOR_KEY,
    name: BUILTIN_EXECUTOR_KEY.slice("executors/".length),
    title: "Runtime built-ins",
    description: "The components compiled into the runtime service.",
    tags: ["builtin", "runtime"],
    visibility: "public",
    body: { runtime: "builtin", builtin: "runtime", components: componentResources().map((r) => r.key) },
  };
}

/** Every catalog resource the runtime's built-ins are published as: the components, then their executor. */
export function builtinCatalogResources(): CatalogResourceEntry[] {
  return [...componentResources(), builtinExecutorResource()];
}
