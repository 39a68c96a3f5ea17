import type { Policy } from "@symbia/relay";
import { describe, expect, it } from "vitest";
import { contract, event, NOW, policy } from "../../test/fixtures.js";
import { policyIssues } from "../policies/policies.rules.js";
import { decide, type DecideInput } from "./decide.js";
import { staticDirectory } from "./directory.js";

const directory = staticDirectory(
  [
    { id: "service:messaging", type: "service", orgId: null },
    { id: "service:assistants", type: "service", orgId: null },
    { id: "service:logging", type: "service", orgId: null },
    { id: "assistant:a1", type: "assistant", orgId: "org-1" },
    { id: "assistant:a2", type: "assistant", orgId: "org-1" },
    { id: "assistant:ax", type: "assistant", orgId: "org-2" },
  ],
  { ent_agent1: "assistant:a1" },
);

const messagingToAssistants = contract({ from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.*"] });
const messagingToAudit = contract({ from: "service:messaging", to: "service:logging", allowedEventTypes: ["message.*"] });

function run(policies: Policy[], overrides: Partial<DecideInput> = {}) {
  return decide({ event: event(), contracts: [messagingToAssistants, messagingToAudit], policies, directory, now: NOW, ...overrides });
}

describe("decide: policy actions", () => {
  it("allow passes the event and stops the evaluation (a lower deny never runs)", () => {
    const allow = policy({ priority: 10, action: { type: "allow" } });
    const deny = policy({ priority: 5, action: { type: "deny", reason: "closed" } });
    const decision = run([deny, allow]);
    expect(decision.outcome).toBe("deliver");
    expect(decision.targets).toEqual(["service:assistants"]);
    expect(decision.path.map((s) => [s.policyId ?? s.action, s.outcome])).toEqual([
      [allow.id, "allowed"],
      ["contract", "contract_found"],
    ]);
  });

  it("allow does not waive the contract", () => {
    const decision = run([policy({ action: { type: "allow" } })], { contracts: [] });
    expect(decision).toMatchObject({ outcome: "deny", reasonCode: "no_contract", targets: [] });
  });

  it("deny blocks with its reason", () => {
    const deny = policy({ conditions: [{ field: "type", op: "eq", value: "message.new" }], action: { type: "deny", reason: "maintenance window" } });
    const decision = run([deny]);
    expect(decision).toMatchObject({ outcome: "deny", reasonCode: "policy_denied", reason: "maintenance window", targets: [], contractIds: [] });
    expect(decision.path).toEqual([{ policyId: deny.id, action: "deny", outcome: "denied", detail: "maintenance window", durationMs: expect.any(Number) }]);
  });

  it("route redirects to another node, which needs its own contract", () => {
    const route = policy({ action: { type: "route", to: "service:logging" } });
    const decision = run([route]);
    expect(decision).toMatchObject({ outcome: "deliver", targets: ["service:logging"], contractIds: [messagingToAudit.id] });
    expect(decision.event.target).toBe("service:logging");
    expect(decision.path[0]).toMatchObject({ policyId: route.id, action: "route", outcome: "routed", detail: "service:assistants → service:logging" });

    const withoutContract = run([route], { contracts: [messagingToAssistants] });
    expect(withoutContract).toMatchObject({ outcome: "deny", reasonCode: "no_contract" });
  });

  it("route to an entity follows its binding", () => {
    const toAgent = contract({ from: "service:messaging", to: "type/assistant" });
    const decision = run([policy({ action: { type: "route", to: "ent_agent1" } })], { contracts: [toAgent] });
    expect(decision).toMatchObject({ outcome: "deliver", targets: ["assistant:a1"] });
    expect(decision.event.target).toBe("ent_agent1");
    expect(decision.path.map((s) => s.outcome)).toEqual(["routed", "resolved", "contract_found"]);
  });

  it("transform changes the delivered payload and leaves the input event alone", () => {
    const input = event();
    const transform = policy({
      action: { type: "transform", operations: [{ op: "remove", path: "customer.email" }, { op: "set", path: "redacted", value: true }, { op: "rename", from: "text", to: "body.text" }] },
    });
    const decision = run([transform], { event: input });
    expect(decision.outcome).toBe("deliver");
    expect(decision.event.data).toEqual({ body: { text: "hello" }, customer: {}, redacted: true });
    expect(input.data).toEqual({ text: "hello", customer: { email: "ann@example.com" } });
    expect(decision.path[0]).toMatchObject({ policyId: transform.id, action: "transform", outcome: "transformed", detail: "3 of 3 operations applied" });
  });

  it("log records an entry at its level and lets the evaluation go on", () => {
    const log = policy({ priority: 10, action: { type: "log", level: "warn", message: "pii leaving" } });
    const logDefault = policy({ priority: 5, action: { type: "log", level: "info" } });
    const deny = policy({ priority: 1, action: { type: "deny", reason: "after logging" } });
    const decision = run([log, logDefault, deny]);
    expect(decision.logs).toEqual([
      { policyId: log.id, level: "warn", message: "pii leaving" },
      { policyId: logDefault.id, level: "info", message: `policy ${logDefault.name} matched message.new from service:messaging` },
    ]);
    expect(decision.outcome).toBe("deny");
    expect(decision.path.map((s) => s.outcome)).toEqual(["logged", "logged", "denied"]);
  });
});

describe("decide: order", () => {
  it("runs higher priority first, whatever the input order", () => {
    const allow = policy({ priority: 20, action: { type: "allow" } });
    const deny = policy({ priority: 10, action: { type: "deny", reason: "no" } });
    expect(run([deny, allow]).outcome).toBe("deliver");
    expect(run([{ ...deny, priority: 30 }, allow]).outcome).toBe("deny");
  });

  it("breaks priority ties by creation time", () => {
    const first = policy({ priority: 1, action: { type: "deny", reason: "first" }, createdAt: "2025-01-01T00:00:00.000Z" });
    const second = policy({ priority: 1, action: { type: "allow" }, createdAt: "2025-01-02T00:00:00.000Z" });
    expect(run([second, first]).reason).toBe("first");
  });

  it("lets later policies see what earlier ones did (route, then a condition on the new target)", () => {
    const route = policy({ priority: 10, action: { type: "route", to: "service:logging" } });
    const denyAudit = policy({ priority: 5, conditions: [{ field: "target", op: "eq", value: "service:logging" }], action: { type: "deny", reason: "audit is read-only" } });
    expect(run([route, denyAudit])).toMatchObject({ outcome: "deny", reason: "audit is read-only" });
  });

  it("evaluates platform policies before the org's, so an org cannot override them", () => {
    const platformDeny = policy({ orgId: null, priority: -100, action: { type: "deny", reason: "platform rule" } });
    const orgAllow = policy({ priority: 10_000, action: { type: "allow" } });
    expect(run([orgAllow, platformDeny])).toMatchObject({ outcome: "deny", reason: "platform rule" });
  });

  it("ignores disabled policies and other orgs' policies", () => {
    const disabled = policy({ enabled: false, action: { type: "deny", reason: "disabled" } });
    const otherOrg = policy({ orgId: "org-2", action: { type: "deny", reason: "other org" } });
    const decision = run([disabled, otherOrg]);
    expect(decision.outcome).toBe("deliver");
    expect(decision.path.filter((s) => s.policyId)).toEqual([]);
  });
});

describe("decide: conditions", () => {
  const denyWhen = (conditions: Policy["conditions"]) => [policy({ conditions, action: { type: "deny", reason: "matched" } })];
  const matches = (conditions: Policy["conditions"], overrides = {}) => run(denyWhen(conditions), { event: event(overrides) }).reasonCode === "policy_denied";

  it("supports eq, neq, in, prefix and regex on every field", () => {
    expect(matches([{ field: "source", op: "eq", value: "service:messaging" }])).toBe(true);
    expect(matches([{ field: "source", op: "neq", value: "service:messaging" }])).toBe(false);
    expect(matches([{ field: "type", op: "in", value: ["control.pause", "message.new"] }])).toBe(true);
    expect(matches([{ field: "type", op: "in", value: ["control.pause"] }])).toBe(false);
    expect(matches([{ field: "target", op: "prefix", value: "service:" }])).toBe(true);
    expect(matches([{ field: "orgId", op: "regex", value: "^org-[0-9]+$" }])).toBe(true);
    expect(matches([{ field: "orgId", op: "regex", value: "^org-x" }])).toBe(false);
    expect(matches([{ field: "boundary", op: "eq", value: "extra" }], { boundary: "extra" })).toBe(true);
    expect(matches([{ field: "boundary", op: "eq", value: "extra" }])).toBe(false);
  });

  it("requires every condition to hold", () => {
    expect(matches([{ field: "source", op: "eq", value: "service:messaging" }, { field: "type", op: "prefix", value: "control." }])).toBe(false);
  });

  it("reads an absent data class as none, and an absent target as satisfying only neq", () => {
    expect(matches([{ field: "dataClass", op: "eq", value: "none" }])).toBe(true);
    expect(matches([{ field: "dataClass", op: "in", value: ["pii", "phi"] }], { dataClass: "pii" })).toBe(true);
    expect(matches([{ field: "target", op: "eq", value: "service:assistants" }], { target: undefined })).toBe(false);
    expect(matches([{ field: "target", op: "neq", value: "service:assistants" }], { target: undefined })).toBe(true);
  });

  it("never matches with a catastrophic regex, which validation refuses", () => {
    const evil = "^(a+)+$";
    expect(matches([{ field: "source", op: "regex", value: evil }], { source: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" })).toBe(false);
    expect(policyIssues({ conditions: [{ field: "source", op: "regex", value: evil }] })).toEqual([
      { path: "body.conditions.0.value", message: expect.stringContaining("safe-regex2"), code: "unsafe_regex" },
    ]);
    expect(policyIssues({ conditions: [{ field: "source", op: "regex", value: "^svc-[a-z]+$" }] })).toEqual([]);
  });
});

describe("decide: routing and contracts", () => {
  it("resolves an entity target through its binding, or leaves the event unrouted", () => {
    const toAgents = contract({ from: "service:messaging", to: "type/assistant" });
    expect(run([], { event: event({ target: "ent_agent1" }), contracts: [toAgents] })).toMatchObject({ outcome: "deliver", targets: ["assistant:a1"] });
    const unbound = run([], { event: event({ target: "ent_nobody" }), contracts: [toAgents] });
    expect(unbound).toMatchObject({ outcome: "unrouted", reasonCode: "unbound_entity" });
    expect(unbound.path).toEqual([{ action: "resolve", outcome: "unresolved", detail: "ent_nobody is not bound to any node", durationMs: expect.any(Number) }]);
  });

  it("fans an untargeted event out along contracts, or leaves it unrouted", () => {
    const decision = run([], { event: event({ target: undefined }) });
    expect(decision).toMatchObject({ outcome: "deliver", targets: ["service:assistants", "service:logging"], contractIds: [messagingToAssistants.id, messagingToAudit.id] });
    expect(run([], { event: event({ target: undefined, type: "control.pause" }) })).toMatchObject({ outcome: "unrouted", reasonCode: "no_fanout_target" });
  });

  it("denies with the contract's miss: none, expired, type, boundary", () => {
    expect(run([], { contracts: [] })).toMatchObject({ outcome: "deny", reasonCode: "no_contract" });
    const expired = contract({ from: "service:messaging", to: "service:assistants", expiresAt: new Date(NOW - 1).toISOString() });
    const expiredDecision = run([], { contracts: [expired] });
    expect(expiredDecision).toMatchObject({ outcome: "deny", reasonCode: "contract_expired", reason: `contract ${expired.id} expired at ${expired.expiresAt}` });
    expect(expiredDecision.path.at(-1)).toMatchObject({ action: "contract", outcome: "contract_expired", contractId: expired.id });
    expect(run([], { event: event({ type: "control.pause" }) })).toMatchObject({ reasonCode: "type_not_allowed" });
    expect(run([], { event: event({ boundary: "extra" }) })).toMatchObject({ reasonCode: "boundary_not_allowed" });
  });

  it("refuses another org's node unless the event declares the inter boundary", () => {
    const toAgents = contract({ from: "service:messaging", to: "type/assistant", boundaries: ["intra", "inter"] });
    expect(run([], { event: event({ target: "assistant:ax" }), contracts: [toAgents] })).toMatchObject({ outcome: "deny", reasonCode: "cross_org" });
    expect(run([], { event: event({ target: "assistant:ax", boundary: "inter" }), contracts: [toAgents] })).toMatchObject({ outcome: "deliver", targets: ["assistant:ax"] });
    // Fan-out never crosses orgs.
    expect(run([], { event: event({ target: undefined }), contracts: [toAgents] }).targets).toEqual(["assistant:a1", "assistant:a2"]);
  });
});

describe("decide: the decision path (simulate)", () => {
  it("returns every step with policy id, action, outcome and duration, and the resulting event", () => {
    let tick = 0;
    const clock = () => (tick += 0.25);
    const skip = policy({ priority: 30, conditions: [{ field: "type", op: "prefix", value: "control." }], action: { type: "deny", reason: "no control" } });
    const log = policy({ priority: 20, action: { type: "log", level: "info", message: "seen" } });
    const transform = policy({ priority: 10, action: { type: "transform", operations: [{ op: "set", path: "tag", value: "x" }] } });
    const route = policy({ priority: 0, action: { type: "route", to: "service:logging" } });
    const decision = run([route, transform, log, skip], { clock });
    expect(decision.path).toEqual([
      { policyId: skip.id, action: "deny", outcome: "not_matched", durationMs: 0.25 },
      { policyId: log.id, action: "log", outcome: "logged", detail: "info: seen", durationMs: 0.25 },
      { policyId: transform.id, action: "transform", outcome: "transformed", detail: "1 of 1 operations applied", durationMs: 0.25 },
      { policyId: route.id, action: "route", outcome: "routed", detail: "service:assistants → service:logging", durationMs: 0.25 },
      { action: "contract", outcome: "contract_found", contractId: messagingToAudit.id, durationMs: 0.25 },
    ]);
    expect(decision).toMatchObject({ outcome: "deliver", reasonCode: null, reason: null, targets: ["service:logging"], logs: [{ policyId: log.id, level: "info", message: "seen" }] });
    expect(decision.event).toMatchObject({ target: "service:logging", data: { text: "hello", tag: "x" } });
  });
});
