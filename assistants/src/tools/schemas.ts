import { z } from "zod";

/** The code tools. `bash` runs only when enabled in the options of {@link createCodeTools}. */
export const TOOL_NAMES = ["file.read", "file.write", "file.list", "file.search", "bash"] as const;
/** One of {@link TOOL_NAMES}. */
export type ToolName = (typeof TOOL_NAMES)[number];

/**
 * A path inside a workspace, relative to its root (`src/app.ts`, `.`). Absolute paths, NUL bytes
 * and `..` segments that climb above the root are refused before anything runs; symlinks are
 * resolved inside the sandbox and refused when they leave the workspace.
 */
export const WorkspacePath = z.string().min(1).max(4096);

/** Arguments of `file.read`: `encoding` of the returned content; at most `maxBytes` are returned. */
export const FileReadArgs = z
  .object({
    path: WorkspacePath,
    encoding: z.enum(["utf8", "base64"]).default("utf8"),
    maxBytes: z.int().min(1).max(16 * 1024 * 1024).optional(),
  })
  .strict();

/** Arguments of `file.write`: parent folders are created unless `createDirs` is false. */
export const FileWriteArgs = z
  .object({
    path: WorkspacePath,
    content: z.string().max(16 * 1024 * 1024),
    encoding: z.enum(["utf8", "base64"]).default("utf8"),
    append: z.boolean().default(false),
    createDirs: z.boolean().default(true),
  })
  .strict();

/** Arguments of `file.list`: entries below `path` (recursively when asked), at most `maxEntries`. */
export const FileListArgs = z
  .object({
    path: WorkspacePath.default("."),
    recursive: z.boolean().default(false),
    maxEntries: z.int().min(1).max(10_000).default(1_000),
  })
  .strict();

/**
 * Arguments of `file.search`: lines containing `pattern` (a literal, or a regular expression when
 * `regex` is true — checked with safe-regex2) in regular files below `path`; files larger than
 * 4 MiB and binary files are skipped.
 */
export const FileSearchArgs = z
  .object({
    pattern: z.string().min(1).max(512),
    regex: z.boolean().default(false),
    ignoreCase: z.boolean().default(false),
    path: WorkspacePath.default("."),
    maxResults: z.int().min(1).max(5_000).default(200),
  })
  .strict();

/** Arguments of `bash`: `command` runs with `bash -c` in the workspace; `timeoutMs` may only lower the wall-time limit. */
export const BashArgs = z
  .object({
    command: z.string().min(1).max(64 * 1024),
    stdin: z.string().max(1024 * 1024).optional(),
    timeoutMs: z.int().min(1).max(3_600_000).optional(),
  })
  .strict();

/** A tool call: `{ tool: "file.read", args: { path: "notes.md" } }`. */
export const ToolCall = z.discriminatedUnion("tool", [
  z.object({ tool: z.literal("file.read"), args: FileReadArgs }).strict(),
  z.object({ tool: z.literal("file.write"), args: FileWriteArgs }).strict(),
  z.object({ tool: z.literal("file.list"), args: FileListArgs }).strict(),
  z.object({ tool: z.literal("file.search"), args: FileSearchArgs }).strict(),
  z.object({ tool: z.literal("bash"), args: BashArgs }).strict(),
]);
/** A parsed tool call. */
export type ToolCall = z.infer<typeof ToolCall>;
/** A tool call as written (defaults not applied yet). */
export type ToolCallInput = z.input<typeof ToolCall>;

/**
 * Resource limits of one invocation. Units: seconds of CPU, milliseconds of wall time, bytes.
 * `memoryBytes` is the address-space limit (RLIMIT_AS) of each process of a `bash` run;
 * `maxProcesses` bounds the processes of the workspace's sandbox user (RLIMIT_NPROC);
 * `maxOutputBytes` bounds stdout + stderr together (the run is killed past it);
 * `maxFileBytes` is the largest file a process may write (RLIMIT_FSIZE);
 * `tmpBytes` is the size of the private `/tmp`.
 */
export const ToolLimits = z
  .object({
    cpuSeconds: z.int().min(1).max(3_600).default(10),
    wallTimeMs: z.int().min(100).max(3_600_000).default(30_000),
    memoryBytes: z.int().min(16 * 1024 * 1024).default(512 * 1024 * 1024),
    maxProcesses: z.int().min(4).max(4_096).default(64),
    maxOutputBytes: z.int().min(1_024).max(256 * 1024 * 1024).default(1024 * 1024),
    maxFileBytes: z.int().min(1_024).default(64 * 1024 * 1024),
    maxOpenFiles: z.int().min(16).max(65_536).default(256),
    tmpBytes: z.int().min(1024 * 1024).default(64 * 1024 * 1024),
  })
  .strict();
/** Parsed {@link ToolLimits}. */
export type ToolLimits = z.infer<typeof ToolLimits>;

/** Which limit ended a run early, if any. */
export type ToolLimitHit = "wall_time" | "cpu_time" | "output";

/** Result of `file.read`. `size` is the file's size in bytes; `truncated` when only `maxBytes` were read. */
export interface FileReadOutput { path: string; content: string; encoding: "utf8" | "base64"; size: number; truncated: boolean }
/** Result of `file.write`. */
export interface FileWriteOutput { path: string; bytesWritten: number }
/** One entry of `file.list` (paths relative to the workspace root; size in bytes). */
export interface FileListEntry { path: string; type: "file" | "dir" | "symlink" | "other"; size: number }
/** Result of `file.list`. */
export interface FileListOutput { path: string; entries: FileListEntry[]; truncated: boolean }
/** One match of `file.search`: 1-based line number, the line (cut at 500 characters). */
export interface FileSearchMatch { path: string; line: number; text: string }
/** Result of `file.search`. */
export interface FileSearchOutput { matches: FileSearchMatch[]; filesSearched: number; truncated: boolean }
/**
 * Result of `bash`. `exitCode` is the command's status (128 + n when it died of signal n, as a
 * shell reports it; null when the sandbox was killed for a limit); `limit` tells which limit
 * ended it; `truncated` when output past `maxOutputBytes` was cut.
 */
export interface BashOutput {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  limit: ToolLimitHit | null;
  durationMs: number;
}

/** Output of each tool. */
export interface ToolOutputs {
  "file.read": FileReadOutput;
  "file.write": FileWriteOutput;
  "file.list": FileListOutput;
  "file.search": FileSearchOutput;
  bash: BashOutput;
}

/** What one invocation returned: the tool's output and its audit record. */
export interface ToolInvocationResult<T extends ToolName = ToolName> {
  tool: T;
  output: ToolOutputs[T];
  audit: ToolAuditRecord;
}

/**
 * The audit record of one invocation, refused or not. Arguments are summarized: file content
 * is reduced to its length, commands are cut at 2 KiB.
 */
export interface ToolAuditRecord {
  id: string;
  workspaceId: string;
  tool: ToolName | "workspace.create" | "workspace.destroy";
  /** ISO 8601 UTC start time. */
  startedAt: string;
  durationMs: number;
  /** `ok` ran to completion (any exit code), `limit` stopped by a limit, `refused` never ran, `cancelled` aborted by the caller or a workspace removal, `failed` the sandbox failed. */
  outcome: "ok" | "limit" | "refused" | "cancelled" | "failed";
  args: Record<string, unknown>;
  actor?: ToolActor;
  limit?: ToolLimitHit;
  exitCode?: number | null;
  outputBytes?: number;
  error?: { code: string; message: string };
}

/** Who asked for an invocation (recorded in the audit record). */
export interface ToolActor {
  principalId?: string;
  runId?: string;
  conversationId?: string;
}
