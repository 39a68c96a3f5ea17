import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestDatabase } from "@symbia/db/testing";
import { isAppError } from "@symbia/sys";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openNetworkDatabase } from "../../test/database.js";
import { contracts as contractsTable } from "../db/schema.js";
import type * as schema from "../db/schema.js";
import { DefaultContractsError, loadDefaultContracts, parseDefaultContracts } from "./contracts.defaults.js";
import {
  deleteContract,
  findContract,
  insertContract,
  listContracts,
  listContractsInForce,
  listContractsInForceAcrossOrgs,
  syncDefaultContracts,
} from "./contracts.store.js";

let database: TestDatabase<typeof schema>;
beforeAll(async () => {
  database = await openNetworkDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  await database.db.delete(contractsTable);
});

const terms = { from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.*"], boundaries: ["intra" as const] };
const org1 = { orgId: "org-1" };
const org2 = { orgId: "org-2" };
const platform = { orgId: null };

describe("contracts store", () => {
  it("stores a contract and reads it back as the wire shape", async () => {
    const expiresAt = "2030-01-01T00:00:00.000Z";
    const created = await insertContract(database.db, org1, { ...terms, expiresAt, description: "chat" }, { createdBy: "usr-1" });
    expect(created).toMatchObject({ orgId: "org-1", origin: "api", name: null, ...terms, expiresAt, description: "chat", createdBy: "usr-1" });
    expect(created.id).toMatch(/^ctr_[0-9a-f-]{36}$/);
    expect(await findContract(database.db, org1, created.id)).toEqual(created);
  });

  it("shows an org its own and the platform's contracts, never another org's", async () => {
    const own = await insertContract(database.db, org1, terms, { createdBy: null });
    const shared = await insertContract(database.db, platform, terms, { createdBy: null });
    const foreign = await insertContract(database.db, org2, terms, { createdBy: null });
    expect((await listContracts(database.db, org1, { limit: 50 })).items.map((c) => c.id).sort()).toEqual([own.id, shared.id].sort());
    expect((await listContracts(database.db, platform, { limit: 50 })).items.map((c) => c.id)).toEqual([shared.id]);
    expect(await findContract(database.db, org1, foreign.id)).toBeNull();
    expect(await findContract(database.db, org1, shared.id)).not.toBeNull();
  });

  it("lets only the owner delete: an org cannot delete the platform's or another org's contract", async () => {
    const own = await insertContract(database.db, org1, terms, { createdBy: null });
    const shared = await insertContract(database.db, platform, terms, { createdBy: null });
    expect(await deleteContract(database.db, org2, own.id)).toBe(false);
    expect(await deleteContract(database.db, org1, shared.id)).toBe(false);
    expect(await deleteContract(database.db, org1, own.id)).toBe(true);
    expect(await deleteContract(database.db, platform, shared.id)).toBe(true);
    expect((await listContracts(database.db, org1, { limit: 50 })).items).toEqual([]);
  });

  it("lists contracts in force: the org's and the platform's, not expired", async () => {
    const now = new Date("2025-06-01T12:00:00.000Z");
    const live = await insertContract(database.db, org1, terms, { createdBy: null });
    const later = await insertContract(database.db, platform, { ...terms, expiresAt: "2025-06-01T12:00:01.000Z" }, { createdBy: null });
    await insertContract(database.db, org1, { ...terms, expiresAt: "2025-06-01T12:00:00.000Z" }, { createdBy: null });
    const foreign = await insertContract(database.db, org2, terms, { createdBy: null });
    expect((await listContractsInForce(database.db, "org-1", now)).map((c) => c.id).sort()).toEqual([live.id, later.id].sort());
    expect((await listContractsInForceAcrossOrgs(database.db, now)).map((c) => c.id).sort()).toEqual([live.id, later.id, foreign.id].sort());
  });

  it("pages oldest first with a cursor, ties broken by id, and refuses a foreign cursor", async () => {
    const at = new Date("2025-06-01T12:00:00.000Z");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await insertContract(database.db, org1, terms, { createdBy: null, now: at })).id);
    ids.push((await insertContract(database.db, org1, terms, { createdBy: null, now: new Date(at.getTime() + 1) })).id);
    const expected = [...ids.slice(0, 3).sort(), ids[3]];
    const first = await listContracts(database.db, org1, { limit: 3 });
    expect(first.items.map((c) => c.id)).toEqual(expected.slice(0, 3));
    expect(first.nextCursor).not.toBeNull();
    const second = await listContracts(database.db, org1, { limit: 3, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ id: expected[3] })], nextCursor: null });
    const error = await listContracts(database.db, org1, { limit: 3, cursor: "garbage" }).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("validation_failed");
  });
});

describe("default contracts", () => {
  const fileText = (names: string[], types = ["message.*"]) =>
    ["version: 1", "contracts:", ...names.flatMap((n) => [`  - name: ${n}`, "    from: service:messaging", "    to: service:assistants", `    allowedEventTypes: ${JSON.stringify(types)}`, "    boundaries: [intra]"])].join("\n");

  it("loads the platform's shipped defaults file", async () => {
    const path = fileURLToPath(new URL("../../config/default-contracts.yaml", import.meta.url));
    const defaults = await loadDefaultContracts(path);
    expect(defaults.length).toBeGreaterThan(3);
    expect(defaults.find((c) => c.name === "messaging-to-assistants")).toMatchObject({ from: "service:messaging", to: "service:assistants" });
  });

  it("parses YAML and JSON alike", async () => {
    const dir = await mkdtemp(join(tmpdir(), "network-defaults-"));
    await writeFile(join(dir, "a.yml"), fileText(["one"]));
    await writeFile(join(dir, "a.json"), JSON.stringify({ version: 1, contracts: [{ name: "one", from: "service:messaging", to: "service:assistants", allowedEventTypes: ["message.*"], boundaries: ["intra"] }] }));
    expect(await loadDefaultContracts(join(dir, "a.yml"))).toEqual(await loadDefaultContracts(join(dir, "a.json")));
  });

  it("refuses an invalid file, naming every failing path", async () => {
    const bad = parseDefaultsError(
      "version: 1\ncontracts:\n  - name: Bad Name\n    from: type/robot\n    to: b\n    allowedEventTypes: [message]\n    boundaries: [intra, intra]\n  - name: ok\n    from: a\n    to: b\n    allowedEventTypes: ['*']\n    boundaries: [extra]\n    color: red\n",
    );
    expect(bad.issues).toEqual([
      expect.stringMatching(/^contracts\.0\.from:/),
      expect.stringMatching(/^contracts\.0\.allowedEventTypes\.0:/),
      expect.stringMatching(/^contracts\.0\.boundaries:/),
      expect.stringMatching(/^contracts\.0\.name:/),
      expect.stringMatching(/^contracts\.1:.*color/),
    ]);
    expect(parseDefaultsError(fileText(["same", "same"])).issues).toEqual(["contracts.1.name: duplicate name same"]);
    expect(parseDefaultsError("version: [unclosed").issues[0]).toMatch(/^not valid YAML/);
    expect(parseDefaultsError("version: 2\ncontracts: []").issues).toEqual([expect.stringMatching(/^version:/)]);
  });

  it("refuses unknown extensions and missing files", async () => {
    await expect(loadDefaultContracts("/nonexistent/defaults.yaml")).rejects.toThrow(/cannot read: ENOENT/);
    await expect(loadDefaultContracts("/etc/hostname")).rejects.toThrow(/\.json, \.yaml or \.yml/);
  });

  it("syncs the stored defaults to the file: upserts by name, removes the dropped ones, keeps API contracts", async () => {
    const api = await insertContract(database.db, org1, terms, { createdBy: null });
    await database.withTransaction((tx) => syncDefaultContracts(tx, parseDefaultContracts(fileText(["alpha", "beta"]), "yaml", "first")));
    const first = await listContracts(database.db, platform, { limit: 50 });
    expect(first.items.map((c) => [c.id, c.origin, c.orgId])).toEqual([
      ["default:alpha", "default", null],
      ["default:beta", "default", null],
    ]);
    const result = await database.withTransaction((tx) => syncDefaultContracts(tx, parseDefaultContracts(fileText(["beta", "gamma"], ["control.*"]), "yaml", "second")));
    expect(result).toEqual({ upserted: 2, removed: ["default:alpha"] });
    const second = await listContracts(database.db, org1, { limit: 50 });
    expect(second.items.map((c) => [c.id, c.allowedEventTypes]).sort()).toEqual(
      [
        [api.id, ["message.*"]],
        ["default:beta", ["control.*"]],
        ["default:gamma", ["control.*"]],
      ].sort(),
    );
  });
});

function parseDefaultsError(text: string): DefaultContractsError {
  try {
    parseDefaultContracts(text, "yaml", "test.yaml");
  } catch (error) {
    if (error instanceof DefaultContractsError) return error;
    throw error;
  }
  throw new Error("expected the file to be refused");
}
