import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createTestDatabase, type TestDatabase } from "@symbia/db/testing";
import { IdentityClient } from "@symbia/id";
import type { IdentityProcess } from "@symbia/id/testing";
import { eq } from "drizzle-orm";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAgentPrincipal } from "../src/catalog/catalog-loader.js";
import * as schema from "../src/db/schema.js";
import { migrationsDir } from "../src/deps.js";
import { call, makeOrg, startAssistants, startIdentity, type AssistantsService, type TestOrg } from "./fixture.js";
import { freePort, spawnMessaging, type ServiceProcess } from "./processes.js";

async function until<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, everyMs = 20): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A fan-out in front of two assistants processes: messaging's webhook events are delivered to both
 * (as the relay delivers an event to every node on a contract), and each delivery is counted when
 * both answered.
 */
function fanOut(targets: () => string[]): { server: Server; url: Promise<string>; done: Map<string, number> } {
  const done = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => ["authorization", "content-type", "x-symbia-event", "x-symbia-event-id", "x-symbia-timestamp", "x-symbia-signature", "traceparent", "x-trace-id"].includes(k))) as Record<string, string>;
      const answers = await Promise.all(targets().map((t) => fetch(`${t}/api/webhooks/messaging`, { method: "POST", headers, body }).then(async (r) => ({ status: r.status, body: await r.text() }), (error: Error) => ({ status: 503, body: JSON.stringify({ error: { code: "unavailable", message: error.message } }) }))));
      const id = String(req.headers["x-symbia-event-id"]);
      done.set(id, (done.get(id) ?? 0) + answers.length);
      const failed = answers.find((a) => a.status >= 300);
      res.writeHead(failed ? failed.status : 202, { "content-type": "application/json" }).end(failed ? failed.body : answers[0]!.body);
    });
  });
  const url = new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
  return { server, url, done };
}

describe("turn-taking across two assistants processes", () => {
  let identity: IdentityProcess;
  let messaging: ServiceProcess;
  let database: TestDatabase<typeof schema>;
  let a: AssistantsService;
  let b: AssistantsService;
  let org: TestOrg;
  let socket: Socket;
  const events: Array<{ name: string; payload: any }> = [];
  const suffix = randomBytes(3).toString("hex");
  const agents = { support: `assistant:support-${suffix}`, billing: `assistant:billing-${suffix}` };
  const proxy = fanOut(() => [a.base, b.base]);
  const msgApi = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${messaging.url}${path}`, { token: org.owner.token, ...init });

  beforeAll(async () => {
    identity = await startIdentity();
    database = await createTestDatabase({ service: "assistants", schema, migrationsDir });
    const messagingPort = await freePort();
    const env = { MESSAGING_SERVICE_URL: `http://127.0.0.1:${messagingPort}`, ASSISTANTS_CLAIM_WINDOW_MS: "30" };
    a = await startAssistants(identity, { ...env, ASSISTANTS_INSTANCE_ID: "proc-a" }, { database });
    b = await startAssistants(identity, { ...env, ASSISTANTS_INSTANCE_ID: "proc-b" }, { database });
    messaging = await spawnMessaging(identity, messagingPort, `${await proxy.url}/`);
    org = await makeOrg(identity);
    const identityClient = new IdentityClient(identity.url, a.deps.session!);
    for (const [name, agentId] of Object.entries(agents)) {
      expect((await identity.call("/api/agents", { json: { agentId, name, capabilities: ["cap:messaging.send"] }, token: org.owner.token, orgId: org.orgId })).status).toBe(201);
      // Both answer every message (same priority): the turn is decided between them and between the processes.
      const body = {
        principal: { agentId, capabilities: ["cap:messaging.send"] },
        rules: { rules: [{ id: "answer", trigger: "message.received", priority: name === "billing" ? 10 : 10, actions: [{ type: "message.send", params: { content: `${name} answers {{message.content}}` } }] }] },
        model: { provider: "symbia-labs", model: "symbia-tiny-test" },
      };
      const loaded = await a.deps.registry.install(
        { orgId: org.orgId, key: `assistants/${name}`, resourceId: randomUUID(), name, version: 1, digest: `sha256:${"0".repeat(63)}2`, body },
        (id, orgId) => resolveAgentPrincipal(identityClient, id, orgId, { name, capabilities: [] }, a.deps.logger),
      );
      expect(loaded.status).toBe("active");
    }
    await b.deps.registry.refresh();
    expect(b.deps.registry.list(org.orgId)).toHaveLength(2);
    socket = io(messaging.url, { auth: { token: org.owner.token, orgId: org.orgId }, transports: ["websocket"] });
    socket.onAny((name, payload) => events.push({ name, payload }));
    await until(() => socket.connected);
  }, 120_000);

  afterAll(async () => {
    socket?.close();
    await a?.close();
    await b?.close();
    await messaging?.stop();
    proxy.server.close();
    await database?.close();
    await identity?.stop();
  });

  it("one message both assistants (in both processes) could answer, 50 times: exactly one reply each time", async () => {
    const conversation = await msgApi("/api/conversations", { json: { type: "group", name: "two desks", participants: [{ principalId: agents.support }, { principalId: agents.billing }] } });
    expect(conversation.status).toBe(201);
    const conversationId = conversation.body.id;
    const winners = new Map<string, number>();
    const processes = new Map<string, number>();
    for (let i = 0; i < 50; i += 1) {
      const sent = await msgApi(`/api/conversations/${conversationId}/messages`, { json: { content: `question ${i}` } });
      expect(sent.status).toBe(201);
      // Wait until both processes handled the event and the winning run ended.
      await until(() => [...proxy.done.values()].length > 0 && database.db.select().from(schema.runs).where(eq(schema.runs.messageId, sent.body.id)).then((rows) => rows.length === 1 && rows[0]!.status !== "running"));
      await until(() => events.some((e) => e.name === "message:new" && e.payload.metadata?.runId && e.payload.conversationId === conversationId && e.payload.content?.endsWith(`question ${i}`)));
      const claims = await database.db.select().from(schema.turnClaims).where(eq(schema.turnClaims.messageId, sent.body.id));
      expect(claims).toHaveLength(1);
      const runs = await database.db.select().from(schema.runs).where(eq(schema.runs.messageId, sent.body.id));
      expect(runs).toHaveLength(1);
      expect(runs[0]!.status).toBe("completed");
      winners.set(claims[0]!.assistantKey, (winners.get(claims[0]!.assistantKey) ?? 0) + 1);
      processes.set(claims[0]!.instanceId, (processes.get(claims[0]!.instanceId) ?? 0) + 1);
      const bids = await database.db.select().from(schema.turnBids).where(eq(schema.turnBids.messageId, sent.body.id));
      expect(bids.map((x) => x.assistantKey).sort()).toEqual(["assistants/billing", "assistants/support"]);
      expect((claims[0]!.justification as { bids: unknown[] }).bids).toHaveLength(2);
    }
    // Exactly one reply per question, counted on the user's socket.
    const replies = events.filter((e) => e.name === "message:new" && e.payload.conversationId === conversationId && e.payload.sender.principalType === "agent");
    expect(replies).toHaveLength(50);
    for (let i = 0; i < 50; i += 1) expect(replies.filter((r) => r.payload.content.endsWith(` question ${i}`))).toHaveLength(1);
    // Equal priority and confidence: the earliest bid wins, then the key — some turns go to each process.
    expect([...winners.values()].reduce((x, y) => x + y, 0)).toBe(50);
    expect([...processes.keys()].every((p) => p === "proc-a" || p === "proc-b")).toBe(true);
  });

  it("the higher priority wins when one assistant is more specific", async () => {
    const conversation = await msgApi("/api/conversations", { json: { type: "group", name: "priorities", participants: [{ principalId: agents.support }, { principalId: agents.billing }] } });
    const identityClient = new IdentityClient(identity.url, a.deps.session!);
    const body = {
      principal: { agentId: agents.billing, capabilities: ["cap:messaging.send"] },
      rules: { rules: [
        { id: "refunds", trigger: "message.received", priority: 50, conditions: { field: "message.content", operator: "contains", value: "refund", ignoreCase: true }, actions: [{ type: "message.send", params: { content: "billing takes refunds" } }] },
        { id: "rest", trigger: "message.received", priority: 1, actions: [{ type: "message.send", params: { content: "billing answers {{message.content}}" } }] },
      ] },
      model: { provider: "symbia-labs", model: "symbia-tiny-test" },
    };
    await a.deps.registry.install({ orgId: org.orgId, key: "assistants/billing", resourceId: randomUUID(), name: "billing", version: 2, digest: `sha256:${"0".repeat(63)}3`, body }, (id, orgId) =>
      resolveAgentPrincipal(identityClient, id, orgId, { name: "billing", capabilities: [] }, a.deps.logger),
    );
    await b.deps.registry.refresh();
    const refund = await msgApi(`/api/conversations/${conversation.body.id}/messages`, { json: { content: "I want a REFUND" } });
    const reply = await until(() => events.find((e) => e.name === "message:new" && e.payload.replyTo === refund.body.id)?.payload);
    expect(reply.content).toBe("billing takes refunds");
    const other = await msgApi(`/api/conversations/${conversation.body.id}/messages`, { json: { content: "hello" } });
    const reply2 = await until(() => events.find((e) => e.name === "message:new" && e.payload.replyTo === other.body.id)?.payload);
    expect(reply2.content).toBe("support answers hello");
  });
});
