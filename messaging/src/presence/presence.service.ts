import type { PresenceEntry, PresenceStatus, TypingEvent } from "@symbia/messaging-client";
import { CAPABILITIES } from "@symbia/sys";
import type { Socket, SocketData } from "socket.io";
import { refOf, requireEntitlement, type Actor } from "../actor.js";
import { requireParticipant } from "../conversations/conversations.service.js";
import { conversationIdsOf } from "../conversations/conversations.store.js";
import type { MessagingDeps } from "../deps.js";
import { rooms } from "../realtime/realtime.js";

const CAP = CAPABILITIES.messaging;
const RANK: Record<Exclude<PresenceStatus, "offline">, number> = { online: 3, busy: 2, away: 1 };

function entry(actor: Actor, status: PresenceStatus): PresenceEntry {
  return { ...refOf(actor), orgId: actor.scope.orgId, status, at: new Date().toISOString() };
}

/**
 * A socket connected: it joins its principal's room, its org's room and the rooms of every
 * conversation of that org it takes part in, and the principal is announced `online` to the org
 * (and only to it).
 */
export async function socketConnected(deps: MessagingDeps, actor: Actor, socket: Socket): Promise<void> {
  const { orgId, principalId } = actor.scope;
  const conversations = await conversationIdsOf(deps.database.db, actor.scope, principalId);
  await socket.join([rooms.principal(orgId, principalId), rooms.org(orgId), ...conversations.map(rooms.conversation)]);
  socket.data.presence = "online";
  deps.realtime.toOrg(orgId, "presence:updated", entry(actor, "online"));
}

/**
 * A socket is closing: typing indicators it held stop now, and the principal turns `offline` for
 * its org when no other socket of it (on any instance) remains.
 */
export async function socketDisconnecting(deps: MessagingDeps, actor: Actor, socket: Socket): Promise<void> {
  const { orgId, principalId } = actor.scope;
  for (const room of socket.rooms) {
    if (!room.startsWith("conv:")) continue;
    const conversationId = room.slice(5);
    if (deps.typing.stop(conversationId, principalId)) deps.realtime.toConversation(conversationId, "typing:stopped", { ...refOf(actor), conversationId } satisfies TypingEvent);
  }
  const remaining = (await deps.realtime.server().in(rooms.principal(orgId, principalId)).fetchSockets()).filter((s) => s.id !== socket.id);
  if (remaining.length === 0) deps.realtime.toOrg(orgId, "presence:updated", entry(actor, "offline"));
}

/** Sets the socket's presence status (online, away, busy) and tells the org. */
export function setPresence(deps: MessagingDeps, actor: Actor, socket: Socket, status: Exclude<PresenceStatus, "offline">): PresenceEntry {
  requireEntitlement(actor, CAP.read);
  socket.data.presence = status;
  const e = entry(actor, status);
  deps.realtime.toOrg(actor.scope.orgId, "presence:updated", e);
  return e;
}

/**
 * Who of the actor's org is connected (on any instance), with their status: the most available
 * of their sockets' (online > busy > away).
 */
export async function listPresence(deps: MessagingDeps, actor: Actor): Promise<{ items: PresenceEntry[] }> {
  requireEntitlement(actor, CAP.read);
  const sockets = await deps.realtime.server().in(rooms.org(actor.scope.orgId)).fetchSockets();
  const best = new Map<string, PresenceEntry>();
  const now = new Date().toISOString();
  for (const s of sockets) {
    const data = s.data as SocketData;
    const scope = data.scope;
    const principal = data.principal;
    if (!scope || !principal || scope.orgId !== actor.scope.orgId) continue;
    const status = data.presence ?? "online";
    const current = best.get(principal.id);
    if (current && RANK[current.status as keyof typeof RANK] >= RANK[status]) continue;
    best.set(principal.id, { principalId: principal.id, principalType: principal.type, entityId: principal.entityId, orgId: scope.orgId, status, at: now });
  }
  return { items: [...best.values()].sort((a, b) => a.principalId.localeCompare(b.principalId)) };
}

/**
 * Starts (or renews) the actor's typing indicator in a conversation it takes part in:
 * `typing:started` goes to the other participants' sockets when it turns on, and `typing:stopped`
 * follows by itself `typingTtlMs` after the last renewal.
 */
export async function startTyping(deps: MessagingDeps, actor: Actor, conversationId: string): Promise<null> {
  requireEntitlement(actor, CAP.send);
  await requireParticipant(deps, actor, conversationId);
  const who = refOf(actor);
  const event: TypingEvent = { ...who, conversationId };
  const except = { orgId: actor.scope.orgId, principalId: who.principalId };
  const started = deps.typing.start(conversationId, who.principalId, () => deps.realtime.toConversation(conversationId, "typing:stopped", event, { exceptPrincipal: except }));
  if (started) deps.realtime.toConversation(conversationId, "typing:started", { ...event, expiresInMs: deps.typing.ttlMs }, { exceptPrincipal: except });
  return null;
}

/** Stops the actor's typing indicator. */
export async function stopTyping(deps: MessagingDeps, actor: Actor, conversationId: string): Promise<null> {
  requireEntitlement(actor, CAP.send);
  await requireParticipant(deps, actor, conversationId);
  const who = refOf(actor);
  if (deps.typing.stop(conversationId, who.principalId)) {
    deps.realtime.toConversation(conversationId, "typing:stopped", { ...who, conversationId } satisfies TypingEvent, { exceptPrincipal: { orgId: actor.scope.orgId, principalId: who.principalId } });
  }
  return null;
}
