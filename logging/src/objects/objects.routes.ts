import { defineRouter, type ServiceRouter } from "@symbia/http";
import { EventId, ObjectQuery, ObjectRecord, pageOf } from "@symbia/logging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import { readScope } from "../access.js";
import type { LoggingDeps } from "../deps.js";
import { getObject, listObjects } from "./objects.store.js";

/** Object metadata queries. */
export function objectsRouter(deps: LoggingDeps): ServiceRouter {
  const router = defineRouter({ basePath: "/api/objects", tag: "objects", description: "Metadata of files and blobs: by owner or digest." });
  router.get("/", { summary: "Objects by owner, digest, name, service and time; newest first", query: ObjectQuery, response: pageOf(ObjectRecord), entitlement: CAPABILITIES.logging.read }, (req) =>
    listObjects(deps.database.db, readScope(req), req.valid.query),
  );
  router.get("/:id", { summary: "One object's metadata", params: z.object({ id: EventId }), response: ObjectRecord, entitlement: CAPABILITIES.logging.read }, async (req) => {
    const object = await getObject(deps.database.db, readScope(req), req.valid.params.id);
    if (!object) throw new AppError("not_found", "object not found");
    return object;
  });
  return router;
}
