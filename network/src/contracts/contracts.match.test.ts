import { describe, expect, it } from "vitest";
import { contract, NOW } from "../../test/fixtures.js";
import type { NodeInfo } from "../sdn/directory.js";
import { checkContract, contractIsLive, endpointMatches, eventTypeMatches, fanOutTargets, type ContractQuery } from "./contracts.match.js";

const messaging: NodeInfo = { id: "service:messaging", type: "service", orgId: null };
const assistants: NodeInfo = { id: "service:assistants", type: "service", orgId: null };
const agent: NodeInfo = { id: "assistant:a1", type: "assistant", orgId: "org-1" };
const otherAgent: NodeInfo = { id: "assistant:a9", type: "assistant", orgId: "org-2" };

function query(overrides: Partial<ContractQuery> = {}): ContractQuery {
  return { source: messaging, target: assistants, type: "message.new", boundary: "intra", orgId: "org-1", ...overrides };
}

describe("eventTypeMatches", () => {
  it("matches exact types, prefixes below a dot, and the wildcard", () => {
    expect(eventTypeMatches("message.new", "message.new")).toBe(true);
    expect(eventTypeMatches("message.new", "message.newer")).toBe(false);
    expect(eventTypeMatches("message.*", "message.new")).toBe(true);
    expect(eventTypeMatches("message.*", "message.stream.chunk")).toBe(true);
    expect(eventTypeMatches("message.*", "messages.new")).toBe(false);
    expect(eventTypeMatches("message.*", "message")).toBe(false);
    expect(eventTypeMatches("assistant.intent.*", "assistant.reply")).toBe(false);
    expect(eventTypeMatches("*", "anything.at.all")).toBe(true);
  });
});

describe("endpointMatches", () => {
  it("selects by exact id, node type and wildcard", () => {
    expect(endpointMatches("service:messaging", messaging)).toBe(true);
    expect(endpointMatches("service:messaging", assistants)).toBe(false);
    expect(endpointMatches("type/assistant", agent)).toBe(true);
    expect(endpointMatches("type/assistant", messaging)).toBe(false);
    expect(endpointMatches("type/service", messaging)).toBe(true);
    expect(endpointMatches("*", agent)).toBe(true);
    // An agent whose id looks like a selector is still matched by id only.
    expect(endpointMatches("type:assistant", { id: "type:assistant", type: "assistant" })).toBe(true);
    expect(endpointMatches("type:assistant", agent)).toBe(false);
    // An unregistered node (type unknown) is only matched by its id or *.
    expect(endpointMatches("service:messaging", { id: "service:messaging" })).toBe(true);
    expect(endpointMatches("type/service", { id: "service:messaging" })).toBe(false);
  });
});

describe("checkContract", () => {
  it("finds a live contract for source, target, type and boundary", () => {
    const c = contract({ from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.*"] });
    expect(checkContract([c], query(), NOW)).toEqual({ ok: true, contract: c });
  });

  it("says no_contract when nothing connects the two nodes, or only in the other direction", () => {
    const reverse = contract({ from: "service:assistants", to: "service:messaging" });
    const result = checkContract([reverse], query(), NOW);
    expect(result).toMatchObject({ ok: false, reason: "no_contract" });
    expect(!result.ok && result.detail).toBe("no contract from service:messaging to service:assistants");
  });

  it("treats a contract as dead from its expiry on", () => {
    const c = contract({ from: "service:messaging", to: "service:assistants", expiresAt: new Date(NOW).toISOString() });
    expect(contractIsLive(c, NOW - 1)).toBe(true);
    expect(contractIsLive(c, NOW)).toBe(false);
    expect(checkContract([c], query(), NOW - 1).ok).toBe(true);
    expect(checkContract([c], query(), NOW)).toMatchObject({ ok: false, reason: "contract_expired", closest: c });
  });

  it("says type_not_allowed, boundary_not_allowed or contract_expired, preferring the candidate that came closest", () => {
    const typeOnly = contract({ from: "service:messaging", to: "service:assistants", allowedEventTypes: ["control.*"] });
    const boundaryOnly = contract({ from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.new"], boundaries: ["inter"] });
    const expired = contract({ from: "service:messaging", to: "service:assistants", expiresAt: new Date(NOW - 1).toISOString() });
    expect(checkContract([typeOnly], query(), NOW)).toMatchObject({ ok: false, reason: "type_not_allowed" });
    expect(checkContract([typeOnly, boundaryOnly], query(), NOW)).toMatchObject({ ok: false, reason: "boundary_not_allowed", closest: boundaryOnly });
    // An expired contract for exactly this traffic is closer than live ones for other types or boundaries.
    expect(checkContract([expired, typeOnly, boundaryOnly], query(), NOW)).toMatchObject({ ok: false, reason: "contract_expired", closest: expired });
    expect(checkContract([boundaryOnly], query({ boundary: "inter" }), NOW).ok).toBe(true);
  });

  it("applies the event org's contracts and platform contracts, never another org's", () => {
    const otherOrg = contract({ from: "service:messaging", to: "service:assistants", orgId: "org-2" });
    const platform = contract({ from: "service:messaging", to: "service:assistants", orgId: null });
    expect(checkContract([otherOrg], query(), NOW)).toMatchObject({ ok: false, reason: "no_contract" });
    expect(checkContract([otherOrg, platform], query(), NOW)).toEqual({ ok: true, contract: platform });
  });

  it("matches selectors and prefers the most specific contract, then the org's own", () => {
    const wildcard = contract({ from: "*", to: "*", orgId: null });
    const types = contract({ from: "type/service", to: "type/service", orgId: null });
    const exact = contract({ from: "service:messaging", to: "service:assistants", orgId: null });
    const exactOrg = contract({ from: "service:messaging", to: "service:assistants" });
    expect(checkContract([wildcard], query(), NOW)).toMatchObject({ ok: true, contract: wildcard });
    expect(checkContract([wildcard, types], query(), NOW)).toMatchObject({ ok: true, contract: types });
    expect(checkContract([wildcard, types, exact], query(), NOW)).toMatchObject({ ok: true, contract: exact });
    expect(checkContract([exact, exactOrg], query(), NOW)).toMatchObject({ ok: true, contract: exactOrg });
    // A more specific but expired contract does not hide a live, broader one.
    const expiredExact = contract({ from: "service:messaging", to: "service:assistants", expiresAt: new Date(NOW - 1).toISOString() });
    expect(checkContract([expiredExact, wildcard], query(), NOW)).toMatchObject({ ok: true, contract: wildcard });
  });
});

describe("fanOutTargets", () => {
  it("returns every other node of the org or platform a live contract allows, in id order", () => {
    const toAssistants = contract({ from: "service:messaging", to: "type/assistant", allowedEventTypes: ["message.*"] });
    const toService = contract({ from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.new"] });
    const expired = contract({ from: "service:messaging", to: "service:logging", expiresAt: new Date(NOW - 1).toISOString() });
    const logging: NodeInfo = { id: "service:logging", type: "service", orgId: null };
    const agentB: NodeInfo = { id: "assistant:a0", type: "assistant", orgId: "org-1" };
    const targets = fanOutTargets([toAssistants, toService, expired], { source: messaging, type: "message.new", boundary: "intra", orgId: "org-1" }, [messaging, assistants, agent, agentB, otherAgent, logging], NOW);
    expect(targets.map((t) => [t.node.id, t.contract.id])).toEqual([
      ["assistant:a0", toAssistants.id],
      ["assistant:a1", toAssistants.id],
      ["service:assistants", toService.id],
    ]);
  });

  it("never includes the source itself", () => {
    const everyone = contract({ from: "*", to: "*" });
    expect(fanOutTargets([everyone], { source: messaging, type: "a.b", boundary: "intra", orgId: "org-1" }, [messaging], NOW)).toEqual([]);
  });
});
