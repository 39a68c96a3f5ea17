import { z } from "zod";
import { PageQuery, ResourceStatus, ResourceType, TagsQuery, Text, Visibility } from "./common.js";
import { Resource } from "./resources.js";

/** `GET /api/search`: words matched in key, name, title, description and tags, with filters. */
export const SearchQuery = PageQuery.extend({
  q: Text(200).trim().min(1),
  type: ResourceType.optional(),
  status: ResourceStatus.optional(),
  visibility: Visibility.optional(),
  org: Text(100).min(1).optional(),
  tag: TagsQuery.optional(),
});
export type SearchQuery = z.input<typeof SearchQuery>;

/** One hit: the resource, its score (higher first) and the fields the words matched. */
export const SearchHit = z.object({ resource: Resource, score: z.number(), matched: z.array(z.enum(["key", "name", "title", "description", "tags"])) }).meta({ id: "SearchHit" });
export type SearchHit = z.infer<typeof SearchHit>;

/** A page of hits, best first. */
export const SearchResponse = z.object({ items: z.array(SearchHit), nextCursor: z.string().nullable(), total: z.int() });
export type SearchResponse = z.infer<typeof SearchResponse>;
