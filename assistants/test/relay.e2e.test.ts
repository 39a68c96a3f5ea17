import { randomBytes, randomUUID } from "node:crypto";
import { IdentityClient } from "@symbia/id";
import type { IdentityProcess } from "@symbia/id/testing";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAgentPrincipal } from "../src/catalog/catalog-loader.js";
import { call, makeOrg, startAssistants, startIdentity, type AssistantsService, type TestOrg } from "./fixture.js";
import { freePort, spawnIntegrations, spawnModels, spawnService, TEST_MODEL_SENTENCE, type ServiceProcess } from "./processes.js";

async function until<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, everyMs = 50): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe("the assistant bus over the network relay (no webhook)", () => {
  let identity: IdentityProcess;
  let network: ServiceProcess;
  let models: ServiceProcess;
  let integrations: ServiceProcess;
  let messaging: ServiceProcess;
  let service: AssistantsService;
  let org: TestOrg;
  let socket: Socket;
  const events: Array<{ name: string; payload: any }> = [];
  const agentId = `assistant:relayed-${randomBytes(3).toString("hex")}`;

  beforeAll(async () => {
    identity = await startIdentity();
    network = await spawnService("network", {
      NETWORK_PORT: "0", NETWORK_USE_MEMORY_DB: "true", RATE_LIMIT_POINTS: "1000000", IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer,
      NETWORK_SERVICE_SECRET: identity.serviceSecrets.network!, NETWORK_HASH_SECRET: randomBytes(32).toString("hex"), NETWORK_HEARTBEAT_INTERVAL_MS: "500", NETWORK_HEARTBEAT_TIMEOUT_MS: "3000",
    });
    models = await spawnModels(identity);
    integrations = await spawnIntegrations(identity, models.url);
    const messagingPort = await freePort();
    service = await startAssistants(identity, { ASSISTANTS_RELAY: "true", NETWORK_SERVICE_URL: network.url, MESSAGING_SERVICE_URL: `http://127.0.0.1:${messagingPort}`, INTEGRATIONS_SERVICE_URL: integrations.url, ASSISTANTS_CLAIM_WINDOW_MS: "20" });
    await service.deps.start();
    // The webhook points nowhere: everything must go over the relay.
    messaging = await spawnService("messaging", {
      MESSAGING_PORT: String(messagingPort), IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer, MESSAGING_SERVICE_SECRET: identity.serviceSecrets.messaging!,
      MESSAGING_RELAY: "true", NETWORK_SERVICE_URL: network.url, MESSAGING_ASSISTANT_WEBHOOK_URL: "http://127.0.0.1:9/nowhere", MESSAGING_WEBHOOK_RETRIES: "0",
    });
    org = await makeOrg(identity);
    expect((await identity.call("/api/agents", { json: { agentId, name: "relayed", capabilities: ["cap:messaging.send"] }, token: org.owner.token, orgId: org.orgId })).status).toBe(201);
    const identityClient = new IdentityClient(identity.url, service.deps.session!);
    const body = {
      principal: { agentId, capabilities: ["cap:messaging.send"] },
      rules: { rules: [{ id: "reply", trigger: "message.received", actions: [{ type: "llm.invoke", params: { prompt: "{{message.content}}" } }] }] },
      model: { provider: "symbia-labs", model: "symbia-tiny-test", parameters: { maxTokens: 64 } },
    };
    const loaded = await service.deps.registry.install({ orgId: org.orgId, key: "assistants/relayed", resourceId: randomUUID(), name: "relayed", version: 1, digest: `sha256:${"0".repeat(63)}6`, body }, (id, orgId) =>
      resolveAgentPrincipal(identityClient, id, orgId, { name: "relayed", capabilities: [] }, service.deps.logger),
    );
    expect(loaded.status).toBe("active");
    await until(async () => (await call(`${messaging.url}/health/ready`)).body?.relay?.registered === true, 100);
    await until(() => service.deps.relay?.status().registered, 100);
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
    await network?.stop();
    await identity?.stop();
  });

  it("message.new arrives as a relay delivery; the streamed reply goes back over the relay", async () => {
    const conversation = await call(`${messaging.url}/api/conversations`, { token: org.owner.token, json: { type: "group", name: "relay", participants: [{ principalId: agentId }] } });
    expect(conversation.status).toBe(201);
    const sent = await call(`${messaging.url}/api/conversations/${conversation.body.id}/messages`, { token: org.owner.token, json: { content: "over the relay?" } });
    const reply = await until(() => events.find((e) => e.name === "message:new" && e.payload.replyTo === sent.body.id)?.payload);
    expect(reply.content).toBe(TEST_MODEL_SENTENCE);
    const status = service.deps.relay!.status();
    expect(status.received).toBeGreaterThan(0);
    expect(status.sent).toBeGreaterThan(2);
    const runs = await call(`${service.base}/api/runs?messageId=${sent.body.id}`, { token: org.owner.token });
    expect(runs.body.items[0]).toMatchObject({ status: "completed", traceId: sent.body.traceId });
    expect((await call(`${service.base}/health/ready`)).body.relay ?? (await call(`${service.base}/health/ready`)).body.checks?.relay).toBeTruthy();
  });
});
