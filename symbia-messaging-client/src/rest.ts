import type { z } from "zod";
import { ApiError, page, type Page } from "./schemas/common.js";
import {
  Conversation,
  HandoffList,
  Participant,
  ParticipantList,
  type CreateConversationBody,
  type ParticipantInput,
  type ParticipantRole,
  type UpdateConversationBody,
} from "./schemas/conversations.js";
import { ControlResult, StreamState, type ControlBody } from "./schemas/control.js";
import { Message, type EditMessageBody, type SendMessageBody } from "./schemas/messages.js";
import { PresenceList, ReadEvent } from "./schemas/presence.js";
import { ChunkResult, EndStreamResult, type StartStreamBody } from "./schemas/streams.js";

/**
 * An error answered by messaging (the shared envelope `{error: {code, message, details?}}`), or
 * `unavailable` when messaging could not be reached.
 */
export class MessagingError extends Error {
  constructor(
    /** The envelope's code (`not_found`, `validation_failed`, `rate_limited`, ...). */
    readonly code: string,
    message: string,
    /** HTTP status (0 for socket acks and network failures). */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "MessagingError";
  }

  /** The error of an envelope body (or a generic one for a body that is not an envelope). */
  static from(status: number, body: unknown): MessagingError {
    const parsed = ApiError.safeParse((body as { error?: unknown } | null)?.error);
    if (parsed.success) return new MessagingError(parsed.data.code, parsed.data.message, status, parsed.data.details);
    return new MessagingError(status >= 500 ? "bad_gateway" : "bad_request", `messaging answered ${status}`, status);
  }
}

/** How a client authenticates: an identity access token (or a function renewing it), or an API key (`sk_…`). */
export type Credentials = { token: string | (() => Promise<string>) } | { apiKey: string };

/** Options of {@link MessagingClient}. */
export interface MessagingClientOptions {
  /** Messaging's base URL (`http://127.0.0.1:5005`). */
  baseUrl: string;
  credentials: Credentials;
  /** The org to act in (`X-Org-Id`); default the principal's first. */
  orgId?: string;
  /** Per-request timeout in ms (default 15 000). */
  timeoutMs?: number;
}

const ConversationPage = page(Conversation);
const MessagePage = page(Message);
const enc = encodeURIComponent;

/**
 * Typed REST client of messaging. Every answer is validated with messaging's wire schemas; errors
 * throw {@link MessagingError} with the envelope's code and the HTTP status.
 *
 * @example
 * const client = new MessagingClient({ baseUrl, credentials: { token } });
 * const conversation = await client.createConversation({ type: "group", participants: [{ principalId: "assistant:support" }] });
 * const { message } = await client.sendMessage(conversation.id, { content: "hello", clientId: crypto.randomUUID() });
 */
export class MessagingClient {
  constructor(private readonly options: MessagingClientOptions) {}

  /** Auth headers of the configured credentials. */
  async authHeaders(): Promise<Record<string, string>> {
    const c = this.options.credentials;
    if ("apiKey" in c) return { "x-api-key": c.apiKey };
    const token = typeof c.token === "function" ? await c.token() : c.token;
    return { authorization: `Bearer ${token}` };
  }

  /** Sends one request; resolves with the status and the parsed JSON body. @throws MessagingError for 4xx/5xx and network failures. */
  private async exchange(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { accept: "application/json", ...(await this.authHeaders()) };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.options.orgId) headers["x-org-id"] = this.options.orgId;
    let res: Response;
    try {
      res = await fetch(`${this.options.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000) });
    } catch (error) {
      throw new MessagingError("unavailable", `messaging unreachable: ${(error as Error).message}`, 0);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) throw MessagingError.from(res.status, json);
    return { status: res.status, json };
  }

  /** Sends one request and validates the JSON answer with `schema` (none: no body expected). */
  async request<S extends z.ZodType | undefined>(method: string, path: string, schema: S, body?: unknown): Promise<S extends z.ZodType ? z.output<S> : undefined> {
    const { json } = await this.exchange(method, path, body);
    return (schema ? schema.parse(json) : undefined) as never;
  }

  /** `POST /api/conversations`: the caller becomes owner. */
  createConversation(body: CreateConversationBody): Promise<Conversation> {
    return this.request("POST", "/api/conversations", Conversation, body);
  }
  /** `GET /api/conversations`: the caller's, most recently active first. */
  listConversations(query: { limit?: number; cursor?: string } = {}): Promise<Page<Conversation>> {
    return this.request("GET", `/api/conversations${qs(query)}`, ConversationPage);
  }
  /** `GET /api/conversations/:id` (404 for another org's, 403 when not a participant). */
  getConversation(id: string): Promise<Conversation> {
    return this.request("GET", `/api/conversations/${enc(id)}`, Conversation);
  }
  /** `PATCH /api/conversations/:id` (owners, admins). */
  updateConversation(id: string, body: UpdateConversationBody): Promise<Conversation> {
    return this.request("PATCH", `/api/conversations/${enc(id)}`, Conversation, body);
  }
  /** `DELETE /api/conversations/:id` with its messages (owners). */
  deleteConversation(id: string): Promise<undefined> {
    return this.request("DELETE", `/api/conversations/${enc(id)}`, undefined);
  }
  /** `GET …/participants`: roles and read markers. */
  listParticipants(id: string): Promise<Participant[]> {
    return this.request("GET", `/api/conversations/${enc(id)}/participants`, ParticipantList).then((r) => r.items);
  }
  /** `POST …/participants`: a user or agent of the org, by principal id or entity id (owners, admins). */
  addParticipant(id: string, participant: ParticipantInput): Promise<Participant> {
    return this.request("POST", `/api/conversations/${enc(id)}/participants`, Participant, participant);
  }
  /** `PATCH …/participants/:principalId` (owners). */
  setParticipantRole(id: string, principalId: string, role: ParticipantRole): Promise<Participant> {
    return this.request("PATCH", `/api/conversations/${enc(id)}/participants/${enc(principalId)}`, Participant, { role });
  }
  /** `DELETE …/participants/:principalId` (owners; admins remove members; anyone removes themself). */
  removeParticipant(id: string, principalId: string): Promise<undefined> {
    return this.request("DELETE", `/api/conversations/${enc(id)}/participants/${enc(principalId)}`, undefined);
  }
  /** `POST …/join`: an open group of the caller's org. */
  join(id: string): Promise<Participant> {
    return this.request("POST", `/api/conversations/${enc(id)}/join`, Participant);
  }
  /** `POST …/leave`. */
  leave(id: string): Promise<undefined> {
    return this.request("POST", `/api/conversations/${enc(id)}/leave`, undefined);
  }
  /** `PUT …/read`: moves the caller's read marker forward. */
  markRead(id: string, sequence: number): Promise<ReadEvent> {
    return this.request("PUT", `/api/conversations/${enc(id)}/read`, ReadEvent, { sequence });
  }
  /** `GET …/handoffs`: the responder changes, oldest first. */
  listHandoffs(id: string) {
    return this.request("GET", `/api/conversations/${enc(id)}/handoffs`, HandoffList).then((r) => r.items);
  }

  /**
   * `POST …/messages`. Give `clientId` to make retries safe: the same id returns the first message
   * (`replayed: true`).
   */
  async sendMessage(conversationId: string, body: SendMessageBody): Promise<{ message: Message; replayed: boolean }> {
    const { status, json } = await this.exchange("POST", `/api/conversations/${enc(conversationId)}/messages`, body);
    return { message: Message.parse(json), replayed: status === 200 };
  }
  /** `GET …/messages`: by sequence (`after`, `before`, `limit`), oldest first. */
  listMessages(conversationId: string, query: { after?: number; before?: number; limit?: number } = {}): Promise<Page<Message>> {
    return this.request("GET", `/api/conversations/${enc(conversationId)}/messages${qs(query)}`, MessagePage);
  }
  /** `GET …/messages/:messageId`. */
  getMessage(conversationId: string, messageId: string): Promise<Message> {
    return this.request("GET", `/api/conversations/${enc(conversationId)}/messages/${enc(messageId)}`, Message);
  }
  /** `PATCH …/messages/:messageId` (the sender). */
  editMessage(conversationId: string, messageId: string, body: EditMessageBody): Promise<Message> {
    return this.request("PATCH", `/api/conversations/${enc(conversationId)}/messages/${enc(messageId)}`, Message, body);
  }
  /** `DELETE …/messages/:messageId`: soft delete (sender, owners, admins). */
  deleteMessage(conversationId: string, messageId: string): Promise<undefined> {
    return this.request("DELETE", `/api/conversations/${enc(conversationId)}/messages/${enc(messageId)}`, undefined);
  }
  /** `POST …/control`: pause, resume, cancel, preempt, route, handoff, priority. */
  control(conversationId: string, body: ControlBody): Promise<ControlResult> {
    return this.request("POST", `/api/conversations/${enc(conversationId)}/control`, ControlResult, body);
  }
  /** Active streamed replies, with the text delivered so far. */
  listStreams(conversationId: string): Promise<StreamState[]> {
    return this.request("GET", `/api/conversations/${enc(conversationId)}/streams`, page(StreamState).pick({ items: true })).then((r) => r.items);
  }
  /** `POST …/streams`: starts a streamed reply (agents without a socket). */
  startStream(conversationId: string, body: StartStreamBody = {}): Promise<StreamState> {
    return this.request("POST", `/api/conversations/${enc(conversationId)}/streams`, StreamState, body);
  }
  /** `POST …/streams/:messageId/chunks`: chunk `index` (from 0) of the caller's stream. */
  sendChunk(conversationId: string, messageId: string, index: number, delta: string): Promise<ChunkResult> {
    return this.request("POST", `/api/conversations/${enc(conversationId)}/streams/${enc(messageId)}/chunks`, ChunkResult, { index, delta });
  }
  /** `POST …/streams/:messageId/end`: stores the reply once (`pending` while paused). */
  endStream(conversationId: string, messageId: string, metadata?: Record<string, unknown>): Promise<EndStreamResult> {
    return this.request("POST", `/api/conversations/${enc(conversationId)}/streams/${enc(messageId)}/end`, EndStreamResult, metadata ? { metadata } : {});
  }
  /** `GET /api/presence`: connected principals of the org. */
  presence() {
    return this.request("GET", "/api/presence", PresenceList).then((r) => r.items);
  }
}

function qs(query: Record<string, string | number | undefined>): string {
  const entries = Object.entries(query).filter(([, v]) => v !== undefined) as [string, string | number][];
  return entries.length ? `?${entries.map(([k, v]) => `${enc(k)}=${enc(String(v))}`).join("&")}` : "";
}
