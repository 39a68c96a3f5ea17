import { CatalogResourceEventData } from "@symbia/catalog-client";
import { connectRelay, defineHandler, type ReceivedEvent, type RelayClient } from "@symbia/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, ref, startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "./harness.js";
import { spawnNetwork, type NetworkProcess } from "./network.js";

// Catalog as the relay node `service:catalog` on the real network (child process, shipped default
// contracts): the assistants and runtime nodes — stand-ins here, real relay clients — receive
// catalog.resource.published / .deprecated / .yanked. Then the network stops and publishing
// still succeeds.
let identity: IdentityProcess;
let network: NetworkProcess;
let catalog: TestCatalog;
let alice: TestUser;
let bob: TestUser;
const subscribers: RelayClient[] = [];
const received: Record<string, ReceivedEvent<CatalogResourceEventData>[]> = { "service:assistants": [], "service:runtime": [] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until `node` has received an event matching `match`, and returns it. */
async function receivedBy(node: string, match: (e: ReceivedEvent<CatalogResourceEventData>) => boolean) {
  for (let i = 0; i < 200; i++) {
    const found = received[node]!.find(match);
    if (found) return found;
    await sleep(25);
  }
  throw new Error(`${node} received no matching event; got ${JSON.stringify(received[node]!.map((e) => [e.type, e.data.key, e.data.version]))}`);
}

async function createContext(user: TestUser, name: string, content: string) {
  const created = await call(catalog.url, "/api/resources", { token: user.token, json: { type: "context", name, visibility: "org", body: { format: "text", content } } });
  expect(created.status).toBe(201);
  return created.body as { id: string; key: string };
}

beforeAll(async () => {
  identity = await startIdentity();
  alice = await identity.registerUser({ orgName: "Org A" });
  bob = await identity.registerUser({ orgName: "Org B" });
  network = await spawnNetwork(identity);
  catalog = await startCatalog(identity, { realEvents: true, env: { CATALOG_RELAY: "true", NETWORK_SERVICE_URL: network.url } });
  for (const nodeId of Object.keys(received)) {
    const client = connectRelay({
      networkUrl: network.url,
      nodeId,
      type: "service",
      credentials: identity.serviceLogin(nodeId.slice("service:".length)),
      handlers: { "catalog.resource.*": defineHandler(CatalogResourceEventData, (event) => void received[nodeId]!.push(event)) },
    });
    subscribers.push(client);
    await client.ready();
  }
  for (let i = 0; i < 200 && !catalog.deps.relay?.status().registered; i++) await sleep(25);
}, 120_000);
afterAll(async () => {
  for (const s of subscribers) await s.close();
  await catalog?.close();
  await network?.stop();
  await identity?.stop();
});

describe("catalog's relay events", () => {
  it("joins the network as service:catalog, shown in /health/ready", async () => {
    const ready = await call(catalog.url, "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.relay).toMatchObject({ nodeId: "service:catalog", connected: true, registered: true });
  });

  it("announces a publish to assistants and runtime, in the resource's org", async () => {
    const resource = await createContext(alice, "relay-notes", "v1");
    const published = await call(catalog.url, `/api/resources/${ref(resource.key)}/publish`, { token: alice.token, json: { changelog: "first" } });
    expect(published.status).toBe(201);
    for (const node of ["service:assistants", "service:runtime"]) {
      const event = await receivedBy(node, (e) => e.type === "catalog.resource.published" && e.data.key === resource.key);
      expect(event).toMatchObject({ source: "service:catalog", orgId: alice.orgId, principal: { id: "service:catalog", type: "service" } });
      expect(event.data).toEqual({ key: resource.key, type: "context", orgId: alice.orgId, resourceId: resource.id, visibility: "org", version: 1, digest: published.body.digest, status: "published" });
    }
  });

  it("announces deprecate and yank with their reason; refused changes announce nothing", async () => {
    const resource = await createContext(alice, "relay-lifecycle", "v1");
    const v1 = await call(catalog.url, `/api/resources/${ref(resource.key)}/publish`, { token: alice.token, json: {} });
    expect(v1.status).toBe(201);
    // Bad input: no reason → 400. Another tenant: bob does not see alice's org resource → 404.
    expect((await call(catalog.url, `/api/resources/${ref(resource.key)}/versions/1/deprecate`, { token: alice.token, json: {} })).status).toBe(400);
    expect((await call(catalog.url, `/api/resources/${resource.id}/versions/1/yank`, { token: bob.token, json: { reason: "not mine" } })).status).toBe(404);

    const deprecated = await call(catalog.url, `/api/resources/${ref(resource.key)}/versions/1/deprecate`, { token: alice.token, json: { reason: "superseded" } });
    expect(deprecated.status).toBe(200);
    const yanked = await call(catalog.url, `/api/resources/${ref(resource.key)}/versions/1/yank`, { token: alice.token, json: { reason: "leaked a secret" } });
    expect(yanked.status).toBe(200);
    for (const node of ["service:assistants", "service:runtime"]) {
      const y = await receivedBy(node, (e) => e.type === "catalog.resource.yanked" && e.data.key === resource.key);
      expect(y.data).toMatchObject({ key: resource.key, orgId: alice.orgId, version: 1, digest: v1.body.digest, status: "yanked", reason: "leaked a secret" });
      const forResource = received[node]!.filter((e) => e.data.key === resource.key);
      // Exactly publish, deprecate, yank: the refused calls emitted nothing.
      expect(forResource.map((e) => [e.type, e.data.reason ?? null])).toEqual([
        ["catalog.resource.published", null],
        ["catalog.resource.deprecated", "superseded"],
        ["catalog.resource.yanked", "leaked a secret"],
      ]);
    }
  });

  it("puts another tenant's publish in that tenant's org", async () => {
    const resource = await createContext(bob, "relay-notes", "bob's");
    expect((await call(catalog.url, `/api/resources/${resource.id}/publish`, { token: bob.token, json: {} })).status).toBe(201);
    const event = await receivedBy("service:assistants", (e) => e.type === "catalog.resource.published" && e.data.resourceId === resource.id);
    expect(event.orgId).toBe(bob.orgId);
    expect(event.data.orgId).toBe(bob.orgId);
  });

  it("still publishes when the relay is down; the event waits in the outbox", async () => {
    for (const s of subscribers) await s.close();
    await network.stop();
    for (let i = 0; i < 200 && catalog.deps.relay?.status().connected; i++) await sleep(25);
    expect(catalog.deps.relay?.status().connected).toBe(false);
    const resource = await createContext(alice, "relay-offline", "v1");
    const published = await call(catalog.url, `/api/resources/${ref(resource.key)}/publish`, { token: alice.token, json: {} });
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ key: resource.key, version: 1, status: "published" });
    expect(catalog.deps.relay?.status().outbox.size).toBeGreaterThanOrEqual(1);
    const ready = await call(catalog.url, "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body.relay).toMatchObject({ connected: false });
  });
});
