import { describe, expect, it } from "vitest";
import { ACTION_TYPES, type ActionType } from "./schemas.js";
import { validateActions } from "./validate.js";

/** Per action type: params that validate, and invalid params with the issue path and code they give. */
const CASES: Record<ActionType, { valid: unknown[]; invalid: Array<[unknown, string, string]> }> = {
  "llm.invoke": {
    valid: [
      { prompt: "Answer: {{message.content}}" },
      { system: "Be brief", messages: [{ role: "user", content: "{{message.content}}" }], model: { provider: "symbia-labs", temperature: 0.2, maxTokens: 256 }, respond: false, saveAs: "answer", history: 10 },
    ],
    invalid: [
      [{}, "actions[0].params.prompt", "invalid_params"],
      [{ prompt: "a", messages: [{ role: "user", content: "b" }] }, "actions[0].params.prompt", "invalid_params"],
      [{ prompt: "a", model: { temperature: 3 } }, "actions[0].params.model.temperature", "invalid_params"],
      [{ messages: [{ role: "tool", content: "x" }] }, "actions[0].params.messages[0].role", "invalid_params"],
      [{ prompt: "a", saveAs: "1bad" }, "actions[0].params.saveAs", "invalid_params"],
      [{ prompt: "{{message.text}}" }, "actions[0].params.prompt", "unknown_field"],
    ],
  },
  "message.send": {
    valid: [{ content: "Hello {{user.name}}" }, { content: "x", contentType: "text/plain", conversationId: "{{conversation.id}}", replyToId: "{{message.id}}", metadata: { a: 1 }, saveAs: "sent" }],
    invalid: [
      [{ content: "" }, "actions[0].params.content", "invalid_params"],
      [{ content: "x", contentType: "text/html" }, "actions[0].params.contentType", "invalid_params"],
      [{ content: "x", extra: 1 }, "actions[0].params", "invalid_params"],
      [{ content: "{{#each}}" }, "actions[0].params.content", "invalid_template"],
    ],
  },
  "service.call": {
    valid: [{ service: "catalog", path: "/api/resources/{{context.resourceId}}" }, { service: "logging", method: "POST", path: "/api/logs", body: { level: "info", msg: "{{message.id}}" }, query: { a: "b" }, timeoutMs: 500, saveAs: "res" }],
    invalid: [
      [{ service: "billing", path: "/api/x" }, "actions[0].params.service", "invalid_params"],
      [{ service: "catalog", path: "api/x" }, "actions[0].params.path", "invalid_params"],
      [{ service: "catalog", path: "/api/../admin" }, "actions[0].params.path", "invalid_params"],
      [{ service: "catalog", path: "/api/x", method: "TRACE" }, "actions[0].params.method", "invalid_params"],
      [{ service: "catalog", path: "/api/x", timeoutMs: 0 }, "actions[0].params.timeoutMs", "invalid_params"],
    ],
  },
  "webhook.call": {
    valid: [{ url: "https://hooks.example.com/x" }, { url: "{{context.hookUrl}}", method: "PUT", headers: { "X-Token": "{{context.token}}" }, body: { text: "{{message.content}}" }, saveAs: "hook" }],
    invalid: [
      [{ url: "ftp://example.com" }, "actions[0].params.url", "invalid_params"],
      [{ url: "not a url" }, "actions[0].params.url", "invalid_params"],
      [{ url: "https://x.test", headers: { "Bad Header": "x" } }, "actions[0].params.headers.Bad Header", "invalid_params"],
      [{ url: "{{secret.url}}" }, "actions[0].params.url", "unknown_field_root"],
    ],
  },
  "handoff.create": {
    valid: [{ target: { type: "human", queue: "billing" }, reason: "asked for a person" }, { target: { type: "assistant", assistant: "specialist" }, reason: "r", summary: "{{message.content}}", priority: "high", saveAs: "handoff" }],
    invalid: [
      [{ target: { type: "bot" }, reason: "r" }, "actions[0].params.target.type", "invalid_params"],
      [{ target: { type: "assistant" }, reason: "r" }, "actions[0].params.target.assistant", "invalid_params"],
      [{ target: { type: "human" } }, "actions[0].params.reason", "invalid_params"],
      [{ target: { type: "human" }, reason: "r", priority: "asap" }, "actions[0].params.priority", "invalid_params"],
    ],
  },
  "context.update": {
    valid: [{ ops: [{ op: "set", path: "tier", value: "{{message.content}}" }, { op: "unset", path: "old" }, { op: "merge", value: { a: 1 } }, { op: "increment", path: "n" }, { op: "append", path: "log", value: "x", maxLength: 5 }], persist: false }],
    invalid: [
      [{ ops: [] }, "actions[0].params.ops", "invalid_params"],
      [{ ops: [{ op: "delete", path: "x" }] }, "actions[0].params.ops[0].op", "unknown_context_op"],
      [{ ops: [{ op: "set", path: "a..b", value: 1 }] }, "actions[0].params.ops[0].path", "invalid_field"],
      [{ ops: [{ op: "set", path: "__proto__.polluted", value: 1 }] }, "actions[0].params.ops[0].path", "invalid_field"],
      [{ ops: [{ op: "increment", path: "n", by: "1" }] }, "actions[0].params.ops[0].by", "invalid_params"],
    ],
  },
  "state.transition": {
    valid: [{ to: "waiting_for_user" }, { to: "resolved", reason: "done: {{message.id}}" }],
    invalid: [
      [{ to: "closed" }, "actions[0].params.to", "invalid_params"],
      [{}, "actions[0].params.to", "invalid_params"],
    ],
  },
  wait: {
    valid: [{ durationMs: 1 }, { durationMs: 300_000 }],
    invalid: [
      [{ durationMs: 0 }, "actions[0].params.durationMs", "invalid_params"],
      [{ durationMs: 300_001 }, "actions[0].params.durationMs", "invalid_params"],
      [{ durationMs: 1.5 }, "actions[0].params.durationMs", "invalid_params"],
    ],
  },
  parallel: {
    valid: [{ actions: [{ type: "wait", params: { durationMs: 1 } }, { type: "message.send", params: { content: "x" } }], failFast: false }],
    invalid: [
      [{ actions: [] }, "actions[0].params.actions", "invalid_params"],
      [{ actions: [{ type: "sleep", params: {} }] }, "actions[0].params.actions[0].type", "unknown_action"],
      [{ actions: [{ type: "llm.invoke", params: { prompt: "a", saveAs: "x" } }, { type: "llm.invoke", params: { prompt: "b", saveAs: "x" } }] }, "actions[0].params.actions[1]", "duplicate_var"],
    ],
  },
  loop: {
    valid: [{ times: 3, actions: [{ type: "message.send", params: { content: "#{{loop.index}}" } }] }, { over: "context.items", maxIterations: 10, actions: [{ type: "message.send", params: { content: "{{loop.item.name}}" } }] }],
    invalid: [
      [{ actions: [{ type: "wait", params: { durationMs: 1 } }] }, "actions[0].params.over", "invalid_params"],
      [{ times: 2, over: "context.items", actions: [{ type: "wait", params: { durationMs: 1 } }] }, "actions[0].params.over", "invalid_params"],
      [{ over: "items", actions: [{ type: "wait", params: { durationMs: 1 } }] }, "actions[0].params.over", "unknown_field_root"],
      [{ times: 1001, actions: [{ type: "wait", params: { durationMs: 1 } }] }, "actions[0].params.times", "invalid_params"],
      [{ times: 2, actions: [{ type: "message.send", params: { content: "{{loop.value}}" } }] }, "actions[0].params.actions[0].params.content", "unknown_field"],
    ],
  },
  condition: {
    valid: [{ if: { field: "context.tier", operator: "eq", value: "gold" }, then: [{ type: "message.send", params: { content: "vip" } }], else: [{ type: "message.send", params: { content: "{{user.name}}" } }] }],
    invalid: [
      [{ if: { field: "context.tier", operator: "is", value: "gold" }, then: [{ type: "wait", params: { durationMs: 1 } }] }, "actions[0].params.if.operator", "unknown_operator"],
      [{ if: { field: "tier", operator: "exists" }, then: [{ type: "wait", params: { durationMs: 1 } }] }, "actions[0].params.if.field", "unknown_field_root"],
      [{ if: { field: "context.tier", operator: "exists" }, then: [] }, "actions[0].params.then", "invalid_params"],
      [{ if: { field: "context.tier", operator: "exists" }, then: [{ type: "message.send", params: { content: "{{loop.item}}" } }] }, "actions[0].params.then[0].params.content", "unknown_field_root"],
    ],
  },
  "assistant.route": {
    valid: [{ assistant: "billing-bot" }, { assistant: "{{context.preferredAssistant}}", reason: "asked" }],
    invalid: [
      [{ assistant: "" }, "actions[0].params.assistant", "invalid_params"],
      [{ reason: "x" }, "actions[0].params.assistant", "invalid_params"],
    ],
  },
  "code.tool.invoke": {
    valid: [
      { tool: "file.read", workspace: "ws_000000000000000000000001", args: { path: "notes.md" } },
      { tool: "bash", workspace: "ws_000000000000000000000001", args: { command: "wc -l", stdin: "{{message.content}}", timeoutMs: 1000 }, saveAs: "out" },
      { tool: "file.search", workspace: "w", args: { pattern: "TODO", regex: false } },
    ],
    invalid: [
      [{ tool: "python", workspace: "w", args: {} }, "actions[0].params.tool", "unknown_tool"],
      [{ tool: "file.read", workspace: "w", args: {} }, "actions[0].params.args.path", "invalid_params"],
      [{ tool: "bash", workspace: "w", args: { command: "" } }, "actions[0].params.args.command", "invalid_params"],
      [{ tool: "file.write", args: { path: "a", content: "b" } }, "actions[0].params.workspace", "invalid_params"],
      [{ tool: "file.read", workspace: "{{vars.ws.id}}", args: { path: "a" }, extra: true }, "actions[0].params", "invalid_params"],
    ],
  },
  "workspace.create": {
    valid: [{}, { label: "scratch for {{conversation.id}}", saveAs: "ws" }],
    invalid: [
      [{ saveAs: "a b" }, "actions[0].params.saveAs", "invalid_params"],
      [{ label: 3 }, "actions[0].params.label", "invalid_params"],
    ],
  },
  "workspace.destroy": {
    valid: [{ workspace: "ws_000000000000000000000001" }],
    invalid: [
      [{}, "actions[0].params.workspace", "invalid_params"],
      [{ workspace: "{{vars.nothing.id}}" }, "actions[0].params.workspace", "unknown_field"],
    ],
  },
};

describe("action parameter validation (publish time)", () => {
  it("has cases for every action type", () => {
    expect(Object.keys(CASES).sort()).toEqual([...ACTION_TYPES].sort());
  });

  for (const type of ACTION_TYPES) {
    describe(type, () => {
      it("accepts valid params", () => {
        for (const params of CASES[type].valid) {
          const result = validateActions([{ type, params }]);
          expect(result.ok ? [] : result.issues, JSON.stringify(params)).toEqual([]);
        }
      });

      it("names the path and code of invalid params", () => {
        for (const [params, path, code] of CASES[type].invalid) {
          const result = validateActions([{ type, params }]);
          expect(result.ok, JSON.stringify(params)).toBe(false);
          if (!result.ok) expect(result.issues, JSON.stringify(params)).toContainEqual(expect.objectContaining({ path, code }));
        }
      });
    });
  }

  it("validates onError policies and timeouts on any action", () => {
    const wait = { type: "wait", params: { durationMs: 1 } };
    expect(validateActions([{ ...wait, onError: { policy: "retry", count: 3, backoffMs: 10 } }]).ok).toBe(true);
    expect(validateActions([{ ...wait, onError: { policy: "continue" } }]).ok).toBe(true);
    const bad = [
      [{ ...wait, onError: { policy: "ignore" } }, "actions[0].onError.policy"],
      [{ ...wait, onError: { policy: "retry" } }, "actions[0].onError.count"],
      [{ ...wait, onError: { policy: "retry", count: 11 } }, "actions[0].onError.count"],
      [{ ...wait, onError: { policy: "retry", count: 1, then: "retry" } }, "actions[0].onError.then"],
      [{ ...wait, timeoutMs: 0 }, "actions[0].timeoutMs"],
    ] as const;
    for (const [action, path] of bad) {
      const result = validateActions([action]);
      expect(result.ok ? [] : result.issues.map((i) => i.path), JSON.stringify(action)).toContain(path);
    }
  });

  it("makes names saved inside parallel, loop and condition bodies available afterwards", () => {
    const result = validateActions([
      { type: "parallel", params: { actions: [{ type: "llm.invoke", params: { prompt: "a", saveAs: "first" } }, { type: "workspace.create", params: {} }] } },
      { type: "message.send", params: { content: "{{vars.first.content}} in {{vars.workspace.id}}" } },
    ]);
    expect(result.ok ? [] : result.issues).toEqual([]);
  });
});
