import { bearerOf } from "@symbia/id";
import { authInputOf, hasEntitlement, scopeOf, socketAuthInput } from "@symbia/http";
import type { ParticipantKind, PrincipalRef } from "@symbia/messaging-client";
import { AppError, type Principal, type Scope } from "@symbia/sys";
import type { Request } from "express";
import type { Socket } from "socket.io";

/**
 * Who calls a service function, whatever the transport (REST, Socket.IO, the assistant bus, the
 * website endpoint): the tenant scope, the kind of principal, and what it may do.
 */
export interface Actor {
  scope: Scope;
  kind: ParticipantKind;
  /** The verified identity principal (absent for guests and bus deliveries). */
  principal?: Principal;
  /**
   * The caller's own bearer credential, used only for identity look-ups made on its behalf
   * (directory of its org); never put in events.
   */
  credential?: string;
  /** True when the actor holds `entitlement` in `scope.orgId`. */
  can(entitlement: string): boolean;
}

/** The actor of an authenticated REST request (scope from `X-Org-Id` among the principal's orgs). */
export function actorFromRequest(req: Request): Actor {
  const principal = req.principal;
  if (!principal) throw new AppError("unauthenticated", "authentication required");
  const scope = scopeOf(req);
  const credential = bearerOf(authInputOf(req)) ?? undefined;
  return principalActor(principal, scope, credential);
}

/** The actor of a Socket.IO connection (scope resolved at connection from `auth.orgId`). */
export function actorFromSocket(socket: Socket): Actor {
  const principal = socket.data.principal;
  const scope = socket.data.scope;
  if (!principal || !scope) throw new AppError("unauthenticated", "authentication required");
  const credential = bearerOf(socketAuthInput(socket)) ?? undefined;
  return principalActor(principal, scope, credential);
}

/** An actor for a verified identity principal acting in `scope`. */
export function principalActor(principal: Principal, scope: Scope, credential?: string): Actor {
  return {
    scope,
    kind: principal.type,
    principal,
    ...(credential ? { credential } : {}),
    can: (entitlement) => hasEntitlement(principal, entitlement, scope.orgId),
  };
}

/**
 * An actor vouched for by a trusted carrier rather than a token: an assistant's event delivered
 * by the relay (signed by the network) or posted by a service principal. It may do only what
 * `entitlements` lists.
 */
export function vouchedActor(orgId: string, who: PrincipalRef, entitlements: readonly string[]): Actor {
  if (who.principalType === "guest") throw new AppError("forbidden", "guests cannot be vouched for");
  return {
    scope: { orgId, principalId: who.principalId, principalType: who.principalType, entityId: who.entityId },
    kind: who.principalType,
    can: (entitlement) => entitlements.includes(entitlement),
  };
}

/** The {@link PrincipalRef} of an actor. */
export function refOf(actor: Actor): PrincipalRef {
  return { principalId: actor.scope.principalId, principalType: actor.kind, entityId: actor.scope.entityId };
}

/** Throws `forbidden` unless the actor holds `entitlement`. */
export function requireEntitlement(actor: Actor, entitlement: string): void {
  if (!actor.can(entitlement)) throw new AppError("forbidden", `missing entitlement ${entitlement}`, { entitlement });
}

declare module "socket.io" {
  interface SocketData {
    /** The tenant scope the socket acts in (`auth.orgId` among the principal's orgs). */
    scope?: Scope;
    /** Presence status the socket last set. */
    presence?: "online" | "away" | "busy";
  }
}
