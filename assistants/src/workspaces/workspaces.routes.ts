import { defineRouter, scopeOf, type ServiceRouter } from "@symbia/http";
import { CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import { AuditPage, CreateWorkspaceBody, InvokeToolBody, ToolInvocationResultSchema, WorkspaceId, WorkspacePage, WorkspaceView } from "../api.js";
import type { AssistantsDeps } from "../deps.js";
import { createWorkspace, deleteWorkspace, getWorkspace, invokeTool, listWorkspaces, workspaceAudit } from "./workspaces.service.js";

/** The entitlement of every code-tool route (org members hold it; the runtime service too). */
export const CODE_TOOLS_ENTITLEMENT = CAPABILITIES.assistants.run;

const Params = z.object({ id: WorkspaceId });

/** `/api/workspaces`: code tools over REST, org-scoped (another org's workspace answers 404). */
export function workspacesRouter(deps: AssistantsDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/workspaces", tag: "code-tools", description: "Isolated workspaces and the code tools (file.read, file.write, file.list, file.search, bash) run in them." });
  const entitlement = CODE_TOOLS_ENTITLEMENT;
  router.post("/", { summary: "Create a workspace", body: CreateWorkspaceBody, response: WorkspaceView, status: 201, entitlement, errors: [503] }, (req) =>
    createWorkspace(deps, scopeOf(req), req.valid.body),
  );
  router.get("/", { summary: "The org's workspaces", response: WorkspacePage, entitlement }, async (req) => ({ items: await listWorkspaces(deps, scopeOf(req)) }));
  router.get("/:id", { summary: "One workspace", params: Params, response: WorkspaceView, entitlement }, (req) => getWorkspace(deps, scopeOf(req), req.valid.params.id));
  router.delete("/:id", { summary: "Remove a workspace: its running calls are killed, its files removed", params: Params, status: 204, entitlement }, async (req) => {
    await deleteWorkspace(deps, scopeOf(req), req.valid.params.id);
  });
  router.post(
    "/:id/tools",
    {
      summary: "Run a code tool in the workspace (bash only when enabled)",
      description: "Path escapes answer 403 (details.reason path_escape); a limit hit is part of the result (outcome limit) for bash, 504/413 for file tools; 503 when sandboxes cannot be built here.",
      params: Params,
      body: InvokeToolBody,
      response: ToolInvocationResultSchema,
      entitlement,
      errors: [409, 413, 503, 504],
    },
    (req, res) => {
      const controller = new AbortController();
      res.on("close", () => {
        if (!res.writableEnded) controller.abort(new Error("client disconnected"));
      });
      return invokeTool(deps, scopeOf(req), req.valid.params.id, req.valid.body, controller.signal);
    },
  );
  router.get("/:id/audit", { summary: "The workspace's audit records, newest first", params: Params, query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }), response: AuditPage, entitlement }, async (req) => ({
    items: await workspaceAudit(deps, scopeOf(req), req.valid.params.id, req.valid.query.limit),
  }));
  return router;
}
