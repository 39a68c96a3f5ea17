import { z } from "zod";
import { ConversationId, EntityId, Metadata, ParticipantKind, PrincipalId, PrincipalRef, Timestamp, page } from "./common.js";

/** `private`: exactly two participants; `group`: any number; `website`: a visitor and the demo assistant (made by the website endpoint). */
export const CONVERSATION_TYPES = ["private", "group", "website"] as const;
/** One of {@link CONVERSATION_TYPES}. */
export const ConversationType = z.enum(CONVERSATION_TYPES);
/** One of {@link CONVERSATION_TYPES}. */
export type ConversationType = z.infer<typeof ConversationType>;

/** Roles inside a conversation, strongest first. */
export const PARTICIPANT_ROLES = ["owner", "admin", "member"] as const;
/** One of {@link PARTICIPANT_ROLES}. */
export const ParticipantRole = z.enum(PARTICIPANT_ROLES);
/** One of {@link PARTICIPANT_ROLES}. */
export type ParticipantRole = z.infer<typeof ParticipantRole>;

/** `invite`: only owners and admins add people; `open`: any member of the org may join (groups only). */
export const JoinPolicy = z.enum(["invite", "open"]);

/**
 * A principal to add, by principal id (a user's id, an agent id such as `assistant:support`) or
 * by entity id (`ent_…`). Messaging checks with identity that it belongs to the conversation's org.
 */
export const ParticipantInput = z
  .object({ principalId: PrincipalId.optional(), entityId: EntityId.optional(), role: ParticipantRole.exclude(["owner"]).optional() })
  .refine((p) => (p.principalId ? 1 : 0) + (p.entityId ? 1 : 0) === 1, "give exactly one of principalId and entityId");
/** See {@link ParticipantInput}. */
export type ParticipantInput = z.infer<typeof ParticipantInput>;

/** Body of `POST /api/conversations`. The creator joins as owner. */
export const CreateConversationBody = z
  .object({
    type: ConversationType.exclude(["website"]),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2_000).optional(),
    metadata: Metadata.optional(),
    joinPolicy: JoinPolicy.optional(),
    /** Other participants (the creator is added as owner). A private conversation takes exactly one. */
    participants: z.array(ParticipantInput).max(500).default([]),
  })
  .superRefine((body, ctx) => {
    if (body.type === "private" && body.participants.length !== 1) ctx.addIssue({ code: "custom", path: ["participants"], message: "a private conversation has exactly two participants: give one besides yourself" });
    if (body.type === "private" && body.joinPolicy === "open") ctx.addIssue({ code: "custom", path: ["joinPolicy"], message: "a private conversation cannot be open" });
  });
/** See {@link CreateConversationBody}. */
export type CreateConversationBody = z.input<typeof CreateConversationBody>;

/** Body of `PATCH /api/conversations/:id` (owners and admins). */
export const UpdateConversationBody = z
  .object({ name: z.string().trim().min(1).max(200).nullable().optional(), description: z.string().max(2_000).nullable().optional(), metadata: Metadata.optional(), joinPolicy: JoinPolicy.optional() })
  .refine((b) => Object.keys(b).length > 0, "nothing to update");
/** See {@link UpdateConversationBody}. */
export type UpdateConversationBody = z.input<typeof UpdateConversationBody>;

/** The principal that answers the next turn (after a handoff), or null for the default rule. */
export const Responder = z.object({ principalId: PrincipalId, principalType: ParticipantKind });

/** A conversation as the API returns it. `lastSequence` is the sequence of its latest message. */
export const Conversation = z
  .object({
    id: ConversationId,
    orgId: z.string(),
    type: ConversationType,
    name: z.string().nullable(),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    joinPolicy: JoinPolicy,
    createdBy: PrincipalId,
    /** Who answers user turns (set by handoff); null: the sole agent participant, or every assistant decides. */
    activeResponder: Responder.nullable(),
    /** The assistant the next user turn goes to (set by route, cleared when used). */
    routedTo: PrincipalId.nullable(),
    lastSequence: z.number().int().min(0),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: "Conversation" });
/** See {@link Conversation}. */
export type Conversation = z.infer<typeof Conversation>;

/** A member of a conversation. `lastReadSequence` is its read marker. */
export const Participant = PrincipalRef.extend({
  conversationId: ConversationId,
  role: ParticipantRole,
  displayName: z.string().nullable(),
  lastReadSequence: z.number().int().min(0),
  joinedAt: Timestamp,
}).meta({ id: "Participant" });
/** See {@link Participant}. */
export type Participant = z.infer<typeof Participant>;

/** Body of `POST /api/conversations/:id/participants`. */
export const AddParticipantBody = ParticipantInput;
/** Body of `PATCH /api/conversations/:id/participants/:principalId` (owners only). */
export const UpdateParticipantBody = z.object({ role: ParticipantRole });
/** Body of `PUT /api/conversations/:id/read`: the caller's read marker. */
export const ReadMarkerBody = z.object({ sequence: z.number().int().min(0) });

/** A recorded change of the active responder (handoff). */
export const Handoff = z
  .object({
    id: z.string(),
    conversationId: ConversationId,
    from: Responder.nullable(),
    to: Responder,
    by: PrincipalId,
    reason: z.string().nullable(),
    eventMessageId: z.string().nullable(),
    createdAt: Timestamp,
  })
  .meta({ id: "Handoff" });
/** See {@link Handoff}. */
export type Handoff = z.infer<typeof Handoff>;

/** `GET /api/conversations`: a page of conversations. */
export const ConversationPage = page(Conversation);
/** `GET /api/conversations/:id/participants`. */
export const ParticipantList = z.object({ items: z.array(Participant) });
/** `GET /api/conversations/:id/handoffs`. */
export const HandoffList = z.object({ items: z.array(Handoff) });
