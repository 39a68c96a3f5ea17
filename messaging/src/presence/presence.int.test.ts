import { spawnIdentity, type IdentityProcess } from "@symbia/id/testing";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUserToOrg, api, connect, emitAck, record, registerOwner, sleep, startMessaging, type Member, type TestMessaging } from "../../test/harness.js";

let identity: IdentityProcess;
let messaging: TestMessaging;
let url: string;
let alice: Member;
let bob: Member;
let carol: Member; // org B
let erin: Member; // org B
let conv: string;
const sockets: Socket[] = [];

async function socketOf(who: Member, orgId?: string) {
  const s = await connect(url, who, orgId ? { orgId } : {});
  sockets.push(s);
  return s;
}

beforeAll(async () => {
  identity = await spawnIdentity();
  await identity.registerUser();
  alice = await registerOwner(identity, "Alice");
  carol = await registerOwner(identity, "Carol");
  bob = await addUserToOrg(identity, alice, "member", "Bob");
  erin = await addUserToOrg(identity, carol, "member", "Erin");
  messaging = await startMessaging(identity, { env: { MESSAGING_TYPING_TTL_MS: "400" } });
  url = messaging.url;
  conv = (await api(url, "/api/conversations", { token: alice.token, json: { type: "group", participants: [{ principalId: bob.id }] } })).body.id;
}, 120_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await messaging?.close();
  await identity?.stop();
});

describe("presence", () => {
  it("announces online, status changes and offline to the org only", async () => {
    const bobSocket = await socketOf(bob);
    const inOrg = record(bobSocket, "presence:updated");
    const otherOrg = record(await socketOf(erin), "presence:updated");
    const aliceSocket = await socketOf(alice);
    await inOrg.until((u) => u.some((e) => e.principalId === alice.id && e.status === "online"));
    const set = await emitAck(aliceSocket, "presence:set", { status: "busy" });
    expect(set).toMatchObject({ ok: true, data: { principalId: alice.id, status: "busy", orgId: alice.orgId } });
    await inOrg.until((u) => u.some((e) => e.principalId === alice.id && e.status === "busy"));
    const listed = await api(url, "/api/presence", { token: bob.token });
    expect(listed.body.items.find((e: any) => e.principalId === alice.id)).toMatchObject({ status: "busy", principalType: "user", entityId: alice.entityId });
    expect(listed.body.items.map((e: any) => e.principalId)).not.toContain(erin.id);
    aliceSocket.disconnect();
    await inOrg.until((u) => u.some((e) => e.principalId === alice.id && e.status === "offline"));
    await sleep(200);
    expect(otherOrg.items.filter((e) => e.orgId !== carol.orgId || e.principalId === alice.id || e.principalId === bob.id)).toEqual([]);
    const fromB = await api(url, "/api/presence", { token: carol.token });
    expect(fromB.body.items.map((e: any) => e.principalId)).not.toContain(bob.id);
  });

  it("stays online while another socket of the principal remains", async () => {
    const watcher = record(await socketOf(bob), "presence:updated");
    const first = await socketOf(alice);
    await socketOf(alice);
    first.disconnect();
    await sleep(300);
    expect(watcher.items.filter((e) => e.principalId === alice.id && e.status === "offline")).toEqual([]);
    const list = await emitAck(await socketOf(bob), "presence:list", {});
    expect((list as any).data.items.find((e: any) => e.principalId === alice.id)?.status).toBe("online");
  });
});

describe("typing", () => {
  it("tells the other participants, never the typer or another org, and expires by itself", async () => {
    const a = await socketOf(alice);
    const b = await socketOf(bob);
    const mine = record(a, "typing:started");
    const started = record(b, "typing:started");
    const stopped = record(b, "typing:stopped");
    const foreign = [record(await socketOf(carol), "typing:started"), record(await socketOf(erin), "typing:started")];
    expect(await emitAck(a, "typing:start", { conversationId: conv })).toEqual({ ok: true, data: null });
    await started.until((e) => e.length === 1);
    expect(started.items[0]).toMatchObject({ conversationId: conv, principalId: alice.id, principalType: "user", entityId: alice.entityId, expiresInMs: 400 });
    await stopped.until((e) => e.some((x) => x.principalId === alice.id), 3_000);
    await emitAck(a, "typing:start", { conversationId: conv });
    await emitAck(a, "typing:stop", { conversationId: conv });
    await stopped.until((e) => e.filter((x) => x.principalId === alice.id).length === 2);
    await sleep(600);
    expect(stopped.items.filter((x) => x.principalId === alice.id)).toHaveLength(2);
    expect(mine.items).toEqual([]);
    expect(foreign.flatMap((f) => f.items)).toEqual([]);
    const carolSocket = sockets.at(-2)!;
    expect(await emitAck(carolSocket, "typing:start", { conversationId: conv })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("rate-limits typing events per socket", async () => {
    const a = await socketOf(alice);
    const results = [];
    for (let i = 0; i < 25; i++) results.push(await emitAck(a, "typing:start", { conversationId: conv }));
    const limited = results.filter((r) => !r.ok);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toMatchObject({ ok: false, error: { code: "rate_limited" } });
  });
});
