import { describe, expect, it } from "vitest";
import { isAppError } from "@symbia/sys";
import { unwrapValidation } from "./issues.js";
import { evaluateRuleSet, RuleEvent, validateRuleSet, type RuleSet, type RuleSetInput } from "./rules.js";

const send = (content: string) => ({ type: "message.send", params: { content } });

function valid(input: RuleSetInput): RuleSet {
  const result = validateRuleSet(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.value;
}
function issues(input: unknown) {
  const result = validateRuleSet(input);
  if (result.ok) throw new Error("expected validation issues");
  return result.issues;
}
const event = (input: Record<string, unknown>) => RuleEvent.parse(input);

describe("validateRuleSet (publish time)", () => {
  it("accepts a rule set and applies defaults", () => {
    const set = valid({ rules: [{ id: "hello", trigger: "message.received", actions: [send("hi {{user.name}}")] }] });
    expect(set.rules[0]).toMatchObject({ enabled: true, priority: 0, fallthrough: false });
    expect(set.rules[0]!.actions[0]).toMatchObject({ params: { contentType: "text/markdown" } });
  });

  it("names the path of an unknown operator, action, trigger and invalid params", () => {
    const found = issues({
      rules: [
        { id: "a", trigger: "message.received", conditions: { logic: "and", conditions: [{ field: "message.content", operator: "like", value: "x" }] }, actions: [send("x")] },
        { id: "b", trigger: "message.received", actions: [send("x"), { type: "email.send", params: {} }] },
        { id: "c", trigger: "message.sent", actions: [send("x")] },
        { id: "d", trigger: "message.received", actions: [{ type: "wait", params: { durationMs: 600_000 } }] },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "rules[0].conditions.conditions[0].operator", code: "unknown_operator" }),
        expect.objectContaining({ path: "rules[1].actions[1].type", code: "unknown_action" }),
        expect.objectContaining({ path: "rules[2].trigger" }),
        expect.objectContaining({ path: "rules[3].actions[0].params.durationMs", code: "invalid_params" }),
      ]),
    );
    expect(found).toHaveLength(4);
  });

  it("names the path of an unknown field root or field in conditions and templates", () => {
    const found = issues({
      rules: [
        { id: "a", trigger: "message.received", conditions: { field: "session.id", operator: "exists" }, actions: [send("{{mesage.content}}")] },
        { id: "b", trigger: "message.received", conditions: { logic: "or", conditions: [{ field: "user.fullName", operator: "exists" }] }, actions: [send("{{#if user.vip}}{{conversation.title}}{{/if}}")] },
      ],
    });
    expect(found).toEqual([
      expect.objectContaining({ path: "rules[0].conditions.field", code: "unknown_field_root" }),
      expect.objectContaining({ path: "rules[0].actions[0].params.content", code: "unknown_field_root" }),
      expect.objectContaining({ path: "rules[1].conditions.conditions[0].field", code: "unknown_field" }),
      expect.objectContaining({ path: "rules[1].actions[0].params.content", code: "unknown_field" }),
      expect.objectContaining({ path: "rules[1].actions[0].params.content", code: "unknown_field" }),
    ]);
  });

  it("rejects vars used before an action saved them, and accepts them after", () => {
    expect(issues({ rules: [{ id: "a", trigger: "message.received", actions: [send("{{vars.answer.content}}"), { type: "llm.invoke", params: { prompt: "q", saveAs: "answer" } }] }] }))
      .toEqual([expect.objectContaining({ path: "rules[0].actions[0].params.content", code: "unknown_field" })]);
    valid({ rules: [{ id: "a", trigger: "message.received", actions: [{ type: "llm.invoke", params: { prompt: "q", saveAs: "answer" } }, send("{{vars.answer.content}}")] }] });
  });

  it("vars saved by one rule are not in scope in another", () => {
    expect(issues({
      rules: [
        { id: "a", trigger: "message.received", fallthrough: true, actions: [{ type: "llm.invoke", params: { prompt: "q", saveAs: "answer" } }] },
        { id: "b", trigger: "message.received", actions: [send("{{vars.answer.content}}")] },
      ],
    })[0]).toMatchObject({ path: "rules[1].actions[0].params.content" });
  });

  it("rejects templates that do not compile or call unknown helpers", () => {
    expect(issues({ rules: [{ id: "a", trigger: "message.received", actions: [send("{{#if user.name}}open")] }] })[0]).toMatchObject({ code: "invalid_template", path: "rules[0].actions[0].params.content" });
    expect(issues({ rules: [{ id: "a", trigger: "message.received", actions: [send("{{shout user.name}}")] }] })[0]!.message).toContain("unknown helper shout");
  });

  it("rejects duplicate rule ids and custom rules without an event name", () => {
    expect(issues({ rules: [{ id: "a", trigger: "message.received", actions: [send("x")] }, { id: "a", trigger: "timer.elapsed", actions: [send("y")] }] })[0]).toMatchObject({ path: "rules[1].id", code: "duplicate_id" });
    expect(issues({ rules: [{ id: "a", trigger: "custom", actions: [send("x")] }] })[0]).toMatchObject({ path: "rules[0].event" });
    expect(issues({ rules: [{ id: "a", trigger: "message.received", event: "x", actions: [send("x")] }] })[0]).toMatchObject({ path: "rules[0].event" });
  });

  it("rejects unknown keys instead of ignoring them", () => {
    expect(issues({ rules: [{ id: "a", trigger: "message.received", actions: [send("x")], priorty: 3 }] })[0]).toMatchObject({ path: "rules[0]" });
  });

  it("unwrapValidation throws validation_failed carrying every issue", () => {
    try {
      unwrapValidation(validateRuleSet({ rules: [{ id: "a", trigger: "message.received", actions: [{ type: "nope", params: {} }] }] }), "rule set");
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error) && error.code).toBe("validation_failed");
      expect((error as { details: { issues: unknown[] } }).details.issues).toHaveLength(1);
      expect((error as Error).message).toContain("rules[0].actions[0].type");
    }
  });
});

describe("evaluateRuleSet", () => {
  const set = valid({
    rules: [
      { id: "greeting", trigger: "conversation.created", actions: [send("welcome")] },
      { id: "catch-all", trigger: "message.received", priority: 0, actions: [send("general")] },
      { id: "log", trigger: "message.received", priority: 50, fallthrough: true, actions: [{ type: "context.update", params: { ops: [{ op: "increment", path: "seen" }] } }] },
      { id: "billing", trigger: "message.received", priority: 10, conditions: { field: "message.content", operator: "contains", value: "refund", ignoreCase: true }, actions: [send("billing")] },
      { id: "vip", trigger: "message.received", priority: 10, conditions: { field: "context.tier", operator: "eq", value: "gold" }, actions: [send("vip")] },
      { id: "off", trigger: "message.received", priority: 100, enabled: false, actions: [send("never")] },
      { id: "deploy", trigger: "custom", event: "deploy.finished", actions: [send("deployed")] },
    ],
  });

  it("runs rules in priority order; first match wins; fallthrough continues", () => {
    const result = evaluateRuleSet(set, event({ event: { type: "message.received" }, message: { content: "REFUND please" }, context: { tier: "gold" } }));
    expect(result.matched).toEqual(["log", "billing"]);
    expect(result.stoppedAt).toBe("billing");
    expect(result.actions.map((a) => a.ruleId)).toEqual(["log", "billing"]);
    // ties keep set order: billing before vip; vip and catch-all are skipped after the match
    expect(result.rules.map((r) => [r.ruleId, r.matched, r.skipped ?? null])).toEqual([
      ["off", false, "disabled"],
      ["log", true, null],
      ["billing", true, null],
      ["vip", false, "after_match"],
      ["greeting", false, "after_match"],
      ["catch-all", false, "after_match"],
      ["deploy", false, "after_match"],
    ]);
  });

  it("falls to lower priorities when higher rules do not hold, with the justification of each", () => {
    const result = evaluateRuleSet(set, event({ event: { type: "message.received" }, message: { content: "hello" }, context: { tier: "silver" } }));
    expect(result.matched).toEqual(["log", "catch-all"]);
    const billing = result.rules.find((r) => r.ruleId === "billing")!;
    expect(billing.matched).toBe(false);
    expect(billing.justification).toMatchObject({ kind: "condition", field: "message.content", actual: "hello", result: false, path: "rules[3].conditions" });
    expect(result.rules.find((r) => r.ruleId === "greeting")!.skipped).toBe("trigger_mismatch");
  });

  it("matches custom rules by event name", () => {
    expect(evaluateRuleSet(set, event({ event: { type: "custom", name: "deploy.finished" } })).matched).toEqual(["deploy"]);
    expect(evaluateRuleSet(set, event({ event: { type: "custom", name: "deploy.started" } })).matched).toEqual([]);
  });

  it("has no side effects: the rule set and the event are unchanged and nothing runs", () => {
    const input = event({ event: { type: "message.received" }, message: { content: "refund" }, context: { tier: "gold" } });
    const before = JSON.stringify([set, input]);
    evaluateRuleSet(set, input);
    expect(JSON.stringify([set, input])).toBe(before);
  });

  it("RuleEvent rejects an unknown trigger or root", () => {
    expect(RuleEvent.safeParse({ event: { type: "message.deleted" } }).success).toBe(false);
    expect(RuleEvent.safeParse({ event: { type: "message.received" }, session: {} }).success).toBe(false);
  });
});
