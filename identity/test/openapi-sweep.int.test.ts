import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PASSWORD, registerUser, startIdentity, type TestIdentity } from "./harness.js";

/**
 * A sweep over every operation of identity's own OpenAPI document, so a new route is covered the
 * day it is added: no token → 401 unless public, malformed body → 400 in the error envelope, and
 * never a 5xx for unknown or garbage path parameters.
 */

/** The operations that need no token. Adding one is a decision: it must be listed here. */
const PUBLIC = [
  "GET /health",
  "GET /health/live",
  "GET /health/ready",
  "GET /metrics",
  "GET /docs/openapi.json",
  "GET /docs/llms.txt",
  "GET /docs/llms-full.txt",
  "GET /api/bootstrap/service",
  "GET /.well-known/jwks.json",
  "GET /.well-known/openid-configuration",
  "POST /api/auth/register",
  "POST /api/auth/login",
  "POST /api/auth/refresh",
  "GET /api/auth/setup",
  "POST /api/auth/service-token",
  "POST /api/auth/agent-token",
  "POST /api/auth/password-reset/request",
  "POST /api/auth/password-reset/confirm",
].sort();

interface Operation {
  method: string;
  path: string;
  key: string;
  isPublic: boolean;
  hasBody: boolean;
}

let identity: TestIdentity;
let url: string;
let ops: Operation[];
let admin: { email: string; orgId: string };

beforeAll(async () => {
  identity = await startIdentity();
  url = identity.url;
  const first = await registerUser(url, { orgName: "Sweep" }); // super admin
  admin = { email: first.email, orgId: first.orgId };
  const doc = (await call(`${url}/docs/openapi.json`)).body as { paths: Record<string, Record<string, { security?: object[]; requestBody?: unknown }>> };
  ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const security = op.security ?? [{ bearerAuth: [] }];
      const key = `${method.toUpperCase()} ${path}`;
      // `[]` is public, `[{}, {bearerAuth: []}]` is optional auth: both answer without a token.
      return { method: method.toUpperCase(), path, key, isPublic: security.length === 0 || security.some((s) => Object.keys(s).length === 0), hasBody: op.requestBody !== undefined };
    }),
  );
});
afterAll(() => identity.close());

/** The path with every `{param}` replaced by `value`. */
const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, encodeURIComponent(value));
const UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000";

/** A fresh super-admin access token: some routes (logout) revoke the token they are called with. */
async function adminToken(): Promise<string> {
  const res = await call(`${url}/api/auth/login`, { json: { email: admin.email, password: PASSWORD } });
  return res.body.accessToken as string;
}

function isEnvelope(body: unknown, code?: string): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === "string" && typeof error.message === "string" && (code === undefined || error.code === code);
}

describe(`identity's OpenAPI document, route by route`, () => {
  it("lists exactly the expected public operations", () => {
    console.log(`openapi sweep: ${ops.length} operations, ${ops.filter((o) => o.isPublic).length} public, ${ops.filter((o) => o.hasBody).length} with a body`);
    expect(ops.length).toBeGreaterThan(60);
    expect(ops.filter((o) => o.isPublic).map((o) => o.key).sort()).toEqual(PUBLIC);
  });

  it("answers 401 in the error envelope to every non-public operation called without a token", async () => {
    const failures: string[] = [];
    const cases = ops.filter((o) => !o.isPublic);
    for (const op of cases) {
      const res = await call(`${url}${fill(op.path, UNKNOWN_UUID)}`, { method: op.method, ...(op.hasBody ? { json: {} } : {}) });
      if (res.status !== 401 || !isEnvelope(res.body, "unauthenticated")) failures.push(`${op.key} → ${res.status} ${JSON.stringify(res.body)}`);
    }
    console.log(`openapi sweep: ${cases.length} no-token cases`);
    expect(cases.length).toBe(ops.length - PUBLIC.length);
    expect(failures).toEqual([]);
  });

  it("answers every public operation without a token, never with 401 for a missing token nor a 5xx", async () => {
    const failures: string[] = [];
    for (const op of ops.filter((o) => o.isPublic)) {
      const res = await call(`${url}${fill(op.path, UNKNOWN_UUID)}`, { method: op.method, ...(op.hasBody ? { json: {} } : {}) });
      // POST /api/auth/refresh without any refresh token is a 401 about the refresh token, not a missing bearer.
      const missingRefresh = op.key === "POST /api/auth/refresh" && res.status === 401 && /refresh token/.test(res.body?.error?.message ?? "");
      if (res.status >= 500 || (res.status === 401 && !missingRefresh)) failures.push(`${op.key} → ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(failures).toEqual([]);
  });

  it("answers 400 in the error envelope to a malformed body on every operation that takes one", async () => {
    const failures: string[] = [];
    const cases = ops.filter((o) => o.hasBody);
    const token = await adminToken();
    for (const op of cases) {
      const target = `${url}${fill(op.path, UNKNOWN_UUID)}`;
      const headers = { "x-org-id": admin.orgId, "content-type": "application/json" };
      for (const [label, body] of [["broken JSON", '{"a": '], ["wrong shape", "[42]"], ["wrong types", '{"name": 7, "email": 7, "token": 7, "password": 7, "refreshToken": 7, "scopes": "x", "principalId": 7, "nodeId": 7, "provider": 7}']] as const) {
        const res = await call(target, { method: op.method, token, headers, body });
        if (res.status !== 400 || !isEnvelope(res.body)) failures.push(`${op.key} (${label}) → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    console.log(`openapi sweep: ${cases.length * 3} malformed-body cases over ${cases.length} operations`);
    expect(failures).toEqual([]);
  });

  it("never answers 5xx to a super admin calling any operation with an unknown id or a garbage path parameter", async () => {
    const failures: string[] = [];
    let count = 0;
    for (const op of ops) {
      const values = op.path.includes("{") ? [UNKNOWN_UUID, "zz-not-an-id", "ent_not-a-uuid", "@nobody", "x".repeat(64)] : [""];
      for (const value of values) {
        count++;
        const token = await adminToken();
        const res = await call(`${url}${fill(op.path, value)}`, { method: op.method, token, headers: { "x-org-id": admin.orgId }, ...(op.hasBody ? { json: {} } : {}) });
        if (res.status >= 500) failures.push(`${op.key} [${value}] → ${res.status} ${JSON.stringify(res.body)}`);
        else if (res.status >= 400 && !isEnvelope(res.body)) failures.push(`${op.key} [${value}] → ${res.status} without the error envelope`);
      }
    }
    console.log(`openapi sweep: ${count} unknown/garbage-parameter cases`);
    expect(failures).toEqual([]);
  });
});
