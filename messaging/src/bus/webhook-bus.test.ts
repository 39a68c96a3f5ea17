import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger } from "@symbia/http";
import type { AssistantOutboundEvent } from "@symbia/messaging-client";
import { afterEach, describe, expect, it } from "vitest";
import { failoverBus, type AssistantBus } from "./assistant-bus.js";
import { webhookBus, webhookSignature } from "./webhook-bus.js";

const logger = createLogger({ service: "messaging", level: "silent" });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** A real HTTP receiver answering with the given statuses in turn. */
async function receiver(statuses: number[]) {
  const seen: { headers: IncomingMessage["headers"]; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += String(d)));
    req.on("end", () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(statuses[Math.min(seen.length - 1, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen };
}

const event = {
  id: "evt_1",
  type: "message.control",
  orgId: "org",
  traceId: "0123456789abcdef0123456789abcdef",
  principal: { id: "u1", type: "user", entityId: "ent_u1" },
  target: "assistant:a",
  occurredAt: new Date(0).toISOString(),
  data: { id: "00000000-0000-4000-8000-000000000001", conversationId: "00000000-0000-4000-8000-000000000002", event: "pause", messageId: null, cancelled: [], to: null, reason: null, priority: null, by: { principalId: "u1", principalType: "user", entityId: "ent_u1" }, at: new Date(0).toISOString() },
} satisfies AssistantOutboundEvent;

describe("webhookBus", () => {
  it("POSTs the event with its type, id and an HMAC signature over timestamp and body", async () => {
    const hook = await receiver([200]);
    const bus = webhookBus({ url: hook.url, secret: "s".repeat(32), timeoutMs: 2_000, retries: 0, logger, auth: { getToken: async () => "service-token" } });
    expect(await bus.publish(event)).toEqual({ delivered: true, via: "webhook" });
    const [got] = hook.seen;
    expect(JSON.parse(got!.body)).toEqual(event);
    expect(got!.headers).toMatchObject({ "x-symbia-event": "message.control", "x-symbia-event-id": "evt_1", authorization: "Bearer service-token" });
    expect(got!.headers["x-symbia-signature"]).toBe(webhookSignature("s".repeat(32), String(got!.headers["x-symbia-timestamp"]), got!.body));
  });

  it("retries 5xx answers and gives up on 4xx", async () => {
    const flaky = await receiver([503, 502, 200]);
    expect(await webhookBus({ url: flaky.url, timeoutMs: 2_000, retries: 3, logger }).publish(event)).toMatchObject({ delivered: true });
    expect(flaky.seen).toHaveLength(3);
    const refusing = await receiver([400]);
    expect(await webhookBus({ url: refusing.url, timeoutMs: 2_000, retries: 3, logger }).publish(event)).toMatchObject({ delivered: false, error: "webhook answered 400" });
    expect(refusing.seen).toHaveLength(1);
  });
});

describe("failoverBus", () => {
  it("uses the first available transport and falls back when it fails", async () => {
    const calls: string[] = [];
    const fake = (name: string, up: boolean, ok: boolean): AssistantBus => ({
      name,
      publish: async () => (calls.push(name), { delivered: ok, via: "relay" }),
      onInbound() {},
      available: () => up,
      close: async () => {},
    });
    const hook = await receiver([200]);
    const webhook = webhookBus({ url: hook.url, timeoutMs: 2_000, retries: 0, logger });
    expect(await failoverBus([fake("down", false, true), webhook]).publish(event)).toMatchObject({ delivered: true, via: "webhook" });
    expect(await failoverBus([fake("refusing", true, false), webhook]).publish(event)).toMatchObject({ delivered: true, via: "webhook" });
    expect(await failoverBus([fake("up", true, true), webhook]).publish(event)).toMatchObject({ delivered: true, via: "relay" });
    expect(calls).toEqual(["refusing", "up"]);
    expect(hook.seen).toHaveLength(2);
  });
});
