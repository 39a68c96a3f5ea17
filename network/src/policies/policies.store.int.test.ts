import type { TestDatabase } from "@symbia/db/testing";
import { CreatePolicyBody } from "@symbia/relay";
import { isAppError } from "@symbia/sys";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openNetworkDatabase } from "../../test/database.js";
import { event, NOW } from "../../test/fixtures.js";
import { insertContract, listContractsInForce } from "../contracts/contracts.store.js";
import { contracts as contractsTable, policies as policiesTable } from "../db/schema.js";
import type * as schema from "../db/schema.js";
import { decide } from "../sdn/decide.js";
import { staticDirectory } from "../sdn/directory.js";
import { assertPolicyTerms } from "./policies.rules.js";
import { deletePolicy, findPolicy, insertPolicy, listPolicies, listPoliciesInForce, listPoliciesInForceAcrossOrgs, updatePolicy, type PolicyInput } from "./policies.store.js";

let database: TestDatabase<typeof schema>;
beforeAll(async () => {
  database = await openNetworkDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(policiesTable);
  await database.db.delete(contractsTable);
});

const org1 = { orgId: "org-1" };
const org2 = { orgId: "org-2" };
const platform = { orgId: null };

/** Parses a create body as the REST layer will, then drops `platform`. */
function input(body: Parameters<typeof CreatePolicyBody.parse>[0]): PolicyInput {
  const { platform: _platform, ...rest } = CreatePolicyBody.parse(body);
  return rest;
}

describe("policies store", () => {
  it("stores conditions and actions as they were given", async () => {
    const body = input({
      name: "redact emails",
      description: "pii out",
      priority: 7,
      conditions: [{ field: "dataClass", op: "in", value: ["pii", "phi"] }, { field: "type", op: "regex", value: "^message\\." }],
      action: { type: "transform", operations: [{ op: "remove", path: "customer.email" }, { op: "set", path: "meta.redacted", value: { by: ["network"] } }] },
    });
    const created = await insertPolicy(database.db, org1, body, { createdBy: "usr-1" });
    expect(created).toMatchObject({ ...body, orgId: "org-1", enabled: true, createdBy: "usr-1" });
    expect(created.id).toMatch(/^pol_[0-9a-f-]{36}$/);
    expect(await findPolicy(database.db, org1, created.id)).toEqual(created);
  });

  it("scopes reads to the org and the platform, and writes to the owner", async () => {
    const own = await insertPolicy(database.db, org1, input({ name: "own", action: { type: "allow" } }), { createdBy: null });
    const shared = await insertPolicy(database.db, platform, input({ name: "shared", action: { type: "log", level: "info" } }), { createdBy: null });
    const foreign = await insertPolicy(database.db, org2, input({ name: "foreign", action: { type: "deny", reason: "x" } }), { createdBy: null });
    expect((await listPolicies(database.db, org1, { limit: 50 })).items.map((p) => p.name).sort()).toEqual(["own", "shared"]);
    expect(await findPolicy(database.db, org1, foreign.id)).toBeNull();
    expect(await updatePolicy(database.db, org1, shared.id, { enabled: false })).toBeNull();
    expect(await updatePolicy(database.db, org2, own.id, { enabled: false })).toBeNull();
    expect(await deletePolicy(database.db, org1, shared.id)).toBe(false);
    expect(await deletePolicy(database.db, org1, foreign.id)).toBe(false);
    const later = new Date(Date.parse(own.updatedAt) + 1_000);
    const updated = await updatePolicy(database.db, org1, own.id, { priority: 50, action: { type: "deny", reason: "now closed" } }, later);
    expect(updated).toMatchObject({ id: own.id, name: "own", priority: 50, action: { type: "deny", reason: "now closed" }, createdAt: own.createdAt, updatedAt: later.toISOString() });
    expect(await deletePolicy(database.db, org1, own.id)).toBe(true);
    expect(await deletePolicy(database.db, platform, shared.id)).toBe(true);
  });

  it("lists the enabled policies in force for an org, and across orgs for the routing table", async () => {
    const own = await insertPolicy(database.db, org1, input({ name: "own", action: { type: "allow" } }), { createdBy: null });
    await insertPolicy(database.db, org1, input({ name: "off", enabled: false, action: { type: "allow" } }), { createdBy: null });
    const shared = await insertPolicy(database.db, platform, input({ name: "shared", action: { type: "allow" } }), { createdBy: null });
    const foreign = await insertPolicy(database.db, org2, input({ name: "foreign", action: { type: "allow" } }), { createdBy: null });
    expect((await listPoliciesInForce(database.db, "org-1")).map((p) => p.id).sort()).toEqual([own.id, shared.id].sort());
    expect((await listPoliciesInForceAcrossOrgs(database.db)).map((p) => p.id).sort()).toEqual([own.id, shared.id, foreign.id].sort());
  });

  it("pages with a cursor and refuses a foreign one", async () => {
    for (let i = 0; i < 3; i++) await insertPolicy(database.db, org1, input({ name: `p${i}`, action: { type: "allow" } }), { createdBy: null, now: new Date(NOW + i) });
    const first = await listPolicies(database.db, org1, { limit: 2 });
    expect(first.items.map((p) => p.name)).toEqual(["p0", "p1"]);
    expect((await listPolicies(database.db, org1, { limit: 2, cursor: first.nextCursor! })).items.map((p) => p.name)).toEqual(["p2"]);
    const error = await listPolicies(database.db, org1, { limit: 2, cursor: Buffer.from("nope").toString("base64url") }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("validation_failed");
  });

  it("refuses a catastrophic regex before anything is stored", () => {
    const body = input({ name: "evil", conditions: [{ field: "source", op: "regex", value: "(x+x+)+y" }], action: { type: "deny", reason: "x" } });
    let thrown: unknown;
    try {
      assertPolicyTerms(body);
    } catch (error) {
      thrown = error;
    }
    expect(isAppError(thrown) && thrown.code).toBe("validation_failed");
    expect(isAppError(thrown) && thrown.details).toEqual({ issues: [expect.objectContaining({ path: "body.conditions.0.value", code: "unsafe_regex" })] });
  });

  it("decides the same with stored policies and contracts as with literal ones", async () => {
    await insertContract(database.db, platform, { from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.*"], boundaries: ["intra"] }, { createdBy: null });
    const transform = await insertPolicy(database.db, org1, input({ name: "tag", priority: 5, action: { type: "transform", operations: [{ op: "set", path: "tagged", value: true }] } }), { createdBy: null });
    const deny = await insertPolicy(database.db, platform, input({ name: "no control", conditions: [{ field: "type", op: "prefix", value: "control." }], action: { type: "deny", reason: "control is closed" } }), { createdBy: null });
    const directory = staticDirectory([
      { id: "service:messaging", type: "service", orgId: null },
      { id: "service:assistants", type: "service", orgId: null },
    ]);
    const decision = decide({ event: event(), contracts: await listContractsInForce(database.db, "org-1", new Date(NOW)), policies: await listPoliciesInForce(database.db, "org-1"), directory, now: NOW });
    expect(decision.path.map((s) => [s.policyId ?? s.action, s.outcome])).toEqual([
      [deny.id, "not_matched"],
      [transform.id, "transformed"],
      ["contract", "contract_found"],
    ]);
    expect(decision).toMatchObject({ outcome: "deliver", targets: ["service:assistants"], event: { data: { tagged: true } } });
  });
});
