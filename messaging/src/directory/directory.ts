import { Entity, IdentityClient, page, type TokenSource } from "@symbia/id";
import { AppError } from "@symbia/sys";
import type { Actor } from "../actor.js";

/** A principal found in identity's Entity Directory. */
export interface DirectoryEntry {
  principalId: string;
  principalType: "user" | "agent";
  entityId: string;
  displayName: string;
}

/** Look-ups messaging needs from identity. */
export interface Directory {
  /**
   * Finds a user or agent of `orgId` by principal id or entity id, with the caller's own
   * credential (identity lists an org's members only to its members).
   *
   * @throws AppError `not_found` when nobody of that org matches; `unavailable` when identity is down.
   */
  findInOrg(actor: Actor, orgId: string, ref: { principalId?: string; entityId?: string }): Promise<DirectoryEntry>;
  /** An agent by its agent id, with messaging's service login (website demo assistant). */
  agent(agentId: string): Promise<DirectoryEntry & { orgId: string | null }>;
}

const EntityPage = page(Entity);

/** The {@link Directory} backed by identity's `/api/entities` routes. */
export function identityDirectory(identityUrl: string, serviceLogin: TokenSource | undefined): Directory {
  const service = new IdentityClient(identityUrl, serviceLogin);
  return {
    async findInOrg(actor, orgId, ref) {
      if (!actor.credential) throw new AppError("forbidden", "adding participants needs a caller authenticated by token or API key");
      const client = new IdentityClient(identityUrl, { getToken: async () => actor.credential! });
      // The directory lists the org's members and agents to any member of the org.
      const list = await client.request("GET", "/api/entities", EntityPage, undefined, true, orgId);
      const match = list.items.find((e) => (e.type === "user" || e.type === "agent") && (ref.entityId ? e.id === ref.entityId : e.principalId === ref.principalId));
      if (!match) throw new AppError("not_found", `no user or agent ${ref.entityId ?? ref.principalId} in this organization`, { ref });
      return { principalId: match.principalId, principalType: match.type as "user" | "agent", entityId: match.id, displayName: match.displayName };
    },
    async agent(agentId) {
      const entity = await service.entity(`agent:${agentId}`);
      return { principalId: entity.principalId, principalType: "agent", entityId: entity.id, displayName: entity.displayName, orgId: entity.orgId };
    },
  };
}
