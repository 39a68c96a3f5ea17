import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket as ServerSocket } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import type { Message } from "./schemas/messages.js";
import { connectMessaging, type MessagingSocket } from "./socket.js";

// A bare Socket.IO server stands in for messaging's wire protocol: it emits message:new in the
// order a test chooses and answers conversation:sync from its own log.
const conversationId = "00000000-0000-4000-8000-0000000000c1";
const log: Message[] = Array.from({ length: 20 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`,
  conversationId,
  orgId: "org",
  sequence: i + 1,
  sender: { principalId: "u", principalType: "user", entityId: "ent_u" },
  clientId: null,
  content: `m${i + 1}`,
  contentType: "text",
  replyTo: null,
  metadata: {},
  priority: "normal",
  status: "complete",
  editedAt: null,
  deletedAt: null,
  traceId: null,
  createdAt: new Date(0).toISOString(),
}));

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function harness() {
  const http = createServer();
  const io = new Server(http);
  const syncs: unknown[] = [];
  let current: ServerSocket | undefined;
  io.on("connection", (socket) => {
    current = socket;
    socket.on("conversation:sync", (payload: { conversations: { conversationId: string; afterSequence: number }[] }, ack: (r: unknown) => void) => {
      syncs.push(payload);
      ack({
        ok: true,
        data: { items: payload.conversations.map((c) => ({ conversationId: c.conversationId, messages: log.filter((m) => m.sequence > c.afterSequence).slice(0, 5), hasMore: log.filter((m) => m.sequence > c.afterSequence).length > 5, lastSequence: 20 })) },
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  cleanup.push(() => new Promise<void>((r) => io.close(() => r())));
  const client = await connectMessaging({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, credentials: { token: "t" }, gapTimeoutMs: 50, io: { reconnectionDelay: 20, reconnectionDelayMax: 50 } });
  cleanup.push(() => client.close());
  const got: number[] = [];
  client.on("message", (m) => got.push(m.sequence));
  return { client, got, syncs, server: () => current!, io };
}

async function until(check: () => boolean, ms = 3_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("MessagingSocket ordered delivery", () => {
  it("reorders out-of-order arrivals and drops repeats", async () => {
    const { client, got, server } = await harness();
    client.track(conversationId, 0);
    for (const seq of [1, 3, 2, 2, 1, 4]) server().emit("message:new", log[seq - 1]);
    await until(() => got.length === 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it("fetches a gap that does not fill by itself", async () => {
    const { client, got, server, syncs } = await harness();
    client.track(conversationId, 0);
    for (const seq of [1, 2, 6]) server().emit("message:new", log[seq - 1]);
    await until(() => got.length >= 6);
    expect(got.slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(syncs[0]).toEqual({ conversations: [{ conversationId, afterSequence: 2 }] });
  });

  it("catches up after a reconnection, page by page, before anything newer", async () => {
    const { client, got, server } = await harness();
    client.track(conversationId, 0);
    server().emit("message:new", log[0]);
    await until(() => got.length === 1);
    const recovered = new Promise<{ messages: number }>((r) => client.on("recovered", r));
    server().conn.close();
    await until(() => client.socket.connected === false);
    await until(() => client.socket.connected);
    server().emit("message:new", log[19]);
    expect((await recovered).messages).toBe(19);
    await until(() => got.length === 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
