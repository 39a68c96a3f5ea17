import { z } from "zod";
import { Action } from "../actions/schemas.js";
import { checkActionList } from "../actions/validate.js";
import { ConversationState } from "../conversations/state.js";
import { checkCondition, ConditionNode, evaluateCondition, type Justification } from "./conditions.js";
import { issuesFromZod, type ValidationResult } from "./issues.js";
import { joinPath, RULE_ROOTS, type ValidationIssue } from "./paths.js";

/** Events a rule can react to. `custom` rules name the custom event in `event`. */
export const RULE_TRIGGERS = [
  "message.received", "conversation.created", "handoff.requested", "handoff.completed",
  "context.updated", "timer.elapsed", "control.received", "custom",
] as const;
/** One of {@link RULE_TRIGGERS}. */
export type RuleTrigger = (typeof RULE_TRIGGERS)[number];

const Slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "1–64 letters, digits, _ . - (starting with a letter or digit)");

/**
 * A rule: when `trigger` happens (for `custom`, the event named `event`) and `conditions` hold
 * (absent = always), run `actions`. Higher `priority` runs first (ties: order in the set); the
 * first matching rule stops evaluation unless it sets `fallthrough`.
 */
export const Rule = z
  .object({
    id: Slug,
    name: z.string().max(200).optional(),
    description: z.string().max(2_000).optional(),
    enabled: z.boolean().default(true),
    trigger: z.enum(RULE_TRIGGERS),
    event: Slug.optional(),
    priority: z.int().min(-1_000_000).max(1_000_000).default(0),
    fallthrough: z.boolean().default(false),
    conditions: ConditionNode.optional(),
    actions: z.array(Action).min(1).max(50),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.trigger === "custom" && rule.event === undefined) {
      ctx.addIssue({ code: "custom", path: ["event"], message: "a custom rule names its event", params: { code: "invalid" } });
    }
    if (rule.trigger !== "custom" && rule.event !== undefined) {
      ctx.addIssue({ code: "custom", path: ["event"], message: "only custom rules name an event", params: { code: "invalid" } });
    }
  });
/** A parsed rule. */
export type Rule = z.infer<typeof Rule>;

/** A rule set: 1–200 rules with unique ids. */
export const RuleSet = z
  .object({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2_000).optional(),
    rules: z.array(Rule).min(1).max(200),
  })
  .strict();
/** A parsed rule set. */
export type RuleSet = z.infer<typeof RuleSet>;
/** A rule set as written (defaults not applied). */
export type RuleSetInput = z.input<typeof RuleSet>;

const Json = z.json();
const Obj = z.record(z.string(), Json);

/**
 * The event a rule set is evaluated against. `event.type` is the trigger; `event.name` names a
 * custom event. The message, user and conversation have the fields of `paths.ts`
 * (`MESSAGE_FIELDS`, `USER_FIELDS`, `CONVERSATION_FIELDS`) — unknown fields are dropped — and
 * `context` is the conversation context.
 */
export const RuleEvent = z
  .object({
    event: z.object({
      id: z.string().optional(),
      type: z.enum(RULE_TRIGGERS),
      name: z.string().optional(),
      source: z.string().optional(),
      timestamp: z.string().optional(),
      data: Obj.optional(),
    }),
    message: z
      .object({
        id: z.string().optional(), conversationId: z.string().optional(), content: z.string().optional(), contentType: z.string().optional(),
        senderId: z.string().optional(), senderType: z.string().optional(), senderName: z.string().optional(), threadId: z.string().nullish(),
        replyToId: z.string().nullish(), sequence: z.number().optional(), priority: z.string().optional(),
        mentions: z.array(z.string()).optional(), metadata: Obj.optional(), createdAt: z.string().optional(),
      })
      .optional(),
    user: z
      .object({
        id: z.string().optional(), type: z.string().optional(), name: z.string().optional(), email: z.string().optional(),
        orgId: z.string().optional(), roles: z.array(z.string()).optional(), entitlements: z.array(z.string()).optional(), metadata: Obj.optional(),
      })
      .optional(),
    conversation: z
      .object({
        id: z.string().optional(), orgId: z.string().optional(), type: z.string().optional(), name: z.string().nullish(),
        state: ConversationState.optional(), participantIds: z.array(z.string()).optional(), participantCount: z.number().optional(),
        metadata: Obj.optional(), createdAt: z.string().optional(),
      })
      .optional(),
    context: Obj.optional(),
  })
  .strict();
/** A parsed rule event. */
export type RuleEvent = z.infer<typeof RuleEvent>;

/**
 * Publish-time validation of a rule set: its zod schema (an unknown operator, action, node or
 * tool, invalid action params are issues naming their path) and then the semantic checks —
 * unknown field roots and fields in conditions and templates, templates that do not compile,
 * `vars.<name>` used before an action saved it, unsafe regular expressions, duplicate rule ids.
 * Nothing invalid is ever left to fail silently at run time.
 */
export function validateRuleSet(input: unknown): ValidationResult<RuleSet> {
  const parsed = RuleSet.safeParse(input);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error.issues) };
  const issues: ValidationIssue[] = [];
  const ids = new Map<string, number>();
  parsed.data.rules.forEach((rule, i) => {
    const path = `rules[${i}]`;
    const earlier = ids.get(rule.id);
    if (earlier !== undefined) issues.push({ path: joinPath(path, "id"), code: "duplicate_id", message: `rule id "${rule.id}" is already used by rules[${earlier}]` });
    ids.set(rule.id, i);
    if (rule.conditions) issues.push(...checkCondition(rule.conditions, RULE_ROOTS, joinPath(path, "conditions")));
    checkActionList(rule.actions, { roots: RULE_ROOTS, vars: true, saved: new Set(), inLoop: false }, joinPath(path, "actions"), issues);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: parsed.data };
}

/** How one rule fared. `skipped` says why it was not evaluated. */
export interface RuleEvaluation {
  ruleId: string;
  priority: number;
  matched: boolean;
  skipped?: "disabled" | "trigger_mismatch" | "after_match";
  /** Absent when the rule has no conditions (it matches every event of its trigger) or was skipped. */
  justification?: Justification;
}

/** The result of {@link evaluateRuleSet}. */
export interface RuleSetEvaluation {
  trigger: RuleTrigger;
  /** Rules in evaluation order (priority, then position), each with its outcome. */
  rules: RuleEvaluation[];
  /** Ids of the matched rules, in order. */
  matched: string[];
  /** Actions to run: the matched rules' actions, concatenated in order, each with its rule id. */
  actions: Array<{ ruleId: string; action: Action }>;
  /** The first matched rule that did not fall through (evaluation stopped there). */
  stoppedAt?: string;
}

/** The condition scope of a rule event: its roots, with an empty context when absent. */
export function ruleScope(event: RuleEvent): Record<string, unknown> {
  const scope: Record<string, unknown> = { event: event.event, context: event.context ?? {} };
  if (event.message) scope["message"] = event.message;
  if (event.user) scope["user"] = event.user;
  if (event.conversation) scope["conversation"] = event.conversation;
  return scope;
}

/**
 * Evaluates a validated rule set against an event, with no side effects (backs
 * `POST /api/rules/test` and the live engine alike). Enabled rules whose trigger matches run in
 * priority order (higher first, ties in set order); the first whose conditions hold wins and
 * stops evaluation, unless it falls through, in which case evaluation goes on. Each rule's
 * justification lists every condition with the resolved value and why it held or not.
 */
export function evaluateRuleSet(ruleSet: RuleSet, event: RuleEvent): RuleSetEvaluation {
  const trigger = event.event.type;
  const scope = ruleScope(event);
  const ordered = ruleSet.rules.map((rule, index) => ({ rule, index })).sort((a, b) => b.rule.priority - a.rule.priority || a.index - b.index);
  const result: RuleSetEvaluation = { trigger, rules: [], matched: [], actions: [] };
  for (const { rule, index } of ordered) {
    const base = { ruleId: rule.id, priority: rule.priority, matched: false };
    if (result.stoppedAt !== undefined) {
      result.rules.push({ ...base, skipped: "after_match" });
      continue;
    }
    if (!rule.enabled) {
      result.rules.push({ ...base, skipped: "disabled" });
      continue;
    }
    if (rule.trigger !== trigger || (trigger === "custom" && rule.event !== event.event.name)) {
      result.rules.push({ ...base, skipped: "trigger_mismatch" });
      continue;
    }
    const justification = rule.conditions ? evaluateCondition(rule.conditions, scope, `rules[${index}].conditions`) : undefined;
    const matched = justification ? justification.result : true;
    result.rules.push({ ...base, matched, ...(justification ? { justification } : {}) });
    if (!matched) continue;
    result.matched.push(rule.id);
    for (const action of rule.actions) result.actions.push({ ruleId: rule.id, action });
    if (!rule.fallthrough) result.stoppedAt = rule.id;
  }
  return result;
}
