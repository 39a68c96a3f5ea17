import { ComponentRegistry, type ComponentDefinition, type ComponentManifest } from "../manifest.js";
import { accumulator } from "./accumulator.js";
import { delay } from "./delay.js";
import { filter } from "./filter.js";
import { map } from "./map.js";
import { merge } from "./merge.js";
import { passthrough } from "./passthrough.js";
import { split } from "./split.js";

export { accumulator, delay, filter, map, merge, passthrough, split };

/** The built-in components: passthrough, filter, map, merge, split, accumulator, delay. */
export function builtinComponents(): ComponentDefinition[] {
  return [passthrough, filter, map, merge, split, accumulator, delay];
}

/** A registry holding the built-in components (add others with `register`). */
export function createBuiltinRegistry(): ComponentRegistry {
  const registry = new ComponentRegistry();
  for (const component of builtinComponents()) registry.register(component);
  return registry;
}

/**
 * A component manifest as a catalog `component` resource (issue 7's resource shape as far as it is
 * known: type, key `components/<id>`, name, description, tags, visibility, version, body). The
 * catalog bootstrap publishes these; the body is the manifest itself.
 */
export interface ComponentResource {
  type: "component";
  key: string;
  name: string;
  description: string;
  tags: string[];
  visibility: "public";
  version: string;
  body: ComponentManifest;
}

/** The manifests as catalog `component` resources, built-ins by default. */
export function componentResources(manifests: ComponentManifest[] = builtinComponents().map((c) => c.manifest)): ComponentResource[] {
  const builtins = new Set(builtinComponents().map((c) => `${c.manifest.id}@${c.manifest.version}`));
  return manifests.map((manifest) => ({
    type: "component",
    key: `components/${manifest.id.replace(/\//g, "-")}`,
    name: manifest.name,
    description: manifest.description,
    tags: ["runtime", ...(builtins.has(`${manifest.id}@${manifest.version}`) ? ["builtin"] : []), ...(manifest.stateful ? ["stateful"] : [])],
    visibility: "public",
    version: manifest.version,
    body: manifest,
  }));
}
