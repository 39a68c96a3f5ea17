import { z } from "zod";
import { ConversationId, PrincipalRef, Timestamp } from "./common.js";

/** Presence statuses. `offline` is set by messaging when a principal's last socket in the org closes. */
export const PRESENCE_STATUSES = ["online", "away", "busy", "offline"] as const;
/** One of {@link PRESENCE_STATUSES}. */
export const PresenceStatus = z.enum(PRESENCE_STATUSES);
/** One of {@link PRESENCE_STATUSES}. */
export type PresenceStatus = z.infer<typeof PresenceStatus>;

/** Socket payload of `presence:set`. */
export const SetPresencePayload = z.object({ status: PresenceStatus.exclude(["offline"]) });

/** `presence:updated` and the entries of `presence:list` / `GET /api/presence`; visible only within the org. */
export const PresenceEntry = PrincipalRef.extend({ orgId: z.string(), status: PresenceStatus, at: Timestamp }).meta({ id: "PresenceEntry" });
/** See {@link PresenceEntry}. */
export type PresenceEntry = z.infer<typeof PresenceEntry>;
/** A list of presence entries. */
export const PresenceList = z.object({ items: z.array(PresenceEntry) });

/** Socket payload of `typing:start` / `typing:stop`. */
export const TypingPayload = z.object({ conversationId: ConversationId });
/** `typing:started` / `typing:stopped`: who types where; `typing:started` expires after `expiresInMs` unless renewed. */
export const TypingEvent = PrincipalRef.extend({ conversationId: ConversationId, expiresInMs: z.number().int().optional() });
/** See {@link TypingEvent}. */
export type TypingEvent = z.infer<typeof TypingEvent>;

/** `read:updated`: a participant's read marker moved. */
export const ReadEvent = z.object({ conversationId: ConversationId, principalId: z.string(), sequence: z.number().int() });
/** See {@link ReadEvent}. */
export type ReadEvent = z.infer<typeof ReadEvent>;
/** Socket payload of `message:read`. */
export const SocketReadPayload = z.object({ conversationId: ConversationId, sequence: z.number().int().min(0) });
