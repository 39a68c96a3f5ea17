import { TOOL_NAMES, ToolInvocationResultSchema, WorkspaceView, type InvokeToolBody, type ToolName } from "@symbia/assistants-service/api";
import type { TokenSource } from "@symbia/id";
import { outgoingTraceHeaders } from "@symbia/http";
import { AppError, type ErrorCode } from "@symbia/sys";
import type { z } from "zod";

/** The code tools of the assistants service, as `POST /api/workspaces/:id/tools` names them (its wire schema). */
export const CODE_TOOL_NAMES = TOOL_NAMES;
/** One of {@link CODE_TOOL_NAMES}. */
export type CodeToolName = ToolName;

/** How runtime reaches the assistants service's code tools. */
export interface CodeToolsAccess {
  /** Assistants' base URL (`@symbia/sys` service registry: `ASSISTANTS_SERVICE_URL` or port 5004). */
  baseUrl: string;
  /** Runtime's service login (`service:runtime`); null without RUNTIME_SERVICE_SECRET: code tools then fail with `unavailable`. */
  tokens: TokenSource | null;
  /** Per-request timeout in ms (default 120 000: a bash run may take its whole wall-time limit). */
  timeoutMs?: number;
}

/** What `POST /api/workspaces/:id/tools` answers: the tool's output and its audit record. */
export type ToolInvocation = z.infer<typeof ToolInvocationResultSchema>;

/** An answer checked against assistants' wire schema: `bad_gateway` when it does not have the documented shape. */
function parsed<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError("bad_gateway", `assistants answered ${what} that does not match its schema`);
  return result.data;
}

/**
 * The assistants service's code-tool REST API, called as runtime's service principal in the org of
 * an execution (`X-Org-Id`): `POST /api/workspaces` → 201 `{id, …}`, `DELETE /api/workspaces/:id`
 * → 204, `POST /api/workspaces/:id/tools` `{tool, args, context}` → 200 result. Runtime never
 * imports assistants' code: these are the documented wire shapes.
 */
export class CodeToolsClient {
  constructor(private readonly access: CodeToolsAccess) {}

  /** Creates a workspace in `orgId`; `runId` (the execution) and `label` go to the audit. */
  async createWorkspace(orgId: string, body: { label?: string; runId?: string }, signal?: AbortSignal): Promise<WorkspaceView> {
    return parsed(WorkspaceView, await this.call("POST", "/api/workspaces", orgId, body, signal), "a workspace");
  }

  /** Removes a workspace and its files (a 404 counts as done). */
  async deleteWorkspace(orgId: string, id: string): Promise<void> {
    try {
      await this.call("DELETE", `/api/workspaces/${encodeURIComponent(id)}`, orgId);
    } catch (error) {
      if (!(error instanceof AppError && error.code === "not_found")) throw error;
    }
  }

  /** Runs one tool in a workspace; `runId` ties the audit record to the execution. */
  async invoke(orgId: string, workspaceId: string, tool: CodeToolName, args: unknown, runId: string, signal?: AbortSignal): Promise<ToolInvocation> {
    const body = { tool, args: args as Record<string, unknown>, context: { runId } } satisfies InvokeToolBody;
    return parsed(ToolInvocationResultSchema, await this.call("POST", `/api/workspaces/${encodeURIComponent(workspaceId)}/tools`, orgId, body, signal), "a tool result");
  }

  private async call(method: string, path: string, orgId: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!this.access.tokens) throw new AppError("unavailable", "code tools need runtime's service login: set RUNTIME_SERVICE_SECRET");
    const timeout = AbortSignal.timeout(this.access.timeoutMs ?? 120_000);
    const headers: Record<string, string> = {
      accept: "application/json",
      authorization: `Bearer ${await this.access.tokens.getToken()}`,
      "x-org-id": orgId,
      ...outgoingTraceHeaders(),
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${this.access.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw new Error("execution stopped during a code-tool call");
      if (timeout.aborted) throw new AppError("timeout", `assistants did not answer ${method} ${path} in ${this.access.timeoutMs ?? 120_000} ms`);
      throw new AppError("unavailable", `assistants is unreachable at ${this.access.baseUrl}: ${(error as Error).message}`, undefined, { cause: error });
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      throw new AppError("bad_gateway", `assistants answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
      throw new AppError((err?.code ?? (res.status >= 500 ? "bad_gateway" : "bad_request")) as ErrorCode, `assistants: ${err?.message ?? `HTTP ${res.status}`}`, err?.details);
    }
    return json;
  }
}

/**
 * Workspaces shared by the code-tool nodes of one execution: the first node that needs one
 * creates it (once, even when several ask together), and the last node of the execution to be
 * disposed removes it. A node configured with a fixed workspace id never enters the pool.
 */
export class ExecutionWorkspaces {
  private readonly entries = new Map<string, { orgId: string; refs: number; workspace: Promise<string> | null }>();

  constructor(private readonly client: CodeToolsClient) {}

  /** Counts a node of `executionId` in (call once per node, at its creation). */
  join(executionId: string, orgId: string): void {
    const entry = this.entries.get(executionId) ?? { orgId, refs: 0, workspace: null };
    entry.refs += 1;
    this.entries.set(executionId, entry);
  }

  /** The execution's workspace id, created on first use. A failed creation is retried by the next call. */
  async workspace(executionId: string, nodeId: string, signal?: AbortSignal): Promise<string> {
    const entry = this.entries.get(executionId);
    if (!entry) throw new Error(`node ${nodeId} did not join the workspaces of execution ${executionId}`);
    entry.workspace ??= this.client.createWorkspace(entry.orgId, { label: `runtime execution ${executionId}`, runId: executionId }, signal).then((w) => w.id);
    try {
      return await entry.workspace;
    } catch (error) {
      entry.workspace = null;
      throw error;
    }
  }

  /** Counts a node out; the last one removes the workspace. Resolves when the removal is done (errors are returned, not thrown). */
  async leave(executionId: string): Promise<Error | null> {
    const entry = this.entries.get(executionId);
    if (!entry) return null;
    entry.refs -= 1;
    if (entry.refs > 0) return null;
    this.entries.delete(executionId);
    if (!entry.workspace) return null;
    try {
      const id = await entry.workspace;
      await this.client.deleteWorkspace(entry.orgId, id);
      return null;
    } catch (error) {
      return error as Error;
    }
  }

  /** Executions holding a workspace entry now (for tests and metrics). */
  size(): number {
    return this.entries.size;
  }
}
