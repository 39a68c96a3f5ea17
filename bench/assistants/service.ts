/**
 * Message → first streamed chunk through the running stack: identity, models (its test model),
 * integrations and messaging as child processes, the assistants service in this process with one
 * assistant whose rule streams `llm.invoke`. A person's message is sent to messaging over REST;
 * the clock stops at the first `message:stream` chunk on the person's Socket.IO client. The
 * baseline is the same model's first delta straight from integrations (`execute`, stream) for the
 * same prompt: what the assistants hop (webhook, rule, turn claim, run row, execute, stream
 * forwarding, messaging) adds on top. Samples are sequential; each waits for the whole reply.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { IdentityClient } from "@symbia/id";
import { io } from "socket.io-client";
import { resolveAgentPrincipal } from "../../assistants/src/catalog/catalog-loader.js";
import { call, makeOrg, startAssistants, startIdentity } from "../../assistants/test/fixture.js";
import { freePort, spawnIntegrations, spawnMessaging, spawnModels } from "../../assistants/test/processes.js";

/** What {@link measureService} measured, in ms. */
export interface ServiceSamples {
  firstChunk: number[];
  gatewayFirstDelta: number[];
  claimWindowMs: number;
}

async function until<T>(check: () => T | undefined | null | false, everyMs = 2): Promise<T> {
  for (;;) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs `samples` turns (after `warmup`) and the same number of direct gateway calls. */
export async function measureService(samples: number, warmup: number, claimWindowMs: number): Promise<ServiceSamples> {
  const identity = await startIdentity();
  const models = await spawnModels(identity);
  const integrations = await spawnIntegrations(identity, models.url);
  const messagingPort = await freePort();
  const service = await startAssistants(identity, { MESSAGING_SERVICE_URL: `http://127.0.0.1:${messagingPort}`, INTEGRATIONS_SERVICE_URL: integrations.url, ASSISTANTS_CLAIM_WINDOW_MS: String(claimWindowMs) });
  const messaging = await spawnMessaging(identity, messagingPort, `${service.base}/api/webhooks/messaging`);
  try {
    await service.deps.start();
    const org = await makeOrg(identity);
    const agentId = `assistant:bench-${randomBytes(3).toString("hex")}`;
    await identity.call("/api/agents", { json: { agentId, name: "bench", capabilities: ["cap:messaging.send"] }, token: org.owner.token, orgId: org.orgId });
    const body = {
      principal: { agentId, capabilities: ["cap:messaging.send"] },
      rules: { rules: [{ id: "reply", trigger: "message.received", actions: [{ type: "llm.invoke", params: { prompt: "{{message.content}}" } }] }] },
      model: { provider: "symbia-labs", model: "symbia-tiny-test", parameters: { maxTokens: 64 } },
    };
    const identityClient = new IdentityClient(identity.url, service.deps.session!);
    await service.deps.registry.install({ orgId: org.orgId, key: "assistants/bench", resourceId: randomUUID(), name: "bench", version: 1, digest: `sha256:${"0".repeat(63)}7`, body }, (id, orgId) =>
      resolveAgentPrincipal(identityClient, id, orgId, { name: "bench", capabilities: [] }, service.deps.logger),
    );
    const conversation = await call(`${messaging.url}/api/conversations`, { token: org.owner.token, json: { type: "group", name: "bench", participants: [{ principalId: agentId }] } });
    const conversationId: string = conversation.body.id;
    const socket = io(messaging.url, { auth: { token: org.owner.token, orgId: org.orgId }, transports: ["websocket"] });
    let firstChunkAt = 0;
    let endedCount = 0;
    socket.on("message:stream", (chunk: { conversationId: string }) => {
      if (chunk.conversationId === conversationId && !firstChunkAt) firstChunkAt = performance.now();
    });
    socket.on("message:new", (m: { conversationId: string; sender: { principalType: string } }) => {
      if (m.conversationId === conversationId && m.sender.principalType === "agent") endedCount += 1;
    });
    await until(() => socket.connected);
    const firstChunk: number[] = [];
    for (let i = 0; i < warmup + samples; i += 1) {
      firstChunkAt = 0;
      const ended = endedCount;
      const t0 = performance.now();
      await call(`${messaging.url}/api/conversations/${conversationId}/messages`, { token: org.owner.token, json: { content: `Hello ${i}` } });
      await until(() => firstChunkAt);
      if (i >= warmup) firstChunk.push(firstChunkAt - t0);
      await until(() => endedCount > ended);
    }
    socket.close();

    const gatewayFirstDelta: number[] = [];
    for (let i = 0; i < warmup + samples; i += 1) {
      const t0 = performance.now();
      const res = await fetch(`${integrations.url}/api/integrations/execute`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${org.owner.token}`, "x-org-id": org.orgId },
        body: JSON.stringify({ provider: "symbia-labs", model: "symbia-tiny-test", operation: "chat", stream: true, params: { messages: [{ role: "user", content: `Hello ${i}` }], maxTokens: 64 } }),
      });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      let first = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (value) text += decoder.decode(value, { stream: true });
        if (!first && /event: ?delta|"type":"delta"/.test(text)) first = performance.now();
        if (done) break;
      }
      if (!first) throw new Error(`integrations answered ${res.status} without a delta: ${text.slice(0, 300)}`);
      if (i >= warmup) gatewayFirstDelta.push(first - t0);
    }
    return { firstChunk, gatewayFirstDelta, claimWindowMs };
  } finally {
    await service.close();
    await messaging.stop();
    await integrations.stop();
    await models.stop();
    await identity.stop();
  }
}
