import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CatalogClient } from "@symbia/catalog-client";
import { spawnService, type IdentityProcess, type ServiceProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { call, chatBody, makeOrg, startGateway, startIdentity, type Gateway, type TestOrg } from "./fixture.js";
import { startOpenAiWire } from "./wire/openai.js";
import type { WireServer } from "./wire/server.js";

// Model configuration from catalog: the real catalog service (child process, with its platform
// bootstrap) and an org's own `integration` resources, read by the gateway as its service principal.
let identity: IdentityProcess;
let catalog: ServiceProcess;
let gateway: Gateway;
let org: TestOrg;
let platformWire: WireServer;
let orgWire: WireServer;

async function spawnCatalog(id: IdentityProcess): Promise<ServiceProcess> {
  const dir = await mkdtemp(join(tmpdir(), "integrations-catalog-"));
  return spawnService(id, "catalog", { CATALOG_ARTIFACTS_DIR: dir }, { cleanup: () => rm(dir, { recursive: true, force: true }) });
}

beforeAll(async () => {
  [identity, platformWire, orgWire] = await Promise.all([startIdentity(), startOpenAiWire({ text: "platform endpoint" }), startOpenAiWire({ text: "org endpoint" })]);
  catalog = await spawnCatalog(identity);
  gateway = await startGateway(identity, {
    INTEGRATIONS_MODEL_CONFIG: "catalog",
    CATALOG_SERVICE_URL: catalog.url,
    INTEGRATIONS_CATALOG_CACHE_MS: "0",
    INTEGRATIONS_DEFAULT_PROVIDER: "openai",
    OPENAI_API_KEY: "sk-env-openai-0000000000",
    OPENAI_BASE_URL: `${platformWire.url}/v1`,
  });
  org = await makeOrg(identity);
}, 120_000);
afterAll(async () => {
  await gateway?.close();
  await catalog?.stop();
  await Promise.all([identity?.stop(), platformWire?.close(), orgWire?.close()]);
});
beforeEach(() => {
  platformWire.reset();
  orgWire.reset();
});

describe("model configuration from catalog integration resources", () => {
  it("applies the platform's public integrations (default models from catalog, endpoint from the environment)", async () => {
    const providers = await call(`${gateway.base}/api/integrations/providers`, { token: org.member.token });
    const openai = providers.body.items.find((p: { id: string }) => p.id === "openai");
    expect(openai).toMatchObject({ source: "catalog", defaultModels: { chat: "gpt-4o-mini", embeddings: "text-embedding-3-small" } });
  });

  it("lets an org's own published integration shadow the platform's, and add a provider of its own", async () => {
    const client = new CatalogClient({ baseUrl: catalog.url, token: org.owner.token, orgId: org.orgId });
    await client.createResource({ type: "integration", name: "openai", body: { provider: "openai", baseUrl: orgWire.url, endpoints: { chat: "/v1/chat/completions" }, defaultModels: { chat: "org-model" }, parameters: { temperature: 0.3 } } });
    await client.publish("integrations/openai");
    await client.createResource({ type: "integration", name: "local-llm", body: { provider: "openai", baseUrl: `${orgWire.url}/v1`, defaultModels: { chat: "llama-local" }, auth: { type: "none" } } });
    await client.publish("integrations/local-llm");

    const res = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: "openai", model: "org-model", content: "org endpoint" });
    expect(orgWire.requests[0]!.body).toMatchObject({ model: "org-model", temperature: 0.3 });
    expect(orgWire.requests[0]!.headers.authorization).toBe("Bearer sk-env-openai-0000000000");

    const local = await call(`${gateway.base}/api/integrations/execute`, { token: org.member.token, json: chatBody({ provider: "local-llm" }) });
    expect(local.body).toMatchObject({ provider: "local-llm", model: "llama-local" });
    expect(orgWire.requests[1]!.path).toBe("/v1/chat/completions");

    // Another org still gets the platform's configuration.
    const other = await identity.registerUser();
    const theirs = await call(`${gateway.base}/api/integrations/execute`, { token: other.token, json: chatBody() });
    expect(theirs.body).toMatchObject({ model: "gpt-4o-mini", content: "platform endpoint" });
    expect((await call(`${gateway.base}/api/integrations/execute`, { token: other.token, json: chatBody({ provider: "local-llm" }) })).status).toBe(400);
  });
});
