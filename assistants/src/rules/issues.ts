import type { z } from "zod";
import { AppError } from "@symbia/sys";
import { formatPath, type ValidationIssue } from "./paths.js";

type ZodIssue = z.core.$ZodIssue;

/** Number of leaf issues under an issue, counting through nested unions' best branches. */
function weight(issues: readonly ZodIssue[]): number {
  let total = 0;
  for (const issue of issues) {
    if (issue.code === "invalid_union" && issue.errors.length > 0) total += Math.min(...issue.errors.map(weight));
    else total += 1;
  }
  return total;
}

/** The issue code an author sees for a zod issue at `path`. */
function codeFor(issue: ZodIssue, path: readonly PropertyKey[]): string {
  if (issue.code === "custom" && typeof issue.params?.["code"] === "string") return issue.params["code"];
  const last = path[path.length - 1];
  const inside = (key: string) => path.includes(key);
  if (issue.code === "invalid_value" && last === "operator") return "unknown_operator";
  if (issue.code === "invalid_union" && "note" in issue && issue.note === "No matching discriminator") {
    // `…actions[i].type` (also `then[i]`, `else[i]`) is an action; `nodes[i].type` a graph node.
    const container = path[path.length - 3];
    if (last === "type" && container === "nodes") return "unknown_node_type";
    if (last === "type" && (container === "actions" || container === "then" || container === "else")) return "unknown_action";
    if (last === "tool") return "unknown_tool";
    if (last === "op") return "unknown_context_op";
  }
  if (inside("params") || inside("config")) return "invalid_params";
  return "invalid";
}

/**
 * Flattens zod issues into {@link ValidationIssue}s with readable paths. For a union where no
 * option matched (a condition that is neither a valid group nor a valid leaf), only the errors
 * of the option that came closest are reported, so an author reads "unknown operator at
 * `rules[0].conditions.conditions[1].operator`" rather than every option's complaints.
 */
export function issuesFromZod(issues: readonly ZodIssue[], base: readonly PropertyKey[] = []): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      let best = issue.errors[0]!;
      for (const branch of issue.errors) if (weight(branch) < weight(best)) best = branch;
      out.push(...issuesFromZod(best, path));
      continue;
    }
    out.push({ path: formatPath(path), message: issue.message, code: codeFor(issue, path) });
  }
  return out;
}

/** Result of a publish-time validation: the typed document, or every issue found. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/**
 * Throws `AppError("validation_failed")` carrying `{ issues }` (each with `path`, `message`,
 * `code`) when `result` failed; returns the value otherwise. `what` names the document.
 */
export function unwrapValidation<T>(result: ValidationResult<T>, what: string): T {
  if (result.ok) return result.value;
  const first = result.issues[0];
  const summary = first ? `${first.path}: ${first.message}` : "invalid";
  throw new AppError("validation_failed", `${what} is invalid (${result.issues.length} issue${result.issues.length === 1 ? "" : "s"}; first at ${summary})`, {
    issues: result.issues,
  });
}
