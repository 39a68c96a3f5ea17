import { describe, expect, it } from "vitest";
import { AppError, isAppError } from "@symbia/sys";
import { recordingEffects } from "../../test/recording-effects.js";
import type { EffectContext, LlmInvokeRequest } from "../actions/effects.js";
import { executeGraph, resumeGraphRun, type GraphRunState } from "./executor.js";
import { validateGraph, type CompiledGraph, type PromptGraphInput } from "./graph.js";

function compile(graph: PromptGraphInput): CompiledGraph {
  const result = validateGraph(graph);
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.value;
}

/** An llm effect that answers "<first user message> → answered". */
const echoLlm = (request: LlmInvokeRequest) => ({ content: `${request.messages.at(-1)!.content} → answered`, finishReason: "stop" });

const start = {
  input: { text: "I need a refund" },
  event: { type: "message.received" },
  message: { id: "msg_1", content: "I need a refund" },
  conversation: { id: "conv_1", state: "ai_active" as const },
  context: { tier: "gold" },
};

/** classify → router → (billing: llm → message) | (default: message); both branches → join. */
const support = compile({
  name: "support",
  nodes: [
    { id: "classify", type: "llm", config: { prompt: "classify: {{input.text}}", respond: false } },
    {
      id: "route",
      type: "router",
      config: { routes: [{ port: "billing", when: { field: "nodes.classify.content", operator: "contains", value: "refund" } }], defaultPort: "other" },
    },
    { id: "draft", type: "llm", config: { prompt: "draft for {{input.content}} ({{context.tier}})", respond: false } },
    { id: "send", type: "message", config: { content: "{{nodes.draft.content}}" } },
    { id: "fallback", type: "message", config: { content: "Someone will help you." } },
    { id: "done", type: "join" },
  ],
  edges: [
    { from: "classify", to: "route" },
    { from: "route", fromPort: "billing", to: "draft" },
    { from: "draft", to: "send" },
    { from: "route", fromPort: "other", to: "fallback" },
    { from: "send", to: "done" },
    { from: "fallback", to: "done" },
  ],
});

describe("executeGraph", () => {
  it("passes messages along edges, skips the branch not taken and joins what came", async () => {
    const recorder = recordingEffects({ "llm.invoke": echoLlm });
    const checkpoints: GraphRunState[] = [];
    const state = await executeGraph(support, start, { effects: recorder.effects, runId: "run_g", checkpoint: (s) => void checkpoints.push(s) });

    expect(state.status).toBe("completed");
    expect(recorder.of("llm.invoke").map((c) => (c.request as LlmInvokeRequest).messages[0]!.content)).toEqual([
      "classify: I need a refund",
      "draft for classify: I need a refund → answered (gold)",
    ]);
    expect(recorder.of("messaging.send").map((c) => (c.request as { content: string }).content)).toEqual(["draft for classify: I need a refund → answered (gold) → answered"]);
    expect(Object.fromEntries(Object.entries(state.nodes).map(([id, n]) => [id, n.status]))).toEqual({
      classify: "succeeded", route: "succeeded", draft: "succeeded", send: "succeeded", fallback: "skipped", done: "succeeded",
    });
    expect(state.nodes["route"]).toMatchObject({ port: "billing", justification: { result: true, field: "nodes.classify.content" } });
    expect(state.outputs).toEqual({ done: { send: { messageId: "msg_1" } } });
    expect(state.nodes["draft"]).toMatchObject({ input: { content: "classify: I need a refund → answered" }, starts: 1, action: { type: "llm.invoke", attempts: 1 } });
    expect(state.nodes["draft"]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(state.nodes["draft"]!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(state.nodes["draft"]!.startedAt!));
    // a checkpoint when each of the 5 run nodes starts and ends, one per skip, one at the end
    expect(checkpoints).toHaveLength(5 * 2 + 1 + 1);
    expect(checkpoints.at(-1)).toEqual(state);
    expect(recorder.of("messaging.send")[0]!.context.idempotencyKey).toBe("run_g:nodes.send");
  });

  it("takes the default port when no route holds", async () => {
    const recorder = recordingEffects({ "llm.invoke": () => ({ content: "chit-chat", finishReason: "stop" }) });
    const state = await executeGraph(support, start, { effects: recorder.effects });
    expect(state.nodes["route"]!.port).toBe("other");
    expect(state.nodes["draft"]!.status).toBe("skipped");
    expect(state.nodes["send"]!.status).toBe("skipped");
    expect(recorder.of("messaging.send").map((c) => (c.request as { content: string }).content)).toEqual(["Someone will help you."]);
    expect(state.outputs).toEqual({ done: { fallback: { messageId: "msg_1" } } });
  });

  it("runs the branches after a parallel node at the same time and joins both", async () => {
    const graph = compile({
      nodes: [
        { id: "fan", type: "parallel" },
        { id: "a", type: "llm", config: { prompt: "a: {{input.text}}", respond: false } },
        { id: "b", type: "llm", config: { prompt: "b: {{input.text}}", respond: false } },
        { id: "all", type: "join" },
      ],
      edges: [{ from: "fan", to: "a" }, { from: "fan", to: "b" }, { from: "a", to: "all" }, { from: "b", to: "all" }],
    });
    let running = 0;
    let peak = 0;
    const recorder = recordingEffects({
      "llm.invoke": async (request: LlmInvokeRequest) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 30));
        running -= 1;
        return echoLlm(request);
      },
    });
    const state = await executeGraph(graph, { input: { text: "hi" } }, { effects: recorder.effects });
    expect(peak).toBe(2);
    expect(state.outputs["all"]).toEqual({ a: { content: "a: hi → answered", finishReason: "stop" }, b: { content: "b: hi → answered", finishReason: "stop" } });
  });

  it("respects maxConcurrency", async () => {
    const graph = compile({
      maxConcurrency: 1,
      nodes: [{ id: "fan", type: "parallel" }, { id: "a", type: "llm", config: { prompt: "a", respond: false } }, { id: "b", type: "llm", config: { prompt: "b", respond: false } }],
      edges: [{ from: "fan", to: "a" }, { from: "fan", to: "b" }],
    });
    let running = 0;
    let peak = 0;
    const recorder = recordingEffects({ "llm.invoke": async () => { running += 1; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 10)); running -= 1; return { content: "x", finishReason: "stop" }; } });
    await executeGraph(graph, {}, { effects: recorder.effects });
    expect(peak).toBe(1);
    expect(recorder.of("llm.invoke")).toHaveLength(2);
  });

  it("condition nodes emit on true or false; context nodes update the context and pass the input on", async () => {
    const graph = compile({
      nodes: [
        { id: "vip", type: "condition", config: { if: { field: "context.tier", operator: "eq", value: "gold" } } },
        { id: "mark", type: "context", config: { ops: [{ op: "set", path: "lastRoute", value: "vip for {{input.text}}" }] } },
        { id: "say", type: "message", config: { content: "{{context.lastRoute}} / {{input.text}}" } },
        { id: "plain", type: "message", config: { content: "plain" } },
      ],
      edges: [{ from: "vip", fromPort: "true", to: "mark" }, { from: "mark", to: "say" }, { from: "vip", fromPort: "false", to: "plain" }],
    });
    const recorder = recordingEffects();
    const state = await executeGraph(graph, start, { effects: recorder.effects });
    expect(state.nodes["vip"]!.port).toBe("true");
    expect(state.nodes["plain"]!.status).toBe("skipped");
    expect(recorder.of("messaging.send").map((c) => (c.request as { content: string }).content)).toEqual(["vip for I need a refund / I need a refund"]);
    expect(recorder.of("state.updateContext")[0]!.request).toMatchObject({ context: { tier: "gold", lastRoute: "vip for I need a refund" } });
    expect(state.scope.context).toEqual({ tier: "gold", lastRoute: "vip for I need a refund" });
  });

  it("a failing node fails the run, cancels its running siblings and leaves the rest pending", async () => {
    const graph = compile({
      nodes: [
        { id: "fan", type: "parallel" },
        { id: "slow", type: "llm", config: { prompt: "slow", respond: false } },
        { id: "bad", type: "message", config: { content: "x" } },
        { id: "after", type: "message", config: { content: "after" } },
      ],
      edges: [{ from: "fan", to: "slow" }, { from: "fan", to: "bad" }, { from: "bad", to: "after" }],
    });
    const recorder = recordingEffects({
      "llm.invoke": (_r: unknown, c: EffectContext) => new Promise((_, reject) => c.signal.addEventListener("abort", () => reject(new Error("aborted")))),
      "messaging.send": () => { throw new AppError("forbidden", "not a participant"); },
    });
    const state = await executeGraph(graph, start, { effects: recorder.effects });
    expect(state.status).toBe("failed");
    expect(state.error).toEqual({ nodeId: "bad", code: "forbidden", message: "not a participant" });
    expect(state.nodes["slow"]!.status).toBe("cancelled");
    expect(state.nodes["after"]!.status).toBe("pending");
  });

  it("a node failing under continue skips its downstream and the run completes", async () => {
    const graph = compile({
      nodes: [{ id: "bad", type: "message", config: { content: "x" }, onError: { policy: "continue" } }, { id: "after", type: "message", config: { content: "after" } }],
      edges: [{ from: "bad", to: "after" }],
    });
    const recorder = recordingEffects({ "messaging.send": () => { throw new AppError("forbidden", "no"); } });
    const state = await executeGraph(graph, start, { effects: recorder.effects });
    expect(state.status).toBe("completed");
    expect(state.nodes["bad"]).toMatchObject({ status: "failed", error: { code: "forbidden" } });
    expect(state.nodes["after"]!.status).toBe("skipped");
  });

  it("a non-join node that receives two values fails and says to use a join", async () => {
    const graph = compile({
      nodes: [{ id: "fan", type: "parallel" }, { id: "a", type: "message", config: { content: "a" } }, { id: "b", type: "message", config: { content: "b" } }, { id: "c", type: "message", config: { content: "c" } }],
      edges: [{ from: "fan", to: "a" }, { from: "fan", to: "b" }, { from: "a", to: "c" }, { from: "b", to: "c" }],
    });
    const state = await executeGraph(graph, start, { effects: recordingEffects().effects });
    expect(state.status).toBe("failed");
    expect(state.error).toMatchObject({ nodeId: "c", code: "multiple_inputs" });
    expect(state.error!.message).toContain("use a join node");
  });

  it("cancelling the run cancels running nodes and ends it as cancelled", async () => {
    const controller = new AbortController();
    const recorder = recordingEffects({ "llm.invoke": (_r: unknown, c: EffectContext) => new Promise((_, reject) => c.signal.addEventListener("abort", () => reject(new Error("aborted")))) });
    const pending = executeGraph(support, start, { effects: recorder.effects, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const state = await pending;
    expect(state.status).toBe("cancelled");
    expect(state.nodes["classify"]!.status).toBe("cancelled");
    expect(state.nodes["route"]!.status).toBe("pending");
  });

  it("a failing checkpoint aborts the run and rejects", async () => {
    let n = 0;
    await expect(executeGraph(support, start, {
      effects: recordingEffects({ "llm.invoke": echoLlm }).effects,
      checkpoint: () => {
        n += 1;
        if (n === 3) throw new Error("disk full");
      },
    })).rejects.toThrow("disk full");
  });
});

describe("resumeGraphRun", () => {
  /** Runs `support` and keeps every checkpoint as it would be stored (JSON). */
  async function checkpointsOfFullRun() {
    const stored: GraphRunState[] = [];
    const recorder = recordingEffects({ "llm.invoke": echoLlm });
    const final = await executeGraph(support, start, { effects: recorder.effects, runId: "run_r", checkpoint: (s) => void stored.push(JSON.parse(JSON.stringify(s))) });
    return { stored, final };
  }

  it("resumes from the checkpoint taken while a node was running: finished nodes are not run again", async () => {
    const { stored, final } = await checkpointsOfFullRun();
    // The process "dies" while draft runs: its last checkpoint says draft is running.
    const crash = stored.find((s) => s.nodes["draft"]!.status === "running")!;
    expect(crash.nodes["classify"]!.status).toBe("succeeded");

    const recorder = recordingEffects({ "llm.invoke": echoLlm });
    const after: GraphRunState[] = [];
    const resumed = await resumeGraphRun(support, crash, { effects: recorder.effects, checkpoint: (s) => void after.push(s) });
    expect(resumed.status).toBe("completed");
    // classify is not called again; draft is run again (at least once), then send
    expect(recorder.of("llm.invoke").map((c) => (c.request as LlmInvokeRequest).messages[0]!.content)).toEqual(["draft for classify: I need a refund → answered (gold)"]);
    expect(recorder.of("llm.invoke")[0]!.context.idempotencyKey).toBe("run_r:nodes.draft");
    expect(recorder.of("messaging.send")).toHaveLength(1);
    expect(resumed.nodes["draft"]!.starts).toBe(2);
    expect(resumed.nodes["classify"]!.starts).toBe(1);
    expect(resumed.outputs).toEqual(final.outputs);
    expect(resumed.runId).toBe("run_r");
    expect(after.length).toBeGreaterThan(0);
  });

  it("resuming from a checkpoint after a node ended does not run that node again", async () => {
    const { stored } = await checkpointsOfFullRun();
    const afterDraft = stored.find((s) => s.nodes["draft"]!.status === "succeeded" && s.nodes["send"]!.status === "pending")!;
    const recorder = recordingEffects({ "llm.invoke": echoLlm });
    const resumed = await resumeGraphRun(support, afterDraft, { effects: recorder.effects });
    expect(recorder.of("llm.invoke")).toHaveLength(0);
    expect(recorder.of("messaging.send").map((c) => (c.request as { content: string }).content)).toEqual(["draft for classify: I need a refund → answered (gold) → answered"]);
    expect(resumed.status).toBe("completed");
  });

  it("with interrupted: fail, marks the run failed with the reason and runs nothing", async () => {
    const { stored } = await checkpointsOfFullRun();
    const crash = stored.find((s) => s.nodes["draft"]!.status === "running")!;
    const recorder = recordingEffects();
    const saved: GraphRunState[] = [];
    const resumed = await resumeGraphRun(support, crash, { effects: recorder.effects, interrupted: "fail", checkpoint: (s) => void saved.push(s) });
    expect(resumed.status).toBe("failed");
    expect(resumed.error).toEqual({ nodeId: "draft", code: "interrupted", message: "node draft was running when the run was interrupted and is not retried" });
    expect(recorder.calls).toHaveLength(0);
    expect(saved.at(-1)!.status).toBe("failed");
  });

  it("refuses a state from another graph, and returns a finished run unchanged", async () => {
    const { stored, final } = await checkpointsOfFullRun();
    const other = compile({ nodes: [{ id: "x", type: "parallel" }] });
    try {
      await resumeGraphRun(other, stored[0]!, { effects: recordingEffects().effects });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code).toBe("conflict");
    }
    const recorder = recordingEffects();
    const again = await resumeGraphRun(support, JSON.parse(JSON.stringify(final)), { effects: recorder.effects });
    expect(again.status).toBe("completed");
    expect(recorder.calls).toHaveLength(0);
  });
});
