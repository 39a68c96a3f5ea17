import { AppError } from "@symbia/sys";
import type { PolicyCondition } from "@symbia/relay";
import { regexProblem } from "./policies.conditions.js";

/** A validation problem in the shared `details.issues` shape of `@symbia/http`. */
export interface PolicyIssue {
  path: string;
  message: string;
  code: string;
}

/**
 * Checks what zod cannot: every `regex` condition compiles and is not catastrophic
 * (`safe-regex2`). Paths are prefixed with `location` (`body`, `body.policies.2`).
 */
export function policyIssues(terms: { conditions?: readonly PolicyCondition[] }, location = "body"): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (const [index, condition] of (terms.conditions ?? []).entries()) {
    if (condition.op !== "regex") continue;
    const problem = regexProblem(condition.value);
    if (problem) issues.push({ path: `${location}.conditions.${index}.value`, message: problem, code: "unsafe_regex" });
  }
  return issues;
}

/**
 * Throws a `validation_failed` {@link AppError} (→ 400 with `details.issues`) when
 * {@link policyIssues} finds anything; stores are only called with policies that pass.
 */
export function assertPolicyTerms(terms: { conditions?: readonly PolicyCondition[] }, location = "body"): void {
  const issues = policyIssues(terms, location);
  if (issues.length > 0) throw new AppError("validation_failed", `invalid policy: ${issues.map((i) => i.path).join(", ")}`, { issues });
}
