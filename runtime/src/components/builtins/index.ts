import { ComponentRegistry, type ComponentDefinition } from "../manifest.js";
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
