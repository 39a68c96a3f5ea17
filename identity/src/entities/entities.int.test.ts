import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "@symbia/db";
import { createTestDatabase } from "@symbia/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerUser, serviceToken, startIdentity, testEnv, type TestIdentity } from "../../test/harness.js";
import * as schema from "../db/schema.js";
import { migrationsDir } from "../deps.js";

let identity: TestIdentity;
let url: string;
let alice: Awaited<ReturnType<typeof registerUser>>;
let bob: Awaited<ReturnType<typeof registerUser>>;
let agentEntity: string;

beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  await registerUser(url); // super admin
  alice = await registerUser(url, { email: "alice@example.com" });
  bob = await registerUser(url, { email: "bob@example.com" });
  const agent = await call(`${url}/api/agents`, { token: alice.token, json: { agentId: "assistant:helper", name: "Helper", capabilities: [] } });
  agentEntity = agent.body.agent.entityId;
});
afterAll(() => identity.close());

describe("GET /api/entities/:ref", () => {
  it("resolves ent_…, @slug and type:slug to the same entity", async () => {
    const byId = await call(`${url}/api/entities/${agentEntity}`, { token: alice.token });
    const bySlug = await call(`${url}/api/entities/@assistant:helper`, { token: alice.token });
    const byType = await call(`${url}/api/entities/agent:assistant:helper`, { token: alice.token });
    expect(byId.body).toMatchObject({ id: agentEntity, type: "agent", slug: "assistant:helper", principalId: "assistant:helper", orgId: alice.orgId });
    expect(bySlug.body).toEqual(byId.body);
    expect(byType.body).toEqual(byId.body);
    const user = await call(`${url}/api/entities/user:alice`, { token: alice.token });
    expect(user.body.id).toBe(alice.principal.entityId);
  });

  it("answers 404 to another org's principal, and for unknown references", async () => {
    expect((await call(`${url}/api/entities/${agentEntity}`, { token: bob.token })).status).toBe(404);
    expect((await call(`${url}/api/entities/user:alice`, { token: bob.token })).status).toBe(404);
    expect((await call(`${url}/api/entities/ent_00000000-0000-0000-0000-000000000000`, { token: alice.token })).status).toBe(404);
    expect((await call(`${url}/api/entities/planet:mars`, { token: alice.token })).status).toBe(404);
    expect((await call(`${url}/api/entities/${agentEntity}`)).status).toBe(401);
  });

  it("lists the org's entities by type", async () => {
    const res = await call(`${url}/api/entities?type=agent`, { token: alice.token });
    expect(res.body.items.map((e: { slug: string }) => e.slug)).toEqual(["assistant:helper"]);
    expect((await call(`${url}/api/entities?type=planet`, { token: alice.token })).status).toBe(400);
  });
});

describe("PUT /api/entities/:ref/binding", () => {
  it("lets the network service bind an entity to a node, and nobody else", async () => {
    expect((await call(`${url}/api/entities/${agentEntity}/binding`, { method: "PUT", token: alice.token, json: { nodeId: "assistant:helper" } })).status).toBe(403);
    const network = await serviceToken(url, "network");
    const bound = await call(`${url}/api/entities/${agentEntity}/binding`, { method: "PUT", token: network, json: { nodeId: "assistant:helper" } });
    expect(bound.body).toMatchObject({ nodeId: "assistant:helper" });
    expect(bound.body.boundAt).toBeTruthy();
    const unbound = await call(`${url}/api/entities/${agentEntity}/binding`, { method: "DELETE", token: network });
    expect(unbound.body.nodeId).toBeNull();
    expect((await call(`${url}/api/entities/${agentEntity}/binding`, { method: "PUT", token: network, json: {} })).status).toBe(400);
  });
});

describe("entity ids survive a restart", () => {
  it.runIf(process.env.TEST_DATABASE_URL)("on PostgreSQL", async () => {
    const env = testEnv();
    const database = await createTestDatabase({ service: "identity", schema, migrationsDir });
    // The first instance closes only its connections at shutdown; the schema stays.
    const first = await startIdentity({ env, database: Object.assign(Object.create(database) as typeof database, { close: database.closeConnections }), keepDatabase: true });
    const user = await registerUser(first.url, { email: "persist@example.com" });
    await first.server.shutdown("restart");
    const reopened = await createDatabase({ service: "identity", schema, migrationsDir, config: { memory: false, url: database.url!, schemaName: database.schemaName } });
    const second = await startIdentity({ env, database: Object.assign(reopened, { url: database.url, close: database.close, closeConnections: reopened.close }) });
    try {
      const login = await call(`${second.url}/api/auth/login`, { json: { email: "persist@example.com", password: "correct-Horse-battery-9" } });
      expect(login.status).toBe(200);
      expect(login.body.principal.entityId).toBe(user.principal.entityId);
      // Tokens issued before the restart still verify: the signing key lives in the database.
      expect((await call(`${second.url}/api/auth/me`, { token: user.token })).body.entityId).toBe(user.principal.entityId);
    } finally {
      await second.close();
    }
  });

  it("through a memory export and import", async () => {
    const dir = await mkdtemp(join(tmpdir(), "identity-export-"));
    const exportPath = join(dir, "identity.json");
    const env = testEnv();
    const open = () => createTestDatabase({ service: "identity", schema, migrationsDir, url: "", exportPath });
    const first = await startIdentity({ env, database: await open() });
    const user = await registerUser(first.url, { email: "exported@example.com" });
    await first.close(); // shutdown exports the memory database
    const second = await startIdentity({ env, database: await open() });
    try {
      expect(second.database.importedRows).toBeGreaterThan(0);
      const resolved = await call(`${second.url}/api/entities/${user.principal.entityId}`, { token: user.token });
      expect(resolved.body).toMatchObject({ id: user.principal.entityId, type: "user", slug: "exported" });
    } finally {
      await second.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
