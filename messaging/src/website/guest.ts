import { randomBytes } from "node:crypto";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { SignJWT, jwtVerify } from "jose";
import type { Actor } from "../actor.js";

const AUDIENCE = "symbia-messaging-guest";
const ISSUER = "symbia-messaging";

/** A website visitor without an account: one guest principal bound to one website conversation of the demo org. */
export interface GuestSession {
  guestId: string;
  orgId: string;
  conversationId: string;
}

/** A fresh guest: principal id `guest:<24 hex>`, entity id `ent_guest_<24 hex>`. */
export function newGuestId(): string {
  return randomBytes(12).toString("hex");
}

/**
 * Issues a guest session token: an HS256 JWT (RFC 7519) signed with messaging's own guest
 * secret, valid only at messaging's website endpoint (own audience), naming the guest, the demo
 * org and the one conversation it may use.
 */
export async function issueGuestSession(secret: string, session: GuestSession, ttlSeconds: number): Promise<{ token: string; expiresAt: string }> {
  const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
  const token = await new SignJWT({ org: session.orgId, cid: session.conversationId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(`guest:${session.guestId}`)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

/**
 * Verifies a guest session token (HS256 only, our issuer and audience, not expired).
 *
 * @throws AppError `unauthenticated` when it is not a valid, current guest session.
 */
export async function verifyGuestSession(secret: string, token: string): Promise<GuestSession> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
    const sub = typeof payload.sub === "string" ? /^guest:([0-9a-f]{24})$/.exec(payload.sub) : null;
    if (!sub || typeof payload.org !== "string" || typeof payload.cid !== "string") throw new Error("malformed");
    return { guestId: sub[1]!, orgId: payload.org, conversationId: payload.cid };
  } catch {
    throw new AppError("unauthenticated", "invalid or expired guest session");
  }
}

/** The actor of a guest: it may read and send in its own website conversation, nothing else. */
export function guestActor(session: GuestSession): Actor {
  const allowed: string[] = [CAPABILITIES.messaging.read, CAPABILITIES.messaging.send];
  return {
    scope: { orgId: session.orgId, principalId: `guest:${session.guestId}`, principalType: "user", entityId: `ent_guest_${session.guestId}` },
    kind: "guest",
    can: (entitlement) => allowed.includes(entitlement),
  };
}
