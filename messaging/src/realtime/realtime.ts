import { EventEmitter } from "node:events";
import type { Server as SocketServer } from "socket.io";

/** Socket.IO room names. Principal and org rooms are per org, so nothing crosses tenants. */
export const rooms = {
  conversation: (conversationId: string) => `conv:${conversationId}`,
  principal: (orgId: string, principalId: string) => `p:${orgId}:${principalId}`,
  org: (orgId: string) => `org:${orgId}`,
};

/** A conversation event as in-process listeners (the website endpoint) see it. */
export interface HubEvent {
  event: string;
  payload: unknown;
}

const HUB_CHANNEL = "messaging:hub";

/**
 * Broadcasting: Socket.IO rooms (across instances when the Redis adapter is on) plus an
 * in-process hub that server-side listeners such as the website endpoint subscribe to. Hub events
 * of conversations flagged `crossInstance` are also relayed to the other instances through
 * `serverSideEmit`, so a reply streamed through instance A reaches an SSE response held by B.
 */
export class Realtime {
  private io: SocketServer | undefined;
  private readonly hub = new EventEmitter();
  /** True once a cross-instance adapter (Redis) is installed: only then do server-side emits reach other instances. */
  multiInstance = false;

  constructor() {
    this.hub.setMaxListeners(0);
  }

  /** Binds the Socket.IO server (once `createServer` made it). */
  attach(io: SocketServer): void {
    this.io = io;
    io.on(HUB_CHANNEL, (conversationId: string, event: string, payload: unknown) => this.hub.emit(conversationId, { event, payload } satisfies HubEvent));
  }

  /** The Socket.IO server. @throws Error before {@link Realtime.attach}. */
  server(): SocketServer {
    if (!this.io) throw new Error("realtime: Socket.IO server not attached");
    return this.io;
  }

  /** Emits to every socket in a conversation's room (but `exceptPrincipal`'s) and to in-process hub listeners. */
  toConversation(conversationId: string, event: string, payload: unknown, options: { crossInstance?: boolean; exceptPrincipal?: { orgId: string; principalId: string } } = {}): void {
    const target = this.io?.to(rooms.conversation(conversationId));
    if (options.exceptPrincipal) target?.except(rooms.principal(options.exceptPrincipal.orgId, options.exceptPrincipal.principalId)).emit(event, payload);
    else target?.emit(event, payload);
    this.hub.emit(conversationId, { event, payload } satisfies HubEvent);
    if (options.crossInstance && this.multiInstance && this.io) this.io.serverSideEmit(HUB_CHANNEL, conversationId, event, payload);
  }

  /** Emits to every socket of one principal in one org. */
  toPrincipal(orgId: string, principalId: string, event: string, payload: unknown): void {
    this.io?.to(rooms.principal(orgId, principalId)).emit(event, payload);
  }

  /** Emits to every socket acting in an org. */
  toOrg(orgId: string, event: string, payload: unknown): void {
    this.io?.to(rooms.org(orgId)).emit(event, payload);
  }

  /** Makes a principal's sockets (in the conversation's org) join the conversation's room. */
  join(orgId: string, principalId: string, conversationId: string): void {
    this.io?.in(rooms.principal(orgId, principalId)).socketsJoin(rooms.conversation(conversationId));
  }

  /** Makes a principal's sockets leave the conversation's room. */
  leave(orgId: string, principalId: string, conversationId: string): void {
    this.io?.in(rooms.principal(orgId, principalId)).socketsLeave(rooms.conversation(conversationId));
  }

  /** Removes every socket from a conversation's room (conversation deleted). */
  closeRoom(conversationId: string): void {
    this.io?.in(rooms.conversation(conversationId)).socketsLeave(rooms.conversation(conversationId));
  }

  /** Subscribes to a conversation's events in this process; returns the unsubscribe function. */
  subscribe(conversationId: string, listener: (event: HubEvent) => void): () => void {
    this.hub.on(conversationId, listener);
    return () => this.hub.off(conversationId, listener);
  }
}
