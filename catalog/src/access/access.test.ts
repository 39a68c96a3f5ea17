import { expandEntitlements, type Principal } from "@symbia/sys";
import { describe, expect, it } from "vitest";
import { canAct, canRead, readableSet, scopesAllow, type AccessFacts } from "./access.js";

const user = (id: string, orgs: [string, "owner" | "admin" | "member" | "viewer"][], extra: Partial<Principal> = {}): Principal => ({
  id,
  type: "user",
  entityId: `ent_${id}`,
  orgs: orgs.map(([orgId, role]) => ({ orgId, role, entitlements: expandEntitlements([`role:org:${role}`]) })),
  entitlements: [],
  credential: { kind: "token" },
  ...extra,
});
const facts = (visibility: AccessFacts["visibility"], extra: Partial<AccessFacts> = {}): AccessFacts => ({ orgId: "A", visibility, ownerId: "owner", grant: null, ...extra });

describe("canRead", () => {
  it("follows the visibility matrix", () => {
    const member = user("m", [["A", "member"]]);
    const outsider = user("o", []);
    const otherOrg = user("b", [["B", "owner"]]);
    const adminA = user("adm", [["A", "owner"]]);
    expect([member, outsider, otherOrg, adminA].map((p) => canRead(p, facts("public")))).toEqual([true, true, true, true]);
    expect([member, outsider, otherOrg, adminA].map((p) => canRead(p, facts("org")))).toEqual([true, false, false, true]);
    expect([member, outsider, otherOrg, adminA].map((p) => canRead(p, facts("private")))).toEqual([false, false, false, true]);
    expect(canRead(member, facts("private", { grant: "read" }))).toBe(true);
    expect(canRead(member, facts("private", { ownerId: "m" }))).toBe(true);
  });

  it("lets a platform service with cap:catalog.read read org resources of any org, not private ones", () => {
    const runtime: Principal = { id: "service:runtime", type: "service", entityId: "ent_rt", orgs: [], entitlements: expandEntitlements(["role:service", "cap:catalog.read"]), credential: { kind: "token" } };
    expect(canRead(runtime, facts("org"))).toBe(true);
    expect(canRead(runtime, facts("private"))).toBe(false);
    expect(readableSet(runtime)).toMatchObject({ all: false, orgOrgs: "all", privateOrgs: [] });
  });

  it("narrows API keys to their scopes, even for public and owned resources", () => {
    const key = user("k", [["A", "owner"]], { credential: { kind: "api_key", keyId: "k1", scopes: ["cap:messaging.send"] } });
    expect(scopesAllow(key, "cap:catalog.read")).toBe(false);
    expect(canRead(key, facts("public"))).toBe(false);
    expect(canRead(key, facts("org"))).toBe(false);
    expect(canRead(key, facts("private", { ownerId: "k" }))).toBe(false);
    const reader = user("k", [["A", "member"]], { credential: { kind: "api_key", keyId: "k2", scopes: ["cap:catalog.*"] } });
    expect(canRead(reader, facts("org"))).toBe(true);
  });

  it("gives the super admin everything", () => {
    const root = user("root", [], { superAdmin: true });
    expect(canRead(root, facts("private"))).toBe(true);
    expect(canAct(root, facts("private"), "cap:catalog.admin")).toBe(true);
    expect(readableSet(root).all).toBe(true);
  });
});

describe("canAct", () => {
  it("needs the capability in the resource's org, and on private resources ownership, a write grant or admin", () => {
    const member = user("m", [["A", "member"]]);
    expect(canAct(member, facts("org"), "cap:catalog.write")).toBe(true);
    expect(canAct(member, facts("org"), "cap:catalog.publish")).toBe(false);
    expect(canAct(member, facts("private", { grant: "read" }), "cap:catalog.write")).toBe(false);
    expect(canAct(member, facts("private", { grant: "write" }), "cap:catalog.write")).toBe(true);
    expect(canAct(member, facts("private", { ownerId: "m" }), "cap:catalog.write")).toBe(true);
    expect(canAct(user("a", [["A", "admin"]]), facts("org"), "cap:catalog.sign")).toBe(true);
    expect(canAct(user("a", [["A", "admin"]]), facts("org"), "cap:catalog.admin")).toBe(false);
    expect(canAct(user("b", [["B", "owner"]]), facts("public"), "cap:catalog.write")).toBe(false);
  });
});
