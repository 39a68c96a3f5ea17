/**
 * Local servers speaking the wire formats of the paid providers (OpenAI, Anthropic, Hugging Face),
 * which cannot be reached from here: the gateway's adapters are tested through the real SDKs against
 * them. Each answers from a {@link Script} (text, tool calls, usage, errors, delays, long streams)
 * and records what it received and when a client disconnected before the answer ended.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the next request is answered. */
export interface Script {
  /** The reply, streamed one word (with its space) per delta. */
  text?: string;
  /** Stream this many deltas (the words of `text` repeated): long streams for cancellation tests. */
  deltas?: number;
  /** Delay between two stream events, ms. */
  delayMs?: number;
  /** Delay before the answer (or the stream's headers), ms. */
  firstByteDelayMs?: number;
  toolCalls?: { id: string; name: string; arguments: string }[];
  /** The provider's finish/stop reason (default: stop, or tool calls when there are tool calls). */
  finishReason?: string;
  /** Usage to report; null reports none (default: prompt = words of the request, completion = deltas). */
  usage?: { prompt: number; completion: number } | null;
  /** Answer with this HTTP error status. */
  status?: number;
  errorMessage?: string;
  /** The provider's error type (`rate_limit_error`, `server_error`…). */
  errorType?: string;
  headers?: Record<string, string>;
  /** Never answer. */
  hang?: boolean;
  /** Go silent for `pauseMs` after this many stream deltas (idle-timeout tests). */
  pauseAfterDeltas?: number;
  pauseMs?: number;
  /** Cut the connection after this many stream deltas. */
  failAfterDeltas?: number;
  /** Put the request's Authorization / x-api-key value into the error message (as careless providers do). */
  echoCredential?: boolean;
}

/** A request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: any;
  at: number;
}

/** Everything a wire format handler gets. */
export interface WireContext {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  body: any;
  script: Script;
  /** Sequence number of the request (for ids). */
  n: number;
  /** Words of the reply for `deltas` pieces. */
  pieces(): string[];
  /** Writes `payloads` as SSE with the script's delay; stops early (and cuts the socket) for failAfterDeltas. */
  stream(events: { event?: string; data: unknown; delta?: boolean }[]): Promise<void>;
  /** Prompt tokens of the request: its words. */
  promptWords(): number;
  /** The credential the client sent. */
  credential(): string;
}

/** A wire-format handler: answers one request, or returns false when it has no such route. */
export type WireHandler = (ctx: WireContext) => Promise<boolean> | boolean;

/** A running wire server. */
export interface WireServer {
  url: string;
  requests: RecordedRequest[];
  /** Clients that went away before their response ended: path and time (ms since epoch). */
  disconnects: { path: string; at: number }[];
  /** Scripts for the next requests, in order; then `fallback`. */
  plan(...scripts: Script[]): void;
  /** The script used when no planned one is left. */
  fallback: Script;
  /** Requests received on a path prefix. */
  count(pathPrefix?: string): number;
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a wire server on a free loopback port with `handler`. */
export async function startWireServer(handler: WireHandler, fallback: Script = {}): Promise<WireServer> {
  const planned: Script[] = [];
  const requests: RecordedRequest[] = [];
  const disconnects: { path: string; at: number }[] = [];
  let n = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    let body: any = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const path = (req.url ?? "/").split("?")[0]!;
    requests.push({ method: req.method ?? "GET", path, headers: req.headers, body, at: Date.now() });
    res.once("close", () => {
      if (!res.writableEnded) disconnects.push({ path, at: Date.now() });
    });
    const script = planned.shift() ?? wire.fallback;
    const credential = () => String(req.headers["x-api-key"] ?? req.headers.authorization?.replace(/^Bearer\s+/i, "") ?? "");
    const ctx: WireContext = {
      req,
      res,
      path,
      body,
      script,
      n: ++n,
      pieces() {
        const words = (script.text ?? "Hello from the wire server.").split(/(?<= )/);
        const count = script.deltas ?? words.length;
        return Array.from({ length: count }, (_, i) => words[i % words.length]!);
      },
      async stream(events) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...script.headers });
        let sent = 0;
        for (const e of events) {
          if (res.destroyed || res.writableEnded) return;
          if (e.delta && script.failAfterDeltas !== undefined && sent >= script.failAfterDeltas) {
            res.destroy();
            return;
          }
          res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`);
          if (e.delta) sent++;
          if (script.delayMs) await sleep(script.delayMs);
          if (e.delta && sent === script.pauseAfterDeltas) await sleep(script.pauseMs ?? 0);
        }
        res.end();
      },
      promptWords: () => JSON.stringify(body ?? "").split(/\s+/).length,
      credential,
    };
    try {
      if (script.firstByteDelayMs) await sleep(script.firstByteDelayMs);
      if (script.hang) return; // the client's timeout (or disconnect) ends it
      if (!(await handler(ctx))) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `no route ${path}` } }));
      }
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const wire: WireServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    disconnects,
    plan: (...scripts) => planned.push(...scripts),
    fallback,
    count: (prefix = "/") => requests.filter((r) => r.path.startsWith(prefix)).length,
    reset() {
      planned.length = 0;
      requests.length = 0;
      disconnects.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return wire;
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
  return true;
}

/** The script's error message, with the client's credential in it when `echoCredential` is set. */
export function errorMessage(ctx: WireContext, fallback: string): string {
  const base = ctx.script.errorMessage ?? fallback;
  return ctx.script.echoCredential ? `${base} (key: ${ctx.credential()})` : base;
}
