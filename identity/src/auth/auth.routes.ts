import { defineRouter } from "@symbia/http";
import {
  AgentTokenBody, ChangePasswordBody, IntrospectBody, IntrospectionResponse, LoginBody, LogoutBody, PasswordResetConfirmBody,
  PasswordResetRequestBody, PrincipalView, RefreshBody, RegisterBody, RevocationFeed, ServiceTokenBody, TokenResponse,
} from "@symbia/id";
import { AppError } from "@symbia/sys";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import { principalView } from "../principals/principals.service.js";
import { revocationFeed } from "../tokens/tokens.service.js";
import * as auth from "./auth.service.js";
import { browserSessions } from "./sessions.js";

/** `/api/auth`: registration, login, sessions, service and agent tokens, introspection, resets. */
export function authRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/auth", tag: "auth", auth: "none", description: "Authentication: tokens, sessions, introspection (RFC 7662)." });
  const limit = { ...deps.config.authRateLimit, key: "ip" as const };
  const sessions = browserSessions(deps);
  const info = (req: { ip?: string | undefined }) => (req.ip ? { ip: req.ip } : {});

  router.post("/register", { summary: "Register a user (the first becomes super admin)", body: RegisterBody, response: TokenResponse, status: 201, rateLimit: limit, errors: [409] }, async (req, res) => {
    const { tokens, familyId } = await auth.register(deps, req.valid.body, info(req));
    return withSession(req, res, req.valid.body.session, tokens, familyId);
  });

  router.post("/login", { summary: "Log in with email and password", body: LoginBody, response: TokenResponse, rateLimit: limit }, async (req, res) => {
    const { tokens, familyId } = await auth.login(deps, req.valid.body, info(req));
    return withSession(req, res, req.valid.body.session, tokens, familyId);
  });

  router.post("/refresh", { summary: "Rotate a refresh token (body, or the session cookie with X-CSRF-Token)", body: RefreshBody, response: TokenResponse, rateLimit: limit }, async (req, res) => {
    const fromBody = req.valid.body.refreshToken;
    const presented = fromBody ?? sessions.cookieRefreshToken(req);
    if (!presented) throw new AppError("unauthenticated", "no refresh token");
    const { tokens, familyId } = await auth.refresh(deps, presented, info(req));
    return withSession(req, res, fromBody ? "token" : "cookie", tokens, familyId);
  });

  router.post("/logout", { summary: "End the session: revoke its refresh tokens and this access token", body: LogoutBody, auth: "required", status: 204 }, async (req, res) => {
    const claims = req.principal!.credential;
    if (claims.kind !== "token") throw new AppError("bad_request", "log out with an access token, not an API key");
    const sid = await sessionOf(req.get("authorization"));
    await auth.logout(deps, req.principal!, sid?.sid, claims.tokenId, sid?.exp);
    sessions.clear(res);
    return undefined;
  });

  router.get("/setup", { summary: "Whether the platform still needs its first (super admin) user", response: z.object({ needsAdmin: z.boolean() }) }, async () => ({
    needsAdmin: await auth.needsAdmin(deps),
  }));

  router.get("/me", { summary: "The calling principal", auth: "required", response: PrincipalView }, (req) => principalView(deps.database.db, req.principal!));

  router.post("/service-token", { summary: "Client-credentials login of a platform service", body: ServiceTokenBody, response: TokenResponse, rateLimit: limit }, (req) =>
    auth.serviceToken(deps, req.valid.body, info(req)),
  );

  router.post("/agent-token", { summary: "Log in an agent with its secret", body: AgentTokenBody, response: TokenResponse, rateLimit: limit }, (req) => auth.agentToken(deps, req.valid.body, info(req)));

  router.post(
    "/introspect",
    { summary: "RFC 7662 introspection of an access token or API key (JSON or form body)", body: IntrospectBody, response: IntrospectionResponse, auth: "required", errors: [403] },
    async (req, res) => {
      res.setHeader("Cache-Control", "no-store");
      return auth.introspect(deps, req.principal!, req.valid.body.token);
    },
  );

  router.get(
    "/revocations",
    { summary: "Revocations after a cursor, for verifiers (service principals or cap:identity.introspect)", query: z.object({ cursor: z.string().max(100).optional() }), response: RevocationFeed, auth: "required", entitlement: "cap:identity.introspect" },
    (req) => revocationFeed(deps.database.db, req.valid.query.cursor),
  );

  router.post("/password-reset/request", { summary: "Request a password reset (delivered to PASSWORD_RESET_WEBHOOK_URL)", body: PasswordResetRequestBody, status: 202, rateLimit: limit }, async (req) => {
    await auth.requestPasswordReset(deps, req.valid.body.email, info(req));
    return { status: "accepted" };
  });

  router.post("/password-reset/confirm", { summary: "Set a new password with a single-use reset token", body: PasswordResetConfirmBody, status: 204, rateLimit: limit }, async (req) => {
    await auth.confirmPasswordReset(deps, req.valid.body, info(req));
    return undefined;
  });

  router.post("/password", { summary: "Change the caller's password", body: ChangePasswordBody, auth: "required", status: 204, rateLimit: limit }, async (req) => {
    await auth.changePassword(deps, req.principal!, req.valid.body);
    return undefined;
  });

  function withSession(req: Parameters<typeof sessions.start>[0], res: Parameters<typeof sessions.start>[1], mode: "token" | "cookie", tokens: Awaited<ReturnType<typeof auth.login>>["tokens"], familyId: string) {
    if (mode !== "cookie" || !tokens.refreshToken) return tokens;
    const csrfToken = sessions.start(req, res, tokens.refreshToken, familyId);
    const { refreshToken: _kept, ...rest } = tokens;
    return { ...rest, csrfToken };
  }

  /** `sid` and `exp` of the request's access token (already verified by the auth middleware). */
  async function sessionOf(authorization: string | undefined): Promise<{ sid?: string; exp: number } | undefined> {
    const token = authorization?.replace(/^Bearer\s+/i, "");
    if (!token) return undefined;
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { sid?: string; exp: number };
  }

  return router;
}
