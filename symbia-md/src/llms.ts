import { exampleFor, listOperations, resolveSchema, type JsonSchema, type OpenApiDocument, type Operation } from "./openapi.js";

/** Options for the generated documents. */
export interface LlmsOptions {
  /** Base URL the paths are relative to (for example `http://127.0.0.1:5005`). */
  baseUrl?: string;
}

/** Stable anchor for an operation in llms-full.txt: `get-api-conversations-id`. */
export function operationAnchor(method: string, path: string): string {
  return `${method}-${path}`.toLowerCase().replace(/[{}:]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function groupByTag(doc: OpenApiDocument) {
  const groups = new Map<string, ReturnType<typeof listOperations>>();
  for (const entry of listOperations(doc)) {
    const tag = entry.operation.tags?.[0] ?? "other";
    if (!groups.has(tag)) groups.set(tag, []);
    groups.get(tag)!.push(entry);
  }
  const order = (doc.tags ?? []).map((t) => t.name);
  return [...groups.entries()].sort(([a], [b]) => rank(order, a) - rank(order, b) || a.localeCompare(b));
}

function rank(order: string[], tag: string): number {
  const i = order.indexOf(tag);
  return i === -1 ? order.length : i;
}

/**
 * The `llms.txt` of an API (format of https://llmstxt.org): a title, a one-paragraph summary, then
 * one section per tag with a line per operation: method, path and summary, linking to the
 * operation's section of `llms-full.txt`.
 */
export function toLlmsTxt(doc: OpenApiDocument, options: LlmsOptions = {}): string {
  const lines = [`# ${doc.info.title}`, ""];
  lines.push(`> ${(doc.info.description ?? `${doc.info.title} API`).replace(/\s+/g, " ").trim()} (version ${doc.info.version})`, "");
  if (options.baseUrl) lines.push(`Base URL: ${options.baseUrl}`, "");
  lines.push("Full reference with parameters, schemas and examples: [llms-full.txt](/docs/llms-full.txt). OpenAPI 3.1: [openapi.json](/docs/openapi.json).", "");
  const tagInfo = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  for (const [tag, operations] of groupByTag(doc)) {
    lines.push(`## ${tag}`, "");
    const description = tagInfo.get(tag);
    if (description) lines.push(description, "");
    for (const { method, path, operation } of operations) {
      const summary = operation.summary ?? operation.description?.split("\n")[0] ?? "";
      lines.push(`- [${method} ${path}](/docs/llms-full.txt#${operationAnchor(method, path)}): ${summary}`.trimEnd());
    }
    lines.push("");
  }
  return lines.join("\n");
}

function schemaBlock(doc: OpenApiDocument, schema: JsonSchema | undefined): string[] {
  if (!schema) return [];
  const resolved = resolveSchema(doc, schema) ?? schema;
  return ["```json", JSON.stringify(resolved, null, 2), "```"];
}

function describeOperation(doc: OpenApiDocument, method: string, path: string, operation: Operation, baseUrl: string): string[] {
  const lines = [`### ${method} ${path}`, "", `<a id="${operationAnchor(method, path)}"></a>`, ""];
  if (operation.summary) lines.push(`**${operation.summary}**`, "");
  if (operation.description && operation.description !== operation.summary) lines.push(operation.description, "");
  lines.push(`Authentication: ${operation.security && operation.security.length === 0 ? "none" : "bearer token or API key"}`, "");
  const parameters = operation.parameters ?? [];
  if (parameters.length > 0) {
    lines.push("Parameters:", "", "| name | in | required | type | description |", "|---|---|---|---|---|");
    for (const p of parameters) {
      const s = resolveSchema(doc, p.schema);
      const type = s ? (Array.isArray(s.type) ? s.type.join("|") : (s.type ?? (s.enum ? "enum" : "any"))) : "any";
      const enumText = s?.enum ? ` (one of: ${s.enum.map(String).join(", ")})` : "";
      lines.push(`| ${p.name} | ${p.in} | ${p.required ? "yes" : "no"} | ${type} | ${(p.description ?? "").replace(/\|/g, "\\|")}${enumText} |`);
    }
    lines.push("");
  }
  const body = operation.requestBody?.content?.["application/json"]?.schema;
  if (body) lines.push("Request body (application/json):", "", ...schemaBlock(doc, body), "");
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    lines.push(`Response ${status}: ${response.description ?? ""}`.trimEnd());
    const schema = response.content?.["application/json"]?.schema;
    if (schema && status.startsWith("2")) lines.push("", ...schemaBlock(doc, schema));
    lines.push("");
  }
  const query = parameters.filter((p) => p.in === "query" && p.required).map((p) => `${p.name}=${encodeURIComponent(String(exampleFor(doc, p.schema)))}`);
  const concretePath = path.replace(/\{([^}]+)\}/g, (_, name: string) => String(exampleFor(doc, parameters.find((p) => p.name === name)?.schema) ?? name));
  const url = `${baseUrl}${concretePath}${query.length ? `?${query.join("&")}` : ""}`;
  const example = ["Example:", "", "```sh", `curl -X ${method} '${url}' \\`, `  -H 'Authorization: Bearer $TOKEN'${body ? " \\" : ""}`];
  if (body) example.push("  -H 'Content-Type: application/json' \\", `  -d '${JSON.stringify(exampleFor(doc, body))}'`);
  example.push("```", "");
  const okStatus = Object.keys(operation.responses ?? {}).find((s) => s.startsWith("2"));
  const okSchema = okStatus ? operation.responses?.[okStatus]?.content?.["application/json"]?.schema : undefined;
  if (okSchema) example.push(`Example response (${okStatus}):`, "", "```json", JSON.stringify(exampleFor(doc, okSchema), null, 2), "```", "");
  return [...lines, ...example];
}

/**
 * The `llms-full.txt` of an API: the `llms.txt` header, then every operation with its
 * parameters (table), request and response schemas (JSON Schema), a curl example and an example
 * response generated from the schemas.
 */
export function toLlmsFullTxt(doc: OpenApiDocument, options: LlmsOptions = {}): string {
  const baseUrl = options.baseUrl ?? "";
  const lines = [`# ${doc.info.title} — full API reference`, ""];
  lines.push(`> ${(doc.info.description ?? `${doc.info.title} API`).replace(/\s+/g, " ").trim()} (version ${doc.info.version})`, "");
  lines.push("Errors share one envelope: `{\"error\": {\"code\", \"message\", \"details\"?, \"errorId\"?}}`.", "");
  for (const [tag, operations] of groupByTag(doc)) {
    lines.push(`## ${tag}`, "");
    for (const { method, path, operation } of operations) lines.push(...describeOperation(doc, method, path, operation, baseUrl));
  }
  return lines.join("\n");
}
