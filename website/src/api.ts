/** The signed-in principal as identity describes it. */
export interface Principal {
  id: string;
  type: "user" | "agent" | "service";
  name: string;
  email?: string;
  superAdmin: boolean;
  orgs: { orgId: string; role?: string; entitlements: string[] }[];
}

interface Session {
  accessToken: string;
  csrfToken?: string;
  principal: Principal;
  expiresAt: number;
}

type Listener = (session: Session | null) => void;

let session: Session | null = null;
const listeners = new Set<Listener>();
const CSRF_KEY = "symbia.csrf";

function setSession(next: Session | null): void {
  session = next;
  if (next?.csrfToken) sessionStorage.setItem(CSRF_KEY, next.csrfToken);
  if (!next) sessionStorage.removeItem(CSRF_KEY);
  listeners.forEach((l) => l(next));
}

/** Subscribes to sign-in changes; returns the unsubscribe function. */
export function onSession(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentSession(): Session | null {
  return session;
}

/** An error answered by a service in the shared envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, error?.code ?? "error", error?.message ?? res.statusText);
  }
  return json;
}

/** Logs in with a browser session: the refresh token stays in an httpOnly cookie. */
export async function login(email: string, password: string): Promise<Principal> {
  const res = await fetch("/api/identity/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password, session: "cookie" }) });
  const body = (await parse(res)) as { accessToken: string; csrfToken?: string; expiresIn: number; principal: Principal };
  setSession({ accessToken: body.accessToken, ...(body.csrfToken ? { csrfToken: body.csrfToken } : {}), principal: body.principal, expiresAt: Date.now() + body.expiresIn * 1000 });
  return body.principal;
}

/** Restores a session from the refresh cookie (after a reload); false when there is none. */
export async function resume(): Promise<boolean> {
  const csrf = sessionStorage.getItem(CSRF_KEY);
  if (!csrf) return false;
  const res = await fetch("/api/identity/auth/refresh", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf }, body: "{}" });
  if (!res.ok) {
    setSession(null);
    return false;
  }
  const body = (await res.json()) as { accessToken: string; csrfToken?: string; expiresIn: number; principal: Principal };
  setSession({ accessToken: body.accessToken, csrfToken: body.csrfToken ?? csrf, principal: body.principal, expiresAt: Date.now() + body.expiresIn * 1000 });
  return true;
}

export async function logout(): Promise<void> {
  if (session) await fetch("/api/identity/auth/logout", { method: "POST", headers: { authorization: `Bearer ${session.accessToken}`, "content-type": "application/json" }, body: "{}" }).catch(() => undefined);
  setSession(null);
}

/** A JSON call to `/api/<service>/<path>` as the signed-in principal (refreshing once on expiry). */
export async function api<T>(service: string, path: string, init: { method?: string; body?: unknown; orgId?: string } = {}): Promise<T> {
  const send = () =>
    fetch(`/api/${service}${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: {
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...(session ? { authorization: `Bearer ${session.accessToken}` } : {}),
        ...(init.orgId ? { "x-org-id": init.orgId } : {}),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  let res = await send();
  if (res.status === 401 && session && (await resume())) res = await send();
  return (await parse(res)) as T;
}
