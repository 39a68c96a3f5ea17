import { SERVICE_IDS, type ServiceId } from "@symbia/sys";
import { z } from "zod";
import { ConversationState } from "../conversations/state.js";
import { isForbiddenSegment } from "../rules/paths.js";
import { BashArgs, FileListArgs, FileReadArgs, FileSearchArgs, FileWriteArgs } from "../tools/schemas.js";

/**
 * Parameter schemas of the non-nesting actions. String leaves are Handlebars templates unless
 * listed in the action's literal keys (see `ACTION_LITERAL_KEYS` in `schemas.ts`).
 */

/** A name an action saves its result under (`vars.<name>`). */
export const VarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "a variable name is a letter or _ then letters, digits or _ (at most 64)")
  .refine((name) => !isForbiddenSegment(name), "this name is reserved");

/** A template string (checked at publish: compiles, known roots). */
const Template = (max = 64_000) => z.string().max(max);

const ChatMessage = z.object({ role: z.enum(["system", "user", "assistant"]), content: Template().min(1) }).strict();

/**
 * `llm.invoke`: call the assistant's model (or the one named in `model`). Give exactly one of
 * `prompt` (one user message) or `messages`; `system` is prepended. `history` earlier messages of
 * the conversation are added by the implementation. With `respond` (default) the reply is
 * streamed into the conversation; the result `{content, finishReason, usage, messageId}` is
 * saved under `saveAs` when given.
 */
export const LlmInvokeParams = z
  .object({
    prompt: Template().min(1).optional(),
    system: Template().optional(),
    messages: z.array(ChatMessage).min(1).max(100).optional(),
    history: z.int().min(0).max(200).default(0),
    model: z
      .object({
        provider: z.string().min(1).max(64).optional(),
        model: z.string().min(1).max(128).optional(),
        temperature: z.number().min(0).max(2).optional(),
        maxTokens: z.int().min(1).max(1_000_000).optional(),
        topP: z.number().gt(0).max(1).optional(),
        stop: z.array(z.string().min(1).max(64)).max(8).optional(),
      })
      .strict()
      .default({}),
    respond: z.boolean().default(true),
    saveAs: VarName.optional(),
  })
  .strict()
  .superRefine((params, ctx) => {
    if ((params.prompt === undefined) === (params.messages === undefined)) {
      ctx.addIssue({ code: "custom", path: ["prompt"], message: "give exactly one of prompt or messages", params: { code: "invalid_params" } });
    }
  });

/** `message.send`: post a message to the conversation (default: the event's conversation). */
export const MessageSendParams = z
  .object({
    content: Template().min(1),
    contentType: z.enum(["text/plain", "text/markdown"]).default("text/markdown"),
    conversationId: Template(256).optional(),
    replyToId: Template(256).optional(),
    metadata: z.record(z.string(), z.json()).optional(),
    saveAs: VarName.optional(),
  })
  .strict();

const HttpMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** `service.call`: a Symbia service's REST API; `path` starts with `/`; a non-2xx answer fails the action. */
export const ServiceCallParams = z
  .object({
    service: z.enum(SERVICE_IDS as [ServiceId, ...ServiceId[]]),
    method: HttpMethod.default("GET"),
    path: Template(2_048).regex(/^\//, "path starts with /"),
    query: z.record(z.string(), Template(2_048)).optional(),
    body: z.json().optional(),
    timeoutMs: z.int().min(1).max(120_000).default(10_000),
    saveAs: VarName.optional(),
  })
  .strict();

/** `webhook.call`: an outside HTTP(S) endpoint; a non-2xx answer fails the action. */
export const WebhookCallParams = z
  .object({
    url: Template(2_048).min(1),
    method: HttpMethod.default("POST"),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "header names are letters, digits and -"), Template(4_096)).default({}),
    body: z.json().optional(),
    timeoutMs: z.int().min(1).max(120_000).default(10_000),
    saveAs: VarName.optional(),
  })
  .strict();

/** `handoff.create`: hand the conversation to a human queue or another assistant; the state becomes `handoff_pending`. */
export const HandoffCreateParams = z
  .object({
    target: z.discriminatedUnion("type", [
      z.object({ type: z.literal("human"), queue: Template(128).optional() }).strict(),
      z.object({ type: z.literal("assistant"), assistant: Template(128).min(1) }).strict(),
    ]),
    reason: Template(2_000).min(1),
    summary: Template(8_000).optional(),
    priority: z.enum(["low", "normal", "high", "urgent"]).default("normal"),
    saveAs: VarName.optional(),
  })
  .strict();

/** A path inside the conversation context (`tier`, `billing.plan`), checked at publish. */
const ContextPath = z.string().min(1).max(256);

/**
 * One context operation. `set` replaces, `unset` removes, `merge` shallow-merges an object
 * (at `path`, or at the root when absent), `increment` adds `by` to a number (absent = 0),
 * `append` pushes onto an array (absent = []), keeping the last `maxLength` items when given.
 */
export const ContextOp = z.discriminatedUnion("op", [
  z.object({ op: z.literal("set"), path: ContextPath, value: z.json() }).strict(),
  z.object({ op: z.literal("unset"), path: ContextPath }).strict(),
  z.object({ op: z.literal("merge"), path: ContextPath.optional(), value: z.record(z.string(), z.json()) }).strict(),
  z.object({ op: z.literal("increment"), path: ContextPath, by: z.number().finite().default(1) }).strict(),
  z.object({ op: z.literal("append"), path: ContextPath, value: z.json(), maxLength: z.int().min(1).max(10_000).optional() }).strict(),
]);
/** A parsed context operation. */
export type ContextOp = z.infer<typeof ContextOp>;

/** `context.update`: apply operations to the conversation context; persisted unless `persist` is false. */
export const ContextUpdateParams = z
  .object({
    ops: z.array(ContextOp).min(1).max(50),
    persist: z.boolean().default(true),
  })
  .strict();

/** `state.transition`: move the conversation to `to` (validated against the state machine). */
export const StateTransitionParams = z.object({ to: ConversationState, reason: Template(2_000).optional() }).strict();

/** `wait`: pause the run for `durationMs` (at most 5 minutes; longer waits are timers and `timer.elapsed`). */
export const WaitParams = z.object({ durationMs: z.int().min(1).max(300_000) }).strict();

/** `assistant.route`: give the next turn to the assistant with this alias. */
export const AssistantRouteParams = z.object({ assistant: Template(128).min(1), reason: Template(2_000).optional() }).strict();

const toolCallParams = <T extends string, A extends z.ZodType>(tool: T, args: A) =>
  z.object({ tool: z.literal(tool), workspace: Template(256).min(1), args, saveAs: VarName.optional() }).strict();

/**
 * `code.tool.invoke`: run a code tool in a workspace (`workspace` is usually `{{vars.workspace.id}}`).
 * A bash `command` is never a template (no injection of user text into a shell line): pass data
 * through `stdin`, which is.
 */
export const CodeToolInvokeParams = z.discriminatedUnion("tool", [
  toolCallParams("file.read", FileReadArgs),
  toolCallParams("file.write", FileWriteArgs),
  toolCallParams("file.list", FileListArgs),
  toolCallParams("file.search", FileSearchArgs),
  toolCallParams("bash", BashArgs),
]);

/** `workspace.create`: make a code-tool workspace; `{ id }` is saved under `saveAs` (default `workspace`). */
export const WorkspaceCreateParams = z.object({ label: Template(256).optional(), saveAs: VarName.default("workspace") }).strict();

/** `workspace.destroy`: remove a workspace and everything in it. */
export const WorkspaceDestroyParams = z.object({ workspace: Template(256).min(1) }).strict();
