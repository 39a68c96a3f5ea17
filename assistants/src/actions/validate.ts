import { z } from "zod";
import { checkCondition } from "../rules/conditions.js";
import { issuesFromZod, type ValidationResult } from "../rules/issues.js";
import { checkPathRoots, joinPath, parseFieldPath, RULE_ROOTS, type FieldRoots, type ValidationIssue } from "../rules/paths.js";
import { checkTemplatesDeep, isTemplate } from "../templates/templates.js";
import { Action, ACTION_LITERAL_KEYS } from "./schemas.js";

/** Where a list of actions is checked: its roots and what earlier actions saved. */
export interface ActionCheckScope {
  /** Roots available without `vars` and `loop` (rules: event, message, user, conversation, context). */
  roots: FieldRoots;
  /** Whether `vars.<name>` exists here (rules: yes; graph nodes: no, they use `nodes.<id>`). */
  vars: boolean;
  /** Names saved by earlier actions (`saveAs`), in scope for `vars.<name>`. */
  saved: ReadonlySet<string>;
  /** Inside a loop body: `loop.item`, `loop.index`, `loop.count` exist. */
  inLoop: boolean;
}

function rootsOf(scope: ActionCheckScope): FieldRoots {
  const roots = new Map(scope.roots);
  if (scope.vars) roots.set("vars", new Set(scope.saved));
  if (scope.inLoop) roots.set("loop", new Set(["item", "index", "count"]));
  return roots;
}

/** The var name an action saves its result under, if any. */
export function savedName(action: Action): string | undefined {
  const params = action.params as { saveAs?: string };
  return params.saveAs;
}

function checkUrl(url: string, where: string): ValidationIssue[] {
  if (isTemplate(url)) return [];
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return [];
  } catch {
    // fall through
  }
  return [{ path: where, code: "invalid_params", message: "url must be an absolute http(s) URL" }];
}

function checkServicePath(path: string, where: string): ValidationIssue[] {
  if (path.split(/[/?#]/).some((segment) => segment === ".." || segment === ".")) {
    return [{ path: where, code: "invalid_params", message: "path may not contain . or .. segments" }];
  }
  return [];
}

/**
 * Checks one action (and those nested in it) beyond its zod schema: every template compiles and
 * references known roots (and `vars.<name>` only after an action saved `<name>`), condition
 * fields and loop sources start at known roots, context paths parse, literal URLs are http(s),
 * parallel branches do not save under the same name. Returns the names saved by the action.
 */
export function checkAction(action: Action, scope: ActionCheckScope, path: string, issues: ValidationIssue[]): Set<string> {
  const roots = rootsOf(scope);
  const params = joinPath(path, "params");
  issues.push(...checkTemplatesDeep(action.params, roots, params, ACTION_LITERAL_KEYS[action.type]));
  const saved = new Set<string>();
  switch (action.type) {
    case "condition": {
      issues.push(...checkCondition(action.params.if, roots, joinPath(params, "if")));
      for (const name of checkActionList(action.params.then, scope, joinPath(params, "then"), issues)) saved.add(name);
      for (const name of checkActionList(action.params.else, scope, joinPath(params, "else"), issues)) saved.add(name);
      break;
    }
    case "loop": {
      if (action.params.over !== undefined) {
        const parsed = parseFieldPath(action.params.over);
        const problem = parsed.ok ? checkPathRoots(parsed.segments, roots) : { code: "invalid_field", message: parsed.message };
        if (problem) issues.push({ path: joinPath(params, "over"), ...problem });
      }
      for (const name of checkActionList(action.params.actions, { ...scope, inLoop: true }, joinPath(params, "actions"), issues)) saved.add(name);
      break;
    }
    case "parallel": {
      const seen = new Map<string, number>();
      action.params.actions.forEach((branch, i) => {
        for (const name of checkActionList([branch], scope, joinPath(params, `actions[${i}]`), issues, true)) {
          const other = seen.get(name);
          if (other !== undefined) {
            issues.push({ path: joinPath(params, `actions[${i}]`), code: "duplicate_var", message: `parallel branches ${other} and ${i} both save "${name}"` });
          }
          seen.set(name, i);
          saved.add(name);
        }
      });
      break;
    }
    case "context.update": {
      action.params.ops.forEach((op, i) => {
        if (op.path === undefined) return;
        const parsed = parseFieldPath(op.path);
        if (!parsed.ok) issues.push({ path: joinPath(params, `ops[${i}].path`), code: "invalid_field", message: parsed.message });
      });
      break;
    }
    case "webhook.call":
      issues.push(...checkUrl(action.params.url, joinPath(params, "url")));
      break;
    case "service.call":
      issues.push(...checkServicePath(action.params.path, joinPath(params, "path")));
      break;
    default:
      break;
  }
  const own = savedName(action);
  if (own !== undefined) saved.add(own);
  return saved;
}

/**
 * Checks a sequence of actions in order (each sees what the earlier ones saved).
 * `single` marks a parallel branch given as a one-element list: its path is the branch itself.
 * Returns every name saved in the sequence.
 */
export function checkActionList(actions: readonly Action[], scope: ActionCheckScope, path: string, issues: ValidationIssue[], single = false): Set<string> {
  const saved = new Set(scope.saved);
  const added = new Set<string>();
  actions.forEach((action, i) => {
    const names = checkAction(action, { ...scope, saved }, single ? path : joinPath(path, `[${i}]`), issues);
    for (const name of names) {
      saved.add(name);
      added.add(name);
    }
  });
  return added;
}

/**
 * Publish-time validation of a list of actions on its own (as a rule's `actions` are checked):
 * the zod schemas, then {@link checkActionList} with the rule roots. Paths start at `actions`.
 */
export function validateActions(input: unknown, scope: Partial<ActionCheckScope> = {}): ValidationResult<Action[]> {
  const parsed = z.array(Action).min(1).max(50).safeParse(input);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error.issues, ["actions"]) };
  const issues: ValidationIssue[] = [];
  checkActionList(parsed.data, { roots: RULE_ROOTS, vars: true, saved: new Set(), inLoop: false, ...scope }, "actions", issues);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: parsed.data };
}
