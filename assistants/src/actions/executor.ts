import { evaluateCondition } from "../rules/conditions.js";
import { getAtPath, joinPath, parseFieldPath } from "../rules/paths.js";
import { renderDeep } from "../templates/templates.js";
import { EFFECT_HANDLERS, type HandlerContext } from "./handlers.js";
import {
  ActionError, ActionFailure, forLog, Run, RunCancelled, toActionError,
  type ActionRecord, type ActionScopeInput, type ExecuteOptions, type Frame, type RunConversation,
} from "./runtime.js";
import { ACTION_LITERAL_KEYS, retryDelayMs, type Action, type ActionOf, type ActionType } from "./schemas.js";

/** The outcome of {@link executeActions}. */
export interface ExecutionResult {
  runId: string;
  /** `failed` when an action failed under the `fail` policy; `cancelled` when the signal aborted. */
  status: "completed" | "failed" | "cancelled";
  /** Every executed action in completion order (nested ones before their container). */
  records: ActionRecord[];
  vars: Record<string, unknown>;
  context: Record<string, unknown>;
  conversation?: RunConversation;
  error?: { path: string; code: string; message: string };
}

/** The outcome of one action: its output, or the error its policy let pass (`continue`). */
export type ActionOutcome = { ok: true; output: unknown } | { ok: false; error: ActionError };

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new RunCancelled(signal.reason);
}

/** Runs `task` with a per-attempt timeout, linked to the run's signal. */
async function withTimeout<T>(timeoutMs: number | undefined, signal: AbortSignal, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (timeoutMs === undefined) return task(signal);
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ActionError("timeout", `the action took longer than ${timeoutMs} ms`, true);
      // Settle the race with the timeout before aborting: the task then rejects too, unheard.
      reject(error);
      controller.abort(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([task(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}

async function runNested<T extends "parallel" | "loop" | "condition">(action: ActionOf<T>, context: HandlerContext<T>): Promise<unknown> {
  const { run, frame, path, signal } = context;
  switch (action.type) {
    case "condition": {
      const params = context.params as ActionOf<"condition">["params"];
      const justification = evaluateCondition(params.if, run.scope(frame), joinPath(path, "params.if"));
      const branch = justification.result ? "then" : "else";
      await runSequence(justification.result ? params.then : params.else, run, frame, joinPath(path, `params.${branch}`), signal);
      return { result: justification.result, branch, justification };
    }
    case "loop": {
      const params = context.params as ActionOf<"loop">["params"];
      let items: unknown[];
      if (params.over !== undefined) {
        const parsed = parseFieldPath(params.over);
        const value = parsed.ok ? getAtPath(run.scope(frame), parsed.segments) : undefined;
        if (!Array.isArray(value)) throw new ActionError("not_an_array", `loop over ${params.over}: not an array`, false);
        items = value;
      } else {
        items = Array.from({ length: params.times ?? 0 }, (_, i) => i);
      }
      if (items.length > params.maxIterations) {
        throw new ActionError("too_many_iterations", `loop over ${items.length} items; maxIterations is ${params.maxIterations}`, false);
      }
      for (let index = 0; index < items.length; index += 1) {
        const loopFrame: Frame = { ...frame, loop: { item: items[index], index, count: items.length } };
        await runSequence(params.actions, run, loopFrame, `${joinPath(path, "params.actions")}@${index}`, signal);
      }
      return { iterations: items.length };
    }
    case "parallel": {
      const params = context.params as ActionOf<"parallel">["params"];
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        const results = await Promise.allSettled(
          params.actions.map(async (branch, i) => {
            try {
              return await runAction(branch, run, frame, joinPath(path, `params.actions[${i}]`), controller.signal);
            } catch (error) {
              if (params.failFast && !controller.signal.aborted) controller.abort(new Error(`parallel branch ${i} failed`));
              throw error;
            }
          }),
        );
        throwIfAborted(signal);
        // Report the branch that failed first on its own account, not a sibling cancelled by failFast.
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as unknown);
        const own = failures.find((reason) => reason instanceof ActionFailure) ?? failures[0];
        if (own !== undefined) throw own;
        return { branches: results.length };
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }
  }
  throw new ActionError("unknown_action", `unknown action type ${(action as Action).type}`, false);
}

/**
 * Runs one action with its `onError` policy and records it. Returns its outcome; throws
 * {@link ActionFailure} when it failed under `fail` (or `retry` then `fail`), and
 * {@link RunCancelled} when the signal aborted.
 */
export async function runAction(action: Action, run: Run, frame: Frame, path: string, signal: AbortSignal): Promise<ActionOutcome> {
  const policy = action.onError ?? { policy: "fail" as const };
  const startedAt = new Date();
  const started = performance.now();
  let attempt = 0;
  let rendered: unknown;
  for (;;) {
    attempt += 1;
    throwIfAborted(signal);
    let output: unknown;
    try {
      output = await withTimeout(action.timeoutMs, signal, async (attemptSignal) => {
        rendered = renderDeep(action.params, run.scope(frame), ACTION_LITERAL_KEYS[action.type]);
        const context = { params: rendered, run, frame, path, signal: attemptSignal, attempt } as HandlerContext<ActionType>;
        if (action.type === "parallel" || action.type === "loop" || action.type === "condition") return runNested(action, context as never);
        const handler = EFFECT_HANDLERS[action.type] as (context: HandlerContext<ActionType>) => Promise<unknown>;
        return handler(context);
      });
    } catch (caught) {
      const cancelled = async (): Promise<never> => {
        await run.record(recordOf(action, path, "cancelled", attempt, startedAt, started, rendered, {}));
        throw caught instanceof RunCancelled ? caught : new RunCancelled(signal.reason);
      };
      if (signal.aborted) return cancelled();
      // Only the attempt's own timeout aborts an attempt while the run goes on.
      const error = caught instanceof RunCancelled ? new ActionError("timeout", "the action was aborted by its timeout", true) : toActionError(caught);
      if (policy.policy === "retry" && error.retryable && attempt <= policy.count) {
        try {
          await run.sleep(retryDelayMs(policy, attempt), signal);
        } catch {
          return cancelled();
        }
        continue;
      }
      const final = policy.policy === "retry" ? policy.then : policy.policy;
      const failure = { code: error.code, message: error.message, retryable: error.retryable };
      await run.record(recordOf(action, path, "failed", attempt, startedAt, started, rendered, { error: failure, ...(final === "continue" ? { continued: true } : {}) }));
      if (final === "continue") return { ok: false, error };
      throw caught instanceof ActionFailure ? new ActionFailure(caught.path, caught.cause) : new ActionFailure(path, error);
    }
    // Outside the try: a failing onRecord is not an action failure to retry; it propagates.
    const saveAs = (action.params as { saveAs?: string }).saveAs;
    if (saveAs !== undefined) run.vars[saveAs] = output;
    await run.record(recordOf(action, path, "succeeded", attempt, startedAt, started, rendered, { output }));
    return { ok: true, output };
  }
}

function recordOf(
  action: Action, path: string, status: ActionRecord["status"], attempts: number, startedAt: Date, started: number, params: unknown,
  extra: Partial<ActionRecord>,
): ActionRecord {
  const record: ActionRecord = {
    path, type: action.type, status, attempts, startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - started),
  };
  if (action.id !== undefined) record.actionId = action.id;
  if (params !== undefined) record.params = forLog(params);
  if ("output" in extra) record.output = forLog(extra.output);
  if (extra.error) record.error = extra.error;
  if (extra.continued) record.continued = true;
  return record;
}

/** Runs actions in order; stops at the first failure under `fail`. */
export async function runSequence(actions: readonly Action[], run: Run, frame: Frame, path: string, signal: AbortSignal): Promise<void> {
  for (let i = 0; i < actions.length; i += 1) {
    await runAction(actions[i]!, run, frame, joinPath(path, `[${i}]`), signal);
  }
}

/**
 * Executes validated actions in order against `options.effects`, with templates rendered from
 * `input` (event, message, user, conversation, context) and `vars` saved by earlier actions.
 * Never throws for an action failure or a cancel: the result says `failed` / `cancelled`, where
 * and why, and carries every record. `onRecord` is awaited after every action (run log,
 * checkpoint).
 *
 * @throws whatever `onRecord` throws (the run stops there).
 */
export async function executeActions(actions: readonly Action[], input: ActionScopeInput, options: ExecuteOptions): Promise<ExecutionResult> {
  const run = new Run(input, options);
  const signal = options.signal ?? new AbortController().signal;
  const result = (status: ExecutionResult["status"], error?: ExecutionResult["error"]): ExecutionResult => ({
    runId: run.runId, status, records: run.records, vars: run.vars, context: run.context,
    ...(run.conversation ? { conversation: run.conversation } : {}), ...(error ? { error } : {}),
  });
  try {
    await runSequence(actions, run, {}, "actions", signal);
    return result("completed");
  } catch (error) {
    if (error instanceof RunCancelled) return result("cancelled", { path: "", code: "cancelled", message: error.message });
    if (error instanceof ActionFailure) return result("failed", { path: error.path, code: error.cause.code, message: error.cause.message });
    throw error;
  }
}
