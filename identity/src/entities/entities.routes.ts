import { defineRouter, scopeOf } from "@symbia/http";
import { BindEntityBody, Entity, page } from "@symbia/id";
import { z } from "zod";
import type { IdentityDeps } from "../deps.js";
import * as entities from "./entities.service.js";

/** `/api/entities`: the Entity Directory. */
export function entitiesRouter(deps: IdentityDeps) {
  const router = defineRouter({ basePath: "/api/entities", tag: "entities", description: "Entity ids (ent_…) shared by every service; binding to network nodes." });
  const Ref = z.object({ ref: z.string().min(2).max(250) });
  router.get("/", { summary: "List the org's entities", query: z.object({ type: z.enum(["user", "agent", "service"]).optional() }), response: page(Entity) }, async (req) => ({
    items: await entities.listEntities(deps, scopeOf(req), req.principal!, req.valid.query.type),
    nextCursor: null,
  }));
  router.get("/:ref", { summary: "Resolve ent_…, @slug or type:slug", params: Ref, response: Entity }, (req) => entities.resolveEntity(deps, req.principal!, req.valid.params.ref));
  router.put("/:ref/binding", { summary: "Bind the entity to a network node (network service)", params: Ref, body: BindEntityBody, response: Entity, errors: [403] }, (req) =>
    entities.bindEntity(deps, req.principal!, req.valid.params.ref, req.valid.body.nodeId),
  );
  router.delete("/:ref/binding", { summary: "Unbind the entity from its node (network service)", params: Ref, response: Entity, errors: [403] }, (req) => entities.bindEntity(deps, req.principal!, req.valid.params.ref, null));
  return router;
}
