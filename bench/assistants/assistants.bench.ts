/**
 * Rule evaluation and event → first action latency of the assistants cores (no I/O: the effects
 * answer at once). Prints figures; asserts nothing.
 *
 *   npx tsx bench/assistants/rules.ts [iterations=20000]
 */
import { performance } from "node:perf_hooks";
import { executeActions } from "../../assistants/src/actions/executor.js";
import type { ActionEffects } from "../../assistants/src/actions/effects.js";
import { evaluateRuleSet, RuleEvent, validateRuleSet, type RuleSetInput } from "../../assistants/src/rules/index.js";

const iterations = Number(process.argv[2] ?? 20_000);

// 40 rules: 38 keyword rules that do not match, a billing rule with a regex and nested group, a catch-all.
const input: RuleSetInput = {
  rules: [
    ...Array.from({ length: 38 }, (_, i) => ({
      id: `topic-${i}`, trigger: "message.received" as const, priority: 100 - i,
      conditions: { logic: "and" as const, conditions: [
        { field: "message.content", operator: "contains" as const, value: `keyword-${i}`, ignoreCase: true },
        { field: "context.tier", operator: "in" as const, value: ["gold", "silver"] },
      ] },
      actions: [{ type: "message.send" as const, params: { content: `topic ${i} for {{user.name}}` } }],
    })),
    {
      id: "billing", trigger: "message.received", priority: 10,
      conditions: { logic: "or", conditions: [
        { field: "message.content", operator: "matches", value: "\\b(refund|invoice|charge)s?\\b", flags: "i" },
        { logic: "and", conditions: [{ field: "message.mentions", operator: "contains", value: "billing" }, { field: "message.content", operator: "length_gt", value: 3 }] },
      ] },
      actions: [{ type: "llm.invoke", params: { system: "Billing desk for {{user.name}}", prompt: "{{message.content}}" } }],
    },
    { id: "catch-all", trigger: "message.received", actions: [{ type: "llm.invoke", params: { prompt: "{{message.content}}" } }] },
  ],
};
const validated = validateRuleSet(input);
if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
const ruleSet = validated.value;
const event = RuleEvent.parse({
  event: { type: "message.received" },
  message: { id: "msg_1", content: "Hello, I was charged twice and want a refund for my last invoice.", mentions: [] },
  user: { id: "ent_1", name: "Ann" },
  conversation: { id: "conv_1", state: "ai_active" },
  context: { tier: "gold" },
});

const noop = async () => undefined;
const effects: ActionEffects = {
  llm: { invoke: async () => ({ content: "ok", finishReason: "stop" }) },
  messaging: { send: async () => ({ messageId: "m" }) },
  http: { callService: async () => ({ status: 200, body: null }), callWebhook: async () => ({ status: 200, body: null }) },
  handoff: { create: async () => ({ handoffId: "h" }), route: noop },
  state: { transition: noop, updateContext: noop },
  tools: { createWorkspace: async () => ({ workspaceId: "w" }), destroyWorkspace: noop, invoke: async () => { throw new Error("unused"); } },
};

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return `p50 ${(at(50) * 1000).toFixed(1)} µs, p95 ${(at(95) * 1000).toFixed(1)} µs, p99 ${(at(99) * 1000).toFixed(1)} µs`;
}

const evaluation: number[] = [];
for (let i = 0; i < iterations; i += 1) {
  const t0 = performance.now();
  const result = evaluateRuleSet(ruleSet, event);
  evaluation.push(performance.now() - t0);
  if (result.stoppedAt !== "billing") throw new Error(`unexpected match ${result.stoppedAt}`);
}

const firstAction: number[] = [];
for (let i = 0; i < Math.min(iterations, 5_000); i += 1) {
  const t0 = performance.now();
  let first = 0;
  const result = evaluateRuleSet(ruleSet, event);
  await executeActions(result.actions.map((a) => a.action), event, {
    effects: { ...effects, llm: { invoke: async () => { first ||= performance.now(); return { content: "ok", finishReason: "stop" }; } } },
  });
  firstAction.push(first - t0);
}

process.stdout.write(`rule evaluation (40 rules, match at #39): ${percentiles(evaluation)} over ${evaluation.length} runs\n`);
process.stdout.write(`event → first action (evaluate + render + effect call): ${percentiles(firstAction)} over ${firstAction.length} runs\n`);
