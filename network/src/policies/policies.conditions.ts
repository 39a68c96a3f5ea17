import type { Policy, PolicyCondition, PolicyField, UnsignedEnvelope } from "@symbia/relay";
import safeRegex from "safe-regex2";

/** Star-height limit handed to `safe-regex2` (its default): patterns above it are refused. */
const SAFE_REGEX_LIMIT = 25;

// Compiled patterns, shared by every evaluation. Bounded: cleared when full, since patterns come
// from stored policies (few) and from dry-run drafts (which must not grow it without end).
const compiled = new Map<string, RegExp | null>();
const MAX_COMPILED = 1_000;

/**
 * Why a regex condition is unacceptable, or null when it is fine: it must compile as an
 * ECMAScript pattern and not be catastrophic by `safe-regex2` (exponential backtracking).
 */
export function regexProblem(source: string): string | null {
  try {
    new RegExp(source);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
  return safeRegex(source, { limit: SAFE_REGEX_LIMIT }) ? null : "regular expression may backtrack catastrophically (refused by safe-regex2)";
}

/** The compiled pattern, or null when it is invalid or unsafe (such a condition never matches). */
export function compileRegex(source: string): RegExp | null {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  const regex = regexProblem(source) === null ? new RegExp(source) : null;
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(source, regex);
  return regex;
}

/** The value of a condition field on an event; `dataClass` defaults to `none`, `target` may be absent. */
export function fieldValue(event: UnsignedEnvelope, field: PolicyField): string | undefined {
  switch (field) {
    case "dataClass":
      return event.dataClass ?? "none";
    case "target":
      return event.target;
    default:
      return event[field];
  }
}

/**
 * Whether one condition holds for `event`. An absent field (a fan-out event's `target`) satisfies
 * only `neq`. A regex that is invalid or unsafe never matches.
 */
export function conditionHolds(condition: PolicyCondition, event: UnsignedEnvelope): boolean {
  const value = fieldValue(event, condition.field);
  if (value === undefined) return condition.op === "neq";
  switch (condition.op) {
    case "eq":
      return value === condition.value;
    case "neq":
      return value !== condition.value;
    case "in":
      return condition.value.includes(value);
    case "prefix":
      return value.startsWith(condition.value);
    case "regex":
      return compileRegex(condition.value)?.test(value) ?? false;
  }
}

/** True when every condition of the policy holds (a policy without conditions matches everything). */
export function policyMatches(policy: Pick<Policy, "conditions">, event: UnsignedEnvelope): boolean {
  return policy.conditions.every((c) => conditionHolds(c, event));
}

/** Fields of a policy that decide its place in the evaluation order. */
export type OrderedPolicy = Pick<Policy, "id" | "orgId" | "priority" | "enabled" | "createdAt">;

/**
 * The policies that apply to an event of `orgId`, in evaluation order: enabled ones only; platform
 * policies (`orgId` null) before the org's own, so an org cannot override the platform's rules;
 * within each tier higher `priority` first, then creation time, then id.
 */
export function orderPolicies<P extends OrderedPolicy>(policies: readonly P[], orgId: string): P[] {
  return policies
    .filter((p) => p.enabled && (p.orgId === null || p.orgId === orgId))
    .sort((a, b) => {
      const tier = (a.orgId === null ? 0 : 1) - (b.orgId === null ? 0 : 1);
      if (tier !== 0) return tier;
      if (a.priority !== b.priority) return b.priority - a.priority;
      if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
}
