import { ToolCall } from "@symbia/assistants-service/api";
import type { ComponentDefinition, ComponentManifest } from "../manifest.js";
import { CodeToolsClient, ExecutionWorkspaces, type CodeToolName, type CodeToolsAccess } from "./client.js";
import { fillTemplate, hasPlaceholder } from "./template.js";

type ArgType = "string" | "boolean" | "integer";
/** Each tool's arguments (the assistants service's wire schema), and which are required. */
const TOOL_ARGS: Record<CodeToolName, { fields: Record<string, ArgType>; required: string[] }> = {
  "file.read": { fields: { path: "string", encoding: "string", maxBytes: "integer" }, required: ["path"] },
  "file.write": { fields: { path: "string", content: "string", encoding: "string", append: "boolean", createDirs: "boolean" }, required: ["path", "content"] },
  "file.list": { fields: { path: "string", recursive: "boolean", maxEntries: "integer" }, required: [] },
  "file.search": { fields: { pattern: "string", regex: "boolean", ignoreCase: "boolean", path: "string", maxResults: "integer" }, required: ["pattern"] },
  bash: { fields: { command: "string", stdin: "string", timeoutMs: "integer" }, required: ["command"] },
};

/** The `workspace` config value that shares one workspace among the execution's code-tool nodes. */
export const EXECUTION_WORKSPACE = "execution";

const WORKSPACE_PROPERTY = {
  description: `"${EXECUTION_WORKSPACE}" (default): one workspace for all code-tool nodes of the execution, created on first use and removed when the execution ends; or the id (ws_…) of an existing workspace of the org, which is kept`,
  type: "string",
  pattern: "^(execution|ws_[0-9a-f]{24})$",
  default: EXECUTION_WORKSPACE,
} as const;

const TIMEOUT_PROPERTY = { description: "Longest wait for one tool call, in ms", type: "integer", minimum: 100, maximum: 3_600_000, default: 120_000 } as const;

/** JSON Schema of an args template for `tools`: each field has its type, or is a string holding a `{{value…}}` placeholder. */
function argsSchema(tools: CodeToolName[]) {
  const properties: Record<string, unknown> = {};
  for (const tool of tools) {
    for (const [name, type] of Object.entries(TOOL_ARGS[tool].fields)) properties[name] = type === "string" ? { type: "string", minLength: 1 } : { type: [type, "string"] };
  }
  return {
    description: "Arguments of the tool. Strings may hold {{value}} or {{value.field}} placeholders filled from the input value (a string that is exactly one placeholder takes the value as it is). Absent: the input value is the arguments.",
    type: "object",
    additionalProperties: false,
    properties,
  };
}

/** Config checks the JSON Schema cannot express: the tool's required args, and no args of another tool. */
function checkArgs(tool: CodeToolName, args: unknown): Array<[string, string]> {
  if (args === undefined) return [];
  const spec = TOOL_ARGS[tool];
  const present = Object.keys(args as Record<string, unknown>);
  const issues: Array<[string, string]> = [];
  for (const name of spec.required) if (!present.includes(name)) issues.push([`args.${name}`, `${tool} needs "${name}"`]);
  for (const name of present) if (!(name in spec.fields)) issues.push([`args.${name}`, `${tool} takes no "${name}"; it takes ${Object.keys(spec.fields).join(", ")}`]);
  if (issues.length > 0 || hasPlaceholder(args)) return issues;
  // Fixed args are checked now against assistants' own schema, not at the first value.
  const call = ToolCall.safeParse({ tool, args });
  if (!call.success) for (const issue of call.error.issues) issues.push([issue.path.map(String).join("."), issue.message]);
  return issues;
}

const OUTPUT_DESCRIPTION = "The tool's output (file.read: {path, content, encoding, size, truncated}; file.write: {path, bytesWritten}; file.list: {path, entries, truncated}; file.search: {matches, filesSearched, truncated}; bash: {exitCode, stdout, stderr, ...}). A bash command that exits non-zero is an output, not an error.";

function manifest(id: string, name: string, description: string, tools: CodeToolName[], fixedTool: CodeToolName | null): ComponentManifest {
  return {
    id,
    version: "1.0.0",
    name,
    description,
    inputs: [{ name: "in", description: "Each value runs the tool once (it fills the args template, or is the args)", schema: {} }],
    outputs: [{ name: "out", description: OUTPUT_DESCRIPTION, schema: {} }],
    config: {
      type: "object",
      additionalProperties: false,
      required: fixedTool ? [] : ["tool"],
      properties: {
        ...(fixedTool ? {} : { tool: { description: "The file tool to run", enum: tools } }),
        workspace: WORKSPACE_PROPERTY,
        args: argsSchema(tools),
        timeoutMs: TIMEOUT_PROPERTY,
      },
    },
    stateful: false,
  };
}

/**
 * The code-tool components: `code-file` (file.read, file.write, file.list), `code-search`
 * (file.search) and `code-bash` (bash). Each value a node receives runs its tool once in a
 * workspace of the assistants service — the same isolated workspaces assistants' own code tools
 * use — through its REST API as runtime's service principal in the execution's org, and the tool's
 * output leaves on `out`. Failures (a path escape, a limit, assistants down) are the node's
 * error, with assistants' error code.
 */
export function codeToolComponents(access: CodeToolsAccess): ComponentDefinition[] {
  const client = new CodeToolsClient(access);
  const workspaces = new ExecutionWorkspaces(client);
  const define = (id: string, name: string, description: string, tools: CodeToolName[]): ComponentDefinition => {
    const fixedTool = tools.length === 1 ? tools[0]! : null;
    const toolOf = (config: Record<string, unknown>) => fixedTool ?? (config.tool as CodeToolName);
    return {
      manifest: manifest(id, name, description, tools, fixedTool),
      checkConfig: (config) => checkArgs(toolOf(config), config.args),
      create(context) {
        const tool = toolOf(context.config);
        const fixed = typeof context.config.workspace === "string" && context.config.workspace !== EXECUTION_WORKSPACE ? context.config.workspace : null;
        const { id: executionId, orgId } = context.execution;
        if (!fixed) workspaces.join(executionId, orgId);
        let left = false;
        const timeoutMs = typeof context.config.timeoutMs === "number" ? context.config.timeoutMs : undefined;
        const scoped = timeoutMs ? new CodeToolsClient({ ...access, timeoutMs }) : client;
        return {
          async receive(_port, value) {
            const args = context.config.args === undefined ? value : fillTemplate(context.config.args, value);
            const workspaceId = fixed ?? (await workspaces.workspace(executionId, context.nodeId, context.signal));
            const result = await scoped.invoke(orgId, workspaceId, tool, args, executionId, context.signal);
            context.emit("out", result.output);
          },
          dispose() {
            if (fixed || left) return;
            left = true;
            void workspaces.leave(executionId);
          },
        };
      },
    };
  };
  return [
    define("code-file", "Code tool: files", "Reads, writes or lists files in an isolated workspace of the assistants service (file.read, file.write, file.list), one call per value received.", ["file.read", "file.write", "file.list"]),
    define("code-search", "Code tool: search", "Searches the files of an isolated workspace of the assistants service for a literal or a regular expression (file.search), one search per value received.", ["file.search"]),
    define("code-bash", "Code tool: bash", "Runs a bash command in an isolated workspace of the assistants service (bash: CPU, memory, wall-time and output limits; no network), one run per value received. Bash must be enabled on the assistants service.", ["bash"]),
  ];
}

export { CodeToolsClient, ExecutionWorkspaces, CODE_TOOL_NAMES, type CodeToolName, type CodeToolsAccess } from "./client.js";
export { fillTemplate, hasPlaceholder, TemplateError } from "./template.js";
