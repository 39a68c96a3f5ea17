import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, makeOrg, startAssistants, startIdentity, type AssistantsService, type TestOrg } from "./fixture.js";
import { spawnService, type ServiceProcess } from "./processes.js";

async function until<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, everyMs = 100): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe("assistants loaded from catalog", () => {
  let identity: IdentityProcess;
  let catalog: ServiceProcess;
  let service: AssistantsService;
  let org: TestOrg;
  let other: TestOrg;
  let artifacts: string;
  const suffix = randomBytes(3).toString("hex");
  const agentId = `assistant:desk-${suffix}`;
  const body = (alias: string, content = "hello from {{message.content}}") => ({
    principal: { agentId, capabilities: ["cap:messaging.send"] },
    alias,
    rules: { rules: [{ id: "r", trigger: "message.received", actions: [{ type: "message.send", params: { content } }] }] },
    model: { provider: "symbia-labs", model: "symbia-tiny-test" },
  });
  const catalogApi = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${catalog.url}${path}`, { token: org.owner.token, ...init });

  beforeAll(async () => {
    identity = await startIdentity();
    artifacts = await mkdtemp(join(tmpdir(), "assistants-catalog-"));
    catalog = await spawnService("catalog", {
      CATALOG_PORT: "0", IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer, CATALOG_SERVICE_SECRET: identity.serviceSecrets.catalog!, CATALOG_BOOTSTRAP_FILE: "off", CATALOG_ARTIFACTS_DIR: artifacts, CATALOG_RELAY: "false",
    });
    org = await makeOrg(identity);
    other = await makeOrg(identity);
    service = await startAssistants(identity, { CATALOG_SERVICE_URL: catalog.url, ASSISTANTS_CATALOG: "true", ASSISTANTS_CATALOG_POLL_MS: "300" });
    await service.deps.start();
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await catalog?.stop();
    await identity?.stop();
    await rm(artifacts, { recursive: true, force: true });
  });

  it("loads a published assistant, replaces it with a newer version, refuses an invalid one, and needs the agent in the publisher's org", async () => {
    const created = await catalogApi("/api/resources", { json: { type: "assistant", name: "desk", body: body("@desk") } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await catalogApi(`/api/resources/${id}/publish`, { json: {} })).status).toBe(201);
    // No agent yet: loaded, but not run.
    const noAgent = await until(async () => (await call(`${service.base}/api/assistants/desk`, { token: org.owner.token })).body?.status === "no_agent");
    expect(noAgent).toBe(true);
    expect((await identity.call("/api/agents", { json: { agentId, name: "desk", capabilities: ["cap:messaging.send"] }, token: org.owner.token, orgId: org.orgId })).status).toBe(201);
    const active = await until(async () => {
      const r = await call(`${service.base}/api/assistants/desk`, { token: org.owner.token });
      return r.body?.status === "active" ? r.body : null;
    });
    expect(active).toMatchObject({ key: "assistants/desk", orgId: org.orgId, version: 1, agentId, alias: "@desk" });

    expect((await catalogApi(`/api/resources/${id}`, { method: "PATCH", json: { body: body("@frontdesk") } })).status).toBe(200);
    expect((await catalogApi(`/api/resources/${id}/publish`, { json: {} })).status).toBe(201);
    const v2 = await until(async () => {
      const r = await call(`${service.base}/api/assistants/desk`, { token: org.owner.token });
      return r.body?.version === 2 ? r.body : null;
    });
    expect(v2.alias).toBe("@frontdesk");

    // Valid for catalog's shape, invalid for the rule engine (an unknown template root): refused, logged, never run.
    expect((await catalogApi(`/api/resources/${id}`, { method: "PATCH", json: { body: body("@frontdesk", "{{llm.content}}") } })).status).toBe(200);
    expect((await catalogApi(`/api/resources/${id}/publish`, { json: {} })).status).toBe(201);
    await service.deps.reloadCatalog();
    const kept = await call(`${service.base}/api/assistants/desk`, { token: org.owner.token });
    expect(kept.body).toMatchObject({ version: 2, status: "active" });

    // Another org cannot borrow this org's agent.
    const stolen = await call(`${catalog.url}/api/resources`, { token: other.owner.token, json: { type: "assistant", name: "thief", body: body("@thief") } });
    expect(stolen.status).toBe(201);
    expect((await call(`${catalog.url}/api/resources/${stolen.body.id}/publish`, { token: other.owner.token, json: {} })).status).toBe(201);
    const thief = await until(async () => {
      const r = await call(`${service.base}/api/assistants/thief`, { token: other.owner.token });
      return r.status === 200 ? r.body : null;
    });
    expect(thief.status).toBe("no_agent");
    expect((await call(`${service.base}/api/assistants/desk`, { token: other.owner.token })).status).toBe(404);
  });
});

describe("assistants reloaded on catalog's relay events (no polling)", () => {
  let identity: IdentityProcess;
  let network: ServiceProcess;
  let catalog: ServiceProcess;
  let service: AssistantsService;
  let org: TestOrg;
  let artifacts: string;
  const agentId = `assistant:relayed-desk-${randomBytes(3).toString("hex")}`;
  const body = (alias: string) => ({
    principal: { agentId, capabilities: ["cap:messaging.send"] },
    alias,
    rules: { rules: [{ id: "r", trigger: "message.received", actions: [{ type: "message.send", params: { content: "hi" } }] }] },
    model: { provider: "symbia-labs", model: "symbia-tiny-test" },
  });
  const catalogApi = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${catalog.url}${path}`, { token: org.owner.token, ...init });
  const loaded = () => call(`${service.base}/api/assistants/desk`, { token: org.owner.token });

  beforeAll(async () => {
    identity = await startIdentity();
    network = await spawnService("network", {
      NETWORK_PORT: "0", NETWORK_USE_MEMORY_DB: "true", RATE_LIMIT_POINTS: "1000000", IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer,
      NETWORK_SERVICE_SECRET: identity.serviceSecrets.network!, NETWORK_HASH_SECRET: randomBytes(32).toString("hex"), NETWORK_HEARTBEAT_INTERVAL_MS: "500", NETWORK_HEARTBEAT_TIMEOUT_MS: "3000",
    });
    artifacts = await mkdtemp(join(tmpdir(), "assistants-catalog-"));
    catalog = await spawnService("catalog", {
      CATALOG_PORT: "0", IDENTITY_SERVICE_URL: identity.url, IDENTITY_ISSUER: identity.issuer, CATALOG_SERVICE_SECRET: identity.serviceSecrets.catalog!, CATALOG_BOOTSTRAP_FILE: "off", CATALOG_ARTIFACTS_DIR: artifacts,
      CATALOG_RELAY: "true", NETWORK_SERVICE_URL: network.url,
    });
    org = await makeOrg(identity);
    expect((await identity.call("/api/agents", { json: { agentId, name: "desk", capabilities: ["cap:messaging.send"] }, token: org.owner.token, orgId: org.orgId })).status).toBe(201);
    service = await startAssistants(identity, { CATALOG_SERVICE_URL: catalog.url, NETWORK_SERVICE_URL: network.url, ASSISTANTS_CATALOG: "true", ASSISTANTS_CATALOG_POLL_MS: "0", ASSISTANTS_RELAY: "true" });
    await service.deps.start();
    await until(() => service.deps.relay?.status().registered);
    await until(async () => (await call(`${catalog.url}/health/ready`)).body?.relay?.registered === true);
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await catalog?.stop();
    await network?.stop();
    await identity?.stop();
    await rm(artifacts, { recursive: true, force: true });
  });

  it("publish loads, a newer publish replaces, a yank of the loaded version falls back to the latest one", async () => {
    const created = await catalogApi("/api/resources", { json: { type: "assistant", name: "desk", body: body("@one") } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await catalogApi(`/api/resources/${id}/publish`, { json: {} })).status).toBe(201);
    expect(await until(async () => (await loaded()).body?.version === 1)).toBe(true);
    expect((await catalogApi(`/api/resources/${id}`, { method: "PATCH", json: { body: body("@two") } })).status).toBe(200);
    expect((await catalogApi(`/api/resources/${id}/publish`, { json: {} })).status).toBe(201);
    expect(await until(async () => (await loaded()).body?.alias === "@two")).toBe(true);
    expect((await catalogApi(`/api/resources/${id}/versions/2/yank`, { json: { reason: "broken" } })).status).toBe(200);
    const back = await until(async () => {
      const r = await loaded();
      return r.body?.version === 1 ? r.body : null;
    });
    expect(back).toMatchObject({ alias: "@one", status: "active" });
    expect(service.deps.relay!.status().received).toBeGreaterThanOrEqual(3);
  });
});
