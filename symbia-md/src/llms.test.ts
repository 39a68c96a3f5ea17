import { describe, expect, it } from "vitest";
import { exampleFor, toLlmsFullTxt, toLlmsTxt, type OpenApiDocument } from "./index.js";

const doc: OpenApiDocument = {
  openapi: "3.1.0",
  info: { title: "Messaging", version: "1.2.3", description: "Conversations humans and agents share." },
  tags: [{ name: "conversations", description: "Create and list conversations." }, { name: "health" }],
  paths: {
    "/health": { get: { summary: "Service health", tags: ["health"], security: [], responses: { "200": { description: "ok" } } } },
    "/api/conversations/{id}/messages": {
      post: {
        summary: "Send a message",
        tags: ["conversations"],
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
        requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/SendMessage" } } } },
        responses: { "201": { description: "Stored", content: { "application/json": { schema: { type: "object", properties: { sequence: { type: "integer", minimum: 1 } }, required: ["sequence"] } } } } },
      },
      get: {
        summary: "Page messages",
        tags: ["conversations"],
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string" } },
          { name: "limit", in: "query", schema: { type: "integer" }, description: "max | rows" },
        ],
        responses: { "200": { description: "A page" } },
      },
    },
  },
  components: {
    schemas: {
      SendMessage: {
        type: "object",
        properties: { content: { type: "string" }, priority: { type: "string", enum: ["low", "normal", "high"] }, note: { type: "string" } },
        required: ["content", "priority"],
      },
    },
  },
};

describe("toLlmsTxt", () => {
  it("lists one line per operation, grouped by tag in the document's tag order", () => {
    const text = toLlmsTxt(doc);
    expect(text.startsWith("# Messaging\n\n> Conversations humans and agents share. (version 1.2.3)")).toBe(true);
    const lines = text.split("\n").filter((l) => l.startsWith("- ") || l.startsWith("## "));
    expect(lines).toEqual([
      "## conversations",
      "- [GET /api/conversations/{id}/messages](/docs/llms-full.txt#get-api-conversations-id-messages): Page messages",
      "- [POST /api/conversations/{id}/messages](/docs/llms-full.txt#post-api-conversations-id-messages): Send a message",
      "## health",
      "- [GET /health](/docs/llms-full.txt#get-health): Service health",
    ]);
  });
});

describe("toLlmsFullTxt", () => {
  const text = toLlmsFullTxt(doc, { baseUrl: "http://127.0.0.1:5005" });

  it("documents every operation with an anchor matching llms.txt", () => {
    for (const anchor of ["get-api-conversations-id-messages", "post-api-conversations-id-messages", "get-health"]) {
      expect(text).toContain(`<a id="${anchor}"></a>`);
    }
  });

  it("includes parameters, the resolved request schema and a curl example built from the schemas", () => {
    expect(text).toContain("| limit | query | no | integer | max \\| rows |");
    expect(text).toContain('"enum": [\n        "low"');
    expect(text).toContain("curl -X POST 'http://127.0.0.1:5005/api/conversations/00000000-0000-4000-8000-000000000000/messages'");
    expect(text).toContain(`-d '{"content":"string","priority":"low"}'`);
    expect(text).toContain('"sequence": 1');
    expect(text).toContain("Authentication: none");
  });
});

describe("exampleFor", () => {
  it("prefers explicit examples and defaults, and stops on recursive schemas", () => {
    expect(exampleFor(doc, { type: "string", example: "hi" })).toBe("hi");
    expect(exampleFor(doc, { type: "integer", default: 5 })).toBe(5);
    expect(exampleFor(doc, { anyOf: [{ type: "null" }, { type: "boolean" }] })).toBe(true);
    const recursive: OpenApiDocument = { ...doc, components: { schemas: { Node: { type: "object", properties: { child: { $ref: "#/components/schemas/Node" } }, required: ["child"] } } } };
    let node = exampleFor(recursive, { $ref: "#/components/schemas/Node" }) as { child?: unknown } | null;
    let depth = 0;
    while (node && typeof node === "object") {
      node = node.child as typeof node;
      depth++;
    }
    expect(node).toBeNull();
    expect(depth).toBe(9);
  });
});
