import { describe, expect, it } from "vitest";
import { AppError } from "@symbia/sys";
import { recordingEffects, recordingSleep } from "../../test/recording-effects.js";
import type { EffectContext } from "./effects.js";
import { executeActions } from "./executor.js";
import { defaultSleep, type ActionRecord, type ActionScopeInput, type ExecuteOptions } from "./runtime.js";
import type { Action } from "./schemas.js";
import { validateActions } from "./validate.js";

const base: ActionScopeInput = {
  event: { type: "message.received", id: "evt_1" },
  message: { id: "msg_9", content: "I want a refund", senderId: "ent_user" },
  user: { id: "ent_user", name: "Ann" },
  conversation: { id: "conv_1", state: "ai_active" },
  context: { tier: "gold", items: [{ name: "a" }, { name: "b" }] },
};

function actions(input: unknown[]): Action[] {
  const result = validateActions(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.value;
}

async function run(input: unknown[], options: Partial<ExecuteOptions> & { behaviours?: Parameters<typeof recordingEffects>[0] } = {}, scope: ActionScopeInput = base) {
  const recorder = recordingEffects(options.behaviours);
  const sleeper = recordingSleep();
  const records: ActionRecord[] = [];
  const result = await executeActions(actions(input), scope, {
    effects: recorder.effects, runId: "run_t", sleep: sleeper.sleep, onRecord: (r) => void records.push(r), ...options,
  });
  return { result, recorder, sleeper, records };
}

/** Waits until the signal aborts, then rejects like a well-behaved effect. */
const untilAborted = (_r: unknown, context: EffectContext) =>
  new Promise((_, reject) => context.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));

describe("llm.invoke", () => {
  it("sends system + prompt, streams the reply into the conversation and saves the result", async () => {
    const { result, recorder } = await run([
      { type: "llm.invoke", params: { system: "You help {{user.name}}", prompt: "{{message.content}}", history: 5, model: { temperature: 0.1 }, saveAs: "reply" } },
    ]);
    expect(result.status).toBe("completed");
    expect(recorder.of("llm.invoke")[0]!.request).toEqual({
      messages: [{ role: "system", content: "You help Ann" }, { role: "user", content: "I want a refund" }],
      model: { temperature: 0.1 }, historyMessages: 5, respond: { conversationId: "conv_1", replyToId: "msg_9" },
    });
    expect(recorder.of("llm.invoke")[0]!.context).toMatchObject({ idempotencyKey: "run_t:actions[0]", attempt: 1 });
    expect(result.vars["reply"]).toMatchObject({ content: "model reply", finishReason: "stop" });
  });

  it("passes messages as given and does not respond when respond is false", async () => {
    const { recorder } = await run([{ type: "llm.invoke", params: { messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }], respond: false } }]);
    expect(recorder.of("llm.invoke")[0]!.request).toEqual({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }], model: {}, historyMessages: 0 });
  });

  it("fails without a conversation to respond in", async () => {
    const { result, recorder } = await run([{ type: "llm.invoke", params: { prompt: "x" } }], {}, { event: { type: "timer.elapsed" } });
    expect(result).toMatchObject({ status: "failed", error: { path: "actions[0]", code: "no_conversation" } });
    expect(recorder.calls).toHaveLength(0);
  });
});

describe("message.send", () => {
  it("renders the content and posts to the event's conversation", async () => {
    const { result, recorder } = await run([{ type: "message.send", params: { content: "Hi {{user.name}}, tier {{context.tier}}", metadata: { k: 1 }, saveAs: "sent" } }]);
    expect(recorder.of("messaging.send")[0]!.request).toEqual({ conversationId: "conv_1", content: "Hi Ann, tier gold", contentType: "text/markdown", metadata: { k: 1 } });
    expect(result.vars["sent"]).toEqual({ messageId: "msg_1" });
  });

  it("posts to another conversation when told", async () => {
    const { recorder } = await run([{ type: "message.send", params: { content: "x", conversationId: "conv_{{context.tier}}", replyToId: "{{message.id}}", contentType: "text/plain" } }]);
    expect(recorder.of("messaging.send")[0]!.request).toMatchObject({ conversationId: "conv_gold", replyToId: "msg_9", contentType: "text/plain" });
  });

  it("a missing template variable fails the action without retrying", async () => {
    const { result, recorder, sleeper } = await run([{ type: "message.send", params: { content: "{{message.metadata.x}}" }, onError: { policy: "retry", count: 3 } }]);
    expect(result).toMatchObject({ status: "failed", error: { code: "template_error" } });
    expect(recorder.calls).toHaveLength(0);
    expect(sleeper.delays).toEqual([]);
  });
});

describe("service.call and webhook.call", () => {
  it("service.call sends the rendered request and returns status and body", async () => {
    const { result, recorder } = await run([{ type: "service.call", params: { service: "catalog", method: "POST", path: "/api/resources/{{context.tier}}", query: { q: "{{user.name}}" }, body: { who: "{{user.id}}", n: 1 }, saveAs: "res" } }]);
    expect(recorder.of("http.callService")[0]!.request).toEqual({ service: "catalog", method: "POST", path: "/api/resources/gold", query: { q: "Ann" }, body: { who: "ent_user", n: 1 }, timeoutMs: 10_000 });
    expect(result.vars["res"]).toEqual({ status: 200, body: { ok: true } });
  });

  it("a 4xx answer fails at once; a 5xx is retried with backoff", async () => {
    const notFound = await run([{ type: "service.call", params: { service: "catalog", path: "/api/x" }, onError: { policy: "retry", count: 2 } }], { behaviours: { "http.callService": () => ({ status: 404, body: {} }) } });
    expect(notFound.result).toMatchObject({ status: "failed", error: { code: "http_status", message: "catalog GET /api/x answered 404" } });
    expect(notFound.recorder.calls).toHaveLength(1);

    const flaky = await run([{ type: "service.call", params: { service: "catalog", path: "/api/x" }, onError: { policy: "retry", count: 3, backoffMs: 10 } }], {
      behaviours: { "http.callService": (_r, _c, n) => ({ status: n < 3 ? 503 : 200, body: n }) },
    });
    expect(flaky.result.status).toBe("completed");
    expect(flaky.recorder.calls.map((c) => c.context.attempt)).toEqual([1, 2, 3]);
    expect(new Set(flaky.recorder.calls.map((c) => c.context.idempotencyKey))).toEqual(new Set(["run_t:actions[0]"]));
    expect(flaky.sleeper.delays).toEqual([10, 20]);
    expect(flaky.records[0]).toMatchObject({ status: "succeeded", attempts: 3 });
  });

  it("a rendered path that climbs is refused", async () => {
    const { result, recorder } = await run([{ type: "service.call", params: { service: "catalog", path: "/api/{{context.p}}" } }], {}, { ...base, context: { p: "../admin" } });
    expect(result).toMatchObject({ status: "failed", error: { code: "invalid_params" } });
    expect(recorder.calls).toHaveLength(0);
  });

  it("webhook.call renders url, headers and body; a non-http URL after rendering fails", async () => {
    const ok = await run([{ type: "webhook.call", params: { url: "https://hooks.test/{{context.tier}}", headers: { "X-User": "{{user.id}}" }, body: { text: "{{message.content}}" } } }]);
    expect(ok.recorder.of("http.callWebhook")[0]!.request).toEqual({ url: "https://hooks.test/gold", method: "POST", headers: { "X-User": "ent_user" }, body: { text: "I want a refund" }, timeoutMs: 10_000 });
    const bad = await run([{ type: "webhook.call", params: { url: "{{context.u}}" } }], {}, { ...base, context: { u: "file:///etc/passwd" } });
    expect(bad.result).toMatchObject({ status: "failed", error: { code: "invalid_params" } });
    expect(bad.recorder.calls).toHaveLength(0);
  });
});

describe("handoff.create, assistant.route, state.transition", () => {
  it("handoff.create records the handoff and moves the conversation to handoff_pending", async () => {
    const { result, recorder } = await run([
      { type: "handoff.create", params: { target: { type: "human", queue: "billing" }, reason: "{{user.name}} asked", priority: "high", saveAs: "handoff" } },
      { type: "message.send", params: { content: "state is {{conversation.state}}" } },
    ]);
    expect(recorder.calls.map((c) => c.effect)).toEqual(["handoff.create", "state.transition", "messaging.send"]);
    expect(recorder.of("handoff.create")[0]!.request).toEqual({ conversationId: "conv_1", target: { type: "human", queue: "billing" }, reason: "Ann asked", priority: "high" });
    expect(recorder.of("state.transition")[0]!.request).toEqual({ conversationId: "conv_1", from: "ai_active", to: "handoff_pending", reason: "Ann asked" });
    expect(recorder.of("messaging.send")[0]!.request).toMatchObject({ content: "state is handoff_pending" });
    expect(result.vars["handoff"]).toEqual({ handoffId: "hof_1" });
    expect(result.conversation?.state).toBe("handoff_pending");
  });

  it("handoff.create from a state that cannot hand off fails before any effect", async () => {
    const { result, recorder } = await run([{ type: "handoff.create", params: { target: { type: "assistant", assistant: "x" }, reason: "r" }, onError: { policy: "retry", count: 2 } }], {}, { ...base, conversation: { id: "c", state: "archived" } });
    expect(result).toMatchObject({ status: "failed", error: { code: "conflict" } });
    expect(recorder.calls).toHaveLength(0);
  });

  it("state.transition validates against the state machine", async () => {
    const ok = await run([{ type: "state.transition", params: { to: "waiting_for_user", reason: "asked {{user.name}}" } }]);
    expect(ok.recorder.of("state.transition")[0]!.request).toEqual({ conversationId: "conv_1", from: "ai_active", to: "waiting_for_user", reason: "asked Ann" });
    expect(ok.result.conversation?.state).toBe("waiting_for_user");
    const bad = await run([{ type: "state.transition", params: { to: "archived" } }]);
    expect(bad.result).toMatchObject({ status: "failed", error: { code: "conflict", message: "a conversation cannot go from ai_active to archived" } });
    expect(bad.recorder.calls).toHaveLength(0);
    const unknown = await run([{ type: "state.transition", params: { to: "resolved" } }], {}, { ...base, conversation: { id: "c" } });
    expect(unknown.result.error?.code).toBe("no_conversation_state");
  });

  it("assistant.route names the next assistant", async () => {
    const { recorder } = await run([{ type: "assistant.route", params: { assistant: "{{context.tier}}-desk", reason: "tier" } }]);
    expect(recorder.of("handoff.route")[0]!.request).toEqual({ conversationId: "conv_1", assistant: "gold-desk", reason: "tier" });
  });
});

describe("context.update", () => {
  it("applies set, unset, merge, increment and append, persists the whole context and exposes it to later actions", async () => {
    const { result, recorder } = await run([
      {
        type: "context.update",
        params: {
          ops: [
            { op: "set", path: "billing.plan", value: "{{context.tier}}-plan" },
            { op: "unset", path: "items" },
            { op: "merge", value: { lang: "en" } },
            { op: "increment", path: "turns", by: 2 },
            { op: "append", path: "log", value: "{{message.id}}", maxLength: 2 },
            { op: "append", path: "log", value: "second" },
            { op: "append", path: "log", value: "third", maxLength: 2 },
          ],
        },
      },
      { type: "message.send", params: { content: "{{context.billing.plan}} {{context.turns}} {{json context.log}}" } },
    ]);
    const expected = { tier: "gold", billing: { plan: "gold-plan" }, lang: "en", turns: 2, log: ["second", "third"] };
    expect(result.context).toEqual(expected);
    expect(recorder.of("state.updateContext")[0]!.request).toMatchObject({ conversationId: "conv_1", context: expected });
    expect(recorder.of("messaging.send")[0]!.request).toMatchObject({ content: 'gold-plan 2 ["second","third"]' });
  });

  it("does not persist when persist is false, and fails on type mismatches or oversize contexts", async () => {
    const local = await run([{ type: "context.update", params: { ops: [{ op: "set", path: "x", value: 1 }], persist: false } }]);
    expect(local.recorder.calls).toHaveLength(0);
    expect(local.result.context["x"]).toBe(1);
    const mismatch = await run([{ type: "context.update", params: { ops: [{ op: "increment", path: "tier" }] } }]);
    expect(mismatch.result).toMatchObject({ status: "failed", error: { code: "invalid_context", message: "context.tier is not a number; cannot increment" } });
    const big = await run([{ type: "context.update", params: { ops: [{ op: "set", path: "blob", value: "{{context.big}}" }] } }], {}, { ...base, context: { big: "x".repeat(200 * 1024) } });
    expect(big.result).toMatchObject({ status: "failed", error: { code: "context_too_large" } });
  });
});

describe("wait, cancellation and timeouts", () => {
  it("wait sleeps the given time", async () => {
    const { sleeper, records } = await run([{ type: "wait", params: { durationMs: 1500 } }]);
    expect(sleeper.delays).toEqual([1500]);
    expect(records[0]).toMatchObject({ type: "wait", status: "succeeded", output: { waitedMs: 1500 } });
  });

  it("cancelling the run during a real wait ends it as cancelled and runs nothing after", async () => {
    const controller = new AbortController();
    const pending = run([{ type: "wait", params: { durationMs: 60_000 } }, { type: "message.send", params: { content: "late" } }], { signal: controller.signal, sleep: defaultSleep });
    setTimeout(() => controller.abort("user cancelled"), 20);
    const { result, recorder, records } = await pending;
    expect(result.status).toBe("cancelled");
    expect(recorder.calls).toHaveLength(0);
    expect(records.map((r) => r.status)).toEqual(["cancelled"]);
  });

  it("timeoutMs aborts a slow attempt; with retry it tries again", async () => {
    const { result, recorder } = await run([{ type: "llm.invoke", params: { prompt: "x", respond: false }, timeoutMs: 30, onError: { policy: "retry", count: 1, backoffMs: 0 } }], {
      behaviours: { "llm.invoke": (r, c, n) => (n === 1 ? untilAborted(r, c) : { content: "ok", finishReason: "stop" }) },
    });
    expect(result.status).toBe("completed");
    expect(recorder.of("llm.invoke")[0]!.context.signal.aborted).toBe(true);
    expect(recorder.of("llm.invoke")).toHaveLength(2);
  });

  it("a timeout without retry fails the run with code timeout", async () => {
    const { result } = await run([{ type: "llm.invoke", params: { prompt: "x", respond: false }, timeoutMs: 20 }], { behaviours: { "llm.invoke": untilAborted } });
    expect(result).toMatchObject({ status: "failed", error: { code: "timeout" } });
  });
});

describe("onError policies", () => {
  const failing = { "messaging.send": () => { throw new AppError("unavailable", "messaging is down"); } };

  it("fail (default) stops the run at the failing action", async () => {
    const { result, recorder } = await run([{ type: "message.send", params: { content: "a" } }, { type: "workspace.create", params: {} }], { behaviours: failing });
    expect(result).toMatchObject({ status: "failed", error: { path: "actions[0]", code: "unavailable", message: "messaging is down" } });
    expect(recorder.of("tools.createWorkspace")).toHaveLength(0);
  });

  it("continue records the failure and goes on", async () => {
    const { result, records } = await run([{ type: "message.send", params: { content: "a" }, onError: { policy: "continue" } }, { type: "workspace.create", params: {} }], { behaviours: failing });
    expect(result.status).toBe("completed");
    expect(records.map((r) => [r.type, r.status, r.continued ?? false])).toEqual([["message.send", "failed", true], ["workspace.create", "succeeded", false]]);
  });

  it("retry waits backoff × factor^n capped at maxBackoffMs, then does `then`", async () => {
    const { result, recorder, sleeper, records } = await run(
      [{ type: "message.send", params: { content: "a" }, onError: { policy: "retry", count: 4, backoffMs: 100, factor: 3, maxBackoffMs: 1000, then: "continue" } }, { type: "wait", params: { durationMs: 5 } }],
      { behaviours: failing },
    );
    expect(recorder.of("messaging.send")).toHaveLength(5);
    expect(sleeper.delays).toEqual([100, 300, 900, 1000, 5]);
    expect(records[0]).toMatchObject({ status: "failed", attempts: 5, continued: true, error: { code: "unavailable", retryable: true } });
    expect(result.status).toBe("completed");
  });

  it("cancelling during a retry backoff ends the run as cancelled and records the action so", async () => {
    const controller = new AbortController();
    const pending = run([{ type: "message.send", params: { content: "a" }, onError: { policy: "retry", count: 2, backoffMs: 60_000 } }], { behaviours: failing, signal: controller.signal, sleep: defaultSleep });
    setTimeout(() => controller.abort(), 20);
    const { result, records, recorder } = await pending;
    expect(result.status).toBe("cancelled");
    expect(recorder.calls).toHaveLength(1);
    expect(records.map((r) => [r.status, r.attempts])).toEqual([["cancelled", 1]]);
  });

  it("a failing onRecord is not an action failure to retry: it propagates", async () => {
    const recorder = recordingEffects();
    await expect(
      executeActions(actions([{ type: "message.send", params: { content: "a" }, onError: { policy: "retry", count: 3 } }]), base, {
        effects: recorder.effects, onRecord: () => { throw new Error("run log unavailable"); },
      }),
    ).rejects.toThrow("run log unavailable");
    expect(recorder.calls).toHaveLength(1);
  });

  it("a non-retryable error skips the retries", async () => {
    const { recorder, result } = await run([{ type: "message.send", params: { content: "a" }, onError: { policy: "retry", count: 5 } }], {
      behaviours: { "messaging.send": () => { throw new AppError("forbidden", "not a participant"); } },
    });
    expect(recorder.calls).toHaveLength(1);
    expect(result.error).toMatchObject({ code: "forbidden" });
  });
});

describe("parallel, loop, condition", () => {
  it("parallel runs branches at once and fails fast, cancelling the others", async () => {
    const { result, records } = await run(
      [{ type: "parallel", params: { actions: [{ type: "llm.invoke", params: { prompt: "slow", respond: false } }, { type: "message.send", params: { content: "boom" } }] } }],
      { behaviours: { "llm.invoke": untilAborted, "messaging.send": async () => { throw new AppError("bad_request", "rejected"); } } },
    );
    expect(result).toMatchObject({ status: "failed", error: { path: "actions[0].params.actions[1]", code: "bad_request" } });
    expect(records.map((r) => [r.path, r.status])).toEqual([
      ["actions[0].params.actions[1]", "failed"],
      ["actions[0].params.actions[0]", "cancelled"],
      ["actions[0]", "failed"],
    ]);
  });

  it("parallel without failFast lets every branch finish; saves are visible after", async () => {
    const started: string[] = [];
    const { result } = await run(
      [
        { type: "parallel", params: { failFast: false, actions: [{ type: "llm.invoke", params: { prompt: "a", respond: false, saveAs: "a" } }, { type: "workspace.create", params: { saveAs: "ws" } }] } },
        { type: "message.send", params: { content: "{{vars.a.content}} {{vars.ws.id}}" } },
      ],
      { behaviours: { "llm.invoke": async () => { started.push("llm"); await new Promise((r) => setTimeout(r, 10)); return { content: "A", finishReason: "stop" }; } } },
    );
    expect(result.status).toBe("completed");
    expect(result.vars).toMatchObject({ a: { content: "A" }, ws: { id: "ws_000000000000000000000001" } });
  });

  it("loop runs its body per item with loop.item / loop.index and unique paths", async () => {
    const { recorder, records } = await run([{ type: "loop", params: { over: "context.items", actions: [{ type: "message.send", params: { content: "{{loop.index}}/{{loop.count}}: {{loop.item.name}}" } }] } }]);
    expect(recorder.of("messaging.send").map((c) => (c.request as { content: string }).content)).toEqual(["0/2: a", "1/2: b"]);
    expect(recorder.of("messaging.send").map((c) => c.context.idempotencyKey)).toEqual(["run_t:actions[0].params.actions@0[0]", "run_t:actions[0].params.actions@1[0]"]);
    expect(records.at(-1)).toMatchObject({ type: "loop", output: { iterations: 2 } });
  });

  it("loop by times; over a non-array or past maxIterations fails rather than truncating", async () => {
    expect((await run([{ type: "loop", params: { times: 3, actions: [{ type: "wait", params: { durationMs: 1 } }] } }])).sleeper.delays).toEqual([1, 1, 1]);
    const notArray = await run([{ type: "loop", params: { over: "context.tier", actions: [{ type: "wait", params: { durationMs: 1 } }] } }]);
    expect(notArray.result.error?.code).toBe("not_an_array");
    const tooMany = await run([{ type: "loop", params: { over: "context.items", maxIterations: 1, actions: [{ type: "wait", params: { durationMs: 1 } }] } }]);
    expect(tooMany.result.error?.code).toBe("too_many_iterations");
    expect(tooMany.sleeper.delays).toEqual([]);
  });

  it("condition runs then or else and records the justification", async () => {
    const cond = (tier: string) =>
      run([{ type: "condition", params: { if: { field: "context.tier", operator: "eq", value: "gold" }, then: [{ type: "message.send", params: { content: "vip" } }], else: [{ type: "message.send", params: { content: "std" } }] } }], {}, { ...base, context: { tier } });
    const gold = await cond("gold");
    expect(gold.recorder.of("messaging.send")[0]!.request).toMatchObject({ content: "vip" });
    expect(gold.records.at(-1)!.output).toMatchObject({ result: true, branch: "then", justification: { actual: "gold" } });
    const silver = await cond("silver");
    expect(silver.recorder.of("messaging.send")[0]!.request).toMatchObject({ content: "std" });
  });
});

describe("code tools actions", () => {
  it("workspace.create saves the id; code.tool.invoke and workspace.destroy use it", async () => {
    const { result, recorder } = await run(
      [
        { type: "workspace.create", params: { label: "for {{conversation.id}}" } },
        { type: "code.tool.invoke", params: { tool: "bash", workspace: "{{vars.workspace.id}}", args: { command: "wc -c", stdin: "{{message.content}}" }, saveAs: "count" } },
        { type: "workspace.destroy", params: { workspace: "{{vars.workspace.id}}" } },
      ],
      { actor: { principalId: "ent_assistant" }, behaviours: { "tools.invoke": () => ({ tool: "bash", output: { exitCode: 0, stdout: "15\n" }, audit: { id: "aud_7" } }) } },
    );
    expect(result.status).toBe("completed");
    const ws = "ws_000000000000000000000001";
    const actor = { principalId: "ent_assistant", runId: "run_t", conversationId: "conv_1" };
    expect(recorder.of("tools.createWorkspace")[0]!.request).toEqual({ label: "for conv_1", actor });
    expect(recorder.of("tools.invoke")[0]!.request).toEqual({ workspaceId: ws, call: { tool: "bash", args: { command: "wc -c", stdin: "I want a refund" } }, actor });
    expect(result.vars["count"]).toEqual({ exitCode: 0, stdout: "15\n", auditId: "aud_7" });
    expect(recorder.of("tools.destroyWorkspace")[0]!.request).toMatchObject({ workspaceId: ws });
  });

  it("a bash command is never rendered as a template", async () => {
    const { recorder } = await run([{ type: "code.tool.invoke", params: { tool: "bash", workspace: "ws_000000000000000000000001", args: { command: "echo '{{message.content}}'" } } }]);
    expect(recorder.of("tools.invoke")[0]!.request).toMatchObject({ call: { args: { command: "echo '{{message.content}}'" } } });
  });
});

describe("records", () => {
  it("records every action with rendered params, timing and attempts, nested before container", async () => {
    const { records } = await run([{ type: "condition", params: { if: { field: "user.id", operator: "exists" }, then: [{ type: "message.send", id: "greet", params: { content: "hi {{user.name}}" } }] } }]);
    expect(records.map((r) => r.path)).toEqual(["actions[0].params.then[0]", "actions[0]"]);
    expect(records[0]).toMatchObject({ actionId: "greet", type: "message.send", status: "succeeded", attempts: 1, params: { content: "hi Ann" }, output: { messageId: "msg_1" } });
    expect(typeof records[0]!.durationMs).toBe("number");
    expect(Date.parse(records[0]!.startedAt)).not.toBeNaN();
  });
});
