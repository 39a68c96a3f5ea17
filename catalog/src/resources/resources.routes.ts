import {
  createResourceBodySchema, Grant, GrantParams, HistoryEvent, ListResourcesQuery, page, PageQuery, PutGrantBody, Resource, ResourceRefParams, RESOURCE_TYPES, ResourceTypeInfo,
  TYPE_PLURALS, UpdateResourceBody, type CreateResourceInput, type Json,
} from "@symbia/catalog-client";
import { defineRouter } from "@symbia/http";
import { z } from "zod";
import { callerOf, CATALOG_CAPS, writerOf } from "../access/access.js";
import type { CatalogDeps } from "../deps.js";
import * as resources from "./resources.service.js";

const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** `/api/resources`: create, list, read, edit and delete resources; their history and grants. */
export function resourcesRouter(deps: CatalogDeps) {
  const router = defineRouter({
    basePath: "/api/resources",
    tag: "resources",
    description: "Resources (component, graph, executor, assistant, context, integration): key `<type-plural>/<name>` unique per org; `:ref` is the id or the URL-encoded key.",
  });
  const CreateBody = createResourceBodySchema(deps.bodySchemas);

  router.post(
    "/",
    { summary: "Create a resource and its draft in the caller's org", body: CreateBody, response: Resource, status: 201, entitlement: CATALOG_CAPS.write, errors: [409] },
    (req) => resources.createResource(deps, writerOf(req), req.valid.body as CreateResourceInput),
  );
  router.get("/", { summary: "List the resources the caller can read (filters: type, status, visibility, org, tag, verified)", query: ListResourcesQuery, response: page(Resource) }, (req) =>
    resources.listResources(deps, callerOf(req), req.valid.query),
  );
  router.get("/:ref", { summary: "Read a resource", params: ResourceRefParams, response: Resource }, (req) => resources.getResource(deps, callerOf(req), req.valid.params.ref));
  router.patch(
    "/:ref",
    { summary: "Edit the draft body and descriptive fields (published versions never change)", params: ResourceRefParams, body: UpdateResourceBody, response: Resource, entitlement: CATALOG_CAPS.write },
    (req) => resources.updateResource(deps, writerOf(req), req.valid.params.ref, req.valid.body),
  );
  router.delete(
    "/:ref",
    { summary: "Delete a resource with its versions, artifacts and signatures (catalog admins)", params: ResourceRefParams, status: 204, entitlement: CATALOG_CAPS.admin },
    async (req) => {
      await resources.deleteResource(deps, writerOf(req), req.valid.params.ref);
    },
  );
  router.get("/:ref/history", { summary: "The resource's history, oldest first", params: ResourceRefParams, query: PageQuery, response: page(HistoryEvent) }, (req) =>
    resources.history(deps, callerOf(req), req.valid.params.ref, req.valid.query),
  );

  router.get("/:ref/grants", { summary: "Explicit grants on the resource (owner or catalog admin)", params: ResourceRefParams, response: items(Grant), entitlement: CATALOG_CAPS.write }, async (req) => ({
    items: await resources.listGrants(deps, writerOf(req), req.valid.params.ref),
  }));
  router.put(
    "/:ref/grants/:principalId",
    { summary: "Give a principal read or write access to the resource (owner or catalog admin)", params: GrantParams, body: PutGrantBody, response: Grant, entitlement: CATALOG_CAPS.write },
    (req) => resources.putGrant(deps, writerOf(req), req.valid.params.ref, req.valid.params.principalId, req.valid.body.access),
  );
  router.delete(
    "/:ref/grants/:principalId",
    { summary: "Remove a principal's grant (owner or catalog admin)", params: GrantParams, status: 204, entitlement: CATALOG_CAPS.write },
    async (req) => {
      await resources.deleteGrant(deps, writerOf(req), req.valid.params.ref, req.valid.params.principalId);
    },
  );
  return router;
}

/** `/api/resource-types`: the six types and the JSON Schema of each body. */
export function resourceTypesRouter(deps: CatalogDeps) {
  const router = defineRouter({ basePath: "/api/resource-types", tag: "resources" });
  const types = RESOURCE_TYPES.map((type) => ({
    type,
    plural: TYPE_PLURALS[type],
    bodySchema: z.toJSONSchema(deps.bodySchemas[type], { io: "input", unrepresentable: "any" }) as Record<string, Json>,
  }));
  router.get("/", { summary: "Resource types and the JSON Schema (2020-12) of each type's body", response: items(ResourceTypeInfo) }, () => ({ items: types }));
  return router;
}
