import { randomUUID } from "node:crypto";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError, isAppError } from "@symbia/sys";
import { z } from "zod";
import safeRegex from "safe-regex2";
import { probeSandbox, reapWorkspaceProcesses, runInSandbox, SandboxUnavailableError, type SandboxBind, type SandboxResult } from "./sandbox.js";
import {
  ToolCall, ToolLimits, type BashOutput, type ToolActor, type ToolAuditRecord, type ToolCallInput, type ToolInvocationResult,
  type ToolLimitHit, type ToolName, type ToolOutputs,
} from "./schemas.js";
import { WorkspaceStore, type Workspace } from "./workspaces.js";

const FILEOP_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "sandbox", "fileop.mjs");
const FILEOP_TARGET = "/opt/symbia/fileop.mjs";
/** V8 reserves about 1 GiB of address space at start, so the file-op worker gets that much RLIMIT_AS. */
const FILEOP_ADDRESS_SPACE = 2 * 1024 * 1024 * 1024;

/** Options of {@link createCodeTools}. */
export const CodeToolsOptions = z.object({
  /** Folder holding every workspace (created 0700 if missing). */
  workspacesDir: z.string().min(1),
  /** `bash` runs only when true. */
  bashEnabled: z.boolean().default(false),
  /** Give sandboxes the host network (default: none). */
  network: z.boolean().default(false),
  /** Limits of every invocation; see {@link ToolLimits}. */
  limits: ToolLimits.default(ToolLimits.parse({})),
  /** Default and largest number of bytes `file.read` returns. */
  maxReadBytes: z.int().min(1).max(16 * 1024 * 1024).default(1024 * 1024),
  /** First uid of the range workspaces get their own uid from (and gid = uid). */
  uidBase: z.int().min(1_000).max(4_000_000_000).default(1_500_000_000),
  /** Size of that range: the most workspaces that can exist at once. */
  uidCount: z.int().min(1).max(10_000_000).default(100_000),
});
/** Options as written (defaults not applied). */
export type CodeToolsOptionsInput = z.input<typeof CodeToolsOptions> & {
  /** Receives every audit record (invocations, refusals, workspace creation and removal). If it throws, the call rejects with its error. */
  onAudit?: (record: ToolAuditRecord) => void | Promise<void>;
};

/** Per-call options of {@link CodeTools.invoke}. */
export interface InvokeOptions {
  actor?: ToolActor;
  signal?: AbortSignal;
}

function summarizeArgs(call: ToolCall): Record<string, unknown> {
  switch (call.tool) {
    case "file.write": {
      const { content, ...rest } = call.args;
      return { ...rest, contentLength: content.length };
    }
    case "bash": {
      const { stdin, command, ...rest } = call.args;
      return { ...rest, command: command.length > 2048 ? `${command.slice(0, 2048)}…` : command, ...(stdin === undefined ? {} : { stdinLength: stdin.length }) };
    }
    default:
      return { ...call.args };
  }
}

/**
 * Checks a workspace-relative path before anything runs: no NUL, not absolute, and `..` may not
 * climb above the root. (Symlinks are resolved inside the sandbox.)
 * @throws AppError("forbidden", …, { reason: "path_escape" }) or AppError("validation_failed").
 */
export function checkWorkspacePath(path: string): void {
  if (path.includes("\0")) throw new AppError("validation_failed", "path contains a NUL byte", { reason: "invalid_path" });
  if (posix.isAbsolute(path)) throw new AppError("forbidden", `absolute paths are not allowed: ${path}`, { reason: "path_escape" });
  const resolved = posix.resolve("/workspace", path);
  if (resolved !== "/workspace" && !resolved.startsWith("/workspace/")) {
    throw new AppError("forbidden", `path leaves the workspace: ${path}`, { reason: "path_escape" });
  }
}

const REFUSAL_CODES: Record<string, "forbidden" | "not_found" | "bad_request"> = {
  path_escape: "forbidden",
  not_found: "not_found",
  invalid_path: "bad_request",
  not_a_file: "bad_request",
  not_a_folder: "bad_request",
  unknown_tool: "bad_request",
  io_error: "bad_request",
};

function outcomeOf(error: unknown): ToolAuditRecord["outcome"] {
  if (!isAppError(error)) return "failed";
  if ((error.details as { reason?: string } | undefined)?.reason === "cancelled") return "cancelled";
  if (error.code === "timeout" || error.code === "payload_too_large") return "limit";
  return error.code === "unavailable" || error.code === "internal" ? "failed" : "refused";
}

function limitError(limit: ToolLimitHit, tool: string): AppError {
  if (limit === "output") return new AppError("payload_too_large", `${tool} produced more output than allowed`, { limit });
  return new AppError("timeout", `${tool} ran past its ${limit === "cpu_time" ? "CPU-time" : "wall-time"} limit`, { limit });
}

/**
 * Code tools in isolated workspaces. Each workspace is a folder with its own uid; every tool
 * call runs in a fresh sandbox (see `sandbox.ts`) as that uid, one call at a time per workspace,
 * and produces an audit record.
 */
export class CodeTools {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly running = new Map<string, Set<AbortController>>();

  constructor(
    readonly options: z.output<typeof CodeToolsOptions>,
    private readonly store: WorkspaceStore,
    private readonly onAudit?: (record: ToolAuditRecord) => void | Promise<void>,
  ) {}

  /** Makes a workspace (a folder under `workspacesDir` owned by a fresh uid). */
  async createWorkspace(input: { label?: string; actor?: ToolActor } = {}): Promise<Workspace> {
    const started = Date.now();
    const workspace = await this.store.create({ ...(input.label === undefined ? {} : { label: input.label }), ...(input.actor === undefined ? {} : { createdBy: input.actor }) });
    await this.audit({ workspaceId: workspace.id, tool: "workspace.create", started, outcome: "ok", args: { label: input.label }, actor: input.actor });
    return workspace;
  }

  /**
   * Removes a workspace: running calls in it are killed, then its folder, record and uid go.
   * @throws AppError("not_found") for an unknown id.
   */
  async destroyWorkspace(id: string, actor?: ToolActor): Promise<void> {
    const started = Date.now();
    await this.store.get(id);
    for (const controller of this.running.get(id) ?? []) controller.abort();
    await this.queues.get(id)?.catch(() => undefined);
    await this.store.destroy(id);
    await this.audit({ workspaceId: id, tool: "workspace.destroy", started, outcome: "ok", args: {}, actor });
  }

  /** The workspace with this id. @throws AppError("not_found"). */
  getWorkspace(id: string): Promise<Workspace> {
    return this.store.get(id);
  }

  /** Every workspace. */
  listWorkspaces(): Promise<Workspace[]> {
    return this.store.list();
  }

  /**
   * Runs one tool call in a workspace and returns its output and audit record.
   *
   * Refusals throw AppError (and are audited): `validation_failed` for bad arguments,
   * `forbidden` for a path leaving the workspace or `bash` while disabled, `not_found` for an
   * unknown workspace or file, `timeout` / `payload_too_large` when a file operation hits a
   * limit, `unavailable` when no sandbox can be built. A `bash` run that hits a limit is not an
   * error: its output says which limit (`limit`), what it printed until then and its status.
   */
  async invoke<T extends ToolName>(workspaceId: string, call: Extract<ToolCallInput, { tool: T }>, options: InvokeOptions = {}): Promise<ToolInvocationResult<T>> {
    const started = Date.now();
    const tool = (typeof call === "object" && call !== null && typeof call.tool === "string" ? call.tool : "unknown") as T;
    const parsed = ToolCall.safeParse(call);
    if (!parsed.success) {
      const error = new AppError("validation_failed", "invalid tool call", { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
      await this.audit({ workspaceId, tool, started, outcome: "refused", args: {}, actor: options.actor, error });
      throw error;
    }
    const args = summarizeArgs(parsed.data);
    let result: { output: ToolOutputs[T]; limit?: ToolLimitHit; exitCode?: number | null; outputBytes?: number };
    try {
      result = (await this.serialized(workspaceId, (signal) => this.run(workspaceId, parsed.data, signal), options.signal)) as typeof result;
    } catch (error) {
      const outcome = outcomeOf(error);
      const limit = isAppError(error) ? ((error.details as { limit?: ToolLimitHit } | undefined)?.limit) : undefined;
      await this.audit({ workspaceId, tool, started, outcome, args, actor: options.actor, error, ...(limit ? { limit } : {}) });
      if (error instanceof SandboxUnavailableError) throw new AppError("unavailable", error.message);
      throw error;
    }
    const audit = await this.audit({
      workspaceId, tool, started, outcome: result.limit ? "limit" : "ok", args, actor: options.actor,
      ...(result.limit ? { limit: result.limit } : {}),
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      ...(result.outputBytes !== undefined ? { outputBytes: result.outputBytes } : {}),
    });
    return { tool, output: result.output, audit };
  }

  /** Runs `task` after every earlier call in the same workspace, with an abort signal destroy can use. */
  private async serialized<R>(workspaceId: string, task: (signal: AbortSignal) => Promise<R>, outer?: AbortSignal): Promise<R> {
    const previous = this.queues.get(workspaceId) ?? Promise.resolve();
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort();
    outer?.addEventListener("abort", onOuterAbort, { once: true });
    if (outer?.aborted) controller.abort();
    const next = previous.catch(() => undefined).then(async () => {
      let set = this.running.get(workspaceId);
      if (!set) this.running.set(workspaceId, (set = new Set()));
      set.add(controller);
      try {
        if (controller.signal.aborted) throw new AppError("bad_request", "the tool call was cancelled", { reason: "cancelled" });
        return await task(controller.signal);
      } finally {
        set.delete(controller);
        if (set.size === 0) this.running.delete(workspaceId);
        outer?.removeEventListener("abort", onOuterAbort);
      }
    });
    this.queues.set(workspaceId, next);
    try {
      return await next;
    } finally {
      if (this.queues.get(workspaceId) === next) this.queues.delete(workspaceId);
    }
  }

  private async run(workspaceId: string, call: ToolCall, signal: AbortSignal): Promise<{ output: unknown; limit?: ToolLimitHit; exitCode?: number | null; outputBytes?: number }> {
    if (call.tool === "bash" && !this.options.bashEnabled) throw new AppError("forbidden", "the bash tool is disabled", { reason: "bash_disabled" });
    if (call.tool !== "bash") checkWorkspacePath(call.args.path);
    if (call.tool === "file.search" && call.args.regex) {
      try {
        new RegExp(call.args.pattern);
      } catch (error) {
        throw new AppError("validation_failed", `pattern does not compile: ${(error as Error).message}`, { reason: "invalid_regex" });
      }
      // The search runs inside the sandbox under its CPU limit anyway; refusing here gives a clear answer.
      if (!safeRegex(call.args.pattern)) throw new AppError("validation_failed", "pattern may backtrack catastrophically; rewrite it", { reason: "unsafe_regex" });
    }
    if (call.tool === "file.read" && call.args.maxBytes !== undefined && call.args.maxBytes > this.options.maxReadBytes) {
      throw new AppError("validation_failed", `file.read may return at most ${this.options.maxReadBytes} bytes`);
    }
    const probe = probeSandbox();
    if (!probe.ok) throw new AppError("unavailable", probe.reason);
    const workspace = await this.store.get(workspaceId);
    const base = { workspaceDir: workspace.dir, mountDir: this.store.mountDir, uid: workspace.uid, gid: workspace.gid, network: this.options.network, signal };

    if (call.tool === "bash") {
      const wallTimeMs = Math.min(call.args.timeoutMs ?? this.options.limits.wallTimeMs, this.options.limits.wallTimeMs);
      const run = await runInSandbox({ ...base, limits: this.options.limits, wallTimeMs, argv: ["/bin/bash", "--noprofile", "--norc", "-c", call.args.command], ...(call.args.stdin === undefined ? {} : { stdin: call.args.stdin }) })
        .finally(() => reapWorkspaceProcesses(workspace.uid));
      if (run.aborted) throw new AppError("bad_request", "the tool call was cancelled", { reason: "cancelled" });
      const output: BashOutput = {
        exitCode: run.exitCode, signal: run.signal, stdout: run.stdout.toString("utf8"), stderr: run.stderr.toString("utf8"),
        truncated: run.truncated, limit: run.limit, durationMs: run.durationMs,
      };
      return { output, exitCode: run.exitCode, outputBytes: run.stdout.length + run.stderr.length, ...(run.limit ? { limit: run.limit } : {}) };
    }

    const args = call.tool === "file.read" ? { ...call.args, maxBytes: call.args.maxBytes ?? this.options.maxReadBytes } : call.args;
    const binds: SandboxBind[] = [{ host: FILEOP_SCRIPT, target: FILEOP_TARGET }];
    if (!process.execPath.startsWith("/usr/")) binds.push({ host: dirname(process.execPath), target: dirname(process.execPath) });
    const payload = JSON.stringify({ op: call.tool, args });
    // File operations answer with JSON that may carry a whole file (base64 grows it by 4/3).
    const limits = { ...this.options.limits, maxOutputBytes: Math.max(this.options.limits.maxOutputBytes, 2 * this.options.maxReadBytes + 64 * 1024) };
    const run: SandboxResult = await runInSandbox({
      ...base, limits, addressSpace: FILEOP_ADDRESS_SPACE, binds,
      argv: [process.execPath, "--max-old-space-size=128", FILEOP_TARGET], stdin: payload,
    }).finally(() => reapWorkspaceProcesses(workspace.uid));
    if (run.aborted) throw new AppError("bad_request", "the tool call was cancelled", { reason: "cancelled" });
    if (run.limit) throw limitError(run.limit, call.tool);
    let answer: { ok: true; output: unknown } | { ok: false; code: string; message: string };
    try {
      answer = JSON.parse(run.stdout.toString("utf8"));
    } catch {
      throw new AppError("internal", `${call.tool} failed in the sandbox (status ${run.exitCode}): ${run.stderr.toString("utf8").slice(0, 500)}`);
    }
    if (!answer.ok) throw new AppError(REFUSAL_CODES[answer.code] ?? "bad_request", answer.message, { reason: answer.code });
    return { output: answer.output, exitCode: run.exitCode };
  }

  private async audit(input: {
    workspaceId: string; tool: ToolAuditRecord["tool"]; started: number; outcome: ToolAuditRecord["outcome"]; args: Record<string, unknown>;
    actor: ToolActor | undefined; error?: unknown; limit?: ToolLimitHit; exitCode?: number | null; outputBytes?: number;
  }): Promise<ToolAuditRecord> {
    const record: ToolAuditRecord = {
      id: `aud_${randomUUID()}`, workspaceId: input.workspaceId, tool: input.tool, startedAt: new Date(input.started).toISOString(),
      durationMs: Date.now() - input.started, outcome: input.outcome, args: input.args,
    };
    if (input.actor) record.actor = input.actor;
    if (input.limit) record.limit = input.limit;
    if (input.exitCode !== undefined) record.exitCode = input.exitCode;
    if (input.outputBytes !== undefined) record.outputBytes = input.outputBytes;
    if (input.error !== undefined) {
      record.error = isAppError(input.error)
        ? { code: input.error.code, message: input.error.message }
        : { code: "internal", message: input.error instanceof Error ? input.error.message : String(input.error) };
    }
    await this.onAudit?.(record);
    return record;
  }
}

/**
 * Creates the code tools: validates the options, creates `workspacesDir` and its bookkeeping
 * folders. Whether sandboxes can be built here is checked on first use ({@link probeSandbox});
 * calls then fail with AppError("unavailable") and the reason.
 * @throws ZodError for invalid options.
 */
export async function createCodeTools(input: CodeToolsOptionsInput): Promise<CodeTools> {
  const { onAudit, ...rest } = input;
  const options = CodeToolsOptions.parse(rest);
  const store = new WorkspaceStore(options.workspacesDir, options.uidBase, options.uidCount);
  await store.init();
  return new CodeTools(options, store, onAudit);
}
