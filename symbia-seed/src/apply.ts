import { CatalogClient } from "@symbia/catalog-client";
import { IdentityClient, Member, Organization, page, TokenResponse, Agent, AgentWithSecret } from "@symbia/id";
import { MessagingClient, type Conversation } from "@symbia/messaging-client";
import { AppError, isAppError } from "@symbia/sys";
import { z } from "zod";
import type { SeedData } from "./generate.js";
import { findPublicAssistant } from "./install.js";

/** Where the services are, and the operator's credential. */
export interface ApplySeedOptions {
  identityUrl: string;
  messagingUrl: string;
  networkUrl: string;
  catalogUrl: string;
  /**
   * The operator's bearer token (access token or API key): checked with identity before anything
   * is written, so only an authenticated principal seeds. Everything inside the demo org is done
   * as the plan's owner, who creates the org and so owns it.
   */
  token: string;
  /** Org whose public assistants are installed (catalog's CATALOG_PLATFORM_ORG_ID; default `platform`). */
  sourceOrgId?: string;
  /** Per-request timeout in ms (default 15 000). */
  timeoutMs?: number;
}

/** What one object of the plan became: `created` now, or found (`exists`); `missing` for a catalog resource the seed cannot create. */
export type SeedStatus = "created" | "exists" | "missing";

/** One object of the plan and its id in the service that holds it. */
export interface SeedReportEntry {
  kind: "user" | "org" | "member" | "assistant" | "agent" | "conversation" | "participant" | "message" | "contract";
  /** The natural key the seed names it by (email, slug, agent id, seedKey, client id, catalog key). */
  key: string;
  /** The id the service gave it (null for a missing catalog resource). */
  id: string | null;
  status: SeedStatus;
}

/** What {@link applySeed} did, in plan order. */
export interface SeedReport {
  seed: number;
  orgId: string;
  entries: SeedReportEntry[];
  /** How many entries were created now. */
  created: number;
}

const TokenOnly = TokenResponse;
const OrgPage = page(Organization);
const MemberPage = page(Member);
const ContractRow = z.object({ id: z.string(), from: z.string(), to: z.string(), description: z.string().nullable() });
const ContractPage = z.object({ items: z.array(ContractRow), nextCursor: z.string().nullable() });

const staticToken = (token: string) => ({ getToken: async () => token });

/**
 * Writes the demo data of a seed plan ({@link generateSeed}) into a running stack through the
 * services' public HTTP APIs, idempotently. Objects whose ids the services assign are found again
 * by their natural keys — user email, org slug, agent id, the conversation's `metadata.seedKey`,
 * message client ids, and `[seed:<key>]` in a contract's description — so a second run with the
 * same plan creates nothing and reports every entry as `exists` with the same ids.
 *
 * Order: users (registered with their seeded passwords) → the org (created by the owner) →
 * members with their roles → an agent `assistant:<org slug>:<name>` for each bootstrap assistant
 * (the assistants service runs the platform's `assistants/<name>` for it; the report checks the
 * platform resource exists) →
 * the conversation, its participants and opening messages (each sent by its author) → network
 * contracts from messaging to each agent.
 *
 * @throws AppError `conflict` when a natural key is taken by something the seed does not own (the
 *   org slug by another owner, a user whose password differs, an agent id in another org);
 *   `failed_precondition`-like `conflict` when identity still has no super admin (the first user
 *   registered would become one); any service's error code otherwise (`unavailable` when down).
 */
export async function applySeed(plan: SeedData, options: ApplySeedOptions): Promise<SeedReport> {
  checkPlan(plan);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const entries: SeedReportEntry[] = [];
  const anonymous = new IdentityClient(options.identityUrl, undefined, timeoutMs);
  await new IdentityClient(options.identityUrl, staticToken(options.token), timeoutMs).request("GET", "/api/auth/me", z.object({ id: z.string() }).loose());
  const setup = await anonymous.request("GET", "/api/auth/setup", z.object({ needsAdmin: z.boolean() }), undefined, false);
  if (setup.needsAdmin) throw new AppError("conflict", "identity has no super admin yet: create it first (the first user registered becomes super admin)");

  // Users: register, or log in with the seeded password when the email is taken.
  const users = new Map<string, { id: string; token: string }>();
  for (const user of plan.users) {
    try {
      const res = await anonymous.request("POST", "/api/auth/register", TokenOnly, { email: user.email, password: user.password, name: user.name }, false);
      users.set(user.email, { id: res.principal.id, token: res.accessToken });
      entries.push({ kind: "user", key: user.email, id: res.principal.id, status: "created" });
    } catch (error) {
      if (!isAppError(error) || error.code !== "conflict") throw error;
      const res = await login(anonymous, user.email, user.password);
      users.set(user.email, { id: res.principal.id, token: res.accessToken });
      entries.push({ kind: "user", key: user.email, id: res.principal.id, status: "exists" });
    }
  }
  const ownerPlan = plan.users.find((u) => u.role === "owner")!;
  let owner = users.get(ownerPlan.email)!;

  // The org, by slug among the owner's orgs.
  const asOwner = () => new IdentityClient(options.identityUrl, staticToken(owner.token), timeoutMs);
  const mine = await asOwner().request("GET", "/api/orgs", OrgPage);
  let org = mine.items.find((o) => o.slug === plan.org.slug);
  if (org) entries.push({ kind: "org", key: plan.org.slug, id: org.id, status: "exists" });
  else {
    org = await asOwner().request("POST", "/api/orgs", Organization, { name: plan.org.name, slug: plan.org.slug });
    entries.push({ kind: "org", key: plan.org.slug, id: org.id, status: "created" });
  }
  const orgId = org.id;
  const orgCreated = entries.at(-1)!.status === "created";

  // Members with their roles (the owner is one already, as the org's creator).
  const members = await asOwner().request("GET", `/api/orgs/${orgId}/members`, MemberPage);
  let membershipChanged = false;
  for (const user of plan.users) {
    const found = members.items.find((m) => m.email.toLowerCase() === user.email.toLowerCase());
    if (found) {
      // The owner's membership comes with the org: new when the org is.
      entries.push({ kind: "member", key: user.email, id: found.userId, status: orgCreated ? "created" : "exists" });
      continue;
    }
    const added = await asOwner().request("POST", `/api/orgs/${orgId}/members`, Member, { email: user.email, role: user.role });
    entries.push({ kind: "member", key: user.email, id: added.userId, status: "created" });
    membershipChanged = true;
  }
  // Access tokens list the orgs they were issued for: log in again after membership changed.
  if (membershipChanged || orgCreated) {
    for (const user of plan.users) {
      const res = await login(anonymous, user.email, user.password);
      users.set(user.email, { id: res.principal.id, token: res.accessToken });
    }
    owner = users.get(ownerPlan.email)!;
  }

  // An agent principal for each bootstrap assistant, then the assistant itself installed into the
  // org (its public catalog resource copied under the same key, speaking as that agent), so the
  // assistants service loads it for the org.
  const orgCatalog = new CatalogClient({ baseUrl: options.catalogUrl, token: owner.token, orgId });
  for (const agent of plan.agents) {
    const existing = await asOwner()
      .request("GET", `/api/agents/${encodeURIComponent(agent.agentId)}`, Agent, undefined, true, orgId)
      .catch((error: unknown) => {
        if (isAppError(error) && error.code === "not_found") return null;
        throw error;
      });
    if (existing) entries.push({ kind: "agent", key: agent.agentId, id: existing.entityId, status: "exists" });
    else {
      const created = await asOwner().request("POST", "/api/agents", AgentWithSecret, { agentId: agent.agentId, name: agent.name, capabilities: agent.capabilities }, true, orgId);
      entries.push({ kind: "agent", key: agent.agentId, id: created.agent.entityId, status: "created" });
    }
    // The platform assistant the agent runs (the assistants service runs it for assistant:<org>:<name>).
    try {
      const source = await findPublicAssistant(orgCatalog, agent.catalogRef, options.sourceOrgId ?? "platform");
      entries.push({ kind: "assistant", key: agent.catalogRef, id: source.id, status: "exists" });
    } catch (error) {
      // A catalog without the platform's bootstrap resources: the agent is there, the assistant is not.
      if (!isAppError(error) || error.code !== "not_found") throw error;
      entries.push({ kind: "assistant", key: agent.catalogRef, id: null, status: "missing" });
    }
  }

  // The conversation, found by metadata.seedKey among the owner's.
  const messagingAs = (token: string) => new MessagingClient({ baseUrl: options.messagingUrl, credentials: { token }, orgId, timeoutMs });
  const ownerMessaging = messagingAs(owner.token);
  const principalOf = (member: string) => users.get(member)?.id ?? member;
  let conversation = await findConversation(ownerMessaging, plan.conversation.seedKey);
  const others = plan.conversation.members.map(principalOf).filter((id) => id !== owner.id);
  if (conversation) entries.push({ kind: "conversation", key: plan.conversation.seedKey, id: conversation.id, status: "exists" });
  else {
    conversation = await ownerMessaging.createConversation({
      type: "group",
      name: plan.conversation.name,
      description: plan.conversation.description,
      metadata: { seedKey: plan.conversation.seedKey, seed: plan.seed },
      participants: others.map((principalId) => ({ principalId })),
    });
    entries.push({ kind: "conversation", key: plan.conversation.seedKey, id: conversation.id, status: "created" });
  }
  const participants = new Set((await ownerMessaging.listParticipants(conversation.id)).map((p) => p.principalId));
  const createdNow = entries.at(-1)!.status === "created";
  for (const member of plan.conversation.members) {
    const principalId = principalOf(member);
    if (participants.has(principalId)) {
      entries.push({ kind: "participant", key: member, id: principalId, status: createdNow ? "created" : "exists" });
      continue;
    }
    await ownerMessaging.addParticipant(conversation.id, { principalId });
    entries.push({ kind: "participant", key: member, id: principalId, status: "created" });
  }
  for (const message of plan.conversation.messages) {
    const author = users.get(message.from)!;
    const sent = await messagingAs(author.token).sendMessage(conversation.id, { content: message.content, clientId: message.clientId });
    entries.push({ kind: "message", key: message.clientId, id: sent.message.id, status: sent.replayed ? "exists" : "created" });
  }

  // Network contracts of the org, found by `[seed:<key>]` in their description.
  const contracts = await listContracts(options.networkUrl, owner.token, orgId, timeoutMs);
  for (const contract of plan.contracts) {
    const tag = `[seed:${contract.seedKey}]`;
    const found = contracts.find((c) => c.description?.startsWith(tag));
    if (found) {
      entries.push({ kind: "contract", key: contract.seedKey, id: found.id, status: "exists" });
      continue;
    }
    const body = { from: contract.from, to: contract.to, allowedEventTypes: contract.allowedEventTypes, boundaries: contract.boundaries, description: `${tag} ${contract.name}` };
    const created = ContractRow.parse(await networkCall(options.networkUrl, "POST", "/api/contracts", owner.token, orgId, timeoutMs, body));
    entries.push({ kind: "contract", key: contract.seedKey, id: created.id, status: "created" });
  }

  return { seed: plan.seed, orgId, entries, created: entries.filter((e) => e.status === "created").length };
}

/** A plan's internal references hold: one owner; authors are users; members are users or agents. @throws AppError validation_failed naming the path. */
function checkPlan(plan: SeedData): void {
  const emails = new Set(plan.users.map((u) => u.email));
  const agents = new Set(plan.agents.map((a) => a.agentId));
  const fail = (path: string, message: string) => {
    throw new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });
  };
  if (plan.users.filter((u) => u.role === "owner").length !== 1) fail("users", "the plan needs exactly one owner");
  plan.conversation.messages.forEach((m, i) => emails.has(m.from) || fail(`conversation.messages.${i}.from`, `${m.from} is not a user of the plan`));
  plan.conversation.members.forEach((m, i) => emails.has(m) || agents.has(m) || fail(`conversation.members.${i}`, `${m} is neither a user nor an agent of the plan`));
}

async function login(identity: IdentityClient, email: string, password: string): Promise<TokenResponse> {
  try {
    return await identity.request("POST", "/api/auth/login", TokenOnly, { email, password }, false);
  } catch (error) {
    if (isAppError(error) && error.code === "unauthenticated") throw new AppError("conflict", `${email} exists with another password: it is not the seed's user`);
    throw error;
  }
}

async function findConversation(client: MessagingClient, seedKey: string): Promise<Conversation | null> {
  let cursor: string | undefined;
  do {
    const res = await client.listConversations({ limit: 100, ...(cursor ? { cursor } : {}) });
    const hit = res.items.find((c) => c.metadata.seedKey === seedKey);
    if (hit) return hit;
    cursor = res.nextCursor ?? undefined;
  } while (cursor);
  return null;
}

async function listContracts(baseUrl: string, token: string, orgId: string, timeoutMs: number) {
  const all: z.infer<typeof ContractRow>[] = [];
  let cursor: string | undefined;
  do {
    const res = ContractPage.parse(await networkCall(baseUrl, "GET", `/api/contracts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, token, orgId, timeoutMs));
    all.push(...res.items);
    cursor = res.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** Plain JSON over HTTP to network (it has no REST client library; `@symbia/relay` holds its wire schemas). */
async function networkCall(baseUrl: string, method: string, path: string, token: string, orgId: string, timeoutMs: number, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { accept: "application/json", authorization: `Bearer ${token}`, "x-org-id": orgId, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new AppError("unavailable", `network unreachable: ${(error as Error).message}`, undefined, { cause: error });
  }
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new AppError((err?.code ?? (res.status >= 500 ? "bad_gateway" : "bad_request")) as ConstructorParameters<typeof AppError>[0], err?.message ?? `network answered ${res.status}`, err?.details);
  }
  return json;
}

