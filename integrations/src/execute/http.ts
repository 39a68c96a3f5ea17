import { currentContext, scopeOf } from "@symbia/http";
import { AppError } from "@symbia/sys";
import { createEventBuffer, createSession } from "better-sse";
import type { Request, Response } from "express";
import type { Actor, CallInfo } from "./accounting.js";
import type { OnBehalfOf } from "./execute.schemas.js";

/**
 * Who a request acts for. A service principal may name the principal it serves (`onBehalfOf`, or
 * the `X-On-Behalf-Of` header with `X-Org-Id` on the OpenAI-compatible routes): usage, budgets and
 * vault credentials are then that principal's in that org. Anyone else acts as themselves in the
 * org of their scope (`X-Org-Id` choosing among their orgs).
 *
 * @throws AppError forbidden when a caller that is not a service principal names someone else.
 */
export function actorOf(req: Request, onBehalfOf?: OnBehalfOf): Actor {
  const principal = req.principal;
  if (!principal) throw new AppError("unauthenticated", "authentication required");
  if (onBehalfOf) {
    if (principal.type !== "service") throw new AppError("forbidden", "acting on behalf of another principal is reserved to service principals");
    const context = currentContext();
    if (context) context.orgId = onBehalfOf.orgId;
    return { principalId: onBehalfOf.principalId, orgId: onBehalfOf.orgId, callerId: principal.id };
  }
  const scope = scopeOf(req);
  return { principalId: scope.principalId, orgId: scope.orgId, callerId: principal.id };
}

/** The request's ids (from @symbia/http's request context). */
export function callInfoOf(res: Response): CallInfo {
  const context = currentContext();
  return { requestId: context?.requestId ?? String(res.getHeader("x-request-id") ?? ""), traceId: context?.traceId ?? String(res.getHeader("x-trace-id") ?? "") };
}

/** An AbortSignal that fires when the client goes away before the response is complete. */
export function disconnectSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * Sends `events` as Server-Sent Events (better-sse): each value is written by `write` (named
 * events or bare `data:` lines), the response ends after the last one. The stream is always read to
 * its end, also after the client has gone, so that its producer can record what it used.
 */
export async function sendSse<T>(req: Request, res: Response, events: AsyncIterable<T>, write: (push: { named(data: unknown, event: string): void; data(text: string): void }, value: T) => void, options: { done?: string } = {}): Promise<void> {
  const serializer = (data: unknown) => (typeof data === "string" ? data : JSON.stringify(data));
  const session = await createSession(req, res, { retry: null, keepAlive: 15_000, serializer, headers: { "X-Accel-Buffering": "no" } });
  const push = {
    named: (data: unknown, event: string) => {
      if (session.isConnected) session.push(data, event);
    },
    // A data-only event, as OpenAI streams are written (a prebuilt buffer is sent synchronously).
    data: (text: string) => {
      if (session.isConnected) void session.batch(createEventBuffer({ serializer }).data(text).dispatch());
    },
  };
  for await (const value of events) write(push, value);
  if (options.done) push.data(options.done);
  if (!res.writableEnded) res.end();
}
