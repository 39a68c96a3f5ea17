import { SearchQuery, SearchResponse } from "@symbia/catalog-client";
import { defineRouter } from "@symbia/http";
import { callerOf } from "../access/access.js";
import type { CatalogDeps } from "../deps.js";
import { search } from "./search.service.js";

/** `/api/search`: ranked text search over the resources the caller can read. */
export function searchRouter(deps: CatalogDeps) {
  const router = defineRouter({ basePath: "/api/search", tag: "search" });
  router.get("/", { summary: "Search key, name, title, description and tags (every word must match); filters type, status, visibility, org, tag", query: SearchQuery, response: SearchResponse }, (req) =>
    search(deps, callerOf(req), req.valid.query),
  );
  return router;
}
