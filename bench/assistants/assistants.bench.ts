/**
 * Rule evaluation and event → first action latency of the assistants cores (no I/O: the effects
 * answer at once), against a hand-written JavaScript function deciding the same rule set on the
 * same event (the bound), timed the same way in the same run. "Message → first streamed chunk":
 * the whole stack started as `npm start` does, a seeded org's default assistant, against the
 * models service's own first chunk; when no reply comes, that row says why.
 * Prints figures; asserts nothing.
 *
 *   npm run bench -- assistants          (BENCH_ITERATIONS, default 20 000; BENCH_TURNS, default 5)
 */
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { executeActions } from "../../assistants/src/actions/executor.js";
import type { ActionEffects } from "../../assistants/src/actions/effects.js";
import { evaluateRuleSet, RuleEvent, validateRuleSet, type RuleSetInput } from "../../assistants/src/rules/index.js";

import { notMeasured, row, start, summarize } from "../lib/report.js";
import { assistantDeliveryFailure, ensureWebsiteBuilt, launchStack, STACK_ADMIN } from "../lib/stack.js";
import { login, measureTurns, assistantOrg, type TurnsResult } from "../lib/turns.js";

const bench = start("assistants");
const iterations = Number(process.env.BENCH_ITERATIONS ?? 20_000);
const TURNS = Number(process.env.BENCH_TURNS ?? 5);

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

// The bound: the same decision written by hand for this rule set (38 keyword rules with a tier
// check, then the billing regex or the mention group, then the catch-all).
const keywords = Array.from({ length: 38 }, (_, i) => `keyword-${i}`);
const billing = /\b(refund|invoice|charge)s?\b/i;
function plainEvaluate(e: typeof event): string {
  const content = String(e.message?.content ?? "");
  const lower = content.toLowerCase();
  const tier = (e.context as { tier?: string } | undefined)?.tier;
  for (const keyword of keywords) if (lower.includes(keyword) && (tier === "gold" || tier === "silver")) return keyword;
  const mentions = (e.message?.mentions ?? []) as string[];
  if (billing.test(content) || (mentions.includes("billing") && content.length > 3)) return "billing";
  return "catch-all";
}

/** Per-call times (ms) of `fn`, `n` calls, after n/10 warm-up calls. */
function sample(n: number, fn: () => void): number[] {
  for (let i = 0; i < n / 10; i += 1) fn();
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

const plain = sample(iterations, () => {
  if (plainEvaluate(event) !== "billing") throw new Error("plain evaluation disagrees");
});
const evaluation = sample(iterations, () => {
  const result = evaluateRuleSet(ruleSet, event);
  if (result.stoppedAt !== "billing") throw new Error(`unexpected match ${result.stoppedAt}`);
});
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

const us = (ms: number) => ms * 1000;
const e = summarize(evaluation);
const p = summarize(plain);
const f = summarize(firstAction);
const label = "hand-written JS, same decision";
// Message → first streamed chunk needs the running assistants service answering conversations:
// the whole stack is started (as npm start does) and a seeded org's default assistant is talked to.
const serviceEntry = fileURLToPath(new URL("../../assistants/src/index.ts", import.meta.url));
let turns: TurnsResult | string;
if (!existsSync(serviceEntry)) turns = "the assistants service is not in this checkout (no assistants/src/index.ts)";
else if (TURNS === 0) turns = "BENCH_TURNS=0";
else {
  await ensureWebsiteBuilt();
  process.stdout.write(`starting the stack for ${TURNS} assistant turns…\n`);
  const stack = await launchStack(21_000, { MODELS_STREAM_INTERVAL_MS: "0" });
  try {
    const owner = await assistantOrg(stack, await login(stack, STACK_ADMIN.email, STACK_ADMIN.password));
    turns = await measureTurns(stack, owner, TURNS);
  } catch (error) {
    const failure = assistantDeliveryFailure(stack);
    turns = `${(error as Error).message}${failure ? `; messaging's log: ${failure}` : ""}`;
  } finally {
    await stack.interrupt();
    await stack.dispose();
  }
}
const turnRows =
  typeof turns === "string"
    ? [notMeasured("message → first streamed chunk", "ms", "models service's own first chunk", turns)]
    : [
        row("message → first streamed chunk p50", turns.firstChunk.p50, "ms", turns.modelsFirstChunk.p50, "models service's own first chunk p50", `${turns.firstChunk.samples} turns, agent ${turns.agentId}`),
        row("message → first streamed chunk p95", turns.firstChunk.p95, "ms", turns.modelsFirstChunk.p95, "models service's own first chunk p95"),
        row("message → whole reply p50", turns.wholeReply.p50, "ms", turns.firstChunk.p50, "first chunk p50"),
      ];
bench.finish(
  {
    ruleSet: "40 rules: 38 keyword rules that do not match (contains + in), a billing rule (regex or nested group) that matches at #39, a catch-all",
    iterations,
    turns: "npm start's stack (pg-mem, ports + 21000), the admin's org (npm start installs the platform's assistants there; seed 7's org when it has none), its default assistant; one warm-up turn, then BENCH_TURNS turns each waiting for the whole reply, alternating with a streamed completion straight to the models service",
    timing: "performance.now() around each call, for the rule engine and for the bound alike",
  },
  [
    row("rule evaluation p50", us(e.p50), "µs", us(p.p50), label),
    row("rule evaluation p95", us(e.p95), "µs", us(p.p95), label),
    row("event → first action p50 (evaluate + render + effect call)", us(f.p50), "µs", us(e.p50), "rule evaluation alone p50", `${firstAction.length} runs`),
    row("event → first action p95", us(f.p95), "µs", us(e.p95), "rule evaluation alone p95"),
    ...turnRows,
  ],
  { evaluation: e, plain: p, firstAction: f, turns },
);
