import { defineRouter } from "@symbia/http";
import { PrincipalView } from "@symbia/id";
import { AppError } from "@symbia/sys";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import { users } from "../db/schema.js";
import { audit } from "../audit/audit.service.js";
import { createResetToken } from "../auth/auth.service.js";
import { loadClaims, principalOf, principalRefOf, principalView } from "../principals/principals.service.js";
import { revokePrincipal } from "../tokens/tokens.service.js";

/** `/api/users` and `/api/principals`: user profile and principal administration. */
export function usersRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api", tag: "users", description: "Profiles and principal-level administration." });
  const UserParams = z.object({ userId: z.uuid() });

  router.patch("/users/me", { summary: "Update the caller's profile", body: z.strictObject({ name: z.string().trim().min(1).max(200) }), response: PrincipalView }, async (req) => {
    const caller = req.principal!;
    if (caller.type !== "user") throw new AppError("forbidden", "only users have profiles");
    await deps.database.db.update(users).set({ name: req.valid.body.name }).where(eq(users.id, caller.id));
    return principalView(deps.database.db, principalOf(await loadClaims(deps.database.db, { type: "user", id: caller.id })));
  });

  router.get("/users/:userId", { summary: "A user the caller shares an org with", params: UserParams, response: PrincipalView }, async (req) => {
    const caller = req.principal!;
    const target = principalOf(await loadClaims(deps.database.db, { type: "user", id: req.valid.params.userId }).catch(() => {
      throw new AppError("not_found", "user not found");
    }));
    const shares = caller.superAdmin || caller.id === target.id || target.orgs.some((o) => caller.orgs.some((c) => c.orgId === o.orgId));
    if (!shares) throw new AppError("not_found", "user not found");
    const view = await principalView(deps.database.db, target);
    // Others see only the orgs they share with the user.
    return caller.superAdmin || caller.id === target.id ? view : { ...view, orgs: view.orgs.filter((o) => caller.orgs.some((c) => c.orgId === o.orgId)) };
  });

  router.post("/users/:userId/password-reset", { summary: "Issue a password reset token for a user (super admin)", params: UserParams, response: z.object({ token: z.string(), expiresAt: z.string() }), status: 201, errors: [403] }, async (req) => {
    const caller = req.principal!;
    if (!caller.superAdmin || caller.credential.kind === "api_key") throw new AppError("forbidden", "super admin only");
    const [user] = await deps.database.db.select({ id: users.id }).from(users).where(eq(users.id, req.valid.params.userId)).limit(1);
    if (!user) throw new AppError("not_found", "user not found");
    const { token, expiresAt } = await createResetToken(deps, user.id);
    await audit(deps, { action: "password_reset.issued", outcome: "success", actor: caller, targetType: "user", targetId: user.id });
    return { token, expiresAt: expiresAt.toISOString() };
  });

  router.post(
    "/principals/:principalId/revoke-sessions",
    { summary: "Revoke every token of a principal (itself, or the super admin for anyone)", params: z.object({ principalId: z.string().min(1).max(200) }), status: 204, errors: [403] },
    async (req) => {
      const caller = req.principal!;
      const target = req.valid.params.principalId;
      if (target !== caller.id && !(caller.superAdmin && caller.credential.kind !== "api_key")) throw new AppError("forbidden", "you may revoke only your own sessions");
      await loadClaims(deps.database.db, principalRefOf(target)).catch(() => {
        throw new AppError("not_found", "principal not found");
      });
      await revokePrincipal(deps, target, "admin revocation");
      await audit(deps, { action: "principal.sessions_revoked", outcome: "success", actor: caller, targetType: "principal", targetId: target });
      return undefined;
    },
  );
  return router;
}
