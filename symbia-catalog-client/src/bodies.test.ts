import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AssistantBody, ComponentBody, ContextBody, ExecutorBody, extendBodySchemas, GraphBody, IntegrationBody, RESOURCE_BODY_SCHEMAS } from "./bodies.js";
import { parseResourceKey, resourceKey, Tags } from "./common.js";
import { CreateResourceBody, createResourceBodySchema } from "./resources.js";

const paths = (result: { success: boolean; error?: z.ZodError }) => (result.error?.issues ?? []).map((i) => i.path.join("."));

describe("component body", () => {
  it("accepts typed ports and a config schema, applying defaults", () => {
    const body = ComponentBody.parse({ inputs: [{ name: "in", schema: { type: "number" } }], outputs: [{ name: "out", schema: true }] });
    expect(body).toEqual({ inputs: [{ name: "in", schema: { type: "number" } }], outputs: [{ name: "out", schema: true }], config: { type: "object" }, stateful: false });
  });

  it("names the failing path: an invalid JSON Schema, a reserved or duplicate port, an unknown field", () => {
    const result = ComponentBody.safeParse({
      inputs: [{ name: "in", schema: { type: "numbr" } }, { name: "in", schema: {} }],
      outputs: [{ name: "error", schema: {} }],
      colour: "red",
    });
    expect(paths(result)).toEqual(expect.arrayContaining(["inputs.0.schema", "outputs.0.name", ""]));
    const strictUnknown = ComponentBody.safeParse({ inputs: [{ name: "in", schema: { typo: 1 } }], outputs: [] });
    expect(paths(strictUnknown)).toEqual(["inputs.0.schema"]);
    expect(strictUnknown.error!.issues[0]!.message).toMatch(/invalid JSON Schema/);
    const dup = ComponentBody.safeParse({ inputs: [{ name: "a", schema: {} }, { name: "a", schema: {} }], outputs: [] });
    expect(paths(dup)).toEqual(["inputs.1.name"]);
  });
});

describe("graph body", () => {
  it("checks node ids and that edges join nodes of the graph", () => {
    const ok = GraphBody.parse({ nodes: [{ id: "a", component: "map" }, { id: "b", component: "components/acme/sink" }], edges: [{ from: "a.out", to: "b.in" }] });
    expect(ok.nodes[0]).toEqual({ id: "a", component: "map", config: {}, onError: "fail" });
    const bad = GraphBody.safeParse({ nodes: [{ id: "a", component: "map" }, { id: "a", component: "map" }], edges: [{ from: "a.out", to: "zz.in" }, { from: "nodot", to: "a.in" }] });
    expect(paths(bad)).toEqual(expect.arrayContaining(["nodes.1.id", "edges.1.from"]));
    const missing = GraphBody.safeParse({ nodes: [{ id: "a", component: "map" }], edges: [{ from: "a.out", to: "zz.in" }] });
    expect(paths(missing)).toEqual(["edges.0.to"]);
  });
});

describe("executor body", () => {
  it("wants exactly one source", () => {
    expect(ExecutorBody.safeParse({ runtime: "javascript", code: "export default () => 1" }).success).toBe(true);
    expect(ExecutorBody.safeParse({ runtime: "javascript" }).error!.issues[0]!.message).toMatch(/exactly one/);
    expect(paths(ExecutorBody.safeParse({ runtime: "http", code: "x" }))).toEqual(["endpoint"]);
  });
});

describe("assistant body", () => {
  const base = { principal: { agentId: "assistant:support", capabilities: ["cap:messaging.send"] }, model: { provider: "openai", model: "gpt-4o-mini" } };

  it("needs rules or a prompt graph; keeps fields the assistants team adds", () => {
    expect(paths(AssistantBody.safeParse(base))).toEqual(["rules"]);
    const parsed = AssistantBody.parse({
      ...base,
      alias: "@support",
      rules: { rules: [{ id: "greet", trigger: "message.received", priority: 5, actions: [{ type: "message.send", params: { content: "hi" }, timeoutMs: 100 }] }] },
    });
    expect(parsed.rules!.rules[0]).toMatchObject({ priority: 5, actions: [{ timeoutMs: 100 }] });
    expect(parsed.model.parameters).toEqual({});
  });

  it("takes a model configuration without provider and model (the installation's default), but not a bad one", () => {
    const rules = { rules: [{ id: "r", trigger: "message.received", actions: [{ type: "message.send", params: { content: "hi" } }] }] };
    const parsed = AssistantBody.parse({ ...base, model: { parameters: { maxTokens: 64 } }, rules });
    expect(parsed.model).toEqual({ parameters: { maxTokens: 64 } });
    expect(paths(AssistantBody.safeParse({ ...base, model: { provider: "Open AI", model: "" }, rules }))).toEqual(["model.provider", "model.model"]);
    expect(paths(AssistantBody.safeParse({ ...base, model: { provider: "openai", temperature: 1 }, rules }))).toEqual(["model"]);
  });

  it("names bad paths inside rules, prompt graphs and the principal", () => {
    const result = AssistantBody.safeParse({
      ...base,
      principal: { agentId: "Bad Agent", capabilities: ["messaging.send"] },
      rules: { rules: [{ id: "r", trigger: "message.received", actions: [] }] },
      promptGraph: { nodes: [{ id: "a", type: "llm" }], edges: [{ from: "a", to: "b" }] },
    });
    expect(paths(result)).toEqual(expect.arrayContaining(["principal.agentId", "principal.capabilities.0", "rules.rules.0.actions", "promptGraph.edges.0.to"]));
  });
});

describe("context and integration bodies", () => {
  it("checks the content matches the format", () => {
    expect(paths(ContextBody.safeParse({ format: "json", content: "x" }))).toEqual(["data"]);
    expect(ContextBody.safeParse({ format: "markdown", content: "# Hi" }).success).toBe(true);
  });
  it("checks URLs and endpoint paths", () => {
    expect(paths(IntegrationBody.safeParse({ provider: "openai", baseUrl: "ftp://x", endpoints: { chat: "v1/chat" } }))).toEqual(["baseUrl", "endpoints.chat"]);
    expect(IntegrationBody.parse({ provider: "openai" }).auth).toEqual({ type: "bearer" });
  });
});

describe("create body and the schema map", () => {
  it("dispatches on type and prefixes paths with body", () => {
    const result = CreateResourceBody.safeParse({ type: "graph", name: "etl", body: { nodes: [] } });
    expect(paths(result)).toEqual(["body.nodes"]);
    expect(paths(CreateResourceBody.safeParse({ type: "widget", name: "x", body: {} }))).toEqual(["type"]);
    expect(paths(CreateResourceBody.safeParse({ type: "graph", name: "Bad Name", body: { nodes: [{ id: "a", component: "map" }] } }))).toEqual(["name"]);
  });

  it("lets another package replace a type's schema", () => {
    const strictContext = ContextBody.refine((b) => (b.content ?? "").length <= 5, { path: ["content"], message: "too long for this deployment" });
    const map = extendBodySchemas({ context: strictContext });
    expect(map.graph).toBe(RESOURCE_BODY_SCHEMAS.graph);
    const schema = createResourceBodySchema(map);
    expect(paths(schema.safeParse({ type: "context", name: "c", body: { format: "text", content: "far too long" } }))).toEqual(["body.content"]);
    expect(CreateResourceBody.safeParse({ type: "context", name: "c", body: { format: "text", content: "far too long" } }).success).toBe(true);
  });
});

describe("keys and tags", () => {
  it("builds and parses keys", () => {
    expect(resourceKey("component", "acme/parser")).toBe("components/acme/parser");
    expect(parseResourceKey("integrations/openai")).toEqual({ type: "integration", name: "openai" });
    expect(parseResourceKey("widgets/x")).toBeNull();
  });
  it("refuses duplicate and malformed tags with their index", () => {
    expect(paths(Tags.safeParse(["a", "B", "a"]))).toEqual(["1", "2"]);
  });
});
