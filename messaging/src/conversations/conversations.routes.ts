import { defineRouter } from "@symbia/http";
import {
  AddParticipantBody,
  Conversation,
  ConversationId,
  ConversationPage,
  CreateConversationBody,
  HandoffList,
  PageQuery,
  Participant,
  ParticipantList,
  PrincipalId,
  ReadEvent,
  ReadMarkerBody,
  UpdateConversationBody,
  UpdateParticipantBody,
} from "@symbia/messaging-client";
import { CAPABILITIES } from "@symbia/sys";
import { z } from "zod";
import { actorFromRequest } from "../actor.js";
import type { MessagingDeps } from "../deps.js";
import * as conversations from "./conversations.service.js";

const CAP = CAPABILITIES.messaging;
const Params = z.object({ id: ConversationId });
const ParticipantParams = z.object({ id: ConversationId, principalId: PrincipalId });

/** `/api/conversations`: conversations, participants, read markers, handoff history. */
export function conversationsRouter(deps: MessagingDeps) {
  const router = defineRouter({ basePath: "/api/conversations", tag: "conversations", description: "Private and group conversations of people and agents, their participants and roles." });
  router.post("/", { summary: "Create a conversation (the caller is its owner)", body: CreateConversationBody, response: Conversation, status: 201, entitlement: CAP.send, errors: [503] }, (req) =>
    conversations.createConversation(deps, actorFromRequest(req), req.valid.body),
  );
  router.get("/", { summary: "List the caller's conversations, most recently active first", query: PageQuery, response: ConversationPage, entitlement: CAP.read }, (req) =>
    conversations.listConversations(deps, actorFromRequest(req), req.valid.query),
  );
  router.get("/:id", { summary: "Get a conversation the caller takes part in", params: Params, response: Conversation, entitlement: CAP.read }, (req) =>
    conversations.getConversation(deps, actorFromRequest(req), req.valid.params.id),
  );
  router.patch("/:id", { summary: "Change name, description, metadata or join policy (owners, admins)", params: Params, body: UpdateConversationBody, response: Conversation, entitlement: CAP.send, errors: [409] }, (req) =>
    conversations.updateConversation(deps, actorFromRequest(req), req.valid.params.id, req.valid.body),
  );
  router.delete("/:id", { summary: "Delete a conversation and its messages (owners)", params: Params, status: 204, entitlement: CAP.send }, async (req) => {
    await conversations.deleteConversation(deps, actorFromRequest(req), req.valid.params.id);
  });
  router.get("/:id/participants", { summary: "List participants with roles and read markers", params: Params, response: ParticipantList, entitlement: CAP.read }, (req) =>
    conversations.listParticipants(deps, actorFromRequest(req), req.valid.params.id),
  );
  router.post("/:id/participants", { summary: "Add a user or agent of the org to a group (owners, admins)", params: Params, body: AddParticipantBody, response: Participant, status: 201, entitlement: CAP.send, errors: [409, 503] }, (req) =>
    conversations.addParticipant(deps, actorFromRequest(req), req.valid.params.id, req.valid.body),
  );
  router.patch("/:id/participants/:principalId", { summary: "Change a participant's role (owners)", params: ParticipantParams, body: UpdateParticipantBody, response: Participant, entitlement: CAP.send, errors: [409] }, (req) =>
    conversations.updateParticipant(deps, actorFromRequest(req), req.valid.params.id, req.valid.params.principalId, req.valid.body),
  );
  router.delete("/:id/participants/:principalId", { summary: "Remove a participant (owners; admins remove members; anyone removes themself)", params: ParticipantParams, status: 204, entitlement: CAP.send, errors: [409] }, async (req) => {
    await conversations.removeParticipant(deps, actorFromRequest(req), req.valid.params.id, req.valid.params.principalId);
  });
  router.post("/:id/join", { summary: "Join an open group of the caller's org", params: Params, response: Participant, status: 201, entitlement: CAP.send, errors: [409] }, (req) =>
    conversations.joinConversation(deps, actorFromRequest(req), req.valid.params.id),
  );
  router.post("/:id/leave", { summary: "Leave a group", params: Params, status: 204, entitlement: CAP.send, errors: [409] }, async (req) => {
    const actor = actorFromRequest(req);
    await conversations.removeParticipant(deps, actor, req.valid.params.id, actor.scope.principalId);
  });
  router.put("/:id/read", { summary: "Move the caller's read marker forward", params: Params, body: ReadMarkerBody, response: ReadEvent, entitlement: CAP.read }, (req) =>
    conversations.markRead(deps, actorFromRequest(req), req.valid.params.id, req.valid.body.sequence),
  );
  router.get("/:id/handoffs", { summary: "The conversation's responder changes, oldest first", params: Params, response: HandoffList, entitlement: CAP.read }, (req) =>
    conversations.listHandoffs(deps, actorFromRequest(req), req.valid.params.id),
  );
  return router;
}
