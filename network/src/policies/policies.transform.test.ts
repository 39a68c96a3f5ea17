import { describe, expect, it } from "vitest";
import { applyTransform } from "./policies.transform.js";

describe("applyTransform", () => {
  it("sets, removes and renames fields without touching the input", () => {
    const input = { customer: { email: "a@b.c", name: "Ann" }, secret: "s", keep: [1, 2] };
    const result = applyTransform(input, [
      { op: "set", path: "meta.source", value: { via: "network" } },
      { op: "remove", path: "secret" },
      { op: "rename", from: "customer.email", to: "contact.email" },
    ]);
    expect(result).toEqual({
      data: { customer: { name: "Ann" }, contact: { email: "a@b.c" }, meta: { source: { via: "network" } }, keep: [1, 2] },
      applied: 3,
      skipped: [],
    });
    expect(input).toEqual({ customer: { email: "a@b.c", name: "Ann" }, secret: "s", keep: [1, 2] });
  });

  it("skips what cannot apply and reports why, applying the rest", () => {
    const result = applyTransform({ a: 1, list: [1] }, [
      { op: "set", path: "a.b", value: 2 },
      { op: "remove", path: "missing" },
      { op: "rename", from: "nope", to: "x" },
      { op: "rename", from: "list", to: "a.c" },
      { op: "set", path: "b", value: true },
    ]);
    expect(result.data).toEqual({ a: 1, list: [1], b: true });
    expect(result.applied).toBe(1);
    expect(result.skipped).toEqual(["#1 set a.b: a is not an object", "#2 remove missing: absent", "#3 rename nope: absent", "#4 rename a.c: a is not an object"]);
  });

  it("leaves a non-object payload alone", () => {
    expect(applyTransform("text", [{ op: "set", path: "a", value: 1 }])).toEqual({ data: "text", applied: 0, skipped: ["#1 set data is not an object"] });
  });

  it("never reaches a prototype, even with unvalidated paths", () => {
    const result = applyTransform({}, [{ op: "set", path: "__proto__.polluted", value: true }]);
    expect(result.applied).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result.data)).toBe(Object.prototype);
  });
});
