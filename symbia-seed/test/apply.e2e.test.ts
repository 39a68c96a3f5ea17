import { MessagingClient } from "@symbia/messaging-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applySeed, generateSeed, type SeedReport } from "../src/index.js";
import { spawnSeedStack, type SeedStack } from "../src/testing.js";

// applySeed against real identity, network, messaging and catalog processes on real ports.
let stack: SeedStack;
let first: SeedReport;
const plan = generateSeed(42, { users: 2 });

beforeAll(async () => {
  stack = await spawnSeedStack();
  first = await applySeed(plan, { ...stack.urls, token: stack.admin.token });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const ids = (report: SeedReport) => report.entries.map((e) => `${e.kind}:${e.key}=${e.id}`);

describe("applySeed", () => {
  it("creates the org, users, members, agents, conversation, messages and contracts of the plan", () => {
    const kinds = first.entries.map((e) => e.kind);
    expect(kinds.filter((k) => k === "user")).toHaveLength(3);
    expect(kinds.filter((k) => k === "member")).toHaveLength(3);
    expect(first.entries.filter((e) => e.kind === "assistant")).toEqual([
      expect.objectContaining({ key: "assistants/default", status: "exists", id: expect.any(String) }),
      expect.objectContaining({ key: "assistants/router", status: "exists", id: expect.any(String) }),
    ]);
    expect(first.entries.filter((e) => e.kind === "agent").map((e) => e.key)).toEqual(plan.agents.map((a) => a.agentId));
    expect(first.entries.filter((e) => e.kind === "message").map((e) => e.key)).toEqual(["seed-42-m1", "seed-42-m2", "seed-42-m3"]);
    expect(first.entries.filter((e) => e.kind === "contract")).toHaveLength(2);
    // Everything but the platform's assistants (which the seed only checks) is new.
    expect(first.entries.filter((e) => e.kind !== "assistant").every((e) => e.status === "created")).toBe(true);
    expect(first.created).toBe(first.entries.length - 2);
  });

  it("puts the seeded content in the services: the owner sees the conversation, its members and messages", async () => {
    const owner = plan.users[0]!;
    const login = await stack.identity.call("/api/auth/login", { json: { email: owner.email, password: owner.password } });
    expect(login.status).toBe(200);
    const orgs = await stack.identity.call("/api/orgs", { token: login.body.accessToken });
    expect(orgs.body.items).toEqual([expect.objectContaining({ id: first.orgId, slug: plan.org.slug, name: plan.org.name, role: "owner" })]);
    const members = await stack.identity.call(`/api/orgs/${first.orgId}/members`, { token: login.body.accessToken });
    expect(Object.fromEntries(members.body.items.map((m: { email: string; role: string }) => [m.email, m.role]))).toEqual(Object.fromEntries(plan.users.map((u) => [u.email, u.role])));
    const conversationId = first.entries.find((e) => e.kind === "conversation")!.id!;
    const messaging = new MessagingClient({ baseUrl: stack.messaging.url, credentials: { token: login.body.accessToken }, orgId: first.orgId });
    const conversation = await messaging.getConversation(conversationId);
    expect(conversation).toMatchObject({ name: plan.conversation.name, metadata: { seedKey: "seed-42:conversation" } });
    const participants = (await messaging.listParticipants(conversationId)).map((p) => p.principalId).sort();
    const userId = (email: string) => first.entries.find((e) => e.kind === "user" && e.key === email)!.id;
    expect(participants).toEqual([userId(plan.users[0]!.email), userId(plan.users[1]!.email), ...plan.agents.map((a) => a.agentId)].sort());
    const messages = await messaging.listMessages(conversationId, { after: 0 });
    expect(messages.items.map((m) => m.content)).toEqual(plan.conversation.messages.map((m) => m.content));
    // The agents that speak for the platform's assistants in the org.
    for (const agent of plan.agents) {
      const found = await stack.identity.call(`/api/agents/${encodeURIComponent(agent.agentId)}`, { token: login.body.accessToken, orgId: first.orgId });
      expect(found.status).toBe(200);
    }
    const contracts = await fetch(`${stack.network.url}/api/contracts`, { headers: { authorization: `Bearer ${login.body.accessToken}`, "x-org-id": first.orgId } }).then((r) => r.json() as Promise<{ items: { orgId: string | null; to: string }[] }>);
    expect(contracts.items.filter((c) => c.orgId === first.orgId).map((c) => c.to).sort()).toEqual(plan.agents.map((a) => a.agentId).sort());
  });

  it("changes nothing on a second run with the same seed: every entry exists, with the same ids", async () => {
    const again = await applySeed(generateSeed(42, { users: 2 }), { ...stack.urls, token: stack.admin.token });
    expect(again.created).toBe(0);
    expect(again.entries.every((e) => e.status === "exists")).toBe(true);
    expect(ids(again)).toEqual(ids(first));
    expect(again.orgId).toBe(first.orgId);
  });

  it("makes different data for a different seed", async () => {
    const other = await applySeed(generateSeed(7, { users: 1 }), { ...stack.urls, token: stack.admin.token });
    expect(other.orgId).not.toBe(first.orgId);
    expect(other.entries.filter((e) => e.kind === "conversation")[0]!.id).not.toBe(first.entries.find((e) => e.kind === "conversation")!.id);
    const firstUsers = new Set(first.entries.filter((e) => e.kind === "user").map((e) => e.id));
    expect(other.entries.filter((e) => e.kind === "user").some((e) => firstUsers.has(e.id))).toBe(false);
  });

  it("refuses a plan whose user already exists with another password (not the seed's user)", async () => {
    const taken = generateSeed(99, { users: 0 });
    await stack.identity.call("/api/auth/register", { json: { email: taken.users[0]!.email, password: "an-other-Password-77", name: "Squatter" } });
    await expect(applySeed(taken, { ...stack.urls, token: stack.admin.token })).rejects.toMatchObject({ code: "conflict", message: expect.stringMatching(/another password/) });
  });

  it("refuses to seed into an org slug another tenant owns (conflict, nothing of theirs touched)", async () => {
    const plan5 = generateSeed(5, { users: 0 });
    const squatter = await stack.identity.registerUser({ orgName: null });
    const org = await stack.identity.call("/api/orgs", { token: squatter.token, json: { name: "Theirs", slug: plan5.org.slug } });
    expect(org.status).toBe(201);
    await expect(applySeed(plan5, { ...stack.urls, token: stack.admin.token })).rejects.toMatchObject({ code: "conflict" });
    const after = await stack.identity.call(`/api/orgs/${org.body.id}/members`, { token: squatter.token });
    expect(after.body.items.map((m: { email: string }) => m.email)).toEqual([squatter.email]);
  });

  it("refuses a bad plan before touching anything: an author who is not a user of the plan", async () => {
    const bad = generateSeed(11, { users: 1 });
    bad.conversation.messages[0]!.from = "nobody@example.com";
    await expect(applySeed(bad, { ...stack.urls, token: stack.admin.token })).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("answers unavailable when a service is down", async () => {
    await expect(applySeed(plan, { ...stack.urls, identityUrl: "http://127.0.0.1:9", token: stack.admin.token })).rejects.toMatchObject({ code: "unavailable" });
  });
});
