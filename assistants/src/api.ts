/**
 * Wire schemas of the assistants service (`@symbia/assistants-service/api`): schemas and types
 * only, no runtime code. Other services (runtime's code-tool components) call the code-tool routes
 * with exactly these shapes.
 */
import { z } from "zod";
import { TOOL_NAMES, ToolCall } from "./tools/schemas.js";

export { TOOL_NAMES, ToolCall, ToolLimits, FileReadArgs, FileWriteArgs, FileListArgs, FileSearchArgs, BashArgs, WorkspacePath } from "./tools/schemas.js";
export type {
  ToolName, ToolCallInput, ToolInvocationResult, ToolAuditRecord, ToolActor, ToolOutputs, FileReadOutput, FileWriteOutput, FileListOutput,
  FileListEntry, FileSearchOutput, FileSearchMatch, BashOutput, ToolLimitHit,
} from "./tools/schemas.js";

/** A workspace id: `ws_` and 24 lowercase hex digits. */
export const WorkspaceId = z.string().regex(/^ws_[0-9a-f]{24}$/, "a workspace id is ws_ and 24 hex digits");

/** `POST /api/workspaces` body. */
export const CreateWorkspaceBody = z.strictObject({
  label: z.string().min(1).max(200).optional(),
  /** Recorded in the audit: the run / conversation the workspace serves. */
  runId: z.string().min(1).max(200).optional(),
  conversationId: z.string().min(1).max(200).optional(),
});
export type CreateWorkspaceBody = z.infer<typeof CreateWorkspaceBody>;

/** A workspace as the API shows it. */
export const WorkspaceView = z.object({
  id: WorkspaceId,
  orgId: z.string(),
  label: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type WorkspaceView = z.infer<typeof WorkspaceView>;

/** Who the call serves (recorded in the audit record). */
export const ToolRequestContext = z.strictObject({
  runId: z.string().min(1).max(200).optional(),
  conversationId: z.string().min(1).max(200).optional(),
});

/**
 * `POST /api/workspaces/:id/tools` body: `{tool, args, context?}`. `args` is checked against the
 * tool's own schema (`ToolCall`); issues are reported under `args.…`.
 */
export const InvokeToolBody = z
  .strictObject({
    tool: z.enum(TOOL_NAMES),
    args: z.record(z.string(), z.unknown()).default({}),
    context: ToolRequestContext.optional(),
  })
  .superRefine((body, ctx) => {
    const parsed = ToolCall.safeParse({ tool: body.tool, args: body.args });
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path as (string | number)[], message: issue.message });
  });
export type InvokeToolBody = z.input<typeof InvokeToolBody>;

/** An audit record (see `ToolAuditRecord`). */
export const AuditRecordSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  tool: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
  outcome: z.enum(["ok", "limit", "refused", "cancelled", "failed"]),
  args: z.record(z.string(), z.unknown()),
  actor: z.record(z.string(), z.unknown()).optional(),
  limit: z.string().optional(),
  exitCode: z.number().nullable().optional(),
  outputBytes: z.number().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** `POST /api/workspaces/:id/tools` response: the tool's output and its audit record. */
export const ToolInvocationResultSchema = z.object({ tool: z.enum(TOOL_NAMES), output: z.unknown(), audit: AuditRecordSchema });

/** `GET /api/workspaces/:id/audit` response, newest first. */
export const AuditPage = z.object({ items: z.array(AuditRecordSchema) });

/** `GET /api/workspaces` response. */
export const WorkspacePage = z.object({ items: z.array(WorkspaceView) });
