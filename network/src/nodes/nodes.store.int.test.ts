import { appErrorFromDatabase } from "@symbia/db";
import type { TestDatabase } from "@symbia/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openNetworkDatabase } from "../../test/database.js";
import { entityBindings, nodes as nodesTable } from "../db/schema.js";
import type * as schema from "../db/schema.js";
import { bindEntity, findBinding, listBindings, unbindEntity } from "./bindings.store.js";
import { deleteNode, findNode, listNodes, listNodesAcrossOrgs, markStaleNodesDown, recordHeartbeat, removeNodesDownSince, upsertNode, type NodeRegistration } from "./nodes.store.js";

let database: TestDatabase<typeof schema>;
beforeAll(async () => {
  database = await openNetworkDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(entityBindings);
  await database.db.delete(nodesTable);
});

const T0 = new Date("2025-06-01T12:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

function registration(id: string, overrides: Partial<NodeRegistration> = {}): NodeRegistration {
  return {
    id,
    type: "service",
    service: "messaging",
    name: null,
    orgId: null,
    principal: { id, type: "service", entityId: `ent_${id.replace(/[^A-Za-z0-9]/g, "")}` },
    capabilities: ["message.send"],
    endpoint: null,
    metadata: {},
    ...overrides,
  };
}

describe("nodes store", () => {
  it("registers a node and refreshes it on re-registration", async () => {
    const first = await upsertNode(database.db, registration("svc-messaging"), T0);
    expect(first).toMatchObject({ id: "svc-messaging", type: "service", service: "messaging", status: "online", registeredAt: T0.toISOString(), lastHeartbeatAt: T0.toISOString(), downSince: null });
    await markStaleNodesDown(database.db, at(1), at(1));
    const again = await upsertNode(database.db, registration("svc-messaging", { capabilities: ["a", "b"], endpoint: "http://127.0.0.1:5005/relay", metadata: { version: "1.2" } }), at(5));
    expect(again).toMatchObject({ status: "online", downSince: null, capabilities: ["a", "b"], endpoint: "http://127.0.0.1:5005/relay", metadata: { version: "1.2" }, lastHeartbeatAt: at(5).toISOString() });
    expect(await findNode(database.db, "svc-messaging")).toEqual(again);
    expect(await findNode(database.db, "nope")).toBeNull();
  });

  it("marks nodes down when heartbeats stop, then removes them with their bindings", async () => {
    await upsertNode(database.db, registration("svc-a"), T0);
    await upsertNode(database.db, registration("svc-b"), T0);
    await bindEntity(database.db, { entityId: "ent_b1", nodeId: "svc-b", orgId: null }, T0);
    expect(await recordHeartbeat(database.db, "svc-a", at(20_000))).toBe(true);
    expect(await recordHeartbeat(database.db, "ghost", at(20_000))).toBe(false);

    expect(await markStaleNodesDown(database.db, at(15_000), at(30_000))).toEqual(["svc-b"]);
    expect(await findNode(database.db, "svc-b")).toMatchObject({ status: "down", downSince: at(30_000).toISOString() });
    // Not yet past the removal delay.
    expect(await removeNodesDownSince(database.db, at(30_000))).toEqual([]);
    expect(await removeNodesDownSince(database.db, at(30_001))).toEqual(["svc-b"]);
    expect(await findNode(database.db, "svc-b")).toBeNull();
    expect(await findBinding(database.db, "ent_b1")).toBeNull();
    expect((await listNodesAcrossOrgs(database.db)).map((n) => n.id)).toEqual(["svc-a"]);
  });

  it("brings a down node back online on its next heartbeat", async () => {
    await upsertNode(database.db, registration("svc-a"), T0);
    await markStaleNodesDown(database.db, at(1), at(1));
    await recordHeartbeat(database.db, "svc-a", at(2));
    expect(await findNode(database.db, "svc-a")).toMatchObject({ status: "online", downSince: null });
  });

  it("shows an org the platform's nodes and its own", async () => {
    await upsertNode(database.db, registration("svc-a"), T0);
    await upsertNode(database.db, registration("agt-1", { type: "assistant", service: null, orgId: "org-1" }), T0);
    await upsertNode(database.db, registration("agt-2", { type: "assistant", service: null, orgId: "org-2" }), T0);
    expect((await listNodes(database.db, { orgId: "org-1" })).map((n) => n.id)).toEqual(["agt-1", "svc-a"]);
    expect((await listNodes(database.db, { orgId: null })).map((n) => n.id)).toEqual(["svc-a"]);
    expect(await deleteNode(database.db, "agt-2")).toBe(true);
    expect(await deleteNode(database.db, "agt-2")).toBe(false);
  });
});

describe("entity bindings store", () => {
  it("binds an entity to one node at a time, moving it on rebind", async () => {
    await upsertNode(database.db, registration("agt-1", { type: "assistant", service: null, orgId: "org-1" }), T0);
    await upsertNode(database.db, registration("agt-2", { type: "assistant", service: null, orgId: "org-1" }), T0);
    expect(await bindEntity(database.db, { entityId: "ent_x", nodeId: "agt-1", orgId: "org-1" }, T0)).toEqual({ entityId: "ent_x", nodeId: "agt-1", orgId: "org-1", boundAt: T0.toISOString() });
    await bindEntity(database.db, { entityId: "ent_x", nodeId: "agt-2", orgId: "org-1" }, at(1));
    expect(await findBinding(database.db, "ent_x")).toMatchObject({ nodeId: "agt-2", boundAt: at(1).toISOString() });
    await bindEntity(database.db, { entityId: "ent_y", nodeId: "agt-1", orgId: "org-1" }, at(1));
    expect((await listBindings(database.db, { nodeId: "agt-1" })).map((b) => b.entityId)).toEqual(["ent_y"]);
    expect((await listBindings(database.db)).map((b) => b.entityId)).toEqual(["ent_x", "ent_y"]);
  });

  it("lets only the holder unbind", async () => {
    await upsertNode(database.db, registration("agt-1", { type: "assistant", service: null }), T0);
    await bindEntity(database.db, { entityId: "ent_x", nodeId: "agt-1", orgId: null }, T0);
    expect(await unbindEntity(database.db, "ent_x", "agt-other")).toBe(false);
    expect(await unbindEntity(database.db, "ent_x", "agt-1")).toBe(true);
    expect(await findBinding(database.db, "ent_x")).toBeNull();
  });

  it("refuses a binding to an unknown node as a conflict", async () => {
    const error = await bindEntity(database.db, { entityId: "ent_x", nodeId: "ghost", orgId: null }).catch((e: unknown) => e);
    expect(appErrorFromDatabase(error)?.code).toBe("conflict");
    expect(await findBinding(database.db, "ent_x")).toBeNull();
  });
});
