import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import { MessagingClient, MessagingError, connectMessaging, type Message, type MessagingSocket } from "@symbia/messaging-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, agentId, registerAgent, registerOwner, sleep, startMessaging, type Member, type TestMessaging } from "./harness.js";

// @symbia/messaging-client against the real service: REST, sockets with a token or an API key,
// streams, control, and recovery after a reconnection.
let identity: IdentityProcess;
let messaging: TestMessaging;
let alice: Member;
let bob: Member;
let carol: Member;
let agent: Member;
const clients: MessagingSocket[] = [];

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser();
  alice = await registerOwner(identity, "Alice");
  carol = await registerOwner(identity, "Carol");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  agent = await registerAgent(identity, alice, agentId("client"));
  messaging = await startMessaging(identity);
}, 120_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await messaging?.close();
  await identity?.stop();
});

async function socketClient(who: Member | { apiKey: string }) {
  const client = await connectMessaging({ url: messaging.url, credentials: "apiKey" in who ? who : { token: who.token }, io: { reconnectionDelay: 50, reconnectionDelayMax: 200 } });
  clients.push(client);
  return client;
}

describe("MessagingClient (REST)", () => {
  it("creates, sends idempotently, pages and maps errors to MessagingError", async () => {
    const client = new MessagingClient({ baseUrl: messaging.url, credentials: { token: async () => alice.token } });
    const conv = await client.createConversation({ type: "group", name: "Client", participants: [{ principalId: bob.id }] });
    expect(conv.name).toBe("Client");
    const first = await client.sendMessage(conv.id, { content: "one", clientId: "k1" });
    const again = await client.sendMessage(conv.id, { content: "one", clientId: "k1" });
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ message: first.message, replayed: true });
    await client.sendMessage(conv.id, { content: "two" });
    expect((await client.listMessages(conv.id, { after: 0 })).items.map((m) => m.content)).toEqual(["one", "two"]);
    expect((await client.listParticipants(conv.id)).map((p) => p.principalId)).toEqual([alice.id, bob.id]);
    const error = await client.control(conv.id, { event: "pause" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessagingError);
    expect(error).toMatchObject({ code: "conflict", status: 409 });
    const foreign = new MessagingClient({ baseUrl: messaging.url, credentials: { token: carol.token } });
    await expect(foreign.getConversation(conv.id)).rejects.toMatchObject({ code: "not_found", status: 404 });
  });
});

describe("MessagingSocket", () => {
  it("connects with an API key as well as a token, and refuses bad credentials", async () => {
    const key = await identity.call("/api/api-keys", { token: bob.token, orgId: alice.orgId, json: { name: "client test", scopes: ["cap:messaging.read", "cap:messaging.send"] } });
    expect(key.status).toBe(201);
    const conv = await new MessagingClient({ baseUrl: messaging.url, credentials: { token: alice.token } }).createConversation({ type: "private", participants: [{ principalId: bob.id }] });
    const viaKey = await socketClient({ apiKey: key.body.key });
    const sent = await viaKey.send(conv.id, { content: "sent with an API key" });
    expect(sent.sender.principalId).toBe(bob.id);
    expect(sent.clientId).toMatch(/^[0-9a-f-]{36}$/);
    // The key's scopes narrow: no cap:messaging.interrupt.
    await expect(viaKey.control(conv.id, { event: "pause" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(connectMessaging({ url: messaging.url, credentials: { apiKey: "sk_not_a_key" } })).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(connectMessaging({ url: messaging.url, credentials: { token: alice.token }, orgId: carol.orgId })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("streams a reply with streamReply and hears controls addressed to the agent", async () => {
    const conv = await new MessagingClient({ baseUrl: messaging.url, credentials: { token: alice.token } }).createConversation({ type: "group", participants: [{ principalId: agent.id }, { principalId: bob.id }] });
    const assistant = await socketClient(agent);
    const viewer = await socketClient(bob);
    const chunks: string[] = [];
    viewer.on("chunk", (c) => chunks.push(c.delta));
    const controls: string[] = [];
    assistant.on("control", (n) => controls.push(n.event));
    const reply = await assistant.streamReply(conv.id, { contentType: "markdown" });
    await reply.write("Hello ");
    await viewer.control(conv.id, { event: "pause" });
    expect((await reply.write("world")).outcome).toBe("held");
    expect((await reply.end()).state).toBe("pending");
    await viewer.control(conv.id, { event: "resume" });
    for (let i = 0; i < 50 && chunks.length < 2; i++) await sleep(20);
    expect(chunks).toEqual(["Hello ", "world"]);
    expect(controls).toEqual(["pause", "resume"]);
    const stored = await new MessagingClient({ baseUrl: messaging.url, credentials: { token: bob.token } }).getMessage(conv.id, reply.messageId);
    expect(stored).toMatchObject({ content: "Hello world", contentType: "markdown", status: "complete" });
  });

  it("after a disconnection, delivers every missed message once and in order (50 sent while away, more during recovery)", async () => {
    const rest = new MessagingClient({ baseUrl: messaging.url, credentials: { token: alice.token } });
    const conv = await rest.createConversation({ type: "group", participants: [{ principalId: bob.id }] });
    const bobClient = await socketClient(bob);
    bobClient.track(conv.id, 0);
    const got: Message[] = [];
    bobClient.on("message", (m) => {
      if (m.conversationId === conv.id) got.push(m);
    });
    for (let i = 1; i <= 5; i++) await rest.sendMessage(conv.id, { content: `before ${i}` });
    for (let i = 0; i < 100 && got.length < 5; i++) await sleep(20);
    expect(got.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5]);

    bobClient.socket.disconnect();
    for (let i = 1; i <= 50; i++) await rest.sendMessage(conv.id, { content: `away ${i}` });
    const recovered = new Promise<{ messages: number }>((resolve) => bobClient.on("recovered", resolve));
    bobClient.socket.connect();
    // Messages keep coming while the client catches up.
    await Promise.all(Array.from({ length: 10 }, (_, i) => rest.sendMessage(conv.id, { content: `during ${i}` })));
    const summary = await recovered;
    expect(summary.messages).toBeGreaterThanOrEqual(50);
    for (let i = 0; i < 200 && got.length < 65; i++) await sleep(25);
    expect(got.map((m) => m.sequence)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    expect(got.slice(5, 55).map((m) => m.content)).toEqual(Array.from({ length: 50 }, (_, i) => `away ${i + 1}`));
    await sleep(300);
    expect(got).toHaveLength(65);
    expect(bobClient.positions()[conv.id]).toBe(65);
  });
});
