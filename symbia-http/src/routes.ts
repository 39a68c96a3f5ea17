import express, { type Request, type RequestHandler, type Response } from "express";
import type { z } from "zod";
import type { AuthMode } from "./auth.js";
import { validate } from "./validate.js";

/** HTTP methods routes can use. */
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** A per-route rate limit: `points` requests per `durationSeconds`, per key. */
export interface RouteRateLimit {
  points: number;
  durationSeconds: number;
  /** What a request is counted against: its IP (default for unauthenticated routes) or its caller. */
  key?: "ip" | "principal";
}

/** Everything known about one route: what it validates, answers and requires. Feeds OpenAPI. */
export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  /** One line for docs and llms.txt. */
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Schema of the success body (JSON). */
  response?: z.ZodType;
  /** Success status (default 200; 201 for creates; 204 sends no body). */
  status?: number;
  /** Media type of a non-JSON success response (`text/event-stream`, `application/octet-stream`). */
  produces?: string;
  /** Media type of a non-JSON request body; the body is then left as a stream for the handler. */
  consumes?: string;
  /** Overrides the router's auth mode. */
  auth?: AuthMode;
  /** Entitlement required (`cap:…`); 403 without it. */
  entitlement?: string;
  /** A stricter limit for this route (login, register…), on top of the server-wide one. */
  rateLimit?: RouteRateLimit;
  /** Error statuses worth documenting besides the defaults (400, 401, 403, 404, 429, 500). */
  errors?: number[];
  /** Hide from OpenAPI (internal routes); the route-coverage test lists these explicitly. */
  hidden?: boolean;
}

/** A request whose parts were validated against a {@link RouteSpec}. */
export type ValidRequest<P, Q, B> = Request & { valid: { params: P; query: Q; body: B } };

/**
 * A route handler. Returning a value sends it as JSON with the route's status (204: no body);
 * returning `undefined` after writing to `res` (streams, files) leaves the response to the handler.
 */
export type RouteHandler<P, Q, B> = (req: ValidRequest<P, Q, B>, res: Response) => unknown | Promise<unknown>;

/** One registered route, with its full path in Express syntax (`/api/x/:id`). */
export interface RegisteredRoute {
  method: HttpMethod;
  path: string;
  tag: string;
  auth: AuthMode;
  spec: RouteSpec;
}

/** Options of {@link defineRouter}. */
export interface RouterOptions {
  /** Mount path, e.g. `/api/conversations`. */
  basePath: string;
  /** OpenAPI tag grouping these routes. */
  tag: string;
  description?: string;
  /** Default auth mode of the routes (default `required`). */
  auth?: AuthMode;
}

/** Hooks the server supplies when it mounts a router: auth, entitlement and rate-limit middleware. */
export interface MountHooks {
  /** Authentication for the mode, then the server-wide rate limit. */
  auth(mode: AuthMode): RequestHandler[];
  entitlement(entitlement: string): RequestHandler;
  rateLimit(limit: RouteRateLimit, route: string): RequestHandler;
}

type Define = <P extends z.ZodType = z.ZodType<Record<string, string>>, Q extends z.ZodType = z.ZodType<unknown>, B extends z.ZodType = z.ZodType<unknown>>(
  path: string,
  spec: RouteSpec<P, Q, B>,
  handler: RouteHandler<z.output<P>, z.output<Q>, z.output<B>>,
) => ServiceRouter;

/** A feature's routes, declared with their specs, mounted by `createServer`. */
export interface ServiceRouter {
  readonly options: Required<Pick<RouterOptions, "basePath" | "tag" | "auth">> & Pick<RouterOptions, "description">;
  readonly routes: readonly { method: HttpMethod; path: string; spec: RouteSpec; handler: RouteHandler<unknown, unknown, unknown> }[];
  get: Define;
  post: Define;
  put: Define;
  patch: Define;
  delete: Define;
  /** Builds the Express router with the server's middleware (called once by `createServer`). */
  build(hooks: MountHooks): express.Router;
}

/**
 * Declares a router whose every route carries a {@link RouteSpec}, so validation, auth,
 * entitlements, rate limits and the OpenAPI document all come from one declaration.
 *
 * @example
 * const conversations = defineRouter({ basePath: "/api/conversations", tag: "conversations" });
 * conversations.post("/", { summary: "Create a conversation", body: CreateConversationBody, response: Conversation, status: 201 },
 *   (req) => service.create(deps, scopeOf(req), req.valid.body));
 */
export function defineRouter(options: RouterOptions): ServiceRouter {
  const routes: ServiceRouter["routes"][number][] = [];
  const basePath = options.basePath === "/" ? "" : options.basePath.replace(/\/+$/, "");
  const router: ServiceRouter = {
    options: { basePath, tag: options.tag, auth: options.auth ?? "required", ...(options.description ? { description: options.description } : {}) },
    routes,
    get: (path, spec, handler) => add("get", path, spec, handler),
    post: (path, spec, handler) => add("post", path, spec, handler),
    put: (path, spec, handler) => add("put", path, spec, handler),
    patch: (path, spec, handler) => add("patch", path, spec, handler),
    delete: (path, spec, handler) => add("delete", path, spec, handler),
    build(hooks) {
      const expressRouter = express.Router({ mergeParams: true });
      for (const route of routes) {
        const { spec } = route;
        const fullPath = joinPath(basePath, route.path);
        // The template is recorded first: Express restores req.baseUrl when an error leaves the
        // router, so metrics and telemetry read it from here.
        const chain: RequestHandler[] = [
          (_req, res, next) => {
            res.locals.routeTemplate = fullPath;
            next();
          },
          ...hooks.auth(spec.auth ?? router.options.auth),
        ];
        if (spec.rateLimit) chain.push(hooks.rateLimit(spec.rateLimit, `${route.method.toUpperCase()} ${fullPath}`));
        if (spec.entitlement) chain.push(hooks.entitlement(spec.entitlement));
        chain.push(validate({ ...(spec.params ? { params: spec.params } : {}), ...(spec.query ? { query: spec.query } : {}), ...(spec.body ? { body: spec.body } : {}) }));
        chain.push(async (req, res) => {
          const result = await route.handler(req as ValidRequest<unknown, unknown, unknown>, res);
          if (res.headersSent || res.writableEnded) return;
          const status = spec.status ?? 200;
          if (status === 204 || result === undefined) res.status(status === 200 && result === undefined ? 204 : status).end();
          else res.status(status).json(result);
        });
        expressRouter[route.method](route.path === "" ? "/" : route.path, ...chain);
      }
      return expressRouter;
    },
  };
  function add(method: HttpMethod, path: string, spec: RouteSpec, handler: RouteHandler<never, never, never>): ServiceRouter {
    if (!path.startsWith("/") && path !== "") throw new Error(`route path must start with "/": ${path}`);
    routes.push({ method, path, spec, handler: handler as RouteHandler<unknown, unknown, unknown> });
    return router;
  }
  return router;
}

/** Joins a base path and a route path without doubled or trailing slashes (`/` stays `/`). */
export function joinPath(base: string, path: string): string {
  const joined = `${base}/${path}`.replace(/\/+/g, "/").replace(/\/$/, "");
  return joined === "" ? "/" : joined;
}

/** Every route of the given routers with its full Express path. */
export function registeredRoutes(routers: readonly ServiceRouter[]): RegisteredRoute[] {
  return routers.flatMap((r) =>
    r.routes.map((route) => ({ method: route.method, path: joinPath(r.options.basePath, route.path), tag: r.options.tag, auth: route.spec.auth ?? r.options.auth, spec: route.spec })),
  );
}
