import { isDeepStrictEqual } from "node:util";
import safeRegex from "safe-regex2";
import { z } from "zod";
import { checkPathRoots, getAtPath, joinPath, parseFieldPath, type FieldRoots, type ValidationIssue } from "./paths.js";

/**
 * Every condition operator. The `length_*` set is exactly: `length_eq`, `length_gt`,
 * `length_gte`, `length_lt`, `length_lte` (see {@link evaluateCondition} for what a length is).
 */
export const CONDITION_OPERATORS = [
  "eq", "neq", "gt", "gte", "lt", "lte",
  "contains", "not_contains", "starts_with", "ends_with", "matches",
  "in", "not_in", "exists", "not_exists",
  "length_eq", "length_gt", "length_gte", "length_lt", "length_lte",
] as const;

/** One of {@link CONDITION_OPERATORS}. */
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Longest regular expression source accepted at publish (characters). */
export const MAX_REGEX_SOURCE_LENGTH = 512;
/**
 * Longest input a `matches` condition tests (UTF-16 code units). Longer inputs do not match and
 * the justification says why: together with `safe-regex2`'s star-height check at publish this
 * bounds the work one regex test can do.
 */
export const MAX_REGEX_INPUT_LENGTH = 10_000;

/** Flags a `matches` condition may set: no `g`/`y`, which make `RegExp.test` stateful. */
const REGEX_FLAGS = /^(?!.*(.).*\1)[imsu]*$/;

const ORDER_OPERATORS = new Set<ConditionOperator>(["gt", "gte", "lt", "lte"]);
const STRING_OPERATORS = new Set<ConditionOperator>(["starts_with", "ends_with", "matches"]);
const LENGTH_OPERATORS = new Set<ConditionOperator>(["length_eq", "length_gt", "length_gte", "length_lt", "length_lte"]);
const SET_OPERATORS = new Set<ConditionOperator>(["in", "not_in"]);
const NO_OPERAND = new Set<ConditionOperator>(["exists", "not_exists"]);

function operandProblem(operator: ConditionOperator, value: unknown, hasValue: boolean): string | null {
  if (NO_OPERAND.has(operator)) return hasValue ? `operator "${operator}" takes no value` : null;
  if (!hasValue) return `operator "${operator}" needs a value`;
  if (ORDER_OPERATORS.has(operator) && !(typeof value === "number" || typeof value === "string")) {
    return `operator "${operator}" compares numbers or strings; value must be a number or a string`;
  }
  if (STRING_OPERATORS.has(operator) && typeof value !== "string") return `operator "${operator}" needs a string value`;
  if (LENGTH_OPERATORS.has(operator) && !(Number.isInteger(value) && (value as number) >= 0)) {
    return `operator "${operator}" needs a non-negative integer value`;
  }
  if (SET_OPERATORS.has(operator) && !Array.isArray(value)) return `operator "${operator}" needs an array value`;
  return null;
}

/** A regular expression problem (too long, does not compile, may backtrack catastrophically), or null. */
export function regexProblem(source: string, flags = ""): string | null {
  if (source.length > MAX_REGEX_SOURCE_LENGTH) return `regular expression is longer than ${MAX_REGEX_SOURCE_LENGTH} characters`;
  try {
    new RegExp(source, flags);
  } catch (error) {
    return `regular expression does not compile: ${(error as Error).message}`;
  }
  if (!safeRegex(source)) return "regular expression may backtrack catastrophically (nested quantifiers); rewrite it";
  return null;
}

/**
 * A leaf condition: `{ field: "message.content", operator: "contains", value: "refund" }`.
 * `ignoreCase` folds case for string comparisons; `flags` (`i`, `m`, `s`, `u`) apply to `matches`.
 */
export const ConditionLeaf = z
  .object({
    field: z.string().min(1).max(256),
    operator: z.enum(CONDITION_OPERATORS),
    value: z.json().optional(),
    ignoreCase: z.boolean().optional(),
    flags: z.string().regex(REGEX_FLAGS, "flags may only be i, m, s, u, each at most once").optional(),
  })
  .strict()
  .superRefine((leaf, ctx) => {
    const problem = operandProblem(leaf.operator, leaf.value, leaf.value !== undefined);
    if (problem) ctx.addIssue({ code: "custom", path: ["value"], message: problem, params: { code: "invalid_operand" } });
    if (leaf.flags !== undefined && leaf.operator !== "matches") {
      ctx.addIssue({ code: "custom", path: ["flags"], message: "flags apply only to the matches operator", params: { code: "invalid_operand" } });
    }
    if (leaf.operator === "matches" && typeof leaf.value === "string") {
      const regex = regexProblem(leaf.value, (leaf.flags ?? "") + (leaf.ignoreCase ? "i" : ""));
      if (regex) ctx.addIssue({ code: "custom", path: ["value"], message: regex, params: { code: "unsafe_regex" } });
    }
  });
/** A leaf condition. */
export type ConditionLeaf = z.infer<typeof ConditionLeaf>;

/** A group: every (`and`) or any (`or`) of its conditions, which may be groups themselves. */
export interface ConditionGroup {
  logic: "and" | "or";
  conditions: ConditionNode[];
}
/** A leaf or a group. */
export type ConditionNode = ConditionLeaf | ConditionGroup;

/** Deepest nesting of groups accepted. */
export const MAX_CONDITION_DEPTH = 8;

/** Zod schema of a {@link ConditionGroup} (1–50 conditions per group). */
export const ConditionGroup: z.ZodType<ConditionGroup> = z
  .object({
    logic: z.enum(["and", "or"]),
    get conditions() {
      return z.array(ConditionNode).min(1).max(50);
    },
  })
  .strict();

/** Zod schema of a {@link ConditionNode}. */
export const ConditionNode: z.ZodType<ConditionNode> = z.union([ConditionGroup, ConditionLeaf]);

/** True when `node` is a group. */
export function isConditionGroup(node: ConditionNode): node is ConditionGroup {
  return "logic" in node;
}

/**
 * Publish-time semantic checks zod cannot do: field paths parse and start at a root of `roots`
 * (and name a known field below roots with a fixed shape), nesting depth ≤ {@link MAX_CONDITION_DEPTH}.
 */
export function checkCondition(node: ConditionNode, roots: FieldRoots, path: string, depth = 1): ValidationIssue[] {
  if (isConditionGroup(node)) {
    if (depth > MAX_CONDITION_DEPTH) {
      return [{ path, code: "too_deep", message: `condition groups nest deeper than ${MAX_CONDITION_DEPTH} levels` }];
    }
    return node.conditions.flatMap((child, i) => checkCondition(child, roots, joinPath(path, `conditions[${i}]`), depth + 1));
  }
  const parsed = parseFieldPath(node.field);
  if (!parsed.ok) return [{ path: joinPath(path, "field"), code: "invalid_field", message: parsed.message }];
  const rootProblem = checkPathRoots(parsed.segments, roots);
  return rootProblem ? [{ path: joinPath(path, "field"), ...rootProblem }] : [];
}

/** Why a leaf condition held or not. `actual` is the resolved field value, shortened when large. */
export interface LeafJustification {
  kind: "condition";
  path: string;
  field: string;
  operator: ConditionOperator;
  expected?: unknown;
  actual: unknown;
  result: boolean;
  reason: string;
}
/** Why a group held or not, with every child's justification (children are all evaluated). */
export interface GroupJustification {
  kind: "group";
  path: string;
  logic: "and" | "or";
  result: boolean;
  children: Justification[];
}
/** A condition's justification. */
export type Justification = LeafJustification | GroupJustification;

const regexCache = new Map<string, RegExp>();
function compiled(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let regex = regexCache.get(key);
  if (!regex) {
    if (regexCache.size >= 500) regexCache.delete(regexCache.keys().next().value as string);
    regex = new RegExp(source, flags);
    regexCache.set(key, regex);
  }
  return regex;
}

function summarize(value: unknown): unknown {
  if (typeof value === "string" && value.length > 200) return `${value.slice(0, 200)}…(+${value.length - 200} chars)`;
  if (value !== null && typeof value === "object") {
    const json = JSON.stringify(value);
    if (json.length > 500) return `${json.slice(0, 500)}…(+${json.length - 500} chars)`;
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return "absent";
  const json = JSON.stringify(summarize(value));
  return json.length > 80 ? `${json.slice(0, 80)}…` : json;
}

const fold = (value: unknown, ignoreCase: boolean) => (ignoreCase && typeof value === "string" ? value.toLowerCase() : value);

function lengthOf(value: unknown): number | null {
  if (typeof value === "string") return Array.from(value).length;
  if (Array.isArray(value)) return value.length;
  return null;
}

function compare(operator: "gt" | "gte" | "lt" | "lte", a: number | string, b: number | string): boolean {
  switch (operator) {
    case "gt": return a > b;
    case "gte": return a >= b;
    case "lt": return a < b;
    case "lte": return a <= b;
  }
}

/** Evaluates one leaf against `scope`; returns the result and a sentence saying why. */
function evaluateLeaf(leaf: ConditionLeaf, scope: Readonly<Record<string, unknown>>): { result: boolean; actual: unknown; reason: string } {
  const parsed = parseFieldPath(leaf.field);
  if (!parsed.ok) throw new Error(`invalid field path "${leaf.field}": ${parsed.message} (validate conditions before evaluating them)`);
  const actual = getAtPath(scope, parsed.segments);
  const ignoreCase = leaf.ignoreCase === true;
  const a = fold(actual, ignoreCase);
  const v = fold(leaf.value, ignoreCase);
  const op = leaf.operator;
  const said = `${leaf.field} is ${describe(actual)}`;
  switch (op) {
    case "eq":
    case "neq": {
      const equal = actual !== undefined && isDeepStrictEqual(a, v);
      const result = op === "eq" ? equal : !equal;
      return { result, actual, reason: `${said}; ${equal ? "equals" : "does not equal"} ${describe(leaf.value)}` };
    }
    case "gt": case "gte": case "lt": case "lte": {
      const comparable = (typeof actual === "number" && typeof leaf.value === "number" && Number.isFinite(actual))
        || (typeof actual === "string" && typeof leaf.value === "string");
      if (!comparable) return { result: false, actual, reason: `${said}; not comparable with ${describe(leaf.value)} (numbers with numbers, strings with strings)` };
      const result = compare(op, actual as number | string, leaf.value as number | string);
      return { result, actual, reason: `${said}; ${op} ${describe(leaf.value)} is ${result}` };
    }
    case "contains": case "not_contains": {
      let contains = false;
      if (typeof a === "string" && typeof v === "string") contains = a.includes(v);
      else if (Array.isArray(actual)) contains = actual.some((item) => isDeepStrictEqual(fold(item, ignoreCase), v));
      const result = op === "contains" ? contains : !contains;
      return { result, actual, reason: `${said}; ${contains ? "contains" : "does not contain"} ${describe(leaf.value)}` };
    }
    case "starts_with": case "ends_with": {
      if (typeof a !== "string") return { result: false, actual, reason: `${said}; not a string` };
      const result = op === "starts_with" ? a.startsWith(v as string) : a.endsWith(v as string);
      return { result, actual, reason: `${said}; ${result ? "" : "does not "}${op === "starts_with" ? "start" : "end"} with ${describe(leaf.value)}` };
    }
    case "matches": {
      if (typeof actual !== "string") return { result: false, actual, reason: `${said}; not a string` };
      if (actual.length > MAX_REGEX_INPUT_LENGTH) {
        return { result: false, actual, reason: `${leaf.field} is ${actual.length} characters, longer than the ${MAX_REGEX_INPUT_LENGTH} a regular expression is tested on; not matched` };
      }
      const flags = [...new Set((leaf.flags ?? "") + (ignoreCase ? "i" : ""))].join("");
      const result = compiled(leaf.value as string, flags).test(actual);
      return { result, actual, reason: `${said}; ${result ? "matches" : "does not match"} /${leaf.value as string}/${flags}` };
    }
    case "in": case "not_in": {
      const member = actual !== undefined && (leaf.value as unknown[]).some((item) => isDeepStrictEqual(a, fold(item, ignoreCase)));
      const result = op === "in" ? member : !member;
      return { result, actual, reason: `${said}; ${member ? "in" : "not in"} ${describe(leaf.value)}` };
    }
    case "exists": case "not_exists": {
      const exists = actual !== undefined && actual !== null;
      return { result: op === "exists" ? exists : !exists, actual, reason: `${leaf.field} ${exists ? "exists" : "is absent or null"}` };
    }
    case "length_eq": case "length_gt": case "length_gte": case "length_lt": case "length_lte": {
      const length = lengthOf(actual);
      if (length === null) return { result: false, actual, reason: `${said}; has no length (not a string or an array)` };
      const n = leaf.value as number;
      const result = op === "length_eq" ? length === n : compare(op.slice(7) as "gt" | "gte" | "lt" | "lte", length, n);
      return { result, actual, reason: `${leaf.field} has length ${length}; ${op} ${n} is ${result}` };
    }
  }
}

/**
 * Evaluates a condition tree against `scope` (an object whose keys are the field roots:
 * `{ event, message, user, conversation, context, ... }`). Every child of a group is evaluated,
 * so the justification is complete. Pure: no side effects, no I/O.
 *
 * Semantics: `eq`/`in` use deep equality and are false for an absent field; `neq`, `not_contains`
 * and `not_in` are their exact negations (so true for an absent field); `gt`…`lte` compare two
 * finite numbers or two strings (UTF-16 code-unit order, which orders ISO 8601 UTC timestamps),
 * else false; `contains` is substring for strings, deep-equal membership for arrays; a length is
 * a string's number of Unicode code points or an array's number of elements — any other value
 * has no length and every `length_*` is false; `exists` means neither absent nor null;
 * `matches` is false on inputs longer than {@link MAX_REGEX_INPUT_LENGTH}.
 *
 * @throws Error when a field path does not parse (conditions must be validated first).
 */
export function evaluateCondition(node: ConditionNode, scope: Readonly<Record<string, unknown>>, path = "conditions"): Justification {
  if (isConditionGroup(node)) {
    const children = node.conditions.map((child, i) => evaluateCondition(child, scope, joinPath(path, `conditions[${i}]`)));
    const result = node.logic === "and" ? children.every((c) => c.result) : children.some((c) => c.result);
    return { kind: "group", path, logic: node.logic, result, children };
  }
  const { result, actual, reason } = evaluateLeaf(node, scope);
  const justification: LeafJustification = { kind: "condition", path, field: node.field, operator: node.operator, actual: summarize(actual), result, reason };
  if (node.value !== undefined) justification.expected = node.value;
  return justification;
}
