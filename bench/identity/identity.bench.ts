// bench/identity: what a service pays to trust a caller, and what a password login costs, each
// against its bound measured in the same run.
// - JWT verifications/s through @symbia/id's verifier (JWKS fetched once from identity, then local),
//   against a bare ES256 signature check of the same token with node:crypto;
// - API-key checks (RFC 7662 introspection) p50/p95 through a small HTTP server that calls the
//   verifier, with its cache and without (cacheMs 0: one introspection call per request), against
//   the same server answering without any check; autocannon drives it, one connection;
// - password logins/s (POST /api/auth/login) with identity at bcrypt cost 12, against raw
//   bcrypt.hash/s at cost 12 in this process at the same concurrency (the bound: a login is one
//   bcrypt comparison plus a token).
// Identity runs in its own process on PostgreSQL when reachable (else pg-mem).
// Run: npm run bench -- identity (BENCH_VERIFICATIONS 12000, BENCH_REQUESTS 2000, BENCH_LOGINS 16).
import { createPublicKey, verify as verifySignature } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createVerifier } from "@symbia/id";
import { spawnIdentity, TEST_PASSWORD } from "@symbia/id/testing";
import bcrypt from "bcrypt";
import { load } from "../lib/load.js";
import { reachablePostgres } from "../lib/postgres.js";
import { median, row, start, summarize, type Row } from "../lib/report.js";

const bench = start("identity");
const VERIFICATIONS = Number(process.env.BENCH_VERIFICATIONS ?? 12_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 16);
const LOGIN_CONCURRENCY = 4;
const COST = 12;

const databaseUrl = await reachablePostgres();
// spawnIdentity puts identity in a fresh schema of TEST_DATABASE_URL (dropped by stop()), else pg-mem.
if (databaseUrl) process.env.TEST_DATABASE_URL = databaseUrl;
else delete process.env.TEST_DATABASE_URL;
const identity = await spawnIdentity({ BCRYPT_COST: String(COST), LOG_LEVEL: "info" });
const rows: Row[] = [];
const details: Record<string, unknown> = {};
const server = createServer();
try {
  const admin = await identity.registerUser({ orgName: "Bench" });

  // --- JWT verification ---------------------------------------------------------------------
  const verifier = createVerifier({ identityUrl: identity.url, issuer: identity.issuer });
  await verifier.verify(admin.token); // fetches the JWKS
  const jwks = (await (await fetch(`${identity.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  const [headerB64, payloadB64, signatureB64] = admin.token.split(".") as [string, string, string];
  const { kid } = JSON.parse(Buffer.from(headerB64, "base64url").toString()) as { kid: string };
  const publicKey = createPublicKey({ key: jwks.keys.find((k) => k.kid === kid)! as never, format: "jwk" });
  const signed = Buffer.from(`${headerB64}.${payloadB64}`);
  const signature = Buffer.from(signatureB64, "base64url");
  const bare = () => {
    if (!verifySignature("sha256", signed, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)) throw new Error("bad signature");
  };
  const perSecond = async (n: number, fn: () => unknown) => {
    for (let i = 0; i < n / 10; i++) await fn();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return n / ((performance.now() - t0) / 1000);
  };
  // Six rounds alternating the two; the median round of each (the machine is shared).
  const verifierRuns: number[] = [];
  const bareRuns: number[] = [];
  for (let i = 0; i < 6; i++) {
    verifierRuns.push(await perSecond(VERIFICATIONS / 6, () => verifier.verify(admin.token)));
    bareRuns.push(await perSecond(VERIFICATIONS / 6, bare));
  }
  verifier.close();
  rows.push(row("JWT verifications/s, @symbia/id verifier (local JWKS)", median(verifierRuns), "verif/s", median(bareRuns), "bare ES256 check, node:crypto", "verifier adds claims checks (jose), zod parse, revocation lookup"));
  details.jwt = { verifierRuns, bareRuns };

  // --- API-key introspection ------------------------------------------------------------------
  const created = await identity.call("/api/api-keys", { token: admin.token, orgId: admin.orgId, json: { name: "bench", scopes: ["cap:messaging.read"] } });
  if (created.status !== 201) throw new Error(`api key: ${created.status} ${JSON.stringify(created.body)}`);
  const apiKey = created.body.key as string;
  const auth = identity.serviceLogin("messaging");
  const cached = createVerifier({ identityUrl: identity.url, issuer: identity.issuer, auth, cacheMs: 60_000, revocationPollMs: 60_000 });
  const uncached = createVerifier({ identityUrl: identity.url, issuer: identity.issuer, auth, cacheMs: 0, revocationPollMs: 60_000 });
  server.on("request", (req, res) => {
    const key = req.headers["x-api-key"] as string;
    const check = req.url === "/cached" ? cached.verify(key) : req.url === "/uncached" ? uncached.verify(key) : Promise.resolve(null);
    check.then(
      () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'),
      () => res.writeHead(401).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const target = (path: string) => ({ url: `${base}${path}`, method: "GET" as const, headers: { "x-api-key": apiKey } });
  await load(target("/uncached"), 1, { amount: 200 }); // warm-up: service token, JIT, pools
  await load(target("/cached"), 1, { amount: 200 });
  await load(target("/plain"), 1, { amount: 200 });
  // Four rounds alternating the three paths, samples pooled per path (the machine is shared).
  const pooled = { plain: [] as number[], cached: [] as number[], uncached: [] as number[] };
  for (let round = 0; round < 4; round++) {
    for (const path of ["plain", "cached", "uncached"] as const) {
      const r = await load(target(`/${path}`), 1, { amount: REQUESTS / 4, sink: pooled[path] });
      if (r.non2xx || r.errors) throw new Error(`introspection run had ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
  }
  const plain = { latency: summarize(pooled.plain) };
  const withCache = { latency: summarize(pooled.cached) };
  const withoutCache = { latency: summarize(pooled.uncached) };
  const label = "same server, no check";
  rows.push(
    row("API-key check p50, with cache", withCache.latency.p50, "ms", plain.latency.p50, label),
    row("API-key check p95, with cache", withCache.latency.p95, "ms", plain.latency.p95, label),
    row("API-key check p50, without cache (introspection call)", withoutCache.latency.p50, "ms", plain.latency.p50, label, `introspection adds ${(withoutCache.latency.p50 - plain.latency.p50).toFixed(2)} ms`),
    row("API-key check p95, without cache (introspection call)", withoutCache.latency.p95, "ms", plain.latency.p95, label, `introspection adds ${(withoutCache.latency.p95 - plain.latency.p95).toFixed(2)} ms`),
  );
  details.introspection = { plain, withCache, withoutCache };
  cached.close();
  uncached.close();

  // --- Password logins at bcrypt cost 12 -------------------------------------------------------
  const user = await identity.registerUser({ orgName: null });
  const loginTarget = { url: `${identity.url}/api/auth/login`, method: "POST" as const, headers: { "content-type": "application/json" }, body: JSON.stringify({ email: user.email, password: TEST_PASSWORD }) };
  await load(loginTarget, LOGIN_CONCURRENCY, { amount: LOGIN_CONCURRENCY }); // warm-up
  const tLogin = performance.now();
  const logins = await load(loginTarget, LOGIN_CONCURRENCY, { amount: LOGINS });
  const loginsPerSecond = (LOGINS - logins.non2xx - logins.errors) / ((performance.now() - tLogin) / 1000);
  if (logins.non2xx || logins.errors) throw new Error(`logins: ${logins.non2xx} non-2xx, ${logins.errors} errors`);
  const hash = await bcrypt.hash(TEST_PASSWORD, COST);
  const tHash = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: LOGIN_CONCURRENCY }, async () => {
      while (next++ < LOGINS) await bcrypt.hash(TEST_PASSWORD, COST);
    }),
  );
  const hashesPerSecond = LOGINS / ((performance.now() - tHash) / 1000);
  if (!(await bcrypt.compare(TEST_PASSWORD, hash))) throw new Error("bcrypt disagrees");
  rows.push(row(`password logins/s, bcrypt cost ${COST}, ${LOGIN_CONCURRENCY} in flight`, loginsPerSecond, "logins/s", hashesPerSecond, `raw bcrypt.hash/s, cost ${COST}, ${LOGIN_CONCURRENCY} in flight`, `login p50 ${logins.latency.p50.toFixed(0)} ms`));
  details.logins = { logins, loginsPerSecond, hashesPerSecond };
} finally {
  server.close();
  await identity.stop();
}
bench.finish(
  {
    identity: `its own process (index.ts), ${databaseUrl ? "PostgreSQL (a fresh schema)" : "pg-mem"}, bcrypt cost ${COST}`,
    jwt: `${VERIFICATIONS / 6} sequential verifications per round, six rounds alternating verifier and bare check, median round of each`,
    introspection: `${REQUESTS} requests per path, autocannon, 1 connection, 4 rounds alternating the paths, to a node:http server in this process that calls the verifier (cacheMs 60 000 vs 0)`,
    logins: `${LOGINS} logins, ${LOGIN_CONCURRENCY} in flight (autocannon); the bound: ${LOGINS} bcrypt.hash at cost ${COST}, ${LOGIN_CONCURRENCY} in flight, in this process`,
  },
  rows,
  details,
);
