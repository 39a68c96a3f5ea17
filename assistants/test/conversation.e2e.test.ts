import { randomBytes, randomUUID } from "node:crypto";
import { IdentityClient } from "@symbia/id";
import type { IdentityProcess } from "@symbia/id/testing";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAgentPrincipal } from "../src/catalog/catalog-loader.js";
import { getConversation } from "../src/conversations/conversations.store.js";
import { call, makeOrg, startAssistants, startIdentity, type AssistantsService, type TestOrg } from "./fixture.js";
import { freePort, spawnIntegrations, spawnMessaging, spawnModels, TEST_MODEL_SENTENCE, type ServiceProcess } from "./processes.js";

/** Waits until `check` returns a value (polling; the test's own timeout bounds it). */
async function until<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, everyMs = 50): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe("conversations: messaging → rules → integrations → models → streamed reply", () => {
  let identity: IdentityProcess;
  let models: ServiceProcess;
  let integrations: ServiceProcess;
  let messaging: ServiceProcess;
  let service: AssistantsService;
  let org: TestOrg;
  let other: TestOrg;
  let socket: Socket;
  const events: Array<{ name: string; payload: any }> = [];
  const suffix = randomBytes(3).toString("hex");
  const helperAgent = `assistant:helper-${suffix}`;
  const looperAgent = `assistant:looper-${suffix}`;

  const msgApi = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${messaging.url}${path}`, { token: org.owner.token, ...init });
  const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${service.base}${path}`, { token: org.owner.token, ...init });

  async function installAssistant(key: string, agentId: string, model: string, maxTokens: number) {
    const registered = await identity.call("/api/agents", { json: { agentId, name: key, capabilities: ["cap:messaging.send"] }, token: org.owner.token, orgId: org.orgId });
    expect(registered.status).toBe(201);
    const identityClient = new IdentityClient(identity.url, service.deps.session!);
    const body = {
      principal: { agentId, capabilities: ["cap:messaging.send"] },
      alias: `@${key}`,
      systemPrompt: "You are a helpful assistant.",
      rules: { rules: [{ id: "reply", trigger: "message.received", actions: [{ type: "llm.invoke", params: { prompt: "{{message.content}}", history: 4 } }] }] },
      model: { provider: "symbia-labs", model, parameters: { maxTokens, temperature: 0 } },
    };
    const loaded = await service.deps.registry.install(
      { orgId: org.orgId, key: `assistants/${key}`, resourceId: randomUUID(), name: key, version: 1, digest: `sha256:${"0".repeat(63)}1`, body },
      (id, orgId) => resolveAgentPrincipal(identityClient, id, orgId, { name: key, capabilities: [] }, service.deps.logger),
    );
    expect(loaded.status).toBe("active");
  }

  async function conversationWith(agentId: string): Promise<string> {
    const res = await msgApi("/api/conversations", { json: { type: "group", name: `with ${agentId}`, participants: [{ principalId: agentId }] } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  beforeAll(async () => {
    identity = await startIdentity();
    models = await spawnModels(identity);
    integrations = await spawnIntegrations(identity, models.url);
    const messagingPort = await freePort();
    service = await startAssistants(identity, { MESSAGING_SERVICE_URL: `http://127.0.0.1:${messagingPort}`, INTEGRATIONS_SERVICE_URL: integrations.url, ASSISTANTS_CLAIM_WINDOW_MS: "20" });
    await service.deps.start();
    messaging = await spawnMessaging(identity, messagingPort, `${service.base}/api/webhooks/messaging`);
    org = await makeOrg(identity);
    other = await makeOrg(identity);
    await installAssistant("helper", helperAgent, "symbia-tiny-test", 64);
    // Repeats its sentence until max tokens (about a minute and a half here) or a cancel.
    await installAssistant("looper", looperAgent, "symbia-tiny-test-loop", 100_000);
    socket = io(messaging.url, { auth: { token: org.owner.token, orgId: org.orgId }, transports: ["websocket"] });
    socket.onAny((name, payload) => events.push({ name, payload }));
    await until(() => socket.connected);
  }, 180_000);

  afterAll(async () => {
    socket?.close();
    await service?.close();
    await messaging?.stop();
    await integrations?.stop();
    await models?.stop();
    await identity?.stop();
  });

  it("a user's message fires the rule; the model's reply streams to the user's socket; the run and its steps are recorded", async () => {
    const conversationId = await conversationWith(helperAgent);
    const sent = await msgApi(`/api/conversations/${conversationId}/messages`, { json: { content: "Hi there, who are you?" } });
    expect(sent.status).toBe(201);
    const reply = await until(() => events.find((e) => e.name === "message:new" && e.payload.conversationId === conversationId && e.payload.sender.principalId === helperAgent)?.payload);
    expect(reply.content).toBe(TEST_MODEL_SENTENCE);
    expect(reply.replyTo).toBe(sent.body.id);
    const chunks = events.filter((e) => e.name === "message:stream" && e.payload.messageId === reply.id).map((e) => e.payload);
    // Deltas are joined while a chunk is in flight, so how many chunks depends on timing; order and text do not.
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.delta).join("")).toBe(TEST_MODEL_SENTENCE);

    const runs = await until(async () => {
      const r = await api(`/api/runs?conversationId=${conversationId}`);
      return r.body.items?.[0]?.status === "completed" ? r.body.items : null;
    });
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run).toMatchObject({ assistant: "assistants/helper", messageId: sent.body.id, trigger: "message.received", kind: "rules" });
    // One turn, one trace: the user's message, the run and the gateway's ledger share the trace id.
    expect(run.traceId).toBe(sent.body.traceId);
    const steps = await api(`/api/runs/${run.id}/steps`);
    expect(steps.body.items).toHaveLength(1);
    expect(steps.body.items[0]).toMatchObject({ seq: 1, path: "actions[0]", type: "llm.invoke", status: "succeeded" });
    expect(steps.body.items[0].output.content).toBe(TEST_MODEL_SENTENCE);
    const ledger = await until(async () => {
      const r = await call(`${integrations.url}/api/usage/records?runId=${run.id}`, { token: org.owner.token, headers: { "x-org-id": org.orgId } });
      return r.body.items?.length ? r.body.items : null;
    });
    expect(ledger[0]).toMatchObject({ principalId: helperAgent, callerId: "service:assistants", status: "ok", traceId: run.traceId });

    // The second turn carries the history (the earlier exchange) and still answers.
    const again = await msgApi(`/api/conversations/${conversationId}/messages`, { json: { content: "And again?" } });
    await until(() => events.find((e) => e.name === "message:new" && e.payload.replyTo === again.body.id && e.payload.sender.principalId === helperAgent));
    const record = await until(async () => {
      const r = await getConversation(service.deps.database, org.orgId, conversationId);
      return r.history.length === 4 ? r : null;
    });
    expect(record.history.map((h) => h.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(record.history[1]!.content).toBe(TEST_MODEL_SENTENCE);
  });

  it("cancel mid-stream stops the run and the model call upstream (the gateway's ledger says cancelled)", async () => {
    const conversationId = await conversationWith(looperAgent);
    const sent = await msgApi(`/api/conversations/${conversationId}/messages`, { json: { content: "Talk for a long time" } });
    const first = await until(() => events.find((e) => e.name === "message:stream" && e.payload.conversationId === conversationId)?.payload);
    const control = await msgApi(`/api/conversations/${conversationId}/control`, { json: { event: "cancel", messageId: first.messageId, reason: "enough" } });
    expect(control.status).toBe(201);
    const run = await until(async () => {
      const r = await api(`/api/runs?messageId=${sent.body.id}`);
      return r.body.items?.[0]?.status && r.body.items[0].status !== "running" ? r.body.items[0] : null;
    });
    expect(run.status).toBe("cancelled");
    const ledger = await until(async () => {
      const r = await call(`${integrations.url}/api/usage/records?runId=${run.id}`, { token: org.owner.token, headers: { "x-org-id": org.orgId } });
      return r.body.items?.length ? r.body.items : null;
    });
    expect(ledger[0].status).toBe("cancelled");
    const stored = await until(() => events.find((e) => e.name === "stream:ended" && e.payload.messageId === first.messageId)?.payload);
    expect(stored.reason ?? stored.state ?? "cancelled").toBeTruthy();
  });

  it("pause and resume keep the chunks in order", async () => {
    const conversationId = await conversationWith(looperAgent);
    const sent = await msgApi(`/api/conversations/${conversationId}/messages`, { json: { content: "Count slowly" } });
    const first = await until(() => events.find((e) => e.name === "message:stream" && e.payload.conversationId === conversationId)?.payload);
    expect((await msgApi(`/api/conversations/${conversationId}/control`, { json: { event: "pause", messageId: first.messageId } })).status).toBe(201);
    // The control reaches the assistants service through messaging's webhook.
    await until(() => service.deps.activeRuns.byStream(first.messageId)?.isPaused);
    const seenWhilePaused = events.filter((e) => e.name === "message:stream" && e.payload.messageId === first.messageId).length;
    expect((await msgApi(`/api/conversations/${conversationId}/control`, { json: { event: "resume", messageId: first.messageId } })).status).toBe(201);
    await until(() => events.filter((e) => e.name === "message:stream" && e.payload.messageId === first.messageId).length > seenWhilePaused + 3);
    expect((await msgApi(`/api/conversations/${conversationId}/control`, { json: { event: "cancel", messageId: first.messageId } })).status).toBe(201);
    const stored = await until(() => events.find((e) => e.name === "message:new" && e.payload.id === first.messageId)?.payload, 100);
    const chunks = events.filter((e) => e.name === "message:stream" && e.payload.messageId === first.messageId).map((e) => e.payload);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    // What the user saw, in order, is exactly the stored (cancelled) reply.
    expect(chunks.map((c) => c.delta).join("")).toBe(stored.content);
    expect(stored.content.startsWith(TEST_MODEL_SENTENCE)).toBe(true);
    expect(stored.replyTo).toBe(sent.body.id);
  });

  it("a handoff to a person silences the assistant until it is handed back", async () => {
    const conversationId = await conversationWith(helperAgent);
    expect((await msgApi(`/api/conversations/${conversationId}/control`, { json: { event: "handoff", to: org.owner.id, reason: "a human takes over" } })).status).toBe(201);
    await until(async () => (await getConversation(service.deps.database, org.orgId, conversationId)).state === "handoff_pending");
    const sent = await msgApi(`/api/conversations/${conversationId}/messages`, { json: { content: "Are you still there?" } });
    // The assistants service saw the message (it is in the history) and started nothing.
    await until(async () => (await getConversation(service.deps.database, org.orgId, conversationId)).history.some((h) => h.id === sent.body.id));
    expect((await api(`/api/runs?messageId=${sent.body.id}`)).body.items).toEqual([]);
    // Handed back to the assistant: it answers again.
    expect((await msgApi(`/api/conversations/${conversationId}/control`, { json: { event: "handoff", to: helperAgent } })).status).toBe(201);
    await until(async () => (await getConversation(service.deps.database, org.orgId, conversationId)).state === "ai_active");
    const back = await msgApi(`/api/conversations/${conversationId}/messages`, { json: { content: "Hello again" } });
    await until(() => events.find((e) => e.name === "message:new" && e.payload.replyTo === back.body.id && e.payload.sender.principalId === helperAgent));
  });

  it("runs and assistants are org-scoped; bad input is 400", async () => {
    const mine = await api("/api/runs");
    expect(mine.body.items.length).toBeGreaterThan(0);
    const runId = mine.body.items[0].id;
    expect((await api("/api/runs", { token: other.owner.token })).body.items).toEqual([]);
    expect((await api(`/api/runs/${runId}`, { token: other.owner.token })).status).toBe(404);
    expect((await api(`/api/runs/${runId}/steps`, { token: other.owner.token })).status).toBe(404);
    expect((await api("/api/assistants", { token: other.owner.token })).body.items).toEqual([]);
    expect((await api("/api/assistants/helper", { token: other.owner.token })).status).toBe(404);
    expect((await api("/api/assistants/helper")).body).toMatchObject({ key: "assistants/helper", agentId: helperAgent, status: "active" });
    expect((await api(`/api/assistants/${encodeURIComponent("assistants/helper")}`)).body.key).toBe("assistants/helper");
    expect((await api("/api/runs/not-a-run")).status).toBe(400);
    expect((await api("/api/runs?status=sleeping")).status).toBe(400);
    expect((await api("/api/runs")).status).toBe(200);
    expect((await call(`${service.base}/api/runs`)).status).toBe(401);
  });

  it("the webhook takes messaging's service principal only", async () => {
    const event = { id: "evt_x", type: "message.control", orgId: org.orgId, traceId: "trace-1234", principal: { id: org.owner.id, type: "user", entityId: "ent_x" }, target: null, occurredAt: new Date().toISOString(), data: {} };
    expect((await api("/api/webhooks/messaging", { json: event })).status).toBe(400);
    const token = await identity.serviceLogin("runtime").getToken();
    const valid = { ...event, data: { id: randomUUID(), conversationId: randomUUID(), event: "pause", messageId: null, cancelled: [], to: null, reason: null, priority: null, by: { principalId: org.owner.id, principalType: "user", entityId: "ent_x" }, at: new Date().toISOString() } };
    expect((await api("/api/webhooks/messaging", { json: valid, token })).status).toBe(403);
    expect((await api("/api/webhooks/messaging", { json: valid, token: org.owner.token })).status).toBe(403);
    const messagingToken = await identity.serviceLogin("messaging").getToken();
    expect((await api("/api/webhooks/messaging", { json: valid, token: messagingToken })).status).toBe(202);
  });
});
