import { describe, expect, it } from "vitest";
import { renderRuleTest, ruleSetOf, stepDuration, type RuleTestResult } from "./assistants.js";

describe("renderRuleTest", () => {
  it("shows each rule's outcome with its justification tree, the matched rules and the actions", () => {
    const result: RuleTestResult = {
      trigger: "message.received",
      rules: [
        {
          ruleId: "billing", priority: 10, matched: true,
          justification: {
            kind: "group", path: "rules[0].conditions", logic: "or", result: true,
            children: [
              { kind: "condition", path: "rules[0].conditions.conditions[0]", field: "message.content", operator: "contains", expected: "refund", actual: "I want a refund", result: true, reason: "the text contains it" },
              { kind: "condition", path: "rules[0].conditions.conditions[1]", field: "user.email", operator: "exists", actual: undefined, result: false, reason: "the field is absent" },
            ],
          },
        },
        { ruleId: "fallback", priority: 0, matched: false, skipped: "after_match" },
        { ruleId: "greet", priority: 0, matched: false, skipped: "trigger_mismatch" },
      ],
      matched: ["billing"],
      actions: [{ ruleId: "billing", action: { type: "llm.invoke" } }, { ruleId: "billing", action: { type: "message.send" } }],
      stoppedAt: "billing",
    };
    expect(renderRuleTest(result).split("\n")).toEqual([
      "trigger message.received",
      "✓ billing [priority 10] matched, evaluation stops here",
      "    ✓ OR",
      '    ├─ ✓ message.content contains "refund" (actual "I want a refund"): the text contains it',
      "    └─ ✗ user.email exists (actual (absent)): the field is absent",
      "- fallback [priority 0] skipped (after match)",
      "- greet [priority 0] skipped (trigger mismatch)",
      "matched: billing",
      "actions: billing:llm.invoke → billing:message.send",
    ]);
  });

  it("says when nothing matched, and shortens long actual values", () => {
    const text = renderRuleTest({
      trigger: "message.received",
      rules: [{ ruleId: "long", priority: 0, matched: false, justification: { kind: "condition", path: "p", field: "message.content", operator: "eq", expected: "x", actual: "y".repeat(100), result: false, reason: "differs" } }],
      matched: [],
      actions: [],
    });
    expect(text).toContain(`(actual "${"y".repeat(56)}...)`);
    expect(text).toMatch(/matched: \(none\)\nactions: \(none\)$/);
  });
});

describe("stepDuration and ruleSetOf", () => {
  it("reads a step's duration from durationMs or its timestamps", () => {
    expect(stepDuration({ seq: 1, path: "a", type: "llm.invoke", status: "completed", durationMs: 12 })).toBe("12 ms");
    expect(stepDuration({ seq: 2, path: "b", type: "x", status: "completed", startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:01.500Z" })).toBe("1500 ms");
    expect(stepDuration({ seq: 3, path: "c", type: "x", status: "running", startedAt: "2026-01-01T00:00:00.000Z", finishedAt: null })).toBe("");
  });

  it("takes a rule set or an assistant body, and refuses anything else with exit 8", () => {
    const set = { rules: [{ id: "r", trigger: "message.received", actions: [] }] };
    expect(ruleSetOf(set)).toBe(set);
    expect(ruleSetOf({ systemPrompt: "hi", rules: set })).toBe(set);
    expect(() => ruleSetOf({ rules: "no" })).toThrow(expect.objectContaining({ exitCode: 8 }));
  });
});
