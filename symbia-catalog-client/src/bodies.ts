import { z } from "zod";
import { Json, ResourceKey, type ResourceType } from "./common.js";
import { JsonSchema } from "./json-schema.js";

// Each type's body is what a consumer runs: runtime reads components, graphs and executors;
// assistants reads assistants and contexts; integrations reads integrations. Strict objects
// (unknown keys are errors naming their path) except where another team owns the inner shape.

const Identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, "an identifier: a letter, then up to 63 letters, digits, _ or -");
const SemVer = z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, "a semantic version MAJOR.MINOR.PATCH");
const JsonObject = z.record(z.string(), Json);
const Capability = z.string().regex(/^cap:[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/, "a capability cap:<service>.<action>");

/** Adds an issue at `[...path, i, field]` for every repeated `field` value in `items`. */
function uniqueBy<T>(items: T[], field: keyof T & string, ctx: z.RefinementCtx, path: (string | number)[]): void {
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    const value = item[field];
    if (seen.has(value)) ctx.addIssue({ code: "custom", path: [...path, i, field], message: `duplicate ${field} "${String(value)}"` });
    seen.add(value);
  });
}

/** A typed port of a component: values on it must match `schema` (JSON Schema 2020-12). */
export const PortSpec = z.strictObject({
  /** Lower-case identifier; `error` is reserved for the implicit error port. */
  name: z
    .string()
    .regex(/^[a-z][A-Za-z0-9_]{0,63}$/, "a port name is a lower-case identifier")
    .refine((n) => n !== "error", { message: '"error" is reserved for the error port' }),
  description: z.string().max(500).optional(),
  schema: JsonSchema,
});
export type PortSpec = z.infer<typeof PortSpec>;

/**
 * A dataflow component: typed input and output ports and the JSON Schema of a node's config.
 * Runtime's component manifest (`id`, `version`, `name`, `description`, `inputs`, `outputs`,
 * `config`, `stateful`, `portsFromConfig`) is a valid body as it is.
 */
export const ComponentBody = z
  .strictObject({
    /** Runtime manifest fields, kept as written when a manifest is published as the body. */
    id: z.string().regex(/^[a-z][a-z0-9-]*(\/[a-z][a-z0-9-]*)*$/, "a component id is lower-case words separated by '/'").optional(),
    name: z.string().min(1).max(100).optional(),
    description: z.string().max(2_000).optional(),
    /** The component's own semantic version, when it follows one. */
    version: SemVer.optional(),
    inputs: z.array(PortSpec).max(64),
    outputs: z.array(PortSpec).max(64),
    /** JSON Schema of a node's `config`. */
    config: JsonSchema.default({ type: "object" }),
    /** True when the component keeps state between values. */
    stateful: z.boolean().default(false),
    /** How config changes the ports, when it does (documentation for graph authors). */
    portsFromConfig: z.string().max(2_000).optional(),
    /** The executor resource that runs it (absent for runtime built-ins). */
    executor: ResourceKey.optional(),
  })
  .superRefine((body, ctx) => {
    uniqueBy(body.inputs, "name", ctx, ["inputs"]);
    uniqueBy(body.outputs, "name", ctx, ["outputs"]);
  });
export type ComponentBody = z.infer<typeof ComponentBody>;

/** An edge endpoint written `node.port`. */
export const PortRef = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}\.[a-z][A-Za-z0-9_]{0,63}$/, "an endpoint is written node.port");

/** One node of a graph: an instance of a component (at a version) with its config. */
export const GraphNode = z.strictObject({
  id: Identifier,
  /** A runtime built-in id (`map`) or a component resource key (`components/acme/parser`). */
  component: z.string().min(1).max(200),
  /** Component version (`MAJOR.MINOR.PATCH`); absent → the highest. */
  version: SemVer.optional(),
  config: JsonObject.default({}),
  /** What a failure on a value does: fail the execution, or emit on the node's `error` port. */
  onError: z.enum(["fail", "port"]).default("fail"),
});
export type GraphNode = z.infer<typeof GraphNode>;

/** An edge between ports: `{ from: "a.out", to: "b.in" }`. */
export const GraphEdge = z.strictObject({ from: PortRef, to: PortRef });
export type GraphEdge = z.infer<typeof GraphEdge>;

/**
 * A dataflow graph: nodes and edges between their ports (runtime's graph definition). Node ids are
 * unique and every edge endpoint names a node of the graph; port types are checked by runtime
 * against the components it resolves.
 */
export const GraphBody = z
  .strictObject({
    nodes: z.array(GraphNode).min(1).max(500),
    edges: z.array(GraphEdge).max(2_000).default([]),
  })
  .superRefine((body, ctx) => {
    uniqueBy(body.nodes, "id", ctx, ["nodes"]);
    const ids = new Set(body.nodes.map((n) => n.id));
    body.edges.forEach((edge, i) => {
      for (const end of ["from", "to"] as const) {
        const node = edge[end].slice(0, edge[end].lastIndexOf("."));
        if (!ids.has(node)) ctx.addIssue({ code: "custom", path: ["edges", i, end], message: `no node "${node}" in this graph` });
      }
    });
  });
export type GraphBody = z.infer<typeof GraphBody>;

/**
 * An executor: what runs a component's code. Exactly one source: inline `code`, an `artifact` of
 * the same version, an HTTP `endpoint`, or a runtime `builtin`.
 */
export const ExecutorBody = z
  .strictObject({
    runtime: z.enum(["javascript", "wasm", "http", "builtin"]),
    /** Inline source (JavaScript), at most 256 KiB. */
    code: z.string().max(256 * 1024).optional(),
    /** Name of an artifact of this version holding the code or module. */
    artifact: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/).optional(),
    /** The HTTP endpoint that runs it (`runtime: "http"`). */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** The runtime built-in it names (`runtime: "builtin"`). */
    builtin: z.string().min(1).max(100).optional(),
    /** Exported function or module entry point. */
    entry: z.string().min(1).max(200).optional(),
    /** Components it implements. */
    components: z.array(ResourceKey).max(100).default([]),
    limits: z
      .strictObject({
        timeoutMs: z.int().min(1).max(600_000).optional(),
        memoryBytes: z.int().min(1024).max(4 * 1024 ** 3).optional(),
      })
      .optional(),
  })
  .superRefine((body, ctx) => {
    const sources = (["code", "artifact", "endpoint", "builtin"] as const).filter((k) => body[k] !== undefined);
    if (sources.length !== 1) ctx.addIssue({ code: "custom", path: [], message: `exactly one of code, artifact, endpoint or builtin (got ${sources.length ? sources.join(", ") : "none"})` });
    if (body.runtime === "http" && body.endpoint === undefined) ctx.addIssue({ code: "custom", path: ["endpoint"], message: "an http executor names its endpoint" });
    if (body.runtime === "builtin" && body.builtin === undefined) ctx.addIssue({ code: "custom", path: ["builtin"], message: "a builtin executor names the built-in" });
  });
export type ExecutorBody = z.infer<typeof ExecutorBody>;

/**
 * An action of a rule: `type` (`llm.invoke`, `message.send`, …) and its params. Loose: the
 * assistants service owns the action catalogue and tightens this with its own schema.
 */
export const AssistantAction = z.looseObject({
  type: z.string().min(1).max(100),
  params: JsonObject.optional(),
});

/** A condition: a leaf `{field, operator, value}` or a group `{logic, conditions}` (loose). */
export const AssistantCondition = z.union([
  z.looseObject({ field: z.string().min(1).max(256), operator: z.string().min(1).max(50), value: Json.optional() }),
  z.looseObject({ logic: z.enum(["and", "or"]), conditions: z.array(JsonObject).min(1).max(50) }),
]);

/** A rule: when `trigger` happens and `conditions` hold, run `actions` (loose; owned by assistants). */
export const AssistantRule = z.looseObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "a rule id is 1–64 letters, digits, _ . -"),
  trigger: z.string().min(1).max(100),
  conditions: AssistantCondition.optional(),
  actions: z.array(AssistantAction).min(1).max(50),
});

/** A rule set: 1–200 rules with unique ids. */
export const AssistantRuleSet = z
  .looseObject({ rules: z.array(AssistantRule).min(1).max(200) })
  .superRefine((set, ctx) => uniqueBy(set.rules, "id", ctx, ["rules"]));

/** A prompt graph: nodes `{id, type, config}` and edges between them (loose; owned by assistants). */
export const AssistantPromptGraph = z
  .looseObject({
    nodes: z.array(z.looseObject({ id: Identifier, type: z.string().min(1).max(50), config: JsonObject.optional() })).min(1).max(200),
    edges: z.array(z.looseObject({ from: Identifier, to: Identifier, fromPort: z.string().max(32).optional(), toPort: z.string().max(32).optional() })).max(1_000).default([]),
  })
  .superRefine((graph, ctx) => {
    uniqueBy(graph.nodes, "id", ctx, ["nodes"]);
    const ids = new Set(graph.nodes.map((n) => n.id));
    graph.edges.forEach((edge, i) => {
      for (const end of ["from", "to"] as const) if (!ids.has(edge[end])) ctx.addIssue({ code: "custom", path: ["edges", i, end], message: `no node "${edge[end]}" in this graph` });
    });
  });

/**
 * Model configuration of an assistant: provider, model and generation parameters. Without
 * `provider` and `model` the assistant uses the installation's default model (the assistants
 * service's `ASSISTANTS_DEFAULT_PROVIDER` / `ASSISTANTS_DEFAULT_MODEL`, which `npm start` points at
 * a provider whose key is set, or a GGUF model in `MODELS_DIR`) — so the platform's bootstrap
 * assistants answer with whatever model the installation has.
 */
export const ModelConfig = z.strictObject({
  /** Provider id as integrations names it (`openai`, `anthropic`, `huggingface`, `symbia-labs`); absent: the installation's default. */
  provider: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "a provider id is lower-case").optional(),
  /** Model id at that provider; absent: the installation's default. */
  model: z.string().min(1).max(200).optional(),
  /** Integration resource to route through (default: the provider's platform integration). */
  integration: ResourceKey.optional(),
  parameters: z
    .looseObject({
      temperature: z.number().min(0).max(2).optional(),
      topP: z.number().min(0).max(1).optional(),
      maxTokens: z.int().min(1).max(1_000_000).optional(),
      stop: z.array(z.string().max(100)).max(16).optional(),
    })
    .default({}),
});
export type ModelConfig = z.infer<typeof ModelConfig>;

/**
 * An assistant: the principal it acts as (an agent id and its capabilities), its behaviour (a rule
 * set, a prompt graph, or both), its model configuration and an optional alias (`@support`).
 */
export const AssistantBody = z
  .strictObject({
    principal: z.strictObject({
      agentId: z.string().max(120).regex(/^[a-z][a-z0-9_-]*(:[a-z0-9][a-z0-9_.-]*)*$/, "an agent id is lower-case words separated by ':'"),
      capabilities: z.array(Capability).max(100).default([]),
    }),
    alias: z.string().regex(/^@?[a-z0-9][a-z0-9_-]{0,63}$/, "an alias is a lower-case handle").optional(),
    systemPrompt: z.string().max(100_000).optional(),
    rules: AssistantRuleSet.optional(),
    promptGraph: AssistantPromptGraph.optional(),
    model: ModelConfig,
    /** Context resources loaded into every conversation. */
    contexts: z.array(ResourceKey).max(50).default([]),
  })
  .superRefine((body, ctx) => {
    if (body.rules === undefined && body.promptGraph === undefined) ctx.addIssue({ code: "custom", path: ["rules"], message: "an assistant declares rules, a prompt graph, or both" });
  });
export type AssistantBody = z.infer<typeof AssistantBody>;

/** Context for assistants: text or markdown `content`, or structured JSON `data`, with declared variables. */
export const ContextBody = z
  .strictObject({
    format: z.enum(["text", "markdown", "json"]),
    content: z.string().max(1024 * 1024).optional(),
    data: Json.optional(),
    /** JSON Schema of the variables the content's templates use. */
    variables: JsonSchema.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.format === "json" && body.data === undefined) ctx.addIssue({ code: "custom", path: ["data"], message: "a json context carries data" });
    if (body.format !== "json" && body.content === undefined) ctx.addIssue({ code: "custom", path: ["content"], message: `a ${body.format} context carries content` });
  });
export type ContextBody = z.infer<typeof ContextBody>;

/** An LLM provider integration: where it is reached, its default models and parameters. */
export const IntegrationBody = z.strictObject({
  provider: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "a provider id is lower-case"),
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Paths relative to `baseUrl` by operation (`chat: "/v1/chat/completions"`). */
  endpoints: z.record(z.string().regex(/^[a-z][a-zA-Z0-9_-]{0,63}$/), z.string().regex(/^\//, "an endpoint path starts with /").max(500)).default({}),
  /** Default model by operation (`chat`, `embedding`, …). */
  defaultModels: z.record(z.string().regex(/^[a-z][a-zA-Z0-9_-]{0,63}$/), z.string().min(1).max(200)).default({}),
  models: z
    .array(z.strictObject({ id: z.string().min(1).max(200), operations: z.array(z.string().max(64)).max(16).default([]), contextWindow: z.int().min(1).optional() }))
    .max(500)
    .default([]),
  /** Default generation parameters. */
  parameters: JsonObject.default({}),
  /** How calls authenticate; credentials come from identity's vault, never from here. */
  auth: z.strictObject({ type: z.enum(["bearer", "header", "none"]), header: z.string().max(100).optional(), credentialProvider: z.string().max(64).optional() }).default({ type: "bearer" }),
});
export type IntegrationBody = z.infer<typeof IntegrationBody>;

/** The body type of each resource type. */
export interface ResourceBodies {
  component: ComponentBody;
  graph: GraphBody;
  executor: ExecutorBody;
  assistant: AssistantBody;
  context: ContextBody;
  integration: IntegrationBody;
}

/** The body type of each resource type as a caller writes it (before defaults apply). */
export interface ResourceBodyInputs {
  component: z.input<typeof ComponentBody>;
  graph: z.input<typeof GraphBody>;
  executor: z.input<typeof ExecutorBody>;
  assistant: z.input<typeof AssistantBody>;
  context: z.input<typeof ContextBody>;
  integration: z.input<typeof IntegrationBody>;
}

/** Schemas validating each resource type's body; the map the catalog validates with by default. */
export type BodySchemaMap = { readonly [T in ResourceType]: z.ZodType };

/**
 * The default body schema of each resource type. Another package (assistants tightening the
 * assistant body, say) replaces a type's schema with {@link extendBodySchemas} and hands the
 * result to the catalog service (`createApp({ ..., bodySchemas })`).
 */
export const RESOURCE_BODY_SCHEMAS: BodySchemaMap = {
  component: ComponentBody,
  graph: GraphBody,
  executor: ExecutorBody,
  assistant: AssistantBody,
  context: ContextBody,
  integration: IntegrationBody,
};

/** A copy of `base` with some types' schemas replaced. */
export function extendBodySchemas(overrides: Partial<BodySchemaMap>, base: BodySchemaMap = RESOURCE_BODY_SCHEMAS): BodySchemaMap {
  return { ...base, ...overrides };
}
