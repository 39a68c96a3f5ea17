import { Writable } from "node:stream";
import { AppError, ERROR_CODES, type Principal } from "@symbia/sys";
import { z } from "zod";
import { testServerConfig } from "../src/testing.js";
import { createLogger, createServer, defineRouter, scopeOf, socketEvent, type CreateServerOptions, type ServerConfig, type SymbiaServer } from "../src/index.js";

/** Server settings for the demo server's tests. */
export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return testServerConfig({ corsOrigins: ["http://allowed.example"], rateLimit: { points: 1000, durationSeconds: 60 }, ...overrides });
}

/** Principals the test authenticator knows, by bearer token. */
export const PRINCIPALS: Record<string, Principal> = {
  alice: {
    id: "u-alice", type: "user", entityId: "ent_alice",
    orgs: [{ orgId: "org-a", role: "admin", entitlements: ["cap:demo.read", "cap:demo.write"] }, { orgId: "org-b", role: "viewer", entitlements: ["cap:demo.read"] }],
    entitlements: [], credential: { kind: "token" },
  },
  bob: { id: "u-bob", type: "user", entityId: "ent_bob", orgs: [{ orgId: "org-c", role: "member", entitlements: ["cap:demo.read"] }], entitlements: [], credential: { kind: "token" } },
  "sk_alice_readonly": {
    id: "u-alice", type: "user", entityId: "ent_alice",
    orgs: [{ orgId: "org-a", role: "admin", entitlements: ["cap:demo.read", "cap:demo.write"] }],
    entitlements: [], credential: { kind: "api_key", keyId: "k1", scopes: ["cap:demo.read"] },
  },
  carol: {
    id: "u-carol", type: "user", entityId: "ent_carol",
    orgs: [{ orgId: "org-q", role: "member", entitlements: ["cap:demo.read"], rateLimit: { points: 2, durationSeconds: 60 } }],
    entitlements: [], credential: { kind: "token" },
  },
  "carol-2": {
    id: "u-carol2", type: "user", entityId: "ent_carol2",
    orgs: [{ orgId: "org-q", role: "member", entitlements: ["cap:demo.read"], rateLimit: { points: 2, durationSeconds: 60 } }],
    entitlements: [], credential: { kind: "token" },
  },
  svc: { id: "service:messaging", type: "service", entityId: "ent_svc", orgs: [], entitlements: ["cap:demo.read"], credential: { kind: "token" } },
};

/**
 * Stand-in for the identity verifier (the auth slot's contract): `Bearer <name>` → a known
 * principal, an unknown bearer → 401, no header → anonymous.
 */
export async function testAuthenticate(input: { headers: Readonly<Record<string, string | undefined>> }): Promise<Principal | null> {
  const header = input.headers.authorization;
  if (!header) return null;
  const principal = PRINCIPALS[header.replace(/^Bearer\s+/i, "")];
  if (!principal) throw new AppError("unauthenticated", "invalid token");
  return principal;
}

/** Collects log lines written by a pino logger. */
export function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ service: "catalog", level: "debug", destination: stream }) };
}

export const Widget = z.object({ id: z.string(), name: z.string(), size: z.number().int() }).meta({ id: "Widget" });
export const CreateWidget = z.object({
  name: z.string().min(1).max(50),
  size: z.number().int().positive(),
  tags: z.array(z.string().max(10)).max(5).optional(),
  owner: z.object({ email: z.email() }),
});

/** The demo service used by the http tests and by the shutdown child process. */
export function buildDemoServer(overrides: Partial<CreateServerOptions> = {}): SymbiaServer {
  const widgets = defineRouter({ basePath: "/api/widgets", tag: "widgets", description: "Demo resources." });
  widgets.post("/", { summary: "Create a widget", body: CreateWidget, response: Widget, status: 201, entitlement: "cap:demo.write" }, (req) => ({
    id: "w1",
    name: req.valid.body.name,
    size: req.valid.body.size,
    orgId: scopeOf(req).orgId,
  }));
  widgets.get("/:id", { summary: "Read a widget", params: z.object({ id: z.string().regex(/^w\d+$/) }), query: z.object({ verbose: z.coerce.boolean().default(false) }), response: Widget, entitlement: "cap:demo.read" }, (req) => ({
    id: req.valid.params.id,
    name: `widget ${req.valid.params.id}`,
    size: req.valid.query.verbose ? 2 : 1,
    orgId: scopeOf(req).orgId,
  }));
  widgets.delete("/:id", { summary: "Delete a widget", params: z.object({ id: z.string() }), status: 204, entitlement: "cap:demo.write" }, () => undefined);

  const errors = defineRouter({ basePath: "/api/errors", tag: "errors", auth: "none" });
  errors.get("/:code", { summary: "Throw an AppError with the given code", params: z.object({ code: z.enum(ERROR_CODES) }) }, (req) => {
    throw new AppError(req.valid.params.code, `demo ${req.valid.params.code}`, { demo: true }, req.valid.params.code === "rate_limited" ? { retryAfterSeconds: 7 } : undefined);
  });
  errors.get("/", { summary: "Throw a plain Error (an internal error)" }, () => {
    throw new Error("secret internal detail: password=hunter2");
  });

  const slow = defineRouter({ basePath: "/api/slow", tag: "slow", auth: "none" });
  slow.get("/", { summary: "Answers after ?ms milliseconds", query: z.object({ ms: z.coerce.number().int().min(0).max(60_000).default(500) }) }, async (req) => {
    await new Promise((r) => setTimeout(r, req.valid.query.ms));
    return { slept: req.valid.query.ms };
  });
  const echo = defineRouter({ basePath: "/api/echo", tag: "echo", auth: "optional" });
  echo.post("/", { summary: "Echo a body with limits", body: z.object({ text: z.string() }), rateLimit: { points: 3, durationSeconds: 60, key: "ip" } }, (req) => ({ text: req.valid.body.text, principal: req.principal?.id ?? null }));

  return createServer({
    service: "catalog",
    version: "9.9.9",
    config: testConfig(),
    routers: [widgets, errors, slow, echo],
    authenticate: testAuthenticate,
    sockets: {
      events: [
        socketEvent({
          event: "widget:create",
          summary: "Create a widget over the socket",
          schema: CreateWidget,
          entitlement: "cap:demo.write",
          handler: (ctx, payload) => ({ id: "w2", name: payload.name, by: ctx.principal?.id }),
        }),
        socketEvent({ event: "widget:ping", summary: "Ping", schema: z.object({ n: z.number() }).optional(), rateLimit: { points: 2, durationSeconds: 60 }, handler: () => "pong" }),
      ],
    },
    ...overrides,
  });
}
