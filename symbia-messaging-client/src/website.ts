import { createParser, type EventSourceMessage } from "eventsource-parser";
import { MessagingError, type Credentials } from "./rest.js";
import { WEBSITE_EVENTS, type WebsiteChatEvent } from "./schemas/website.js";

/** Options of {@link websiteChat}. */
export interface WebsiteChatOptions {
  /** Messaging's base URL. */
  baseUrl: string;
  message: string;
  /** A guest's session from an earlier `session` event (`X-Guest-Session`). */
  guestSession?: string;
  /** Signed-in callers: their credentials and one of their conversations. */
  credentials?: Credentials;
  conversationId?: string;
  signal?: AbortSignal;
}

/**
 * Sends a website chat message (`POST /api/messaging/send`) and yields the Server-Sent Events of
 * the answer as they arrive (WHATWG EventSource format, parsed with `eventsource-parser`):
 * `session`, `message`, `start`, `chunk`…, `paused`/`resumed`, then `done` or `error`.
 *
 * @throws MessagingError when the request is refused before streaming (401, 403, 429 with
 * `details.retryAfterSeconds`, 400).
 */
export async function* websiteChat(options: WebsiteChatOptions): AsyncGenerator<WebsiteChatEvent> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream" };
  if (options.guestSession) headers["x-guest-session"] = options.guestSession;
  const c = options.credentials;
  if (c) {
    if ("apiKey" in c) headers["x-api-key"] = c.apiKey;
    else headers.authorization = `Bearer ${typeof c.token === "function" ? await c.token() : c.token}`;
  }
  let res: Response;
  try {
    res = await fetch(`${options.baseUrl}/api/messaging/send`, {
      method: "POST",
      headers,
      body: JSON.stringify({ message: options.message, ...(options.conversationId ? { conversationId: options.conversationId } : {}) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw new MessagingError("unavailable", `messaging unreachable: ${(error as Error).message}`, 0);
  }
  if (!res.ok || !res.body) throw MessagingError.from(res.status, await res.json().catch(() => null));
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => queue.push(event) });
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) {
        const event = queue.shift()!;
        if (!(WEBSITE_EVENTS as readonly string[]).includes(event.event ?? "")) continue;
        yield { event: event.event, data: JSON.parse(event.data) } as WebsiteChatEvent;
      }
    }
  } finally {
    // Stops the download when the caller stops iterating early.
    await reader.cancel().catch(() => undefined);
  }
}
