import { AppError } from "@symbia/sys";
import { decodeProtectedHeader, decodeJwt, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type Verifier } from "./verifier.js";
import { spawnIdentity, TEST_PASSWORD, type IdentityProcess, type TestUser } from "./testing.js";

let identity: IdentityProcess;
let admin: TestUser;
let user: TestUser;
const verifiers: Verifier[] = [];
const verifier = () => {
  const v = createVerifier({ identityUrl: identity.url, issuer: identity.issuer });
  verifiers.push(v);
  return v;
};
beforeAll(async () => {
  identity = await spawnIdentity();
  admin = await identity.registerUser(); // super admin
  user = await identity.registerUser();
}, 60_000);
afterAll(async () => {
  for (const v of verifiers) v.close();
  await identity?.stop();
});

const kidOf = (token: string) => decodeProtectedHeader(token).kid!;
const login = async (email: string) => (await identity.call("/api/auth/login", { json: { email, password: TEST_PASSWORD } })).body.accessToken as string;
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return error as AppError;
  }
  throw new Error("expected a rejection");
}

/** A token with `kid` and the claims of `claimsFrom`, signed by a key identity never had. */
async function forged(claimsFrom: string, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT(decodeJwt(claimsFrom)).setProtectedHeader({ alg: "ES256", kid, typ: "JWT" }).sign(privateKey);
}

describe("createVerifier and signing-key rotation", () => {
  it("keeps verifying tokens of the rotated-out key, verifies the new key's tokens (refetching the JWKS), and refuses unknown or foreign keys", async () => {
    const oldToken = user.token;
    const oldKid = kidOf(oldToken);
    const before = verifier();
    expect(await before.verify(oldToken)).toMatchObject({ id: user.principal.id, type: "user" });
    const fetchedAt = Date.now();

    const rotated = await identity.call("/api/keys/rotate", { token: admin.token, json: {} });
    expect(rotated.status).toBe(200);
    const newKid = rotated.body.kid as string;
    expect(newKid).not.toBe(oldKid);
    const newToken = await login(user.email);
    expect(kidOf(newToken)).toBe(newKid);
    const jwks = await identity.call("/.well-known/jwks.json");
    expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));

    // A verifier started after the rotation: both keys verify.
    const after = verifier();
    expect(await after.verify(oldToken)).toMatchObject({ id: user.principal.id });
    expect(await after.verify(newToken)).toMatchObject({ id: user.principal.id });

    // The verifier holding the JWKS from before the rotation still verifies the old key's token
    // from its cache, and refetches the set for the unknown new kid once jose's 5 s refetch
    // cooldown after its last fetch has passed.
    expect(await before.verify(oldToken)).toMatchObject({ id: user.principal.id });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, fetchedAt + 5_200 - Date.now())));
    expect(await before.verify(newToken)).toMatchObject({ id: user.principal.id });

    // Unknown kid → refused; a known kid with another key's signature → refused.
    const unknown = await rejection(after.verify(await forged(newToken, "kid-nobody-knows")));
    expect(unknown).toBeInstanceOf(AppError);
    expect(unknown).toMatchObject({ code: "unauthenticated", message: "unknown signing key" });
    for (const kid of [oldKid, newKid]) {
      expect(await rejection(after.verify(await forged(newToken, kid)))).toMatchObject({ code: "unauthenticated", message: "bad signature" });
    }
    // And a token of another issuer is refused even with a valid signature.
    const strict = createVerifier({ identityUrl: identity.url, issuer: "someone-else" });
    verifiers.push(strict);
    expect(await rejection(strict.verify(newToken))).toMatchObject({ code: "unauthenticated", message: "claim check failed: iss" });
  }, 30_000);

  it("refuses every token of a principal the super admin revoked, once it reads the feed, and accepts the next login", async () => {
    const target = await identity.registerUser();
    const v = createVerifier({ identityUrl: identity.url, issuer: identity.issuer, auth: identity.serviceLogin("messaging"), revocationPollMs: 60_000 });
    verifiers.push(v);
    const second = await login(target.email);
    expect(await v.verify(target.token)).toMatchObject({ id: target.principal.id });
    const revoked = await identity.call(`/api/principals/${target.principal.id}/revoke-sessions`, { token: await login(admin.email), json: {} });
    expect(revoked.status).toBe(204);
    await v.syncRevocations();
    for (const token of [target.token, second]) expect(await rejection(v.verify(token))).toMatchObject({ code: "unauthenticated", message: "token revoked" });
    // Identity waits past the revocation's second, so a new login is not caught by it.
    const fresh = await login(target.email);
    expect(await v.verify(fresh)).toMatchObject({ id: target.principal.id });
  });

  it("answers null without credentials and 401-style AppErrors for malformed headers and garbage", async () => {
    const v = verifier();
    expect(await v.authenticate({ headers: {}, transport: "http" })).toBeNull();
    expect(await rejection(v.authenticate({ headers: { authorization: "Basic abc" }, transport: "http" }))).toMatchObject({ code: "unauthenticated" });
    expect(await rejection(v.verify("not.a.jwt"))).toMatchObject({ code: "unauthenticated" });
    // Without its own credentials a verifier cannot introspect API keys, and says so.
    expect(await rejection(v.verify("sk_whatever"))).toMatchObject({ code: "unauthenticated", message: "API keys cannot be checked by this service" });
  });
});
