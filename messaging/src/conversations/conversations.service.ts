import { randomUUID } from "node:crypto";
import type { AddParticipantBody, Conversation, CreateConversationBody, Handoff, Page, Participant, ParticipantInput, UpdateConversationBody, UpdateParticipantBody } from "@symbia/messaging-client";
import { AppError, CAPABILITIES } from "@symbia/sys";
import type { z } from "zod";
import { refOf, requireEntitlement, type Actor } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import { conversationView, handoffView, participantView } from "../views.js";
import * as store from "./conversations.store.js";
import type { ConversationRow, ParticipantRow } from "./conversations.store.js";

const CAP = CAPABILITIES.messaging;

/** A conversation the actor takes part in, with its participant row. */
export interface Membership {
  conversation: ConversationRow;
  participant: ParticipantRow;
}

/**
 * The conversation `id` and the actor's place in it. Another org's conversation (or an absent
 * one) → 404; a conversation of the actor's org it does not take part in → 403.
 */
export async function requireParticipant(deps: MessagingDeps, actor: Actor, id: string): Promise<Membership> {
  const found = await store.findConversationWithParticipant(deps.database.db, actor.scope, id, actor.scope.principalId);
  if (!found) throw new AppError("not_found", "conversation not found");
  if (!found.participant) throw new AppError("forbidden", "not a participant of this conversation");
  return { conversation: found.conversation, participant: found.participant };
}

function requireRole(membership: Membership, roles: readonly ParticipantRow["role"][], action: string): void {
  if (!roles.includes(membership.participant.role)) throw new AppError("forbidden", `only ${roles.join(" or ")} participants may ${action}`);
}

function requireGroup(conversation: ConversationRow): void {
  if (conversation.type !== "group") throw new AppError("conflict", `a ${conversation.type} conversation keeps its participants`);
}

async function resolveInputs(deps: MessagingDeps, actor: Actor, inputs: readonly ParticipantInput[]) {
  const out = [];
  for (const [i, input] of inputs.entries()) {
    try {
      out.push({ entry: await deps.directory.findInOrg(actor, actor.scope.orgId, input), role: input.role ?? "member" });
    } catch (error) {
      if (error instanceof AppError && error.code === "not_found") {
        throw new AppError("validation_failed", "invalid request", { issues: [{ path: `body.participants.${i}`, message: error.message }] });
      }
      throw error;
    }
  }
  return out;
}

/** Creates a private or group conversation; the creator is its owner. Needs `cap:messaging.send`. */
export async function createConversation(deps: MessagingDeps, actor: Actor, body: z.output<typeof CreateConversationBody>): Promise<Conversation> {
  requireEntitlement(actor, CAP.send);
  if (actor.kind === "guest" || actor.kind === "service") throw new AppError("forbidden", "only users and agents create conversations");
  const others = await resolveInputs(deps, actor, body.participants);
  const ids = new Set([actor.scope.principalId]);
  for (const [i, o] of others.entries()) {
    if (ids.has(o.entry.principalId)) throw new AppError("validation_failed", "invalid request", { issues: [{ path: `body.participants.${i}`, message: "listed twice (or is you)" }] });
    ids.add(o.entry.principalId);
  }
  const id = randomUUID();
  const now = Date.now();
  const { conversation, members } = await deps.database.withTransaction(async (tx) => {
    const conversation = await store.insertConversation(tx, actor.scope, {
      id,
      type: body.type,
      name: body.name ?? null,
      description: body.description ?? null,
      metadata: body.metadata ?? {},
      joinPolicy: body.joinPolicy ?? "invite",
      createdBy: actor.scope.principalId,
    });
    const members = await store.insertParticipants(tx, actor.scope, [
      { conversationId: id, principalId: actor.scope.principalId, principalType: actor.kind, entityId: actor.scope.entityId, role: "owner", displayName: actor.principal?.name ?? null, joinedAt: new Date(now) },
      ...others.map((o, i) => ({
        conversationId: id,
        principalId: o.entry.principalId,
        principalType: o.entry.principalType,
        entityId: o.entry.entityId,
        role: o.role,
        displayName: o.entry.displayName,
        joinedAt: new Date(now + i + 1),
      })),
    ]);
    return { conversation, members };
  });
  const view = conversationView(conversation);
  for (const m of members) deps.realtime.join(actor.scope.orgId, m.principalId, id);
  deps.realtime.toConversation(id, "conversation:new", view);
  return view;
}

/** The conversations the actor takes part in, most recently active first. */
export async function listConversations(deps: MessagingDeps, actor: Actor, query: { limit: number; cursor?: string | undefined }): Promise<Page<Conversation>> {
  requireEntitlement(actor, CAP.read);
  const offset = query.cursor ? Number.parseInt(query.cursor, 10) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0) throw new AppError("validation_failed", "invalid request", { issues: [{ path: "query.cursor", message: "not a cursor of this list" }] });
  const rows = await store.listConversationsOf(deps.database.db, actor.scope, actor.scope.principalId, query.limit + 1, offset);
  return { items: rows.slice(0, query.limit).map(conversationView), nextCursor: rows.length > query.limit ? String(offset + query.limit) : null };
}

/** One conversation the actor takes part in. */
export async function getConversation(deps: MessagingDeps, actor: Actor, id: string): Promise<Conversation> {
  requireEntitlement(actor, CAP.read);
  return conversationView((await requireParticipant(deps, actor, id)).conversation);
}

/** Renames, describes or re-tags a conversation (owners and admins). */
export async function updateConversation(deps: MessagingDeps, actor: Actor, id: string, body: z.output<typeof UpdateConversationBody>): Promise<Conversation> {
  requireEntitlement(actor, CAP.send);
  const membership = await requireParticipant(deps, actor, id);
  requireRole(membership, ["owner", "admin"], "change the conversation");
  if (body.joinPolicy === "open" && membership.conversation.type !== "group") throw new AppError("conflict", "only group conversations can be open");
  const row = await store.updateConversation(deps.database.db, actor.scope, id, {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
    ...(body.joinPolicy !== undefined ? { joinPolicy: body.joinPolicy } : {}),
  });
  const view = conversationView(row!);
  deps.realtime.toConversation(id, "conversation:updated", view);
  return view;
}

/** Deletes a conversation with its messages (owners only). */
export async function deleteConversation(deps: MessagingDeps, actor: Actor, id: string): Promise<void> {
  requireEntitlement(actor, CAP.send);
  const membership = await requireParticipant(deps, actor, id);
  requireRole(membership, ["owner"], "delete the conversation");
  await store.deleteConversation(deps.database.db, actor.scope, id);
  deps.realtime.toConversation(id, "conversation:deleted", { conversationId: id });
  deps.realtime.closeRoom(id);
}

/** The participants of a conversation the actor takes part in. */
export async function listParticipants(deps: MessagingDeps, actor: Actor, id: string): Promise<{ items: Participant[] }> {
  requireEntitlement(actor, CAP.read);
  await requireParticipant(deps, actor, id);
  return { items: (await store.listParticipants(deps.database.db, actor.scope, id)).map(participantView) };
}

async function addMember(deps: MessagingDeps, actor: Actor, conversation: ConversationRow, member: Omit<ParticipantRow, "orgId" | "lastReadSequence" | "joinedAt">): Promise<Participant> {
  const db = deps.database.db;
  if (await store.findParticipant(db, actor.scope, conversation.id, member.principalId)) throw new AppError("conflict", "already a participant");
  const [row] = await store.insertParticipants(db, actor.scope, [member]);
  const view = participantView(row!);
  deps.realtime.join(actor.scope.orgId, member.principalId, conversation.id);
  deps.realtime.toConversation(conversation.id, "participant:added", view);
  return view;
}

/** Adds a user or agent of the org to a group (owners and admins). */
export async function addParticipant(deps: MessagingDeps, actor: Actor, id: string, body: z.output<typeof AddParticipantBody>): Promise<Participant> {
  requireEntitlement(actor, CAP.send);
  const membership = await requireParticipant(deps, actor, id);
  requireGroup(membership.conversation);
  requireRole(membership, ["owner", "admin"], "add participants");
  const [resolved] = await resolveInputs(deps, actor, [body]);
  const { entry } = resolved!;
  return addMember(deps, actor, membership.conversation, {
    conversationId: id,
    principalId: entry.principalId,
    principalType: entry.principalType,
    entityId: entry.entityId,
    role: body.role ?? "member",
    displayName: entry.displayName,
  });
}

/** Joins an open group of the actor's org as a member. */
export async function joinConversation(deps: MessagingDeps, actor: Actor, id: string): Promise<Participant> {
  requireEntitlement(actor, CAP.send);
  const conversation = await store.findConversation(deps.database.db, actor.scope, id);
  if (!conversation) throw new AppError("not_found", "conversation not found");
  requireGroup(conversation);
  if (conversation.joinPolicy !== "open") throw new AppError("forbidden", "this conversation is by invitation only");
  const me = refOf(actor);
  return addMember(deps, actor, conversation, { conversationId: id, principalId: me.principalId, principalType: me.principalType, entityId: me.entityId, role: "member", displayName: actor.principal?.name ?? null });
}

/**
 * Removes a participant: anyone may leave a group (not its last owner while others remain);
 * owners remove anyone; admins remove members.
 */
export async function removeParticipant(deps: MessagingDeps, actor: Actor, id: string, principalId: string): Promise<void> {
  requireEntitlement(actor, CAP.send);
  const db = deps.database.db;
  const membership = await requireParticipant(deps, actor, id);
  requireGroup(membership.conversation);
  const target = principalId === actor.scope.principalId ? membership.participant : await store.findParticipant(db, actor.scope, id, principalId);
  if (!target) throw new AppError("not_found", "participant not found");
  if (target !== membership.participant) {
    if (membership.participant.role === "member") throw new AppError("forbidden", "only owners and admins remove participants");
    if (membership.participant.role === "admin" && target.role !== "member") throw new AppError("forbidden", "admins remove members only");
  }
  await deps.database.withTransaction(async (tx) => {
    if (target.role === "owner" && (await store.countOwners(tx, actor.scope, id)) === 1 && (await store.listParticipants(tx, actor.scope, id)).length > 1) {
      throw new AppError("conflict", "the last owner cannot leave while others remain: make someone else owner first");
    }
    await store.deleteParticipant(tx, actor.scope, id, principalId);
  });
  deps.realtime.toConversation(id, "participant:removed", { conversationId: id, principalId });
  deps.realtime.leave(actor.scope.orgId, principalId, id);
}

/** Changes a participant's role (owners only; the last owner stays owner). */
export async function updateParticipant(deps: MessagingDeps, actor: Actor, id: string, principalId: string, body: z.output<typeof UpdateParticipantBody>): Promise<Participant> {
  requireEntitlement(actor, CAP.send);
  const membership = await requireParticipant(deps, actor, id);
  requireRole(membership, ["owner"], "change roles");
  const row = await deps.database.withTransaction(async (tx) => {
    const target = await store.findParticipant(tx, actor.scope, id, principalId);
    if (!target) throw new AppError("not_found", "participant not found");
    if (target.role === "owner" && body.role !== "owner" && (await store.countOwners(tx, actor.scope, id)) === 1) throw new AppError("conflict", "a conversation keeps at least one owner");
    return store.updateParticipantRole(tx, actor.scope, id, principalId, body.role);
  });
  const view = participantView(row!);
  deps.realtime.toConversation(id, "participant:updated", view);
  return view;
}

/** Moves the actor's read marker forward and tells the conversation. */
export async function markRead(deps: MessagingDeps, actor: Actor, id: string, sequence: number): Promise<{ conversationId: string; principalId: string; sequence: number }> {
  requireEntitlement(actor, CAP.read);
  const { conversation } = await requireParticipant(deps, actor, id);
  if (sequence > conversation.lastSequence) {
    throw new AppError("validation_failed", "invalid request", { issues: [{ path: "sequence", message: `beyond the latest message (${conversation.lastSequence})` }] });
  }
  await store.advanceReadMarker(deps.database.db, actor.scope, id, actor.scope.principalId, sequence);
  const event = { conversationId: id, principalId: actor.scope.principalId, sequence };
  deps.realtime.toConversation(id, "read:updated", event);
  return event;
}

/** The conversation's responder changes, oldest first. */
export async function listHandoffs(deps: MessagingDeps, actor: Actor, id: string): Promise<{ items: Handoff[] }> {
  requireEntitlement(actor, CAP.read);
  await requireParticipant(deps, actor, id);
  return { items: (await store.listHandoffs(deps.database.db, actor.scope, id)).map(handoffView) };
}
