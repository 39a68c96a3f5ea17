import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { OpenApiDocument } from "@symbia/md";
import { ERROR_CODES } from "@symbia/sys";
import { z } from "zod";
import type { RegisteredRoute } from "./routes.js";

/** The error envelope as a zod schema, for docs and for clients that validate errors. */
export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().optional(),
      errorId: z.string().optional(),
    }),
  })
  .meta({ id: "ErrorEnvelope", description: "The shared error envelope of every Symbia service." });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request: `details.issues` lists the failing paths",
  401: "Missing or invalid credentials",
  403: "The caller lacks the required entitlement or org membership",
  404: "Absent, or belongs to another tenant",
  409: "Conflicts with the stored state",
  413: "Request body too large",
  415: "Unsupported media type",
  429: "Rate limited; retry after `Retry-After` seconds",
  500: "Internal error; `errorId` correlates with the service log",
  503: "A dependency is unavailable",
};

/** Converts Express path syntax to OpenAPI's: `/api/x/:id` → `/api/x/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/** Identity of the API, for the document's `info` block. */
export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
  serverUrl?: string;
  tags?: { name: string; description?: string }[];
}

/**
 * Builds the OpenAPI 3.1 document of a service from its registered routes: parameters, request
 * bodies and success responses from the same zod schemas the routes validate with, the error
 * envelope for every error status, and security per route from its auth mode.
 */
export function buildOpenApiDocument(info: ApiInfo, routes: readonly RegisteredRoute[]): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An access token (JWT) from identity, or an API key (`sk_…`).",
  });
  const errorContent = { "application/json": { schema: ErrorEnvelopeSchema } };

  for (const route of routes) {
    if (route.spec.hidden) continue;
    const { spec } = route;
    const status = spec.status ?? 200;
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType | object }> }> = {};
    if (status === 204) responses["204"] = { description: "No content" };
    else if (spec.produces) responses[String(status)] = { description: "Success", content: { [spec.produces]: { schema: spec.produces === "application/octet-stream" ? { type: "string", format: "binary" } : { type: "string" } } } };
    else responses[String(status)] = { description: "Success", ...(spec.response ? { content: { "application/json": { schema: spec.response } } } : {}) };
    const errorStatuses = new Set<number>([500, ...(spec.errors ?? [])]);
    if (spec.params || spec.query || spec.body) errorStatuses.add(400);
    if (route.auth === "required" || spec.entitlement) errorStatuses.add(401);
    if (spec.entitlement) errorStatuses.add(403);
    if (route.path.includes(":")) errorStatuses.add(404);
    if (route.path.startsWith("/api/")) errorStatuses.add(429);
    for (const code of [...errorStatuses].sort()) responses[String(code)] = { description: ERROR_DESCRIPTIONS[code] ?? "Error", content: errorContent };

    const security = route.auth === "none" ? [] : route.auth === "optional" ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }];
    const request: Record<string, unknown> = {};
    if (spec.params instanceof z.ZodObject) request.params = spec.params;
    if (spec.query instanceof z.ZodObject) request.query = spec.query;
    if (spec.body) request.body = { required: true, content: { "application/json": { schema: spec.body } } };
    else if (spec.consumes) request.body = { required: true, content: { [spec.consumes]: { schema: { type: "string", format: "binary" } } } };

    registry.registerPath({
      method: route.method,
      path: toOpenApiPath(route.path),
      operationId: operationId(route),
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [route.tag],
      security,
      ...(spec.entitlement ? { "x-entitlement": spec.entitlement } : {}),
      request,
      responses,
    } as Parameters<typeof registry.registerPath>[0]);
  }

  const generator = new OpenApiGeneratorV31(registry.definitions);
  const tagNames = [...new Set(routes.filter((r) => !r.spec.hidden).map((r) => r.tag))];
  const described = new Map((info.tags ?? []).map((t) => [t.name, t.description]));
  return generator.generateDocument({
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
    tags: tagNames.map((name) => ({ name, ...(described.get(name) ? { description: described.get(name) } : {}) })),
  }) as unknown as OpenApiDocument;
}

/** `get /api/conversations/:id` → `getApiConversationsId`. */
export function operationId(route: Pick<RegisteredRoute, "method" | "path">): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return route.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}
