import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoServer } from "../test/fixture.js";
import { start } from "../test/helpers.js";

const server = buildDemoServer();
let base: string;
const sockets: Socket[] = [];
beforeAll(async () => {
  base = await start(server);
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await server.shutdown("test end");
});

function open(token?: string): Promise<Socket> {
  const socket = connect(base, { transports: ["websocket"], reconnection: false, ...(token ? { auth: { token } } : {}) });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

describe("Socket.IO", () => {
  it("refuses a connection without credentials", async () => {
    await expect(open()).rejects.toMatchObject({ message: "unauthenticated" });
    await expect(open("mallory")).rejects.toMatchObject({ message: "invalid token" });
  });

  it("acks a valid event with {ok: true, data}", async () => {
    const socket = await open("alice");
    const ack = await socket.emitWithAck("widget:create", { name: "sock", size: 3, owner: { email: "a@example.com" } });
    expect(ack).toEqual({ ok: true, data: { id: "w2", name: "sock", by: "u-alice" } });
  });

  it("acks a bad payload with the REST error envelope and failing paths", async () => {
    const socket = await open("alice");
    const ack = await socket.emitWithAck("widget:create", { name: 42, size: -1 });
    expect(ack.ok).toBe(false);
    expect(ack.error.code).toBe("validation_failed");
    expect(ack.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(["payload.name", "payload.owner", "payload.size"]);
    const none = await socket.emitWithAck("widget:create");
    expect(none.error.code).toBe("validation_failed");
  });

  it("acks forbidden when the principal lacks the event's entitlement", async () => {
    const socket = await open("bob");
    const ack = await socket.emitWithAck("widget:create", { name: "x", size: 1, owner: { email: "b@example.com" } });
    expect(ack).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });

  it("rate-limits an event per socket", async () => {
    const socket = await open("bob");
    const acks = [];
    for (let i = 0; i < 3; i++) acks.push(await socket.emitWithAck("widget:ping", { n: i }));
    expect(acks.map((a) => a.ok)).toEqual([true, true, false]);
    expect(acks[2].error.code).toBe("rate_limited");
  });
});
