import { generateKeyPairSync, createHmac } from "node:crypto";
import { createRemoteJWKSet, jwtVerify } from "jose";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PASSWORD, registerUser, startIdentity, type TestIdentity } from "../../test/harness.js";

let identity: TestIdentity;
let url: string;
let user: Awaited<ReturnType<typeof registerUser>>;
beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  await registerUser(url); // the super admin
  user = await registerUser(url);
});
afterAll(() => identity.close());

const decode = (token: string) => ({
  header: JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString()),
  payload: JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()),
});
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const me = (token: string) => call(`${url}/api/auth/me`, { token });
/** The token's claims without the ones the signer sets (iss, iat, exp). */
const claimsOf = (token: string) => {
  const { iss: _iss, iat: _iat, exp: _exp, ...rest } = decode(token).payload;
  return rest;
};

describe("access tokens", () => {
  it("are ES256 JWTs with a kid that verify with jose against /.well-known/jwks.json", async () => {
    const { header, payload } = decode(user.token);
    expect(header).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(typeof header.kid).toBe("string");
    expect(payload).toMatchObject({ iss: "symbia-identity-test", sub: user.principal.id, typ: "user", eid: user.principal.entityId });
    expect(payload.exp - payload.iat).toBe(900);
    expect(typeof payload.jti).toBe("string");
    const jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    const verified = await jwtVerify(user.token, jwks, { issuer: "symbia-identity-test", algorithms: ["ES256"] });
    expect(verified.payload.sub).toBe(user.principal.id);
    expect(verified.payload.orgs).toEqual([{ id: user.orgId, role: "owner" }]);
  });
});

describe("token attacks all get 401", () => {
  it("refuses a token signed by another key under the same kid", async () => {
    const { header, payload } = decode(user.token);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const forged = jwt.sign(payload, privateKey, { algorithm: "ES256", keyid: header.kid, noTimestamp: true });
    const res = await me(forged);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe("bad signature");
  });

  it("refuses alg: none", async () => {
    const { payload } = decode(user.token);
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...payload, sa: true })}.`;
    expect((await me(unsigned)).status).toBe(401);
  });

  it("refuses HS256 signed with the public key (algorithm confusion)", async () => {
    const { header, payload } = decode(user.token);
    const jwks = (await call(`${url}/.well-known/jwks.json`)).body;
    const body = `${b64({ alg: "HS256", typ: "JWT", kid: header.kid })}.${b64(payload)}`;
    const sig = createHmac("sha256", JSON.stringify(jwks.keys[0])).update(body).digest("base64url");
    expect((await me(`${body}.${sig}`)).status).toBe(401);
  });

  it("refuses an unknown kid", async () => {
    const { payload } = decode(user.token);
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const res = await me(jwt.sign(payload, privateKey, { algorithm: "ES256", keyid: "not-a-kid", noTimestamp: true }));
    expect(res.status).toBe(401);
  });

  it("refuses an expired token", async () => {
    const expired = identity.deps.keys.sign(claimsOf(user.token), -30);
    const res = await me(expired);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe("token expired");
  });

  it("refuses a token with one claim tampered", async () => {
    const [h, , s] = user.token.split(".");
    const payload = { ...decode(user.token).payload, sa: true };
    expect((await me(`${h}.${b64(payload)}.${s}`)).status).toBe(401);
  });

  it("refuses a token from another issuer even when signed by the right key", async () => {
    const other = jwt.sign(claimsOf(user.token), (identity.deps.keys as unknown as { active: { privateKey: never } }).active.privateKey, {
      algorithm: "ES256",
      keyid: identity.deps.keys.activeKid()!,
      issuer: "someone-else",
      expiresIn: 60,
    });
    expect((await me(other)).status).toBe(401);
  });
});

describe("signing key rotation", () => {
  it("keeps tokens of the retired key valid and signs new ones with the new key", async () => {
    const before = decode(user.token).header.kid;
    const rotated = await call(`${url}/api/keys/rotate`, { token: user.token, json: {} });
    expect(rotated.status).toBe(403); // an org owner is not the super admin
    const kid = await identity.deps.keys.rotate("test");
    expect(kid).not.toBe(before);
    const jwks = (await call(`${url}/.well-known/jwks.json`)).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([before, kid]));
    expect((await me(user.token)).status).toBe(200);
    const fresh = await call(`${url}/api/auth/login`, { json: { email: user.email, password: PASSWORD } });
    expect(decode(fresh.body.accessToken).header.kid).toBe(kid);
  });
});
