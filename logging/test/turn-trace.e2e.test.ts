import { randomBytes } from "node:crypto";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { connectRelay, defineHandler, type ReceivedEvent, type RelayClient } from "@symbia/relay";
import { CAPABILITIES } from "@symbia/sys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { call, startLogging, type TestLogging } from "./harness.js";
import { freePort, spawnModels, spawnProgram, TEST_MODEL_SENTENCE, type ServiceProcess } from "./programs.js";

// One user turn as one trace (ARCHITECTURE §4 "Observability of ourselves"): identity, network,
// messaging, integrations and models run as programs with telemetry on and a short flush
// interval, shipping to a real logging service. A relay node `service:assistants` stands in for
// the assistants service: on `message.new` it calls integrations with the envelope's trace id in
// `X-Trace-Id` (as assistants does), then streams the answer back over the relay. Logging's
// `GET /api/traces/:traceId` must then show the turn across the services, with its parent links.

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let identity: IdentityProcess;
let logging: TestLogging;
let network: ServiceProcess;
let messaging: ServiceProcess;
let integrations: ServiceProcess;
let models: ServiceProcess;
let assistants: RelayClient;
let owner: { token: string; orgId: string; id: string };
let agent: { id: string; entityId: string };
const answered: { eventId: string; traceId: string; status: number; content?: string }[] = [];

/** What the assistants service does with a turn: one LLM call through integrations, the answer streamed back. */
async function answer(event: ReceivedEvent<any>) {
  if (event.data.type !== "message.new" || event.data.target !== agent.id) return;
  const { message } = event.data.data;
  const serviceToken = await identity.serviceLogin("assistants").getToken();
  const res = await fetch(`${integrations.url}/api/integrations/execute`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${serviceToken}`, "x-trace-id": event.traceId },
    body: JSON.stringify({ operation: "chat", provider: "symbia-labs", params: { messages: [{ role: "user", content: message.content }], temperature: 0 }, onBehalfOf: { principalId: agent.id, orgId: event.orgId } }),
  });
  const body = (await res.json()) as { content?: string };
  answered.push({ eventId: event.id, traceId: event.traceId, status: res.status, ...(body.content ? { content: body.content } : {}) });
  const speaker = { principal: { id: agent.id, type: "agent" as const, entityId: agent.entityId }, orgId: event.orgId, target: "service:messaging", causedBy: event.id };
  const messageId = crypto.randomUUID();
  await assistants.emit("message.stream.start", { conversationId: message.conversationId, messageId, replyTo: message.id }, speaker);
  await assistants.emit("message.stream.chunk", { messageId, index: 0, delta: body.content ?? "(no answer)" }, speaker);
  await assistants.emit("message.stream.end", { messageId, chunks: 1 }, speaker);
}

beforeAll(async () => {
  const loggingPort = await freePort();
  const telemetry = { TELEMETRY_ENABLED: "true", LOGGING_SERVICE_URL: `http://127.0.0.1:${loggingPort}`, TELEMETRY_FLUSH_MS: "100" };
  identity = await spawnIdentity(telemetry);
  logging = await startLogging(identity, { port: loggingPort });
  await identity.registerUser({ orgName: "Platform admins" });
  const user = await identity.registerUser({ orgName: "Turn org" });
  owner = { token: user.token, orgId: user.orgId, id: user.principal.id };
  const agentId = `assistant:tracer-${hex(3)}`;
  const created = await identity.call("/api/agents", { token: owner.token, orgId: owner.orgId, json: { agentId, name: agentId, capabilities: [CAPABILITIES.messaging.read, CAPABILITIES.messaging.send] } });
  if (created.status !== 201) throw new Error(`agent registration failed: ${created.status} ${JSON.stringify(created.body)}`);
  agent = { id: agentId, entityId: created.body.agent.entityId };

  [network, models] = await Promise.all([
    spawnProgram("network", identity, { ...telemetry, NETWORK_HASH_SECRET: hex(32), NETWORK_HEARTBEAT_INTERVAL_MS: "500", NETWORK_HEARTBEAT_TIMEOUT_MS: "3000" }),
    spawnModels(identity, telemetry),
  ]);
  [messaging, integrations] = await Promise.all([
    spawnProgram("messaging", identity, { ...telemetry, MESSAGING_RELAY: "true", NETWORK_SERVICE_URL: network.url, MESSAGING_ASSISTANT_WEBHOOK_URL: "http://127.0.0.1:9/webhook", MESSAGING_WEBHOOK_RETRIES: "0" }),
    spawnProgram("integrations", identity, { ...telemetry, MODELS_SERVICE_URL: models.url, INTEGRATIONS_MODEL_CONFIG: "env", INTEGRATIONS_DEFAULT_PROVIDER: "symbia-labs", INTEGRATIONS_TIMEOUT_MS: "60000", INTEGRATIONS_RELAY: "true", NETWORK_SERVICE_URL: network.url }),
  ]);
  assistants = connectRelay({
    networkUrl: network.url,
    nodeId: "service:assistants",
    type: "service",
    credentials: identity.serviceLogin("assistants"),
    handlers: { "message.new": defineHandler(z.any(), (event) => void answer(event).catch((error: unknown) => answered.push({ eventId: event.id, traceId: event.traceId, status: 0, content: String(error) }))) },
  });
  await assistants.ready();
  // Messaging joins the relay after it listens: wait until its readiness shows the node registered.
  for (let i = 0; i < 200; i++) {
    const ready = await call(`${messaging.url}/health/ready`);
    if (ready.body?.relay?.registered) break;
    await sleep(50);
  }
}, 180_000);

afterAll(async () => {
  await assistants?.close();
  await Promise.allSettled([messaging?.stop(), integrations?.stop()]);
  await Promise.allSettled([network?.stop(), models?.stop()]);
  await logging?.close();
  await identity?.stop();
});

type SpanNode = { spanId: string; parentSpanId: string | null; name: string; kind: string; service: string; status: string; orgId: string; attributes: Record<string, unknown>; children: SpanNode[] };

function flatten(nodes: SpanNode[]): SpanNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

describe("one user turn is one trace in logging", () => {
  it("follows the message through messaging, the network relay, integrations and models, with parent links", async () => {
    const conversation = await call(`${messaging.url}/api/conversations`, { token: owner.token, json: { type: "private", participants: [{ principalId: agent.id }] } });
    expect(conversation.status).toBe(201);
    const traceId = hex(16);
    const callerSpan = hex(8);
    const sent = await call(`${messaging.url}/api/conversations/${conversation.body.id}/messages`, { token: owner.token, json: { content: "trace me" }, headers: { traceparent: `00-${traceId}-${callerSpan}-01` } });
    expect(sent.status).toBe(201);
    expect(sent.body.traceId).toBe(traceId);

    // The reply comes back through messaging in the same trace.
    let reply: any;
    for (let i = 0; i < 600 && !reply; i++) {
      const page = await call(`${messaging.url}/api/conversations/${conversation.body.id}/messages`, { token: owner.token });
      reply = page.body.items?.find((m: any) => m.replyTo === sent.body.id && m.status === "complete");
      if (!reply) await sleep(100);
    }
    expect(answered).toContainEqual(expect.objectContaining({ traceId, status: 200, content: TEST_MODEL_SENTENCE }));
    expect(reply).toMatchObject({ content: TEST_MODEL_SENTENCE, traceId, sender: { principalId: agent.id } });

    // Every service flushes on its own timer: wait until each hop has arrived.
    const wanted = (spans: SpanNode[]) =>
      ["messaging", "network", "integrations", "models"].every((s) => spans.some((x) => x.service === s)) &&
      spans.some((x) => x.service === "messaging" && x.name === "receive message.stream.end") &&
      spans.filter((x) => x.service === "network" && x.name.startsWith("send ")).length >= 4;
    let view: any;
    for (let i = 0; i < 150; i++) {
      const res = await call(`${logging.url}/api/traces/${traceId}`, { token: owner.token });
      if (res.status === 200 && wanted(flatten(res.body.roots))) {
        view = res.body;
        break;
      }
      await sleep(200);
    }
    expect(view, "the turn's trace with spans from messaging, network, integrations and models").toBeDefined();
    const spans = flatten(view.roots);
    expect(view.services).toEqual(expect.arrayContaining(["messaging", "network", "integrations", "models"]));
    expect(spans.every((s) => s.orgId === owner.orgId)).toBe(true);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const one = (service: string, name: string) => {
      const found = spans.filter((s) => s.service === service && s.name === name);
      expect(found, `${service}: ${name}`).toHaveLength(1);
      return found[0]!;
    };

    // messaging: the request (child of the caller's span), then the producer hop under it.
    const request = one("messaging", "POST /api/conversations/:id/messages");
    expect(request).toMatchObject({ kind: "server", parentSpanId: callerSpan });
    // (The reply is a message too: messaging announces it with its own message.new, untargeted.)
    const sendNew = spans.find((s) => s.service === "messaging" && s.name === "send message.new" && s.attributes["symbia.message.id"] === sent.body.id)!;
    expect(sendNew).toMatchObject({ kind: "producer", parentSpanId: request.spanId, attributes: { "symbia.relay.event_type": "message.new", "symbia.relay.source": "service:messaging", "symbia.relay.target": agent.id, "symbia.message.id": sent.body.id, "symbia.bus.via": "relay", "symbia.bus.delivered": true } });

    // network: the routing of message.new, and its delivery to the assistants node under it.
    const routed = spans.filter((s) => s.service === "network" && s.name === "receive message.new");
    expect(routed.length).toBeGreaterThan(0);
    for (const r of routed) expect(r).toMatchObject({ kind: "consumer", parentSpanId: null, attributes: { "symbia.relay.source": "service:messaging", "symbia.relay.status": "delivered" } });
    const deliveries = spans.filter((s) => s.service === "network" && s.name === "send message.new");
    expect(deliveries.length).toBe(routed.length);
    for (const d of deliveries) {
      expect(d).toMatchObject({ kind: "producer", attributes: { "symbia.relay.target": "service:assistants", "symbia.relay.delivered": true } });
      expect(routed.map((r) => r.spanId)).toContain(d.parentSpanId);
    }
    for (const type of ["message.stream.start", "message.stream.chunk", "message.stream.end"]) {
      const hop = one("network", `send ${type}`);
      expect(hop.attributes).toMatchObject({ "symbia.relay.source": "service:assistants", "symbia.relay.target": "service:messaging" });
      expect(byId.get(hop.parentSpanId!)).toMatchObject({ service: "network", name: `receive ${type}` });
      // messaging handled each of them in the same trace.
      expect(one("messaging", `receive ${type}`)).toMatchObject({ kind: "consumer", status: "unset", attributes: { "symbia.bus.via": "relay", "symbia.relay.source": "service:assistants" } });
    }

    // integrations: the gateway request (the stand-in sent only X-Trace-Id: a root), the LLM call
    // under it with OpenTelemetry GenAI attributes, and the models service's request under that.
    const gateway = one("integrations", "POST /api/integrations/execute");
    expect(gateway.parentSpanId).toBeNull();
    const llm = one("integrations", "llm.call");
    expect(llm).toMatchObject({
      kind: "client",
      parentSpanId: gateway.spanId,
      status: "ok",
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "symbia-labs",
        "gen_ai.request.model": "symbia-tiny-test",
        "gen_ai.request.temperature": 0,
        "gen_ai.usage.output_tokens": 14,
        "gen_ai.response.finish_reasons": ["stop"],
      },
    });
    expect(llm.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    const inference = one("models", "POST /v1/chat/completions");
    expect(inference).toMatchObject({ kind: "server", parentSpanId: llm.spanId, attributes: { "http.response.status_code": 200 } });
  }, 120_000);

  it("keeps a trace to its tenant: another org does not see it", async () => {
    const other = await identity.registerUser({ orgName: "Other org" });
    const spans = await call(`${logging.url}/api/spans?service=messaging&name=send%20message.new`, { token: owner.token });
    expect(spans.body.items.length).toBeGreaterThan(0);
    const res = await call(`${logging.url}/api/traces/${spans.body.items[0].traceId}`, { token: other.token });
    expect(res.status).toBe(404);
  });

  it("refuses a malformed trace id", async () => {
    const res = await call(`${logging.url}/api/traces/${encodeURIComponent("not a trace!")}`, { token: owner.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });
});
