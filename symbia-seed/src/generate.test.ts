import { describe, expect, it } from "vitest";
import { generateSeed } from "./generate.js";

describe("generateSeed", () => {
  it("gives the same data for the same seed, every time", () => {
    expect(generateSeed(42)).toEqual(generateSeed(42));
    expect(JSON.stringify(generateSeed(7, { users: 5 }))).toBe(JSON.stringify(generateSeed(7, { users: 5 })));
  });

  it("gives different data for different seeds", () => {
    expect(generateSeed(1).org.slug).not.toBe(generateSeed(2).org.slug);
    expect(generateSeed(1).users[0]!.email).not.toBe(generateSeed(2).users[0]!.email);
  });

  it("makes unique users with one owner, and passwords long enough for identity's policy", () => {
    const data = generateSeed(42, { users: 6 });
    expect(new Set(data.users.map((u) => u.email)).size).toBe(7);
    expect(data.users.filter((u) => u.role === "owner")).toHaveLength(1);
    for (const u of data.users) expect(u.password.length).toBeGreaterThanOrEqual(12);
    expect(data.conversation.messages.map((m) => m.clientId)).toEqual(["seed-42-m1", "seed-42-m2", "seed-42-m3"]);
  });

  it("keeps the org, the first users and the conversation when only the number of users changes", () => {
    const few = generateSeed(42, { users: 1 });
    const many = generateSeed(42, { users: 5 });
    expect(many.org).toEqual(few.org);
    expect(many.users.slice(0, 2)).toEqual(few.users);
    expect(many.conversation).toEqual(few.conversation);
  });

  it("rejects a negative or fractional seed", () => {
    expect(() => generateSeed(-1)).toThrow();
    expect(() => generateSeed(1.5)).toThrow();
  });
});
