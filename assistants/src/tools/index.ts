/**
 * Code tools in isolated workspaces: self-contained (the runtime service calls them too, through
 * the assistants service's API). See the "Code tools" section of assistants/README.md.
 */
export { createCodeTools, CodeTools, CodeToolsOptions, checkWorkspacePath } from "./code-tools.js";
export type { CodeToolsOptionsInput, InvokeOptions } from "./code-tools.js";
export { probeSandbox, reapWorkspaceProcesses, runInSandbox, sandboxEnvironment, SandboxUnavailableError } from "./sandbox.js";
export type { SandboxBind, SandboxResult, SandboxSpec } from "./sandbox.js";
export { WorkspaceStore, WORKSPACE_ID } from "./workspaces.js";
export type { Workspace } from "./workspaces.js";
export {
  TOOL_NAMES, ToolCall, ToolLimits, WorkspacePath, FileReadArgs, FileWriteArgs, FileListArgs, FileSearchArgs, BashArgs,
} from "./schemas.js";
export type {
  ToolName, ToolCallInput, ToolLimitHit, ToolOutputs, ToolInvocationResult, ToolAuditRecord, ToolActor,
  FileReadOutput, FileWriteOutput, FileListEntry, FileListOutput, FileSearchMatch, FileSearchOutput, BashOutput,
} from "./schemas.js";
