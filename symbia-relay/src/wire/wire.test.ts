import { describe, expect, it } from "vitest";
import { createEnvelope } from "../envelope.js";
import { isEntityId } from "../ids.js";
import { ContractEndpoint, CreateContractBody, EventTypePattern } from "./contracts.js";
import { DataPath } from "./common.js";
import { PolicyTestBody, SimulatedEvent } from "./decision.js";
import { RegisterNodeBody } from "./nodes.js";
import { CreatePolicyBody, PolicyCondition, UpdatePolicyBody } from "./policies.js";

describe("contract schemas", () => {
  it("accepts node ids and selectors as endpoints, and nothing else", () => {
    // Node ids as identity makes them: service principals, agent ids, user uuids.
    for (const ok of ["service:messaging", "assistant:support", "0b6f3c1e-8a4f-4c1e-9d2a-3f1e2d4c5b6a", "*", "type/assistant", "type/client"]) {
      expect(ContractEndpoint.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["type/robot", "type/", "**", "", "x*", "a/b", "agent@org.example"]) expect(ContractEndpoint.safeParse(bad).success, bad).toBe(false);
  });

  it("accepts exact, prefix.* and * event type patterns", () => {
    for (const ok of ["message.new", "message.*", "assistant.intent.*", "*"]) expect(EventTypePattern.safeParse(ok).success, ok).toBe(true);
    for (const bad of ["message", "message.", ".*", "message*", "*.new", "a.*.b"]) expect(EventTypePattern.safeParse(bad).success, bad).toBe(false);
  });

  it("requires types and distinct boundaries, and defaults platform to false", () => {
    expect(CreateContractBody.parse({ from: "a", to: "b", allowedEventTypes: ["x.y"], boundaries: ["intra"] }).platform).toBe(false);
    const bad = CreateContractBody.safeParse({ from: "a", to: "b", allowedEventTypes: [], boundaries: ["intra", "intra"] });
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["allowedEventTypes", "boundaries"]);
  });
});

describe("policy schemas", () => {
  it("parses each operator with the right value shape", () => {
    expect(PolicyCondition.safeParse({ field: "type", op: "in", value: ["a.b", "c.d"] }).success).toBe(true);
    expect(PolicyCondition.safeParse({ field: "type", op: "in", value: "a.b" }).success).toBe(false);
    expect(PolicyCondition.safeParse({ field: "source", op: "prefix", value: "svc-" }).success).toBe(true);
    expect(PolicyCondition.safeParse({ field: "source", op: "regex", value: "^svc-(a|b)$" }).success).toBe(true);
    expect(PolicyCondition.safeParse({ field: "source", op: "regex", value: "(" }).success).toBe(false);
    expect(PolicyCondition.safeParse({ field: "data", op: "eq", value: "x" }).success).toBe(false);
  });

  it("parses every action and refuses unknown ones", () => {
    const actions = [
      { type: "allow" },
      { type: "deny", reason: "no" },
      { type: "route", to: "svc-2" },
      { type: "route", to: "ent_abc" },
      { type: "transform", operations: [{ op: "set", path: "a.b", value: 1 }, { op: "remove", path: "c" }, { op: "rename", from: "d", to: "e.f" }] },
      { type: "log", level: "warn" },
    ];
    for (const action of actions) expect(CreatePolicyBody.safeParse({ name: "p", action }).success, JSON.stringify(action)).toBe(true);
    expect(CreatePolicyBody.safeParse({ name: "p", action: { type: "eval", code: "1" } }).success).toBe(false);
    expect(CreatePolicyBody.safeParse({ name: "p", action: { type: "deny" } }).success).toBe(false);
    expect(CreatePolicyBody.parse({ name: "p", action: { type: "allow" } })).toMatchObject({ priority: 0, enabled: true, conditions: [], platform: false });
  });

  it("refuses transform paths that reach a prototype", () => {
    expect(DataPath.safeParse("a.__proto__.b").success).toBe(false);
    expect(DataPath.safeParse("constructor").success).toBe(false);
    expect(DataPath.safeParse("a..b").success).toBe(false);
    expect(DataPath.safeParse("customer.email").success).toBe(true);
  });

  it("refuses an empty update", () => {
    expect(UpdatePolicyBody.safeParse({}).success).toBe(false);
    expect(UpdatePolicyBody.safeParse({ enabled: false }).success).toBe(true);
  });
});

describe("node and dry-run schemas", () => {
  it("parses a registration and refuses unknown types, keys and endpoints", () => {
    expect(RegisterNodeBody.parse({ nodeId: "service:messaging", type: "service" })).toEqual({ nodeId: "service:messaging", type: "service", capabilities: [] });
    expect(RegisterNodeBody.safeParse({ nodeId: "assistant:a1", type: "robot" }).success).toBe(false);
    expect(RegisterNodeBody.safeParse({ nodeId: "assistant:a1", type: "assistant", service: "messaging" }).success).toBe(false);
    expect(RegisterNodeBody.safeParse({ nodeId: "assistant:a1", type: "assistant", endpoint: "ftp://x" }).success).toBe(false);
    expect(RegisterNodeBody.safeParse({ nodeId: "type/assistant", type: "assistant" }).success).toBe(false);
  });

  it("fills the defaults of a simulated event", () => {
    expect(SimulatedEvent.parse({ type: "a.b", source: "n1" })).toEqual({ type: "a.b", source: "n1", boundary: "intra", data: {} });
    expect(PolicyTestBody.safeParse({ event: { type: "a.b", source: "n1" }, policies: [{ name: "p", action: { type: "allow" } }] }).success).toBe(true);
  });

  it("tells entity ids from node ids", () => {
    expect(isEntityId("ent_123")).toBe(true);
    expect(isEntityId("svc-1")).toBe(false);
  });

  it("builds an envelope without undefined members", () => {
    const envelope = createEnvelope({
      type: "a.b", source: "n1", target: undefined, runId: "r", traceId: "t".repeat(8), orgId: "o", boundary: "intra",
      principal: { id: "p", type: "service", entityId: "ent_p" }, data: null,
    });
    expect("target" in envelope).toBe(false);
    expect(envelope.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(() => createEnvelope({ type: "a.b", source: "n1", runId: "r", traceId: "t".repeat(8), orgId: "o", boundary: "intra", principal: { id: "p", type: "service", entityId: "ent_p" }, data: Number.NaN })).toThrow();
  });
});
