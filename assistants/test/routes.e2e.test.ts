import { randomBytes, randomUUID } from "node:crypto";
import { IdentityClient } from "@symbia/id";
import type { IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAgentPrincipal } from "../src/catalog/catalog-loader.js";
import { getConversation } from "../src/conversations/conversations.store.js";
import { call, makeOrg, startAssistants, startIdentity, type AssistantsService, type TestOrg } from "./fixture.js";

describe("rules/test, graphs/validate, graphs/run", () => {
  let identity: IdentityProcess;
  let service: AssistantsService;
  let org: TestOrg;
  let other: TestOrg;
  const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${service.base}${path}`, { token: org.member.token, ...init });
  const ruleSet = {
    rules: [
      { id: "billing", trigger: "message.received", priority: 10, conditions: { field: "message.content", operator: "contains", value: "refund", ignoreCase: true }, actions: [{ type: "message.send", params: { content: "billing" } }] },
      { id: "rest", trigger: "message.received", actions: [{ type: "message.send", params: { content: "rest" } }] },
    ],
  };
  const graph = {
    nodes: [
      { id: "route", type: "router", config: { routes: [{ port: "vip", when: { field: "input", operator: "contains", value: "vip" } }], defaultPort: "normal" } },
      { id: "vip", type: "context", config: { ops: [{ op: "set", path: "tier", value: "vip" }] } },
      { id: "normal", type: "context", config: { ops: [{ op: "set", path: "tier", value: "normal" }] } },
    ],
    edges: [{ from: "route", fromPort: "vip", to: "vip" }, { from: "route", fromPort: "normal", to: "normal" }],
  };

  beforeAll(async () => {
    identity = await startIdentity();
    service = await startAssistants(identity);
    org = await makeOrg(identity);
    other = await makeOrg(identity);
    const agentId = `assistant:grapher-${randomBytes(3).toString("hex")}`;
    expect((await identity.call("/api/agents", { json: { agentId, name: "grapher", capabilities: [] }, token: org.owner.token, orgId: org.orgId })).status).toBe(201);
    const identityClient = new IdentityClient(identity.url, service.deps.session!);
    const loaded = await service.deps.registry.install(
      { orgId: org.orgId, key: "assistants/grapher", resourceId: randomUUID(), name: "grapher", version: 1, digest: `sha256:${"0".repeat(63)}5`, body: { principal: { agentId, capabilities: [] }, promptGraph: graph, model: { provider: "symbia-labs", model: "symbia-tiny-test" } } },
      (id, orgId) => resolveAgentPrincipal(identityClient, id, orgId, { name: "grapher", capabilities: [] }, service.deps.logger),
    );
    expect(loaded.status).toBe("active");
  });
  afterAll(async () => {
    await service?.close();
    await identity?.stop();
  });

  it("POST /api/rules/test evaluates without side effects; invalid rule sets and events are 400 with paths", async () => {
    const res = await api("/api/rules/test", { json: { ruleSet, event: { event: { type: "message.received" }, message: { content: "A Refund please" } } } });
    expect(res.status).toBe(200);
    expect(res.body.matched).toEqual(["billing"]);
    expect(res.body.stoppedAt).toBe("billing");
    expect(res.body.rules[0].justification).toBeTruthy();
    expect((await api("/api/runs")).body.items).toEqual([]);
    const bad = await api("/api/rules/test", { json: { ruleSet: { rules: [{ id: "x", trigger: "message.received", conditions: { field: "message.content", operator: "resembles", value: 1 }, actions: [{ type: "message.send", params: { content: "x" } }] }] }, event: { event: { type: "message.received" } } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toContain("rules[0].conditions.operator");
    const badEvent = await api("/api/rules/test", { json: { ruleSet, event: { event: { type: "nothing" } } } });
    expect(badEvent.status).toBe(400);
    expect(JSON.stringify(badEvent.body.error.details)).toContain("body.event.event.type");
    expect((await api("/api/rules/test", { json: { ruleSet } })).status).toBe(400);
    expect((await call(`${service.base}/api/rules/test`, { json: { ruleSet, event: { event: { type: "message.received" } } } })).status).toBe(401);
  });

  it("POST /api/graphs/validate reports cycles and unknown nodes with paths", async () => {
    const ok = await api("/api/graphs/validate", { json: { graph } });
    expect(ok.body).toMatchObject({ ok: true, nodes: 3, edges: 2, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const cycle = await api("/api/graphs/validate", { json: { graph: { nodes: [{ id: "a", type: "context", config: { ops: [{ op: "set", path: "x", value: 1 }] } }, { id: "b", type: "context", config: { ops: [{ op: "set", path: "y", value: 1 }] } }], edges: [{ from: "a", to: "b" }, { from: "b", to: "a" }] } } });
    expect(cycle.status).toBe(200);
    expect(cycle.body.ok).toBe(false);
    expect(JSON.stringify(cycle.body.issues)).toMatch(/cycle|a → b|b → a/);
    const unknown = await api("/api/graphs/validate", { json: { graph: { nodes: [{ id: "a", type: "teleport" }], edges: [] } } });
    expect(unknown.body.ok).toBe(false);
    const empty = await api("/api/graphs/validate", { json: {} });
    expect([empty.status, empty.body.error?.code]).toEqual([400, "validation_failed"]);
    expect((await api("/api/graphs/validate", { json: { graph, extra: 1 } })).status).toBe(400);
  });

  it("POST /api/graphs/run runs the assistant's graph as its agent, durably, and logs each node", async () => {
    const conversationId = randomUUID();
    const res = await api("/api/graphs/run", { json: { assistant: "grapher", input: "a vip customer", conversationId, wait: true } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "completed", kind: "graph", assistant: "assistants/grapher", conversationId });
    const steps = await api(`/api/runs/${res.body.id}/steps`);
    expect(steps.body.items.map((s: { path: string; status: string }) => `${s.path}:${s.status}`).sort()).toEqual(["node:normal:skipped", "node:route:succeeded", "node:vip:succeeded"]);
    expect((await getConversation(service.deps.database, org.orgId, conversationId)).context.tier).toBe("vip");
    expect((await api(`/api/runs/${res.body.id}`, { token: other.owner.token })).status).toBe(404);
    expect((await api("/api/graphs/run", { json: { assistant: "grapher", input: "x" }, token: other.owner.token })).status).toBe(404);
    expect((await api("/api/graphs/run", { json: { assistant: "nobody", input: "x" } })).status).toBe(404);
    expect((await api("/api/graphs/run", { json: { input: "x" } })).status).toBe(400);
    expect((await api("/api/graphs/run", { json: { assistant: "grapher", conversationId: "not-a-uuid" } })).status).toBe(400);
  });
});
