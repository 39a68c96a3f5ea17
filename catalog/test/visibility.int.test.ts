import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import { signatureMessage } from "@symbia/catalog-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMember, call, startCatalog, startIdentity, type CallResult, type IdentityProcess, type TestCatalog, type TestUser } from "./harness.js";

// The visibility matrix across two orgs and a principal that belongs to none, on every read and
// write path. Resources live in org A: public, org-only and private (owned by A's owner, with a
// read grant to one member).

type Who = "ownerA" | "memberA" | "viewerA" | "ownerB" | "outsider";
type Vis = "public" | "org" | "private";
const WHO: Who[] = ["ownerA", "memberA", "viewerA", "ownerB", "outsider"];
const VIS: Vis[] = ["public", "org", "private"];

let identity: IdentityProcess;
let catalog: TestCatalog;
let url: string;
const users = {} as Record<Who, TestUser>;
const ids = {} as Record<Vis, string>;

/** Who reads what: public everyone; org A's members; private the owner and the grantee (memberA). */
function canRead(who: Who, vis: Vis): boolean {
  if (vis === "public") return true;
  if (vis === "org") return who === "ownerA" || who === "memberA" || who === "viewerA";
  return who === "ownerA" || who === "memberA";
}

/**
 * The status a write needing `need` answers: no org or no capability in the acting org → 403 at
 * the route; acting in another org (org B) → 404 (writes resolve in the caller's own tenant);
 * not visible → 404; visible without the right → 403.
 */
function writeStatus(who: Who, vis: Vis, need: "write" | "publish" | "sign" | "owner", allowed: number): number {
  if (who === "outsider" || who === "viewerA") return 403;
  if (who === "ownerB") return 404;
  if (!canRead(who, vis)) return 404;
  if (who === "ownerA") return allowed;
  // memberA: write on public and org resources; only a read grant on the private one.
  return need === "write" && vis !== "private" ? allowed : 403;
}

const pathOf = (vis: Vis) => `/api/resources/${ids[vis]}`;
const as = (who: Who, path: string, init: Parameters<typeof call>[2] = {}): Promise<CallResult> => call(url, path, { ...init, token: users[who].token });

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  url = catalog.url;
  users.ownerA = await identity.registerUser({ orgName: "Org A" });
  users.ownerB = await identity.registerUser({ orgName: "Org B" });
  users.outsider = await identity.registerUser({ orgName: null });
  users.memberA = await addMember(identity, users.ownerA, await identity.registerUser({ orgName: null }), "member");
  users.viewerA = await addMember(identity, users.ownerA, await identity.registerUser({ orgName: null }), "viewer");
  for (const vis of VIS) {
    const created = await as("ownerA", "/api/resources", {
      json: { type: "context", name: `matrix-${vis}`, description: `matrix ${vis}`, tags: ["matrix"], visibility: vis, body: { format: "text", content: vis } },
    });
    expect(created.status).toBe(201);
    ids[vis] = created.body.id;
    const upload = await as("ownerA", `${pathOf(vis)}/draft/artifacts/data.txt`, { method: "PUT", headers: { "content-type": "text/plain" }, body: `data ${vis}` });
    expect(upload.status).toBe(201);
    expect((await as("ownerA", `${pathOf(vis)}/publish`, { json: {} })).status).toBe(201);
  }
  expect((await as("ownerA", `${pathOf("private")}/grants/${users.memberA.principal.id}`, { method: "PUT", json: { access: "read" } })).status).toBe(200);
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
});

describe("read paths", () => {
  const reads: [string, (vis: Vis) => [string, Parameters<typeof call>[2]?]][] = [
    ["GET /api/resources/:ref", (vis) => [pathOf(vis)]],
    ["GET …/versions", (vis) => [`${pathOf(vis)}/versions`]],
    ["GET …/versions/latest", (vis) => [`${pathOf(vis)}/versions/latest`]],
    ["GET …/changelog", (vis) => [`${pathOf(vis)}/changelog`]],
    ["GET …/history", (vis) => [`${pathOf(vis)}/history`]],
    ["GET …/versions/1/artifacts", (vis) => [`${pathOf(vis)}/versions/1/artifacts`]],
    ["GET …/versions/1/artifacts/:name", (vis) => [`${pathOf(vis)}/versions/1/artifacts/data.txt`]],
    ["GET …/versions/1/signatures", (vis) => [`${pathOf(vis)}/versions/1/signatures`]],
    ["POST …/versions/1/verify", (vis) => [`${pathOf(vis)}/versions/1/verify`, { json: {} }]],
  ];
  for (const [name, route] of reads) {
    it(`${name}: 200 where visible, 404 elsewhere`, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const who of WHO) {
        for (const vis of VIS) {
          const [path, init] = route(vis);
          got.push(`${who}/${vis}: ${(await as(who, path, init)).status}`);
          want.push(`${who}/${vis}: ${canRead(who, vis) ? 200 : 404}`);
        }
      }
      expect(got).toEqual(want);
    });
  }

  it("GET /api/resources lists exactly the visible ones, for every principal", async () => {
    for (const who of WHO) {
      const listed = await as(who, `/api/resources?tag=matrix&org=${users.ownerA.orgId}`);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((r: { name: string }) => r.name).sort(), who).toEqual(VIS.filter((v) => canRead(who, v)).map((v) => `matrix-${v}`).sort());
    }
  });

  it("GET /api/search finds exactly the visible ones, for every principal", async () => {
    for (const who of WHO) {
      const found = await as(who, "/api/search?q=matrix");
      expect(found.status).toBe(200);
      expect(found.body.items.map((h: { resource: { name: string } }) => h.resource.name).sort(), who).toEqual(VIS.filter((v) => canRead(who, v)).map((v) => `matrix-${v}`).sort());
    }
  });

  it("resolves keys in the caller's org: org B does not see org A's keys", async () => {
    expect((await as("memberA", `/api/resources/${encodeURIComponent("contexts/matrix-org")}`)).status).toBe(200);
    expect((await as("ownerB", `/api/resources/${encodeURIComponent("contexts/matrix-public")}`)).status).toBe(404);
    expect((await as("ownerB", `/api/resources/${ids.public}`)).status).toBe(200);
  });

  it("refuses X-Org-Id naming an org the caller is not in (403)", async () => {
    expect((await call(url, pathOf("org"), { token: users.ownerB.token, orgId: users.ownerA.orgId })).status).toBe(403);
    expect((await call(url, "/api/resources", { token: users.outsider.token, orgId: users.ownerA.orgId })).status).toBe(403);
  });

  it("answers 401 without credentials", async () => {
    expect((await call(url, pathOf("public"))).status).toBe(401);
    expect((await call(url, "/api/search?q=matrix")).status).toBe(401);
  });
});

describe("write paths", () => {
  const matrix = async (fn: (who: Who, vis: Vis) => Promise<[number, number]>) => {
    const got: string[] = [];
    const want: string[] = [];
    for (const who of WHO) {
      for (const vis of VIS) {
        const [status, expected] = await fn(who, vis);
        got.push(`${who}/${vis}: ${status}`);
        want.push(`${who}/${vis}: ${expected}`);
      }
    }
    expect(got).toEqual(want);
  };

  it("PATCH /api/resources/:ref (cap:catalog.write)", async () => {
    await matrix(async (who, vis) => [(await as(who, pathOf(vis), { method: "PATCH", json: { description: `matrix ${vis}` } })).status, writeStatus(who, vis, "write", 200)]);
  });

  it("GET …/draft (writers)", async () => {
    await matrix(async (who, vis) => [(await as(who, `${pathOf(vis)}/draft`)).status, writeStatus(who, vis, "write", 200)]);
  });

  it("PUT and DELETE …/draft/artifacts/:name (cap:catalog.write)", async () => {
    await matrix(async (who, vis) => {
      const put = await as(who, `${pathOf(vis)}/draft/artifacts/${who}.txt`, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
      const expected = writeStatus(who, vis, "write", 201);
      if (put.status === 201) expect((await as(who, `${pathOf(vis)}/draft/artifacts/${who}.txt`, { method: "DELETE" })).status).toBe(204);
      else expect((await as(who, `${pathOf(vis)}/draft/artifacts/data.txt`, { method: "DELETE" })).status).toBe(expected);
      return [put.status, expected];
    });
  });

  it("POST …/publish (cap:catalog.publish): the draft is unchanged, so the allowed get 409", async () => {
    await matrix(async (who, vis) => [(await as(who, `${pathOf(vis)}/publish`, { json: {} })).status, writeStatus(who, vis, "publish", 409)]);
  });

  it("PUT, PATCH, DELETE …/versions/1 (frozen): writers get 409", async () => {
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      await matrix(async (who, vis) => [(await as(who, `${pathOf(vis)}/versions/1`, { method, json: {} })).status, who === "memberA" && vis === "private" ? 409 : writeStatus(who, vis, "write", 409)]);
    }
  });

  it("POST …/versions/1/deprecate (cap:catalog.publish)", async () => {
    await matrix(async (who, vis) => {
      const status = (await as(who, `${pathOf(vis)}/versions/1/deprecate`, { json: { reason: "matrix" } })).status;
      // The owner's first deprecation succeeds; nobody else gets that far.
      return [status, writeStatus(who, vis, "publish", 200)];
    });
  });

  it("POST …/versions/1/signatures (cap:catalog.sign): the allowed reach the key check (400)", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const signature = sign(null, signatureMessage(`sha256:${"0".repeat(64)}`), privateKey).toString("base64");
    await matrix(async (who, vis) => [(await as(who, `${pathOf(vis)}/versions/1/signatures`, { json: { keyId: randomUUID(), signature } })).status, writeStatus(who, vis, "sign", 400)]);
  });

  it("GET and PUT …/grants (owner or catalog admin)", async () => {
    await matrix(async (who, vis) => [(await as(who, `${pathOf(vis)}/grants`)).status, writeStatus(who, vis, "owner", 200)]);
    await matrix(async (who, vis) => [
      (await as(who, `${pathOf(vis)}/grants/${users.viewerA.principal.id}`, { method: "PUT", json: { access: "read" } })).status,
      writeStatus(who, vis, "owner", 200),
    ]);
    // The viewer now holds a read grant on the private resource.
    expect((await as("viewerA", pathOf("private"))).status).toBe(200);
    expect((await as("ownerA", `${pathOf("private")}/grants/${users.viewerA.principal.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await as("viewerA", pathOf("private"))).status).toBe(404);
  });

  it("DELETE /api/resources/:ref (cap:catalog.admin)", async () => {
    const throwaway = {} as Record<Vis, string>;
    for (const vis of VIS) {
      throwaway[vis] = (await as("ownerA", "/api/resources", { json: { type: "context", name: `gone-${vis}`, visibility: vis, body: { format: "text", content: "x" } } })).body.id;
    }
    await as("ownerA", `/api/resources/${throwaway.private}/grants/${users.memberA.principal.id}`, { method: "PUT", json: { access: "write" } });
    await matrix(async (who, vis) => {
      if (who === "ownerA") return [0, 0];
      const status = (await as(who, `/api/resources/${throwaway[vis]}`, { method: "DELETE" })).status;
      return [status, who === "memberA" ? 403 : writeStatus(who, vis, "owner", 204)];
    });
    for (const vis of VIS) expect((await as("ownerA", `/api/resources/${throwaway[vis]}`, { method: "DELETE" })).status).toBe(204);
    for (const vis of VIS) expect((await as("ownerA", `/api/resources/${throwaway[vis]}`)).status).toBe(404);
  });

  it("lets a write grantee edit a private draft, but not change who can read it", async () => {
    const created = await as("ownerA", "/api/resources", { json: { type: "context", name: "shared-draft", visibility: "private", body: { format: "text", content: "x" } } });
    expect((await as("memberA", `/api/resources/${created.body.id}`, { method: "PATCH", json: { description: "edit" } })).status).toBe(404);
    await as("ownerA", `/api/resources/${created.body.id}/grants/${users.memberA.principal.id}`, { method: "PUT", json: { access: "write" } });
    expect((await as("memberA", `/api/resources/${created.body.id}`, { method: "PATCH", json: { description: "edit" } })).status).toBe(200);
    const widen = await as("memberA", `/api/resources/${created.body.id}`, { method: "PATCH", json: { visibility: "public" } });
    expect(widen.status).toBe(403);
    expect((await as("ownerA", `/api/resources/${created.body.id}`)).body.visibility).toBe("private");
  });

  it("creates in the caller's org only: no org → 403, a viewer → 403", async () => {
    const body = { type: "context", name: "mine", body: { format: "text", content: "x" } };
    expect((await as("outsider", "/api/resources", { json: body })).status).toBe(403);
    expect((await as("viewerA", "/api/resources", { json: body })).status).toBe(403);
    const inB = await as("ownerB", "/api/resources", { json: body });
    expect(inB.body.orgId).toBe(users.ownerB.orgId);
    // Same key in another org is fine; twice in one org is 409.
    expect((await as("ownerA", "/api/resources", { json: body })).status).toBe(201);
    expect((await as("ownerA", "/api/resources", { json: body })).status).toBe(409);
  });
});
