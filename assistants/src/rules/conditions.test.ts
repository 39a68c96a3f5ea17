import { describe, expect, it } from "vitest";
import {
  CONDITION_OPERATORS, ConditionNode, MAX_REGEX_INPUT_LENGTH, checkCondition, evaluateCondition, type ConditionLeaf, type GroupJustification,
  type LeafJustification,
} from "./conditions.js";
import { issuesFromZod } from "./issues.js";
import { RULE_ROOTS } from "./paths.js";

const scope = {
  event: { type: "message.received", data: { attempt: 2 } },
  message: {
    content: "I need a Refund for invoice 42",
    sequence: 7,
    mentions: ["billing", "support"],
    metadata: { tags: [{ id: 1 }, { id: 2 }], empty: null, emoji: "héllo👋" },
    createdAt: "2026-01-02T10:00:00.000Z",
  },
  user: { id: "ent_1", name: "Ann", roles: ["member"] },
  conversation: { id: "conv_1", state: "idle", participantCount: 3 },
  context: { tier: "gold", score: 0.75, nested: { flag: true } },
};

function leaf(input: Record<string, unknown>): ConditionLeaf {
  const parsed = ConditionNode.safeParse(input);
  if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
  return parsed.data as ConditionLeaf;
}
const outcomes = new Map<string, Set<boolean>>();
const holds = (input: Record<string, unknown>) => {
  const result = (evaluateCondition(leaf(input), scope) as LeafJustification).result;
  const op = String(input["operator"]);
  outcomes.set(op, (outcomes.get(op) ?? new Set()).add(result));
  return result;
};
const issuesOf = (input: unknown) => {
  const parsed = ConditionNode.safeParse(input);
  return parsed.success ? checkCondition(parsed.data, RULE_ROOTS, "conditions") : issuesFromZod(parsed.error.issues, ["conditions"]);
};

describe("condition operators", () => {
  it("eq / neq use deep equality; an absent field equals nothing", () => {
    expect(holds({ field: "context.tier", operator: "eq", value: "gold" })).toBe(true);
    expect(holds({ field: "context.tier", operator: "eq", value: "silver" })).toBe(false);
    expect(holds({ field: "message.mentions", operator: "eq", value: ["billing", "support"] })).toBe(true);
    expect(holds({ field: "message.sequence", operator: "eq", value: "7" })).toBe(false);
    expect(holds({ field: "context.missing", operator: "eq", value: null })).toBe(false);
    expect(holds({ field: "message.metadata.empty", operator: "eq", value: null })).toBe(true);
    expect(holds({ field: "context.tier", operator: "neq", value: "silver" })).toBe(true);
    expect(holds({ field: "context.tier", operator: "neq", value: "gold" })).toBe(false);
    expect(holds({ field: "context.missing", operator: "neq", value: "x" })).toBe(true);
    expect(holds({ field: "context.tier", operator: "eq", value: "GOLD", ignoreCase: true })).toBe(true);
  });

  it("gt / gte / lt / lte compare numbers with numbers and strings with strings only", () => {
    expect(holds({ field: "message.sequence", operator: "gt", value: 6 })).toBe(true);
    expect(holds({ field: "message.sequence", operator: "gt", value: 7 })).toBe(false);
    expect(holds({ field: "message.sequence", operator: "gte", value: 7 })).toBe(true);
    expect(holds({ field: "message.sequence", operator: "gte", value: 8 })).toBe(false);
    expect(holds({ field: "context.score", operator: "lt", value: 1 })).toBe(true);
    expect(holds({ field: "context.score", operator: "lt", value: 0.5 })).toBe(false);
    expect(holds({ field: "context.score", operator: "lte", value: 0.75 })).toBe(true);
    expect(holds({ field: "context.score", operator: "lte", value: 0.7 })).toBe(false);
    expect(holds({ field: "message.createdAt", operator: "gt", value: "2026-01-01T00:00:00.000Z" })).toBe(true);
    expect(holds({ field: "message.createdAt", operator: "lt", value: "2025-12-31T00:00:00.000Z" })).toBe(false);
    // a number against a string, or an absent field, is never ordered
    expect(holds({ field: "message.sequence", operator: "gt", value: "1" })).toBe(false);
    expect(holds({ field: "context.missing", operator: "lt", value: 10 })).toBe(false);
  });

  it("contains / not_contains: substring for strings, deep membership for arrays", () => {
    expect(holds({ field: "message.content", operator: "contains", value: "Refund" })).toBe(true);
    expect(holds({ field: "message.content", operator: "contains", value: "refund" })).toBe(false);
    expect(holds({ field: "message.content", operator: "contains", value: "refund", ignoreCase: true })).toBe(true);
    expect(holds({ field: "message.mentions", operator: "contains", value: "billing" })).toBe(true);
    expect(holds({ field: "message.metadata.tags", operator: "contains", value: { id: 2 } })).toBe(true);
    expect(holds({ field: "message.metadata.tags", operator: "contains", value: { id: 3 } })).toBe(false);
    expect(holds({ field: "message.content", operator: "not_contains", value: "cancel" })).toBe(true);
    expect(holds({ field: "message.content", operator: "not_contains", value: "invoice" })).toBe(false);
    expect(holds({ field: "message.mentions", operator: "not_contains", value: "sales" })).toBe(true);
    expect(holds({ field: "context.missing", operator: "not_contains", value: "x" })).toBe(true);
    expect(holds({ field: "message.sequence", operator: "contains", value: 7 })).toBe(false);
  });

  it("starts_with / ends_with need a string field", () => {
    expect(holds({ field: "message.content", operator: "starts_with", value: "I need" })).toBe(true);
    expect(holds({ field: "message.content", operator: "starts_with", value: "need" })).toBe(false);
    expect(holds({ field: "message.content", operator: "starts_with", value: "i NEED", ignoreCase: true })).toBe(true);
    expect(holds({ field: "message.content", operator: "ends_with", value: "42" })).toBe(true);
    expect(holds({ field: "message.content", operator: "ends_with", value: "41" })).toBe(false);
    expect(holds({ field: "message.sequence", operator: "ends_with", value: "7" })).toBe(false);
  });

  it("matches tests a safe regular expression, with flags", () => {
    expect(holds({ field: "message.content", operator: "matches", value: "invoice \\d+$" })).toBe(true);
    expect(holds({ field: "message.content", operator: "matches", value: "^refund" })).toBe(false);
    expect(holds({ field: "message.content", operator: "matches", value: "REFUND", flags: "i" })).toBe(true);
    expect(holds({ field: "message.content", operator: "matches", value: "REFUND", ignoreCase: true })).toBe(true);
    expect(holds({ field: "message.sequence", operator: "matches", value: "7" })).toBe(false);
  });

  it("matches does not test inputs longer than the bound, and says so", () => {
    const long = { ...scope, message: { content: "a".repeat(MAX_REGEX_INPUT_LENGTH + 1) } };
    const result = evaluateCondition(leaf({ field: "message.content", operator: "matches", value: "a" }), long) as LeafJustification;
    expect(result.result).toBe(false);
    expect(result.reason).toContain(`longer than the ${MAX_REGEX_INPUT_LENGTH}`);
    const atBound = { ...scope, message: { content: "a".repeat(MAX_REGEX_INPUT_LENGTH) } };
    expect((evaluateCondition(leaf({ field: "message.content", operator: "matches", value: "a$" }), atBound) as LeafJustification).result).toBe(true);
  });

  it("in / not_in test membership of the field in the value array", () => {
    expect(holds({ field: "context.tier", operator: "in", value: ["gold", "platinum"] })).toBe(true);
    expect(holds({ field: "context.tier", operator: "in", value: ["silver"] })).toBe(false);
    expect(holds({ field: "context.tier", operator: "in", value: ["GOLD"], ignoreCase: true })).toBe(true);
    expect(holds({ field: "context.missing", operator: "in", value: [null] })).toBe(false);
    expect(holds({ field: "context.tier", operator: "not_in", value: ["silver"] })).toBe(true);
    expect(holds({ field: "context.tier", operator: "not_in", value: ["gold"] })).toBe(false);
  });

  it("exists / not_exists: absent and null do not exist", () => {
    expect(holds({ field: "user.name", operator: "exists" })).toBe(true);
    expect(holds({ field: "context.missing", operator: "exists" })).toBe(false);
    expect(holds({ field: "message.metadata.empty", operator: "exists" })).toBe(false);
    expect(holds({ field: "context.missing", operator: "not_exists" })).toBe(true);
    expect(holds({ field: "user.name", operator: "not_exists" })).toBe(false);
  });

  it("length_*: code points of a string, elements of an array, false for anything else", () => {
    expect(holds({ field: "message.mentions", operator: "length_eq", value: 2 })).toBe(true);
    expect(holds({ field: "message.mentions", operator: "length_eq", value: 3 })).toBe(false);
    // "héllo👋" is 6 code points (7 UTF-16 units)
    expect(holds({ field: "message.metadata.emoji", operator: "length_eq", value: 6 })).toBe(true);
    expect(holds({ field: "message.metadata.emoji", operator: "length_gt", value: 5 })).toBe(true);
    expect(holds({ field: "message.metadata.emoji", operator: "length_gt", value: 6 })).toBe(false);
    expect(holds({ field: "message.mentions", operator: "length_gte", value: 2 })).toBe(true);
    expect(holds({ field: "message.mentions", operator: "length_gte", value: 3 })).toBe(false);
    expect(holds({ field: "user.name", operator: "length_lt", value: 4 })).toBe(true);
    expect(holds({ field: "user.name", operator: "length_lt", value: 3 })).toBe(false);
    expect(holds({ field: "user.name", operator: "length_lte", value: 3 })).toBe(true);
    expect(holds({ field: "user.name", operator: "length_lte", value: 2 })).toBe(false);
    expect(holds({ field: "message.sequence", operator: "length_lt", value: 100 })).toBe(false);
    expect(holds({ field: "context.nested", operator: "length_gte", value: 0 })).toBe(false);
    expect(holds({ field: "context.missing", operator: "length_eq", value: 0 })).toBe(false);
  });

  it("the tests above exercised every operator, true and false", () => {
    for (const op of CONDITION_OPERATORS) expect([...outcomes.get(op) ?? []].sort(), op).toEqual([false, true]);
  });

  it("follows own properties and array indices, never the prototype", () => {
    expect(holds({ field: "message.metadata.tags.1.id", operator: "eq", value: 2 })).toBe(true);
    expect(holds({ field: "message.metadata.tags.5.id", operator: "exists" })).toBe(false);
    expect(holds({ field: "message.content.length", operator: "exists" })).toBe(false);
    expect(holds({ field: "user.toString", operator: "exists" })).toBe(false);
  });
});

describe("condition groups", () => {
  const group = (input: unknown) => {
    const parsed = ConditionNode.parse(input);
    return evaluateCondition(parsed, scope) as GroupJustification;
  };

  it("and / or nest, evaluate every child and report each justification", () => {
    const result = group({
      logic: "and",
      conditions: [
        { field: "context.tier", operator: "eq", value: "gold" },
        { logic: "or", conditions: [{ field: "user.name", operator: "eq", value: "Bob" }, { field: "message.sequence", operator: "gte", value: 5 }] },
      ],
    });
    expect(result.result).toBe(true);
    expect(result.children).toHaveLength(2);
    const inner = result.children[1] as GroupJustification;
    expect(inner.path).toBe("conditions.conditions[1]");
    expect(inner.children.map((c) => c.result)).toEqual([false, true]);
    expect((inner.children[0] as LeafJustification).reason).toBe('user.name is "Ann"; does not equal "Bob"');
    expect((inner.children[0] as LeafJustification).actual).toBe("Ann");
  });

  it("an and with one false child is false; an or with no true child is false", () => {
    expect(group({ logic: "and", conditions: [{ field: "user.id", operator: "exists" }, { field: "context.tier", operator: "eq", value: "x" }] }).result).toBe(false);
    expect(group({ logic: "or", conditions: [{ field: "context.missing", operator: "exists" }, { field: "context.tier", operator: "eq", value: "x" }] }).result).toBe(false);
  });
});

describe("publish-time validation of conditions", () => {
  it("an unknown operator is an issue at its path", () => {
    expect(issuesOf({ logic: "and", conditions: [{ field: "message.content", operator: "equals", value: "x" }] })).toEqual([
      expect.objectContaining({ path: "conditions.conditions[0].operator", code: "unknown_operator" }),
    ]);
  });

  it("an unknown field root or field is an issue at its path", () => {
    expect(issuesOf({ field: "msg.content", operator: "exists" })).toEqual([
      expect.objectContaining({ path: "conditions.field", code: "unknown_field_root" }),
    ]);
    expect(issuesOf({ logic: "or", conditions: [{ field: "message.contents", operator: "exists" }] })).toEqual([
      expect.objectContaining({ path: "conditions.conditions[0].field", code: "unknown_field" }),
    ]);
    expect(issuesOf({ field: "message.metadata.anything.deep", operator: "exists" })).toEqual([]);
    expect(issuesOf({ field: "context.anything", operator: "exists" })).toEqual([]);
  });

  it("a malformed path or a prototype segment is an issue", () => {
    expect(issuesOf({ field: "context..x", operator: "exists" })[0]).toMatchObject({ path: "conditions.field", code: "invalid_field" });
    expect(issuesOf({ field: "context.__proto__", operator: "exists" })[0]).toMatchObject({ code: "invalid_field" });
  });

  it("operands must fit their operator", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ field: "user.name", operator: "eq" }, "needs a value"],
      [{ field: "user.name", operator: "exists", value: 1 }, "takes no value"],
      [{ field: "user.name", operator: "gt", value: [1] }, "numbers or strings"],
      [{ field: "user.name", operator: "starts_with", value: 3 }, "needs a string value"],
      [{ field: "user.name", operator: "matches", value: 3 }, "needs a string value"],
      [{ field: "user.name", operator: "in", value: "gold" }, "needs an array value"],
      [{ field: "user.name", operator: "not_in", value: 1 }, "needs an array value"],
      [{ field: "user.name", operator: "length_eq", value: -1 }, "non-negative integer"],
      [{ field: "user.name", operator: "length_gt", value: 1.5 }, "non-negative integer"],
      [{ field: "user.name", operator: "eq", value: "x", flags: "i" }, "only to the matches operator"],
    ];
    for (const [input, message] of cases) {
      const issues = issuesOf(input);
      expect(issues, JSON.stringify(input)).toHaveLength(1);
      expect(issues[0]!.message).toContain(message);
      expect(issues[0]!.code).toBe("invalid_operand");
    }
  });

  it("rejects catastrophic, invalid and over-long regular expressions, and stateful flags", () => {
    expect(issuesOf({ field: "user.name", operator: "matches", value: "(a+)+$" })[0]).toMatchObject({ path: "conditions.value", code: "unsafe_regex" });
    expect(issuesOf({ field: "user.name", operator: "matches", value: "(x+x+)+y" })[0]).toMatchObject({ code: "unsafe_regex" });
    expect(issuesOf({ field: "user.name", operator: "matches", value: "([a-z]" })[0]!.message).toContain("does not compile");
    expect(issuesOf({ field: "user.name", operator: "matches", value: "a".repeat(513) })[0]!.message).toContain("longer than 512");
    expect(issuesOf({ field: "user.name", operator: "matches", value: "a", flags: "g" })[0]).toMatchObject({ path: "conditions.flags" });
    expect(issuesOf({ field: "user.name", operator: "matches", value: "^[a-z]+@[a-z]+\\.com$", flags: "i" })).toEqual([]);
  });

  it("rejects groups nested deeper than 8 levels and empty groups", () => {
    let node: Record<string, unknown> = { field: "user.name", operator: "exists" };
    for (let i = 0; i < 9; i += 1) node = { logic: "and", conditions: [node] };
    expect(issuesOf(node)[0]).toMatchObject({ code: "too_deep" });
    expect(issuesOf({ logic: "and", conditions: [] })[0]).toMatchObject({ path: "conditions.conditions" });
  });
});
