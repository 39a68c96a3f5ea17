import { randomUUID } from "node:crypto";
import { memoryLimiter } from "@symbia/http";
import type { Message, PrincipalRef, StreamChunkEvent, StreamEndedEvent, StreamState, WebsiteSendBody } from "@symbia/messaging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import { createSession, type Session } from "better-sse";
import type { Request, Response } from "express";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { z } from "zod";
import { actorFromRequest, refOf, requireEntitlement, type Actor } from "../actor.js";
import { requireParticipant } from "../conversations/conversations.service.js";
import { insertConversation, insertParticipants } from "../conversations/conversations.store.js";
import type { MessagingDeps } from "../deps.js";
import { sendMessage } from "../messages/messages.service.js";
import type { HubEvent } from "../realtime/realtime.js";
import { guestActor, issueGuestSession, newGuestId, verifyGuestSession } from "./guest.js";

/** Who sends a website chat message, in which conversation, and the guest session to hand back. */
export interface WebsiteCaller {
  actor: Actor;
  conversationId: string;
  guestSession: { token: string; expiresAt: string } | null;
}

/** Per-instance limits of the website endpoint (guest sessions per IP, sends per guest). */
export interface WebsiteLimits {
  sessionsPerIp: RateLimiterAbstract;
  sendsPerGuest: RateLimiterAbstract;
  demoAssistant?: Promise<{ principalId: string; entityId: string; displayName: string }>;
}

/** Builds the endpoint's limiters from the configuration. */
export function websiteLimits(deps: MessagingDeps): WebsiteLimits {
  const w = deps.config.website;
  return {
    sessionsPerIp: memoryLimiter({ points: w.guestSessionsPerIp, durationSeconds: 3_600 }, "messaging:guest-sessions"),
    sendsPerGuest: memoryLimiter({ points: w.guestSendsPerMinute, durationSeconds: 60 }, "messaging:guest-sends"),
  };
}

async function consume(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const retryAfterSeconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new AppError("rate_limited", `too many ${what}`, { retryAfterSeconds }, { retryAfterSeconds });
    }
    throw error;
  }
}

async function demoAssistant(deps: MessagingDeps, limits: WebsiteLimits, agentId: string, orgId: string) {
  limits.demoAssistant ??= deps.directory.agent(agentId).then((entry) => {
    if (entry.orgId !== orgId) throw new AppError("unavailable", "the demo assistant does not belong to the demo org");
    return entry;
  });
  return limits.demoAssistant.catch((error: unknown) => {
    limits.demoAssistant = undefined;
    throw error instanceof AppError ? error : new AppError("unavailable", "the demo assistant cannot be found at identity");
  });
}

/**
 * Decides who speaks at the website endpoint. A signed-in caller (bearer token or API key) uses
 * one of its own conversations (`conversationId`). A visitor presents its guest session
 * (`X-Guest-Session`), or gets a new one — a `guest:<id>` principal and a website conversation
 * with the demo assistant in the demo org — at most `guestSessionsPerIp` per IP per hour. Guests
 * send at most `guestSendsPerMinute` messages per minute and reach nothing but this endpoint.
 */
export async function resolveWebsiteCaller(deps: MessagingDeps, limits: WebsiteLimits, req: Request, body: z.output<typeof WebsiteSendBody>): Promise<WebsiteCaller> {
  if (req.principal) {
    const actor = actorFromRequest(req);
    requireEntitlement(actor, CAPABILITIES.messaging.send);
    if (!body.conversationId) throw new AppError("validation_failed", "invalid request", { issues: [{ path: "body.conversationId", message: "signed-in callers name one of their conversations" }] });
    await requireParticipant(deps, actor, body.conversationId);
    return { actor, conversationId: body.conversationId, guestSession: null };
  }
  const w = deps.config.website;
  if (!w.guestSecret || !w.demoOrgId || !w.demoAssistantId) throw new AppError("unauthenticated", "sign in to chat: guest chat is not enabled here");
  const presented = req.get("x-guest-session");
  if (presented) {
    const session = await verifyGuestSession(w.guestSecret, presented);
    if (body.conversationId && body.conversationId !== session.conversationId) throw new AppError("forbidden", "a guest session is bound to its own conversation");
    const actor = guestActor(session);
    await requireParticipant(deps, actor, session.conversationId);
    await consume(limits.sendsPerGuest, actor.scope.principalId, "messages from this guest");
    return { actor, conversationId: session.conversationId, guestSession: null };
  }
  if (body.conversationId) throw new AppError("unauthenticated", "a guest session is needed to continue a conversation");
  await consume(limits.sessionsPerIp, req.ip ?? "unknown", "guest sessions from this address");
  const assistant = await demoAssistant(deps, limits, w.demoAssistantId, w.demoOrgId);
  const session = { guestId: newGuestId(), orgId: w.demoOrgId, conversationId: randomUUID() };
  const actor = guestActor(session);
  const guest = refOf(actor);
  await deps.database.withTransaction(async (tx) => {
    await insertConversation(tx, actor.scope, {
      id: session.conversationId,
      type: "website",
      name: "Website chat",
      description: null,
      metadata: { channel: "website" },
      joinPolicy: "invite",
      createdBy: guest.principalId,
    });
    const now = Date.now();
    await insertParticipants(tx, actor.scope, [
      { conversationId: session.conversationId, principalId: guest.principalId, principalType: "guest", entityId: guest.entityId, role: "owner", displayName: "Visitor", joinedAt: new Date(now) },
      { conversationId: session.conversationId, principalId: assistant.principalId, principalType: "agent", entityId: assistant.entityId, role: "member", displayName: assistant.displayName, joinedAt: new Date(now + 1) },
    ]);
  });
  deps.realtime.join(session.orgId, assistant.principalId, session.conversationId);
  await consume(limits.sendsPerGuest, guest.principalId, "messages from this guest");
  return { actor, conversationId: session.conversationId, guestSession: await issueGuestSession(w.guestSecret, session, w.guestSessionTtlSeconds) };
}

/** A queue of hub events with a timed wait. */
function hubQueue(deps: MessagingDeps, conversationId: string) {
  const queue: HubEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = deps.realtime.subscribe(conversationId, (event) => {
    queue.push(event);
    wake?.();
  });
  return {
    unsubscribe,
    async next(timeoutMs: number, closed: () => boolean): Promise<HubEvent | null> {
      while (queue.length === 0) {
        if (closed()) return null;
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), timeoutMs);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = undefined;
        if (!woke) return null;
      }
      return queue.shift()!;
    },
  };
}

/**
 * Sends the caller's message and answers with Server-Sent Events that follow the assistant's
 * reply as it is generated: `session`, `message` (the stored message), `start`, `chunk`… (the
 * streamer's own chunks, in order; paused replies pause here too), `paused`/`resumed`, then
 * `done` with the stored reply, or `error` (`timeout` when nothing comes for `replyTimeoutMs`).
 * The reply comes through the same assistant bus as any conversation's.
 */
export async function chat(deps: MessagingDeps, caller: WebsiteCaller, req: Request, res: Response, text: string): Promise<void> {
  const events = hubQueue(deps, caller.conversationId);
  let sse: Session | undefined;
  try {
    // Subscribed before sending, so a fast reply cannot slip past.
    const { message } = await sendMessage(deps, caller.actor, caller.conversationId, { content: text, contentType: "text", priority: "normal" });
    sse = await createSession(req, res, { retry: null, trustClientEventId: false });
    const session = sse;
    session.push({ conversationId: caller.conversationId, principal: refOf(caller.actor), guestSession: caller.guestSession?.token ?? null, expiresAt: caller.guestSession?.expiresAt ?? null }, "session");
    session.push(message, "message");
    let replyId: string | null = null;
    let paused = false;
    const timeoutMs = deps.config.website.replyTimeoutMs;
    for (;;) {
      // A paused reply may stay silent until the pause limit (after which messaging cancels it).
      const next = await events.next(paused ? deps.config.pauseMaxMs + timeoutMs : timeoutMs, () => !session.isConnected);
      if (!session.isConnected) return;
      if (!next) {
        session.push({ code: "timeout", message: replyId ? "the reply stalled" : "no reply came in time" }, "error");
        return;
      }
      if (next.event === "stream:started") {
        const state = next.payload as StreamState;
        if (replyId || state.replyTo !== message.id) continue;
        replyId = state.messageId;
        session.push({ messageId: state.messageId, sender: state.sender satisfies PrincipalRef }, "start");
      } else if (next.event === "message:stream") {
        const chunk = next.payload as StreamChunkEvent;
        if (chunk.messageId === replyId) session.push({ messageId: chunk.messageId, index: chunk.index, delta: chunk.delta }, "chunk");
      } else if (next.event === "stream:updated") {
        const state = next.payload as StreamState;
        if (state.messageId !== replyId) continue;
        paused = state.state === "paused";
        session.push({ messageId: state.messageId }, paused ? "paused" : "resumed");
      } else if (next.event === "stream:ended") {
        const ended = next.payload as StreamEndedEvent;
        if (ended.messageId === replyId && ended.sequence === null) {
          session.push({ code: "internal", message: "the reply could not be stored" }, "error");
          return;
        }
      } else if (next.event === "message:new") {
        const stored = next.payload as Message;
        const isReply = replyId ? stored.id === replyId : stored.replyTo === message.id && stored.sender.principalType === "agent";
        if (!isReply) continue;
        session.push(stored, "done");
        return;
      }
    }
  } finally {
    events.unsubscribe();
    if (sse) res.end();
  }
}
