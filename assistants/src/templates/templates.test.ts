import { describe, expect, it } from "vitest";
import { RULE_ROOTS } from "../rules/paths.js";
import { checkTemplate, checkTemplatesDeep, renderDeep, renderTemplate, TemplateError } from "./templates.js";

const scope = { user: { name: "Ann <admin>" }, message: { content: "hi" }, context: { items: [{ x: 1 }, { x: 2 }], flag: false } };

describe("renderTemplate", () => {
  it("renders paths, blocks and the json/default helpers, without HTML escaping", () => {
    expect(renderTemplate("Hi {{user.name}}: {{#each context.items}}[{{x}}]{{/each}}", scope)).toBe("Hi Ann <admin>: [1][2]");
    expect(renderTemplate("{{json context.items}}", scope)).toBe('[{"x":1},{"x":2}]');
    expect(renderTemplate("{{default user.nickname \"there\"}}", scope)).toBe("there");
    expect(renderTemplate("{{#if context.flag}}on{{else}}off{{/if}}", scope)).toBe("off");
  });

  it("leaves strings without {{ untouched", () => {
    expect(renderTemplate("plain } text {", scope)).toBe("plain } text {");
  });

  it("a missing variable is a TemplateError (strict mode); inside helper arguments it is falsy", () => {
    expect(() => renderTemplate("{{user.nickname}}", scope)).toThrow(TemplateError);
    expect(() => renderTemplate("{{conversation.id}}", scope)).toThrow(/not defined/);
    expect(renderTemplate("{{#if user.vip}}vip{{/if}}.", scope)).toBe(".");
  });

  it("never reaches the prototype", () => {
    expect(renderTemplate("[{{user.constructor}}][{{user.__proto__}}]", scope)).toBe("[][]");
  });

  it("renderDeep renders string leaves and skips literal keys", () => {
    const out = renderDeep({ a: "{{user.name}}", keep: "{{literal}}", list: ["{{message.content}}", 3, null] }, scope, new Set(["keep"]));
    expect(out).toEqual({ a: "Ann <admin>", keep: "{{literal}}", list: ["hi", 3, null] });
  });
});

describe("checkTemplate (publish time)", () => {
  it("accepts known roots and relative paths inside each/with", () => {
    expect(checkTemplate("{{user.name}} {{#each context.items}}{{x}}{{/each}} {{#with user}}{{name}}{{/with}} {{@root.user.name}}", RULE_ROOTS, "t")).toEqual([]);
  });

  it("reports unknown roots and fields, also in helper arguments and else branches", () => {
    const issues = checkTemplate("{{people.name}} {{#if usr}}{{else}}{{message.body}}{{/if}} {{default ctx.x 1}}", RULE_ROOTS, "t");
    expect(issues.map((i) => [i.code, i.message.split(":")[0]])).toEqual([
      ["unknown_field_root", "template references people.name"],
      ["unknown_field_root", "template references usr"],
      ["unknown_field", "template references message.body"],
      ["unknown_field_root", "template references ctx.x"],
    ]);
  });

  it("reports syntax errors, unknown helpers and prototype paths", () => {
    expect(checkTemplate("{{user.name", RULE_ROOTS, "t")[0]!.code).toBe("invalid_template");
    expect(checkTemplate("{{log user.name}}", RULE_ROOTS, "t")[0]!.message).toContain("unknown helper log");
    expect(checkTemplate("{{user.__proto__}}", RULE_ROOTS, "t")[0]!.message).toContain("not allowed");
  });

  it("checkTemplatesDeep reports the path of each leaf", () => {
    expect(checkTemplatesDeep({ a: ["ok", "{{nope}}"], skip: "{{nope}}" }, RULE_ROOTS, "params", new Set(["skip"]))).toEqual([
      expect.objectContaining({ path: "params.a[1]" }),
    ]);
  });
});
