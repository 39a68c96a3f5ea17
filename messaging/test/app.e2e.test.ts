import { validate as validateOpenApi } from "@readme/openapi-parser";
import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, connect, record, startMessaging, type TestMessaging } from "./harness.js";

let identity: IdentityProcess;
let messaging: TestMessaging;

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser(); // the super admin, kept out of the tests
  messaging = await startMessaging(identity);
}, 120_000);
afterAll(async () => {
  await messaging?.close();
  await identity?.stop();
});

describe("messaging service", () => {
  it("is ready, and documents its routes (valid OpenAPI 3.1) and socket events", async () => {
    expect((await api(messaging.url, "/health/ready")).status).toBe(200);
    const doc = await api(messaging.url, "/docs/openapi.json");
    expect(doc.status).toBe(200);
    const result = await validateOpenApi(structuredClone(doc.body));
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(["/api/conversations/{id}/control", "/api/messaging/send", "/api/conversations/{id}/messages"]));
    const bootstrap = await api(messaging.url, "/api/bootstrap/service");
    expect(bootstrap.body.socketEvents.map((e: { event: string }) => e.event).sort()).toEqual(
      ["conversation:list", "conversation:sync", "control:send", "message:delete", "message:edit", "message:read", "message:send", "presence:list", "presence:set", "stream:chunk", "stream:end", "stream:start", "typing:start", "typing:stop"].sort(),
    );
  });

  it("stores the active reply as cancelled when it shuts down, before its sockets close", async () => {
    const second = await startMessaging(identity);
    const owner = await identity.registerUser();
    const conv = (await api(second.url, "/api/conversations", { token: owner.token, json: { type: "group" } })).body.id;
    const socket = await connect(second.url, { token: owner.token });
    const stored = record(socket, "message:new");
    const stream = await api(second.url, `/api/conversations/${conv}/streams`, { token: owner.token, json: {} });
    await api(second.url, `/api/conversations/${conv}/streams/${stream.body.messageId}/chunks`, { token: owner.token, json: { index: 0, delta: "unfinished" } });
    await second.close();
    await stored.until((items) => items.length > 0, 3_000);
    expect(stored.items).toEqual([expect.objectContaining({ id: stream.body.messageId, status: "cancelled", content: "unfinished", metadata: { cancelled: expect.objectContaining({ reason: "shutdown" }) } })]);
    socket.disconnect();
  });
});
