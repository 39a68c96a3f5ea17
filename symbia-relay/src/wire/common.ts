import { z } from "zod";

/** `?limit=&cursor=` of every list route: limit 1–200 (default 50), an opaque cursor. */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});
/** Query of a list route (see {@link ListQuery}). */
export type ListQuery = z.infer<typeof ListQuery>;

/** A page of a list route: `{items, nextCursor}` (ARCHITECTURE §4 API conventions). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A page of items with the cursor of the next page, or null on the last one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A dotted path into an event's `data` object (`customer.email`): 1–16 keys of
 * `[A-Za-z0-9_$-]`, at most 256 characters. `__proto__`, `constructor` and `prototype` are refused
 * so a transform can never reach an object's prototype.
 */
export const DataPath = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,15}$/, "a dotted path of keys such as customer.email")
  .refine((path) => !path.split(".").some((key) => key === "__proto__" || key === "constructor" || key === "prototype"), {
    message: "__proto__, constructor and prototype are not allowed in a path",
  });
