import type { Principal } from "@symbia/sys";
import { describe, expect, it } from "vitest";
import { ingressRuleProblem, mayBind, nodeIdProblem, nodeOrgOf } from "./nodes.rules.js";

const principal = (id: string, type: Principal["type"], orgs: string[] = []): Principal => ({
  id,
  type,
  entityId: `ent_${id.replace(/[^A-Za-z0-9]/g, "")}`,
  orgs: orgs.map((orgId) => ({ orgId, entitlements: [] })),
  entitlements: [],
  credential: { kind: "token" },
});
const USER = "0b6f3c1e-8a4f-4c1e-9d2a-3f1e2d4c5b6a";

describe("node id rules", () => {
  it("lets each principal register only its own id for its own node type", () => {
    expect(nodeIdProblem(principal("service:messaging", "service"), "service:messaging", "service")).toBeNull();
    expect(nodeIdProblem(principal("assistant:support", "agent"), "assistant:support", "assistant")).toBeNull();
    expect(nodeIdProblem(principal(USER, "user"), USER, "client")).toBeNull();
    expect(nodeIdProblem(principal("service:messaging", "service"), "service:identity", "service")).toMatch(/service principal id/);
    expect(nodeIdProblem(principal("assistant:support", "agent"), "assistant:sales", "assistant")).toMatch(/agent id/);
    expect(nodeIdProblem(principal("assistant:support", "agent"), "service:messaging", "service")).toMatch(/service principals/);
    expect(nodeIdProblem(principal(USER, "user"), "assistant:support", "assistant")).toMatch(/agents/);
    expect(nodeIdProblem(principal("service:messaging", "service"), USER, "client")).toMatch(/users/);
  });

  it("keeps agents out of the reserved namespaces", () => {
    expect(nodeIdProblem(principal("service:messaging", "agent"), "service:messaging", "assistant")).toMatch(/cannot register/);
    expect(nodeIdProblem(principal("sandbox:x", "agent"), "sandbox:x", "assistant")).toMatch(/cannot register/);
  });

  it("names hosted nodes after their owner, unambiguously", () => {
    expect(nodeIdProblem(principal("service:runtime", "service"), "sandbox:service:runtime:exec-42", "sandbox")).toBeNull();
    expect(nodeIdProblem(principal("assistant:support", "agent"), "bridge:assistant:support:slack", "bridge")).toBeNull();
    // The agent "assistant" cannot reach into "assistant:support"'s names: names carry no ':'.
    expect(nodeIdProblem(principal("assistant", "agent"), "bridge:assistant:support:slack", "bridge")).toMatch(/bridge:assistant:<name>/);
    expect(nodeIdProblem(principal("service:runtime", "service"), "sandbox:service:catalog:x", "sandbox")).toMatch(/sandbox:service:runtime:<name>/);
    expect(nodeIdProblem(principal(USER, "user"), `sandbox:${USER}:x`, "sandbox")).toMatch(/service or agent/);
  });

  it("places nodes in an org: platform for services, the agent's org, the user's chosen membership", () => {
    expect(nodeOrgOf(principal("service:messaging", "service"), "org-x")).toBeNull();
    expect(nodeOrgOf(principal("assistant:support", "agent", ["org-a"]), undefined)).toBe("org-a");
    expect(nodeOrgOf(principal(USER, "user", ["org-a", "org-b"]), "org-b")).toBe("org-b");
    expect(nodeOrgOf(principal(USER, "user", ["org-a", "org-b"]), undefined)).toBe("org-a");
    expect(() => nodeOrgOf(principal(USER, "user", ["org-a"]), "org-c")).toThrow(/not a member/);
    expect(() => nodeOrgOf(principal("assistant:lonely", "agent"), undefined)).toThrow(/no organization/);
  });
});

describe("binding and ingress rules", () => {
  const agentNode = { type: "assistant" as const, orgId: "org-a", principal: { id: "assistant:support", type: "agent" as const, entityId: "ent_a" } };
  const serviceNode = { type: "service" as const, orgId: null, principal: { id: "service:messaging", type: "service" as const, entityId: "ent_s" } };

  it("lets service nodes bind any entity and other nodes only their own", () => {
    expect(mayBind(serviceNode, "ent_someone")).toBe(true);
    expect(mayBind(agentNode, "ent_a")).toBe(true);
    expect(mayBind(agentNode, "ent_someone")).toBe(false);
  });

  it("lets only service nodes act for another principal, and keeps org nodes in their org", () => {
    const user = { id: USER, type: "user" as const, entityId: "ent_u" };
    expect(ingressRuleProblem(serviceNode, { principal: user, orgId: "org-z" })).toBeNull();
    expect(ingressRuleProblem(agentNode, { principal: agentNode.principal, orgId: "org-a" })).toBeNull();
    expect(ingressRuleProblem(agentNode, { principal: user, orgId: "org-a" })?.reason).toBe("principal_not_allowed");
    expect(ingressRuleProblem(agentNode, { principal: { ...agentNode.principal, entityId: "ent_other" }, orgId: "org-a" })?.reason).toBe("principal_not_allowed");
    expect(ingressRuleProblem(agentNode, { principal: agentNode.principal, orgId: "org-b" })?.reason).toBe("org_not_allowed");
  });
});
