import { defineRouter } from "@symbia/http";
import {
  AddMemberBody, Application, AppService, CreateInvitationBody, CreateOrgBody, CreateProjectBody, Invitation, Member, OrgLimitsBody, Organization,
  Project, UpdateMemberBody, UpdateOrgBody, UpdateProjectBody, page,
} from "@symbia/id";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import { hierarchy, LEVELS } from "./hierarchy.service.js";
import * as orgs from "./orgs.service.js";

const OrgParams = z.object({ orgId: z.uuid() });
const Uuid = z.string().max(64);
const list = <T extends z.ZodType>(item: T) => page(item);
const asPage = <T>(items: T[]) => ({ items, nextCursor: null });

/** `/api/orgs` and `/api/invitations`: organizations, members, invitations, quotas, projects → applications → services. */
export function orgsRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/orgs", tag: "organizations", description: "Organizations and their hierarchy; membership roles owner/admin/member/viewer." });
  const me = (req: { principal?: unknown }) => req.principal as Parameters<typeof orgs.listOrgs>[1];

  router.post("/", { summary: "Create an organization (the caller becomes owner)", body: CreateOrgBody, response: Organization, status: 201, errors: [409] }, (req) => orgs.createOrg(deps, me(req), req.valid.body));
  router.get("/", { summary: "List the caller's organizations (all, for the super admin)", response: list(Organization) }, async (req) => asPage(await orgs.listOrgs(deps, me(req))));
  router.get("/:orgId", { summary: "Get an organization", params: OrgParams, response: Organization }, (req) => orgs.getOrg(deps, me(req), req.valid.params.orgId));
  router.patch("/:orgId", { summary: "Rename an organization (owners)", params: OrgParams, body: UpdateOrgBody, response: Organization }, (req) =>
    orgs.updateOrg(deps, me(req), req.valid.params.orgId, req.valid.body),
  );
  router.delete("/:orgId", { summary: "Delete an organization and all it holds (owners)", params: OrgParams, status: 204 }, async (req) => {
    await orgs.deleteOrg(deps, me(req), req.valid.params.orgId);
  });
  router.put("/:orgId/limits", { summary: "Set or clear the org's tenant rate limit (owners)", params: OrgParams, body: OrgLimitsBody, response: Organization }, (req) =>
    orgs.setOrgLimits(deps, me(req), req.valid.params.orgId, req.valid.body),
  );

  const MemberParams = OrgParams.extend({ userId: Uuid });
  router.get("/:orgId/members", { summary: "List members", params: OrgParams, response: list(Member) }, async (req) => asPage(await orgs.listMembers(deps, me(req), req.valid.params.orgId)));
  router.post("/:orgId/members", { summary: "Add an existing user by email (admins)", params: OrgParams, body: AddMemberBody, response: Member, status: 201, errors: [409] }, (req) =>
    orgs.addMember(deps, me(req), req.valid.params.orgId, req.valid.body),
  );
  router.patch("/:orgId/members/:userId", { summary: "Change a member's role (admins; only owners touch owners)", params: MemberParams, body: UpdateMemberBody, response: Member, errors: [409] }, (req) =>
    orgs.updateMember(deps, me(req), req.valid.params.orgId, req.valid.params.userId, req.valid.body.role),
  );
  router.delete("/:orgId/members/:userId", { summary: "Remove a member, or leave", params: MemberParams, status: 204, errors: [409] }, async (req) => {
    await orgs.removeMember(deps, me(req), req.valid.params.orgId, req.valid.params.userId);
  });

  router.post("/:orgId/invitations", { summary: "Invite an existing user by email (admins)", params: OrgParams, body: CreateInvitationBody, response: Invitation, status: 201, errors: [409] }, (req) =>
    orgs.invite(deps, me(req), req.valid.params.orgId, req.valid.body),
  );
  router.get("/:orgId/invitations", { summary: "List the org's invitations (admins)", params: OrgParams, response: list(Invitation) }, async (req) => asPage(await orgs.listOrgInvitations(deps, me(req), req.valid.params.orgId)));
  router.delete("/:orgId/invitations/:invitationId", { summary: "Revoke a pending invitation (admins)", params: OrgParams.extend({ invitationId: Uuid }), status: 204 }, async (req) => {
    await orgs.revokeInvitation(deps, me(req), req.valid.params.orgId, req.valid.params.invitationId);
  });

  const levels = [
    { level: LEVELS.project, path: "/:orgId/projects", schema: Project, parent: undefined },
    { level: LEVELS.application, path: "/:orgId/projects/:parentId/applications", schema: Application, parent: "project" },
    { level: LEVELS.service, path: "/:orgId/applications/:parentId/services", schema: AppService, parent: "application" },
  ] as const;
  for (const { level, path, schema, parent } of levels) {
    const crud = hierarchy(level);
    const ListParams = parent ? OrgParams.extend({ parentId: Uuid }) : OrgParams;
    const ItemParams = OrgParams.extend({ id: Uuid });
    const itemPath = `/:orgId/${level.kind === "project" ? "projects" : level.kind === "application" ? "applications" : "services"}/:id`;
    router.get(path, { summary: `List ${level.kind}s`, params: ListParams, response: list(schema) }, async (req) =>
      asPage(await crud.list(deps, me(req), req.valid.params.orgId, (req.valid.params as { parentId?: string }).parentId)),
    );
    router.post(path, { summary: `Create a ${level.kind} (admins)`, params: ListParams, body: CreateProjectBody, response: schema, status: 201, errors: [409] }, (req) =>
      crud.create(deps, me(req), req.valid.params.orgId, req.valid.body, (req.valid.params as { parentId?: string }).parentId),
    );
    router.get(itemPath, { summary: `Get a ${level.kind}`, params: ItemParams, response: schema }, (req) => crud.get(deps, me(req), req.valid.params.orgId, req.valid.params.id));
    router.patch(itemPath, { summary: `Update a ${level.kind} (admins)`, params: ItemParams, body: UpdateProjectBody, response: schema }, (req) =>
      crud.update(deps, me(req), req.valid.params.orgId, req.valid.params.id, req.valid.body),
    );
    router.delete(itemPath, { summary: `Delete a ${level.kind} and what it holds (admins)`, params: ItemParams, status: 204 }, async (req) => {
      await crud.remove(deps, me(req), req.valid.params.orgId, req.valid.params.id);
    });
  }
  return router;
}

/** `/api/invitations`: the caller's own invitations. */
export function invitationsRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/invitations", tag: "organizations" });
  const Params = z.object({ invitationId: Uuid });
  router.get("/", { summary: "The caller's pending invitations", response: list(Invitation) }, async (req) => asPage(await orgs.myInvitations(deps, req.principal!)));
  router.post("/:invitationId/accept", { summary: "Accept an invitation", params: Params, response: Invitation }, (req) => orgs.respondToInvitation(deps, req.principal!, req.valid.params.invitationId, true));
  router.post("/:invitationId/decline", { summary: "Decline an invitation", params: Params, response: Invitation }, (req) => orgs.respondToInvitation(deps, req.principal!, req.valid.params.invitationId, false));
  return router;
}
