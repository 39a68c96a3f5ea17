import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { CatalogClient, signatureMessage } from "@symbia/catalog-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMember, call, ref, startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "../../test/harness.js";

let identity: IdentityProcess;
let catalog: TestCatalog;
let url: string;
let owner: TestUser;
let member: TestUser;
let keys: { privateKey: KeyObject; publicKey: KeyObject };
let keyId: string;
let digest1: string;
let digest2: string;
const KEY = ref("components/signed");

const signB64 = (digest: string, privateKey: KeyObject = keys.privateKey) => sign(null, signatureMessage(digest), privateKey).toString("base64");

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  url = catalog.url;
  owner = await identity.registerUser({ orgName: "Signers" });
  member = await addMember(identity, owner, await identity.registerUser({ orgName: null }), "member");
  keys = generateKeyPairSync("ed25519");
  const body = { inputs: [{ name: "in", schema: {} }], outputs: [{ name: "out", schema: {} }] };
  await call(url, "/api/resources", { token: owner.token, json: { type: "component", name: "signed", body } });
  digest1 = (await call(url, `/api/resources/${KEY}/publish`, { token: owner.token, json: {} })).body.digest;
  await call(url, `/api/resources/${KEY}`, { method: "PATCH", token: owner.token, json: { description: "v2" } });
  digest2 = (await call(url, `/api/resources/${KEY}/publish`, { token: owner.token, json: {} })).body.digest;
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
});

describe("POST /api/signing-keys", () => {
  it("registers an Ed25519 public key (PEM or raw base64) for the caller, once", async () => {
    const pem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
    const res = await call(url, "/api/signing-keys", { token: owner.token, json: { name: "laptop", publicKey: pem } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ principalId: owner.principal.id, name: "laptop", algorithm: "ed25519", publicKey: pem, revokedAt: null });
    expect(res.body.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    keyId = res.body.id;
    const raw = Buffer.from(keys.publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64");
    const again = await call(url, "/api/signing-keys", { token: owner.token, json: { name: "same key, raw", publicKey: raw } });
    expect(again.status).toBe(409);
    expect((await call(url, "/api/signing-keys", { token: owner.token })).body.items.map((k: { id: string }) => k.id)).toEqual([keyId]);
  });

  it("refuses other key types, private keys and junk, naming body.publicKey", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    const privatePem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    for (const publicKey of [rsa, privatePem, "x".repeat(60)]) {
      const res = await call(url, "/api/signing-keys", { token: owner.token, json: { name: "bad", publicKey } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe("body.publicKey");
    }
  });

  it("needs cap:catalog.sign (a member has none)", async () => {
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    expect((await call(url, "/api/signing-keys", { token: member.token, json: { name: "m", publicKey: other } })).status).toBe(403);
  });
});

describe("POST …/versions/:version/signatures and /verify", () => {
  it("stores a signature that verifies, and verify says so", async () => {
    const res = await call(url, `/api/resources/${KEY}/versions/1/signatures`, { token: owner.token, json: { keyId, signature: signB64(digest1) } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 1, digest: digest1, keyId, principalId: owner.principal.id, valid: true });
    const verified = await call(url, `/api/resources/${KEY}/versions/1/verify`, { token: member.token, json: {} });
    expect(verified.body).toMatchObject({ digest: digest1, valid: true, results: [{ keyId, valid: true, reason: null }] });
    const one = await call(url, `/api/resources/${KEY}/versions/1/verify`, { token: member.token, json: { keyId, signature: signB64(digest1) } });
    expect(one.body).toMatchObject({ valid: true, results: [{ keyId, principalId: owner.principal.id, valid: true }] });
    const byPublicKey = await call(url, `/api/resources/${KEY}/versions/${digest1}/verify`, {
      token: member.token,
      json: { publicKey: keys.publicKey.export({ type: "spki", format: "pem" }).toString(), signature: signB64(digest1) },
    });
    expect(byPublicKey.body.valid).toBe(true);
    expect((await call(url, `/api/resources/${KEY}/versions/1/signatures`, { token: member.token })).body.items).toHaveLength(1);
  });

  it("fails verification of a signature over another digest", async () => {
    const res = await call(url, `/api/resources/${KEY}/versions/2/verify`, { token: member.token, json: { keyId, signature: signB64(digest1) } });
    expect(res.body).toMatchObject({ digest: digest2, valid: false, results: [{ valid: false, reason: "bad signature" }] });
    const store = await call(url, `/api/resources/${KEY}/versions/2/signatures`, { token: owner.token, json: { keyId, signature: signB64(digest1) } });
    expect(store.status).toBe(400);
    expect(store.body.error.details.issues[0].path).toBe("body.signature");
    expect((await call(url, `/api/resources/${KEY}/versions/2/verify`, { token: member.token, json: {} })).body).toMatchObject({ valid: false, results: [] });
  });

  it("fails verification with an unregistered key", async () => {
    const stranger = generateKeyPairSync("ed25519");
    const res = await call(url, `/api/resources/${KEY}/versions/1/verify`, {
      token: member.token,
      json: { publicKey: stranger.publicKey.export({ type: "spki", format: "pem" }).toString(), signature: signB64(digest1, stranger.privateKey) },
    });
    expect(res.body).toMatchObject({ valid: false, results: [{ keyId: null, valid: false, reason: "key not registered" }] });
    const unknownId = await call(url, `/api/resources/${KEY}/versions/1/verify`, { token: member.token, json: { keyId: "00000000-0000-4000-8000-000000000000", signature: signB64(digest1) } });
    expect(unknownId.body.results[0].reason).toBe("key not registered");
    const store = await call(url, `/api/resources/${KEY}/versions/1/signatures`, { token: owner.token, json: { keyId: "00000000-0000-4000-8000-000000000000", signature: signB64(digest1) } });
    expect(store.status).toBe(400);
    expect(store.body.error.details.issues[0].path).toBe("body.keyId");
  });

  it("refuses the same key twice on a version (409), and signing without cap:catalog.sign (403)", async () => {
    expect((await call(url, `/api/resources/${KEY}/versions/1/signatures`, { token: owner.token, json: { keyId, signature: signB64(digest1) } })).status).toBe(409);
    expect((await call(url, `/api/resources/${KEY}/versions/1/signatures`, { token: member.token, json: { keyId, signature: signB64(digest1) } })).status).toBe(403);
  });

  it("signs through the client, which fetches and checks the digest first", async () => {
    const client = new CatalogClient({ baseUrl: url, token: owner.token });
    const signature = await client.sign("components/signed", 2, keyId, keys.privateKey);
    expect(signature).toMatchObject({ version: 2, digest: digest2, valid: true });
    expect((await client.verify("components/signed", "latest")).valid).toBe(true);
  });
});

describe("verified=true filters", () => {
  it("lists resources whose latest version is signed, and signed versions", async () => {
    await call(url, "/api/resources", { token: owner.token, json: { type: "context", name: "unsigned", body: { format: "text", content: "x" } } });
    await call(url, `/api/resources/${ref("contexts/unsigned")}/publish`, { token: owner.token, json: {} });
    const verified = await call(url, "/api/resources?verified=true", { token: owner.token });
    expect(verified.body.items.map((r: { key: string }) => r.key)).toEqual(["components/signed"]);
    const unverified = await call(url, "/api/resources?verified=false", { token: owner.token });
    expect(unverified.body.items.map((r: { key: string }) => r.key)).toEqual(["contexts/unsigned"]);
    const versions = await call(url, `/api/resources/${KEY}/versions?verified=true`, { token: owner.token });
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  });

  it("stops counting signatures of a revoked key", async () => {
    const revoked = await call(url, `/api/signing-keys/${keyId}`, { method: "DELETE", token: owner.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await call(url, "/api/resources?verified=true", { token: owner.token })).body.items).toEqual([]);
    const check = await call(url, `/api/resources/${KEY}/versions/1/verify`, { token: member.token, json: {} });
    expect(check.body).toMatchObject({ valid: false, results: [{ valid: false, reason: "key revoked" }] });
    expect((await call(url, `/api/resources/${KEY}/versions/1/signatures`, { token: member.token })).body.items[0].valid).toBe(false);
    expect((await call(url, `/api/signing-keys/${keyId}`, { method: "DELETE", token: member.token })).status).toBe(404);
  });
});
