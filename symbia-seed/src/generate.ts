import { Faker, en } from "@faker-js/faker";

/** A demo user: deterministic email, name and password (demo data only — never production). */
export interface SeedUser {
  email: string;
  name: string;
  password: string;
  role: "owner" | "admin" | "member" | "viewer";
}

/** An agent principal to register in the demo org: one per bootstrap assistant of the catalog. */
export interface SeedAgent {
  /** Platform-wide agent id, `assistant:<org slug>:<assistant name>` (agent ids are unique across orgs). */
  agentId: string;
  name: string;
  capabilities: string[];
  /** The catalog resource this agent acts for (`assistants/default`). */
  catalogRef: string;
}

/** A demo conversation with its opening messages (client ids make sends idempotent). */
export interface SeedConversation {
  /** Natural key: stored as the conversation's `metadata.seedKey`, which is how a later run finds it. */
  seedKey: string;
  name: string;
  description: string;
  /** Emails of the participating users, and agent ids of the participating agents. */
  members: string[];
  messages: { clientId: string; from: string; content: string }[];
}

/** A network contract `{from, to, allowedEventTypes, boundaries}` for the demo. */
export interface SeedContract {
  /** Natural key: written into the contract's description as `[seed:<key>]`, which is how a later run finds it. */
  seedKey: string;
  name: string;
  from: string;
  to: string;
  allowedEventTypes: string[];
  boundaries: ("intra" | "inter" | "extra")[];
}

/** Everything one seed number produces. */
export interface SeedData {
  seed: number;
  org: { name: string; slug: string };
  users: SeedUser[];
  agents: SeedAgent[];
  conversation: SeedConversation;
  contracts: SeedContract[];
}

/** Options of {@link generateSeed}. */
export interface SeedOptions {
  /** Users besides the owner (default 3). */
  users?: number;
}

/**
 * The demo data of a seed number: the same number gives the same org, users (emails, names,
 * passwords), agents, conversation (names, messages and their client ids) and contracts, every
 * time and on every machine (faker with a fixed seed; no clock, no randomness from the process).
 */
export function generateSeed(seed: number, options: SeedOptions = {}): SeedData {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error("seed must be a non-negative integer");
  const faker = new Faker({ locale: [en], seed });
  const company = faker.company.name();
  const slug = `${company.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40)}-${seed}`;
  const domain = `${slug}.example.com`;
  const roles: SeedUser["role"][] = ["owner", "admin", "member", "viewer"];
  const users: SeedUser[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < 1 + (options.users ?? 3); i++) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    let local = `${first}.${last}`.toLowerCase().replace(/[^a-z0-9.]+/g, "");
    while (taken.has(local)) local = `${local}${faker.number.int({ min: 2, max: 99 })}`;
    taken.add(local);
    // Four words and a number: passes identity's policy (≥ 12 characters, zxcvbn score ≥ 2).
    const password = `${faker.word.adjective()}-${faker.word.noun()}-${faker.word.verb()}-${faker.number.int({ min: 100, max: 999 })}`;
    users.push({ email: `${local}@${domain}`, name: `${first} ${last}`, password, role: roles[Math.min(i, roles.length - 1)]! });
  }
  // The two bootstrap assistants of the catalog (catalog/bootstrap/platform.json), as agents of this org.
  const agents: SeedAgent[] = [
    { agentId: `assistant:${slug}:default`, name: "Helper assistant", catalogRef: "assistants/default", capabilities: ["cap:messaging.read", "cap:messaging.send", "cap:integrations.execute"] },
    { agentId: `assistant:${slug}:router`, name: "Support desk", catalogRef: "assistants/router", capabilities: ["cap:messaging.read", "cap:messaging.send", "cap:integrations.execute"] },
  ];
  // The conversation has its own stream, so it does not change with the number of users.
  const talk = new Faker({ locale: [en] });
  talk.seed([seed, 2]);
  const topic = talk.commerce.productName();
  const messages = Array.from({ length: 3 }, (_, i) => ({
    clientId: `seed-${seed}-m${i + 1}`,
    from: users[i % Math.min(users.length, 2)]!.email,
    content: i === 0 ? `Hello team, a question about ${topic}.` : talk.lorem.sentence({ min: 6, max: 14 }),
  }));
  return {
    seed,
    org: { name: company, slug },
    users,
    agents,
    conversation: {
      seedKey: `seed-${seed}:conversation`,
      name: `${topic} support`,
      description: talk.company.catchPhrase(),
      members: [...users.slice(0, 2).map((u) => u.email), ...agents.map((a) => a.agentId)],
      messages,
    },
    contracts: agents.map((a) => ({
      seedKey: `seed-${seed}:contract:${a.agentId}`,
      name: `${a.agentId} ↔ messaging`,
      from: "service:messaging",
      to: a.agentId,
      allowedEventTypes: ["message.*", "control.*"],
      boundaries: ["intra"],
    })),
  };
}
