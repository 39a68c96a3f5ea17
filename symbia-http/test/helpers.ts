import type { SymbiaServer } from "../src/index.js";

/** Starts a server on a free port; returns its base URL. */
export async function start(server: SymbiaServer): Promise<string> {
  await server.listen(0, "127.0.0.1");
  return server.url();
}

/** fetch + JSON body. */
export async function call(url: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const res = await fetch(url, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: body as any };
}
