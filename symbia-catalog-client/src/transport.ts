/** What a request body can be (fetch's BodyInit, which Node 20's types do not name globally). */
export type RequestBody = NonNullable<RequestInit["body"]>;

/** One request of the client: a JSON value or a raw body, extra headers, streamed (duplex) or not. */
export interface CallInit {
  json?: unknown;
  body?: RequestBody;
  headers?: Record<string, string>;
  duplex?: boolean;
}

/** A path segment: ids, keys (`components/map` → `components%2Fmap`), selectors. */
export function enc(value: string): string {
  return encodeURIComponent(value);
}

/** Path of the artifacts of a version, or of the draft. */
export function artifactsPath(ref: string, version: string | number): string {
  return version === "draft" ? `/api/resources/${enc(ref)}/draft/artifacts` : `/api/resources/${enc(ref)}/versions/${enc(String(version))}/artifacts`;
}

/** A query string from defined values (arrays joined with commas). */
export function qs(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
