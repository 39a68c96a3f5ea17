import { z } from "zod";
import { ConditionNode } from "../rules/conditions.js";
import {
  AssistantRouteParams, CodeToolInvokeParams, ContextUpdateParams, HandoffCreateParams, LlmInvokeParams, MessageSendParams,
  ServiceCallParams, StateTransitionParams, WaitParams, WebhookCallParams, WorkspaceCreateParams, WorkspaceDestroyParams,
} from "./params.js";

/** Every action type. */
export const ACTION_TYPES = [
  "llm.invoke", "message.send", "service.call", "webhook.call", "handoff.create", "context.update", "state.transition",
  "wait", "parallel", "loop", "condition", "assistant.route", "code.tool.invoke", "workspace.create", "workspace.destroy",
] as const;
/** One of {@link ACTION_TYPES}. */
export type ActionType = (typeof ACTION_TYPES)[number];

/**
 * What happens when an action fails: `fail` (default) stops the run and fails it; `continue`
 * records the failure and goes on with the next action; `retry` tries again up to `count` more
 * times, waiting `backoffMs × factor^(n−1)` (at most `maxBackoffMs`) before retry n, then does
 * `then`. Errors that cannot succeed on retry (a template error, an invalid transition, a 4xx)
 * skip the retries. A cancelled run is never retried.
 */
export const OnError = z.discriminatedUnion("policy", [
  z.object({ policy: z.literal("fail") }).strict(),
  z.object({ policy: z.literal("continue") }).strict(),
  z
    .object({
      policy: z.literal("retry"),
      count: z.int().min(1).max(10),
      backoffMs: z.int().min(0).max(60_000).default(500),
      factor: z.number().min(1).max(10).default(2),
      maxBackoffMs: z.int().min(0).max(300_000).default(30_000),
      then: z.enum(["fail", "continue"]).default("fail"),
    })
    .strict(),
]);
/** A parsed {@link OnError}. */
export type OnError = z.infer<typeof OnError>;

/** Delay before retry `n` (1-based) under a retry policy, in ms. */
export function retryDelayMs(policy: Extract<OnError, { policy: "retry" }>, n: number): number {
  return Math.min(policy.maxBackoffMs, Math.round(policy.backoffMs * policy.factor ** (n - 1)));
}

/** Fields every action has besides `type` and `params`. `timeoutMs` bounds each attempt. */
const common = {
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "an action id is 1–64 letters, digits, _ . -").optional(),
  description: z.string().max(500).optional(),
  onError: OnError.optional(),
  timeoutMs: z.int().min(1).max(600_000).optional(),
};

/** Parsed parameters of each action type. */
export interface ActionParamsMap {
  "llm.invoke": z.infer<typeof LlmInvokeParams>;
  "message.send": z.infer<typeof MessageSendParams>;
  "service.call": z.infer<typeof ServiceCallParams>;
  "webhook.call": z.infer<typeof WebhookCallParams>;
  "handoff.create": z.infer<typeof HandoffCreateParams>;
  "context.update": z.infer<typeof ContextUpdateParams>;
  "state.transition": z.infer<typeof StateTransitionParams>;
  wait: z.infer<typeof WaitParams>;
  parallel: { actions: Action[]; failFast: boolean };
  loop: { over?: string; times?: number; maxIterations: number; actions: Action[] };
  condition: { if: ConditionNode; then: Action[]; else: Action[] };
  "assistant.route": z.infer<typeof AssistantRouteParams>;
  "code.tool.invoke": z.infer<typeof CodeToolInvokeParams>;
  "workspace.create": z.infer<typeof WorkspaceCreateParams>;
  "workspace.destroy": z.infer<typeof WorkspaceDestroyParams>;
}

/** An action of type `T`. */
export interface ActionOf<T extends ActionType> {
  type: T;
  params: ActionParamsMap[T];
  id?: string;
  description?: string;
  onError?: OnError;
  timeoutMs?: number;
}
/** Any action. */
export type Action = { [T in ActionType]: ActionOf<T> }[ActionType];

/** A list of 1–50 actions. */
const Actions = (): z.ZodType<Action[]> => z.array(Action).min(1).max(50);

/** `parallel`: run the actions at once; with `failFast` (default) the first failure cancels the others. */
export const ParallelParams = z
  .object({
    get actions() {
      return z.array(Action).min(1).max(16);
    },
    failFast: z.boolean().default(true),
  })
  .strict();

/**
 * `loop`: run `actions` once per item of the array at field path `over` (e.g. `vars.results`)
 * or `times` times; the body sees `loop.item`, `loop.index`, `loop.count`. More items than
 * `maxIterations` fail the action rather than being cut silently.
 */
export const LoopParams = z
  .object({
    over: z.string().min(1).max(256).optional(),
    times: z.int().min(1).max(1_000).optional(),
    maxIterations: z.int().min(1).max(1_000).default(100),
    get actions() {
      return Actions();
    },
  })
  .strict()
  .superRefine((params, ctx) => {
    if ((params.over === undefined) === (params.times === undefined)) {
      ctx.addIssue({ code: "custom", path: ["over"], message: "give exactly one of over or times", params: { code: "invalid_params" } });
    }
  });

/** `condition`: evaluate `if` (same conditions as rules, plus `vars` and `loop`) and run `then` or `else`. */
export const ConditionParams = z
  .object({
    if: ConditionNode,
    get then() {
      return Actions();
    },
    get else() {
      return z.array(Action).max(50).default([]);
    },
  })
  .strict();

const action = <T extends ActionType, P extends z.ZodType>(type: T, params: P) => z.object({ type: z.literal(type), params, ...common }).strict();

/**
 * Zod schema of an {@link Action}: `{ type, params, id?, description?, onError?, timeoutMs? }`,
 * discriminated by `type` (an unknown type is an `unknown_action` issue at `…type`).
 */
export const Action: z.ZodType<Action> = z.discriminatedUnion("type", [
  action("llm.invoke", LlmInvokeParams),
  action("message.send", MessageSendParams),
  action("service.call", ServiceCallParams),
  action("webhook.call", WebhookCallParams),
  action("handoff.create", HandoffCreateParams),
  action("context.update", ContextUpdateParams),
  action("state.transition", StateTransitionParams),
  action("wait", WaitParams),
  action("parallel", ParallelParams),
  action("loop", LoopParams),
  action("condition", ConditionParams),
  action("assistant.route", AssistantRouteParams),
  action("code.tool.invoke", CodeToolInvokeParams),
  action("workspace.create", WorkspaceCreateParams),
  action("workspace.destroy", WorkspaceDestroyParams),
]) as unknown as z.ZodType<Action>;

/** The parameter schema of each action type (nesting actions included). */
export const ACTION_PARAM_SCHEMAS: Readonly<Record<ActionType, z.ZodType>> = {
  "llm.invoke": LlmInvokeParams,
  "message.send": MessageSendParams,
  "service.call": ServiceCallParams,
  "webhook.call": WebhookCallParams,
  "handoff.create": HandoffCreateParams,
  "context.update": ContextUpdateParams,
  "state.transition": StateTransitionParams,
  wait: WaitParams,
  parallel: ParallelParams,
  loop: LoopParams,
  condition: ConditionParams,
  "assistant.route": AssistantRouteParams,
  "code.tool.invoke": CodeToolInvokeParams,
  "workspace.create": WorkspaceCreateParams,
  "workspace.destroy": WorkspaceDestroyParams,
};

/**
 * Param keys that are never rendered as templates, at any depth of the params (enums, names,
 * paths, and a bash `command`). Nesting actions render nothing themselves: their children do.
 */
export const ACTION_LITERAL_KEYS: Readonly<Record<ActionType, ReadonlySet<string>>> = {
  "llm.invoke": new Set(["saveAs", "model", "role", "history", "respond"]),
  "message.send": new Set(["saveAs", "contentType"]),
  "service.call": new Set(["saveAs", "service", "method", "timeoutMs"]),
  "webhook.call": new Set(["saveAs", "method", "timeoutMs"]),
  "handoff.create": new Set(["saveAs", "type", "priority"]),
  "context.update": new Set(["op", "path", "persist", "by", "maxLength"]),
  "state.transition": new Set(["to"]),
  wait: new Set(["durationMs"]),
  parallel: new Set(["actions", "failFast"]),
  loop: new Set(["actions", "over", "times", "maxIterations"]),
  condition: new Set(["if", "then", "else"]),
  "assistant.route": new Set([]),
  "code.tool.invoke": new Set(["saveAs", "tool", "command", "encoding", "regex", "ignoreCase", "recursive", "append", "createDirs"]),
  "workspace.create": new Set(["saveAs"]),
  "workspace.destroy": new Set([]),
};
