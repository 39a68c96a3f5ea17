import type { z } from "zod";
import type { Ack, Page } from "./common.js";
import type { Conversation, Participant } from "./conversations.js";
import type { ControlNotice, ControlResult, SocketControlPayload, StreamState } from "./control.js";
import type { Message, MessageDeleted, SocketEditPayload, SocketMessageRef, SocketSendPayload, SyncPayload, SyncResult } from "./messages.js";
import type { PresenceEntry, ReadEvent, SetPresencePayload, TypingEvent, TypingPayload, SocketReadPayload } from "./presence.js";
import type { ChunkResult, EndStreamResult, SocketEndStreamPayload, SocketStartStreamPayload, SocketStreamChunkPayload, StreamChunkEvent, StreamEndedEvent } from "./streams.js";

/** Events messaging's Socket.IO server emits to clients (`noun:past` / `noun:new`). */
export interface ServerToClientEvents {
  /** A stored message (sent, finished stream, or control event) in one of the caller's conversations. */
  "message:new": (message: Message) => void;
  /** A message was edited, or its priority changed. */
  "message:updated": (message: Message) => void;
  /** A message was soft-deleted. */
  "message:deleted": (event: MessageDeleted) => void;
  /** One chunk of a streamed reply, in index order. */
  "message:stream": (event: StreamChunkEvent) => void;
  "stream:started": (state: StreamState) => void;
  /** Paused or resumed. */
  "stream:updated": (state: StreamState) => void;
  "stream:ended": (event: StreamEndedEvent) => void;
  /** A control event addressed to this assistant: it runs the reply (or is handed the conversation). */
  "control:received": (notice: ControlNotice) => void;
  "typing:started": (event: TypingEvent) => void;
  "typing:stopped": (event: TypingEvent) => void;
  /** Presence of a principal of the socket's org. */
  "presence:updated": (entry: PresenceEntry) => void;
  "read:updated": (event: ReadEvent) => void;
  /** A conversation the principal takes part in was created. */
  "conversation:new": (conversation: Conversation) => void;
  /** Renamed, re-described, handed off or routed. */
  "conversation:updated": (conversation: Conversation) => void;
  "conversation:deleted": (event: { conversationId: string }) => void;
  "participant:updated": (participant: Participant) => void;
  "participant:added": (participant: Participant) => void;
  "participant:removed": (event: { conversationId: string; principalId: string }) => void;
}

type In<S extends z.ZodType> = z.input<S>;
type WithAck<P, R> = (payload: P, ack: (result: Ack<R>) => void) => void;

/** Events clients emit (`noun:verb`); each takes an ack `{ok: true, data}` or `{ok: false, error}`. */
export interface ClientToServerEvents {
  "message:send": WithAck<In<typeof SocketSendPayload>, Message>;
  "message:edit": WithAck<In<typeof SocketEditPayload>, Message>;
  "message:delete": WithAck<In<typeof SocketMessageRef>, MessageDeleted>;
  "message:read": WithAck<In<typeof SocketReadPayload>, ReadEvent>;
  "conversation:sync": WithAck<In<typeof SyncPayload>, SyncResult>;
  "conversation:list": WithAck<{ limit?: number; cursor?: string }, Page<Conversation>>;
  "control:send": WithAck<In<typeof SocketControlPayload>, ControlResult>;
  "stream:start": WithAck<In<typeof SocketStartStreamPayload>, StreamState>;
  "stream:chunk": WithAck<In<typeof SocketStreamChunkPayload>, ChunkResult>;
  "stream:end": WithAck<In<typeof SocketEndStreamPayload>, EndStreamResult>;
  "typing:start": WithAck<In<typeof TypingPayload>, null>;
  "typing:stop": WithAck<In<typeof TypingPayload>, null>;
  "presence:set": WithAck<In<typeof SetPresencePayload>, PresenceEntry>;
  "presence:list": WithAck<Record<string, never>, { items: PresenceEntry[] }>;
}

/** Names of the client events. */
export const CLIENT_EVENTS = [
  "message:send",
  "message:edit",
  "message:delete",
  "message:read",
  "conversation:sync",
  "conversation:list",
  "control:send",
  "stream:start",
  "stream:chunk",
  "stream:end",
  "typing:start",
  "typing:stop",
  "presence:set",
  "presence:list",
] as const satisfies readonly (keyof ClientToServerEvents)[];
