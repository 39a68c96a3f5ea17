import type { Request, Response } from "express";
import { doubleCsrf } from "csrf-csrf";
import { AppError } from "@symbia/sys";
import { deriveKey } from "../crypto/crypto.js";
import type { IdentityDeps } from "../deps.js";

/** Cookie holding the refresh token of a browser session (httpOnly, SameSite=Lax). */
export const REFRESH_COOKIE = "symbia_rt";
/** Cookie naming the session (refresh family), which CSRF tokens are bound to. */
export const SESSION_COOKIE = "symbia_sid";
const CSRF_COOKIE = "symbia_csrf";

/**
 * Browser sessions: the refresh token lives in an httpOnly cookie scoped to `/api/auth`, and every
 * state-changing request that relies on that cookie must carry the matching `X-CSRF-Token`
 * (signed double-submit cookie pattern, OWASP CSRF cheat sheet, via `csrf-csrf`).
 */
export function browserSessions(deps: IdentityDeps) {
  const secure = deps.config.env === "production";
  const secret = deriveKey(deps.config.sessionSecret, "symbia/csrf/v1").toString("base64url");
  const csrf = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE] ?? "",
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: "lax", secure, httpOnly: true, path: "/" },
    getCsrfTokenFromRequest: (req) => req.get("x-csrf-token"),
  });
  const cookieOptions = { httpOnly: true, sameSite: "lax" as const, secure, path: "/api/auth" };

  return {
    /** Sets the session cookies and returns the CSRF token the page must echo. */
    start(req: Request, res: Response, refreshToken: string, familyId: string): string {
      const maxAge = deps.config.refreshTokenTtlSeconds * 1000;
      res.cookie(REFRESH_COOKIE, refreshToken, { ...cookieOptions, maxAge });
      res.cookie(SESSION_COOKIE, familyId, { ...cookieOptions, path: "/", maxAge });
      (req.cookies as Record<string, string>)[SESSION_COOKIE] = familyId;
      return csrf.generateCsrfToken(req, res, { overwrite: true });
    },
    /** The refresh token from the cookie, after checking the CSRF token; null without a cookie. */
    cookieRefreshToken(req: Request): string | null {
      const token = (req.cookies as Record<string, string> | undefined)?.[REFRESH_COOKIE];
      if (!token) return null;
      if (!csrf.validateRequest(req)) throw new AppError("forbidden", "missing or invalid CSRF token for a cookie session");
      return token;
    },
    clear(res: Response): void {
      res.clearCookie(REFRESH_COOKIE, cookieOptions);
      res.clearCookie(SESSION_COOKIE, { ...cookieOptions, path: "/" });
      res.clearCookie(CSRF_COOKIE, { path: "/" });
    },
  };
}
