import { generateSeed } from "@symbia/seed";
import { AppError } from "@symbia/sys";
import { describe, expect, it } from "vitest";
import { EXIT } from "../errors.js";
import { parseCount, planRows, seedError } from "./seed.js";

describe("symbia seed helpers", () => {
  it("lists every object of the plan once, with its natural key", () => {
    const plan = generateSeed(3, { users: 1 });
    const rows = planRows(plan);
    expect(rows.map((r) => r.kind)).toEqual(["org", "user", "user", "agent", "agent", "conversation", "message", "message", "message", "contract", "contract"]);
    expect(rows[0]).toEqual({ kind: "org", key: plan.org.slug, detail: plan.org.name });
    expect(rows.find((r) => r.kind === "contract")!.detail).toBe(`service:messaging → ${plan.agents[0]!.agentId} [message.*, control.*] intra`);
  });

  it("reads non-negative integers only", () => {
    expect(parseCount("42")).toBe(42);
    for (const bad of ["-1", "1.5", "x", ""]) expect(() => parseCount(bad)).toThrow(/non-negative integer/);
  });

  it("maps the services' error codes to exit codes", () => {
    expect(seedError(new AppError("conflict", "taken")).exitCode).toBe(EXIT.conflict);
    expect(seedError(new AppError("unavailable", "down")).exitCode).toBe(EXIT.unavailable);
    expect(seedError(Object.assign(new Error("nope"), { code: "forbidden", status: 403 })).exitCode).toBe(EXIT.forbidden);
    expect(seedError(new Error("boom")).exitCode).toBe(EXIT.error);
  });
});
