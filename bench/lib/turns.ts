// Conversation turns with the platform's assistant on a running stack: a person's message sent over
// messaging's socket → the assistant's first streamed chunk (and its whole reply), against the
// models service's own first streamed chunk for a direct chat completion.
import { MessagingSocket } from "@symbia/messaging-client";
import { applySeed, generateSeed } from "@symbia/seed";
import { summarize } from "./report.js";
import type { LaunchedStack } from "./stack.js";

/** A logged-in user of a launched stack. */
export interface StackSession {
  token: string;
  orgId: string;
}

/** Logs in with email and password (POST /api/auth/login). */
export async function login(stack: Pick<LaunchedStack, "urls">, email: string, password: string): Promise<StackSession> {
  const res = await fetch(`${stack.urls.identity}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; principal: { orgs: { orgId: string }[] } };
  return { token: body.accessToken, orgId: body.principal.orgs[0]!.orgId };
}

/** JSON call with the session's token and org. */
export async function call(session: StackSession, url: string, init: { method?: string; json?: unknown } = {}): Promise<any> {
  const res = await fetch(url, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${session.token}`, "x-org-id": session.orgId, "content-type": "application/json" },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Applies seed 7 (an org, its owner, the bootstrap assistants as agents of the org, contracts from
 * messaging to them) through the services, as the admin; returns the seed owner's session.
 */
export async function seedAssistants(stack: Pick<LaunchedStack, "urls">, admin: StackSession): Promise<StackSession> {
  const plan = generateSeed(7, { users: 1 });
  await applySeed(plan, { identityUrl: stack.urls.identity, messagingUrl: stack.urls.messaging, networkUrl: stack.urls.network, catalogUrl: stack.urls.catalog, token: admin.token });
  const owner = plan.users.find((u) => u.role === "owner")!;
  const session = await login(stack, owner.email, owner.password);
  const orgs = (await call(session, `${stack.urls.identity}/api/orgs`)) as { items: { id: string; slug: string }[] };
  const org = orgs.items.find((o) => o.slug === plan.org.slug);
  if (!org) throw new Error(`the seed org ${plan.org.slug} is not among the owner's`);
  return { token: session.token, orgId: org.id };
}

/**
 * The session to talk to an assistant in: the admin's own org when it has agents (`npm start`
 * installs the platform's assistants there), else seed 7's org ({@link seedAssistants}).
 */
export async function assistantOrg(stack: Pick<LaunchedStack, "urls">, admin: StackSession): Promise<StackSession> {
  const agents = (await call(admin, `${stack.urls.identity}/api/agents`)) as { items: { revokedAt: string | null }[] };
  return agents.items.some((a) => !a.revokedAt) ? admin : seedAssistants(stack, admin);
}

/** What {@link measureTurns} measured, ms. */
export interface TurnsResult {
  agentId: string;
  firstChunk: ReturnType<typeof summarize>;
  wholeReply: ReturnType<typeof summarize>;
  modelsFirstChunk: ReturnType<typeof summarize>;
  model: string;
}

/** ms from a streamed chat completion's request to its first SSE data line, straight to the models service. */
async function modelsFirstChunk(stack: Pick<LaunchedStack, "urls">, session: StackSession, model: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${stack.urls.models}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.token}`, "x-org-id": session.orgId, "content-type": "application/json" },
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "Hello, who are you?" }] }),
  });
  if (res.status !== 200 || !res.body) throw new Error(`models stream: ${res.status} ${await res.text()}`);
  const reader = res.body.getReader();
  let first = 0;
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
    if (!first && /data: \{/.test(text)) first = performance.now() - t0;
  }
  if (!first) throw new Error("models stream had no chunk");
  return first;
}

/**
 * `turns` sequential turns (after one warm-up turn) in one conversation with the org's assistant
 * (the default assistant's agent, else the first agent), each waiting for the whole reply (at
 * most `replyTimeoutMs`) before the next; alternating with as many direct streamed completions
 * at the models service.
 */
export async function measureTurns(stack: Pick<LaunchedStack, "urls">, session: StackSession, turns: number, replyTimeoutMs = 30_000): Promise<TurnsResult> {
  const agents = (await call(session, `${stack.urls.identity}/api/agents`)) as { items: { agentId: string; revokedAt: string | null }[] };
  const agent = agents.items.find((a) => !a.revokedAt && /:default$|helper/.test(a.agentId)) ?? agents.items.find((a) => !a.revokedAt);
  if (!agent) throw new Error("the org has no assistant agent");
  const models = (await call(session, `${stack.urls.models}/v1/models`)) as { data: { id: string }[] };
  const model = models.data[0]?.id;
  if (!model) throw new Error("the models service lists no model");
  const conversation = (await call(session, `${stack.urls.messaging}/api/conversations`, { json: { type: "group", name: "bench turns", participants: [{ principalId: agent.agentId }] } })) as { id: string };

  const socket = new MessagingSocket({ url: stack.urls.messaging, credentials: { token: async () => session.token }, orgId: session.orgId });
  await socket.ready();
  socket.track(conversation.id, 0);
  let firstChunkAt = 0;
  const replies = new Map<string, number>();
  let waiting: { replyTo: string; resolve: () => void } | undefined;
  socket.on("chunk", () => {
    if (!firstChunkAt) firstChunkAt = performance.now();
  });
  socket.on("message", (m) => {
    if (m.sender.principalType !== "agent" || !m.replyTo) return;
    replies.set(m.replyTo, performance.now());
    if (waiting?.replyTo === m.replyTo) waiting.resolve();
  });
  const first: number[] = [];
  const whole: number[] = [];
  const direct: number[] = [];
  try {
    for (let i = 0; i <= turns; i++) {
      firstChunkAt = 0;
      const t0 = performance.now();
      const sent = await socket.send(conversation.id, { content: `Hello, who are you? (${i})`, clientId: crypto.randomUUID() });
      if (!replies.has(sent.id)) {
        await new Promise<void>((resolve, reject) => {
          waiting = { replyTo: sent.id, resolve };
          setTimeout(() => reject(new Error(`no reply from ${agent.agentId} within ${replyTimeoutMs / 1000} s`)), replyTimeoutMs).unref();
        });
      }
      const t1 = replies.get(sent.id)!;
      const d = await modelsFirstChunk(stack, session, model);
      if (i === 0) continue; // warm-up turn
      if (!firstChunkAt) throw new Error("the reply was not streamed");
      first.push(firstChunkAt - t0);
      whole.push(t1 - t0);
      direct.push(d);
    }
  } finally {
    socket.close();
  }
  return { agentId: agent.agentId, model, firstChunk: summarize(first), wholeReply: summarize(whole), modelsFirstChunk: summarize(direct) };
}
