import type { TransformOperation } from "@symbia/relay";

/** Result of {@link applyTransform}. */
export interface TransformResult {
  /** The transformed payload (a copy; the input is never modified). */
  data: unknown;
  /** Operations applied. */
  applied: number;
  /** Operations skipped, each with why (path through a non-object, nothing to remove or rename). */
  skipped: string[];
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Walks to the object holding the last key; creates missing objects when asked. Own properties
// only, and DataPath already refuses __proto__/constructor/prototype.
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function parentOf(root: unknown, path: string, create: boolean): { parent: JsonObject; key: string } | string {
  const keys = path.split(".");
  // DataPath refuses these already; checked again because this function is exported.
  if (keys.some((k) => FORBIDDEN_KEYS.has(k) || k === "")) return `${path}: not an allowed path`;
  const key = keys.pop()!;
  if (!isObject(root)) return "data is not an object";
  let current: JsonObject = root;
  for (const step of keys) {
    const next = Object.hasOwn(current, step) ? current[step] : undefined;
    if (next === undefined && create) {
      const made: JsonObject = {};
      current[step] = made;
      current = made;
    } else if (isObject(next)) {
      current = next;
    } else {
      return next === undefined ? `${path}: ${step} is absent` : `${path}: ${step} is not an object`;
    }
  }
  return { parent: current, key };
}

/**
 * Applies a declarative field mapping to an event payload: `set` (creating missing objects on the
 * way), `remove`, `rename`. Data only, no code. Operations run in order; one that cannot apply
 * (path through a non-object, nothing at the source) is skipped and reported, the rest still run.
 */
export function applyTransform(data: unknown, operations: readonly TransformOperation[]): TransformResult {
  const copy: unknown = structuredClone(data);
  let applied = 0;
  const skipped: string[] = [];
  for (const [index, operation] of operations.entries()) {
    const label = `#${index + 1} ${operation.op}`;
    if (operation.op === "set") {
      const at = parentOf(copy, operation.path, true);
      if (typeof at === "string") skipped.push(`${label} ${at}`);
      else {
        at.parent[at.key] = structuredClone(operation.value);
        applied += 1;
      }
    } else if (operation.op === "remove") {
      const at = parentOf(copy, operation.path, false);
      if (typeof at === "string") skipped.push(`${label} ${at}`);
      else if (!Object.hasOwn(at.parent, at.key)) skipped.push(`${label} ${operation.path}: absent`);
      else {
        delete at.parent[at.key];
        applied += 1;
      }
    } else {
      const from = parentOf(copy, operation.from, false);
      if (typeof from === "string") {
        skipped.push(`${label} ${from}`);
        continue;
      }
      if (!Object.hasOwn(from.parent, from.key)) {
        skipped.push(`${label} ${operation.from}: absent`);
        continue;
      }
      const value = from.parent[from.key];
      delete from.parent[from.key];
      const to = parentOf(copy, operation.to, true);
      if (typeof to === "string") {
        from.parent[from.key] = value; // put it back: a rename applies fully or not at all
        skipped.push(`${label} ${to}`);
        continue;
      }
      to.parent[to.key] = value;
      applied += 1;
    }
  }
  return { data: copy, applied, skipped };
}
