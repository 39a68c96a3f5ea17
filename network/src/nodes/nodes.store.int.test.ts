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
    const first = await upsertNode(database.db, registration("service:messaging"), T0);
    expect(first).toMatchObject({ id: "service:messaging", type: "service", status: "online", registeredAt: T0.toISOString(), lastHeartbeatAt: T0.toISOString(), downSince: null });
    await markStaleNodesDown(database.db, at(1), at(1));
    const again = await upsertNode(database.db, registration("service:messaging", { capabilities: ["a", "b"], endpoint: "http://127.0.0.1:5005/relay", metadata: { version: "1.2" } }), at(5));
    expect(again).toMatchObject({ status: "online", downSince: null, capabilities: ["a", "b"], endpoint: "http://127.0.0.1:5005/relay", metadata: { version: "1.2" }, lastHeartbeatAt: at(5).toISOString() });
    expect(await findNode(database.db, "service:messaging")).toEqual(again);
    expect(await findNode(database.db, "nope")).toBeNull();
  });

  it("marks nodes down when heartbeats stop, then removes them with their bindings", async () => {
    await upsertNode(database.db, registration("service:catalog"), T0);
    await upsertNode(database.db, registration("service:runtime"), T0);
    await bindEntity(database.db, { entityId: "ent_b1", nodeId: "service:runtime", orgId: null }, T0);
    expect(await recordHeartbeat(database.db, "service:catalog", at(20_000))).toBe(true);
    expect(await recordHeartbeat(database.db, "ghost", at(20_000))).toBe(false);

    expect(await markStaleNodesDown(database.db, at(15_000), at(30_000))).toEqual(["service:runtime"]);
    expect(await findNode(database.db, "service:runtime")).toMatchObject({ status: "down", downSince: at(30_000).toISOString() });
    // Not yet past the removal delay.
    expect(await removeNodesDownSince(database.db, at(30_000))).toEqual([]);
    expect(await removeNodesDownSince(database.db, at(30_001))).toEqual(["service:runtime"]);
    expect(await findNode(database.db, "service:runtime")).toBeNull();
    expect(await findBinding(database.db, "ent_b1")).toBeNull();
    expect((await listNodesAcrossOrgs(database.db)).map((n) => n.id)).toEqual(["service:catalog"]);
  });

  it("brings a down node back online on its next heartbeat", async () => {
    await upsertNode(database.db, registration("service:catalog"), T0);
    await markStaleNodesDown(database.db, at(1), at(1));
    await recordHeartbeat(database.db, "service:catalog", at(2));
    expect(await findNode(database.db, "service:catalog")).toMatchObject({ status: "online", downSince: null });
  });

  it("shows an org the platform's nodes and its own", async () => {
    await upsertNode(database.db, registration("service:catalog"), T0);
    await upsertNode(database.db, registration("assistant:a1", { type: "assistant", orgId: "org-1" }), T0);
    await upsertNode(database.db, registration("assistant:a2", { type: "assistant", orgId: "org-2" }), T0);
    expect((await listNodes(database.db, { orgId: "org-1" })).map((n) => n.id)).toEqual(["assistant:a1", "service:catalog"]);
    expect((await listNodes(database.db, { orgId: null })).map((n) => n.id)).toEqual(["service:catalog"]);
    expect(await deleteNode(database.db, "assistant:a2")).toBe(true);
    expect(await deleteNode(database.db, "assistant:a2")).toBe(false);
  });
});

describe("entity bindings store", () => {
  it("binds an entity to one node at a time, moving it on rebind", async () => {
    await upsertNode(database.db, registration("assistant:a1", { type: "assistant", orgId: "org-1" }), T0);
    await upsertNode(database.db, registration("assistant:a2", { type: "assistant", orgId: "org-1" }), T0);
    expect(await bindEntity(database.db, { entityId: "ent_x", nodeId: "assistant:a1", orgId: "org-1" }, T0)).toEqual({ entityId: "ent_x", nodeId: "assistant:a1", orgId: "org-1", boundAt: T0.toISOString() });
    await bindEntity(database.db, { entityId: "ent_x", nodeId: "assistant:a2", orgId: "org-1" }, at(1));
    expect(await findBinding(database.db, "ent_x")).toMatchObject({ nodeId: "assistant:a2", boundAt: at(1).toISOString() });
    await bindEntity(database.db, { entityId: "ent_y", nodeId: "assistant:a1", orgId: "org-1" }, at(1));
    expect((await listBindings(database.db, { nodeId: "assistant:a1" })).map((b) => b.entityId)).toEqual(["ent_y"]);
    expect((await listBindings(database.db)).map((b) => b.entityId)).toEqual(["ent_x", "ent_y"]);
  });

  it("lets only the holder unbind", async () => {
    await upsertNode(database.db, registration("assistant:a1", { type: "assistant" }), T0);
    await bindEntity(database.db, { entityId: "ent_x", nodeId: "assistant:a1", orgId: null }, T0);
    expect(await unbindEntity(database.db, "ent_x", "assistant:aother")).toBe(false);
    expect(await unbindEntity(database.db, "ent_x", "assistant:a1")).toBe(true);
    expect(await findBinding(database.db, "ent_x")).toBeNull();
  });

  it("refuses a binding to an unknown node as a conflict", async () => {
    const error = await bindEntity(database.db, { entityId: "ent_x", nodeId: "ghost", orgId: null }).catch((e: unknown) => e);
    expect(appErrorFromDatabase(error)?.code).toBe("conflict");
    expect(await findBinding(database.db, "ent_x")).toBeNull();
  });
});
