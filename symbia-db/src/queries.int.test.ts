import { and, asc, count, desc, eq, ilike, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, openFixture, schema, type Backend } from "../test/backends.js";
import type { TestDatabase } from "./testing.js";
import { appErrorFromDatabase } from "./errors.js";

const { teams, players } = schema;

/**
 * One query suite, run on every backend. Each step returns a plain value; the values are compared
 * with literals here and, when both backends run, with each other.
 */
async function runSuite(database: TestDatabase<typeof schema>) {
  const { db } = database;
  const out: Record<string, unknown> = {};

  const [red] = await db.insert(teams).values({ orgId: "o1", name: "Red", tags: ["a", "b"], settings: { level: 3, nested: { on: true } } }).returning();
  const [blue] = await db.insert(teams).values({ orgId: "o1", name: "blue team", tags: ["b"], score: 7 }).returning();
  await db.insert(teams).values({ orgId: "o2", name: "Red", tags: [] });
  out.returning = { name: red!.name, tags: red!.tags, settings: red!.settings, score: red!.score, active: red!.active, bytes: red!.bytes };
  out.uuidDefault = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(red!.id);
  out.timestampIsDate = red!.createdAt instanceof Date && Math.abs(red!.createdAt.getTime() - Date.now()) < 60_000;

  const explicit = new Date("2024-02-29T12:34:56.789Z");
  const [p1] = await db.insert(players).values({ orgId: "o1", teamId: red!.id, name: "Ann", email: "ann@example.com", joinedAt: explicit }).returning();
  await db.insert(players).values([
    { orgId: "o1", teamId: red!.id, name: "bob", email: null, joinedAt: explicit },
    { orgId: "o1", teamId: blue!.id, name: "Cid", email: "cid@example.com", joinedAt: explicit },
  ]);
  out.timestampRoundTrip = p1!.joinedAt.toISOString();

  const jsonFiltered = await db.select({ name: teams.name }).from(teams).where(sql`${teams.settings}->>'level' = '3'`);
  out.jsonbFilter = jsonFiltered.map((r) => r.name);
  const [jsonRead] = await db.select({ s: teams.settings }).from(teams).where(eq(teams.id, red!.id));
  out.jsonbRead = jsonRead!.s;

  const withTag = await db.select({ name: teams.name }).from(teams).where(sql`'a' = ANY(${teams.tags})`);
  out.arrayAny = withTag.map((r) => r.name);

  const [upserted] = await db
    .insert(teams)
    .values({ orgId: "o1", name: "Red", score: 42 })
    .onConflictDoUpdate({ target: [teams.orgId, teams.name], set: { score: 42 } })
    .returning();
  out.onConflict = { sameId: upserted!.id === red!.id, score: upserted!.score };

  out.ilike = (await db.select({ name: teams.name }).from(teams).where(and(eq(teams.orgId, "o1"), ilike(teams.name, "%TEAM%")))).map((r) => r.name);

  const [counted] = await db.select({ n: count() }).from(teams).where(eq(teams.orgId, "o1"));
  out.count = counted!.n;

  out.orderLimitOffset = (await db.select({ name: players.name }).from(players).orderBy(asc(players.name)).limit(2).offset(1)).map((r) => r.name);
  out.orderDesc = (await db.select({ score: teams.score }).from(teams).where(eq(teams.orgId, "o1")).orderBy(desc(teams.score))).map((r) => r.score);

  const joined = await db
    .select()
    .from(players)
    .innerJoin(teams, eq(players.teamId, teams.id))
    .where(eq(teams.name, "Red"))
    .orderBy(asc(players.name));
  out.join = joined.map((r) => ({ player: r.players.name, team: r.teams.name, teamIdMatches: r.players.teamId === r.teams.id, distinctIds: r.players.id !== r.teams.id }));

  const left = await db.select({ team: teams.name, player: players.name }).from(teams).leftJoin(players, eq(players.teamId, teams.id)).where(eq(teams.orgId, "o2"));
  out.leftJoin = left;

  const locked = await database.withTransaction(async (tx) => {
    const rows = await tx.select({ score: teams.score }).from(teams).where(eq(teams.id, blue!.id)).for("update");
    await tx.update(teams).set({ score: rows[0]!.score + 1 }).where(eq(teams.id, blue!.id));
    const [after] = await tx.select({ score: teams.score }).from(teams).where(eq(teams.id, blue!.id));
    return after!.score;
  });
  out.forUpdate = locked;

  const updated = await db.update(teams).set({ active: false }).where(eq(teams.orgId, "o2")).returning({ name: teams.name, active: teams.active });
  out.updateReturning = updated;
  const deleted = await db.delete(players).where(eq(players.name, "bob")).returning({ name: players.name });
  out.deleteReturning = deleted;

  let uniqueError: unknown;
  try {
    await db.insert(teams).values({ orgId: "o1", name: "Red" });
  } catch (error) {
    uniqueError = error;
  }
  out.uniqueViolation = appErrorFromDatabase(uniqueError)?.code;
  let fkError: unknown;
  try {
    await db.insert(players).values({ orgId: "o1", teamId: "00000000-0000-4000-8000-000000000000", name: "ghost" });
  } catch (error) {
    fkError = error;
  }
  out.foreignKeyViolation = appErrorFromDatabase(fkError)?.code;
  return out;
}

const EXPECTED = {
  returning: { name: "Red", tags: ["a", "b"], settings: { level: 3, nested: { on: true } }, score: 0, active: true, bytes: 0 },
  uuidDefault: true,
  timestampIsDate: true,
  timestampRoundTrip: "2024-02-29T12:34:56.789Z",
  jsonbFilter: ["Red"],
  jsonbRead: { level: 3, nested: { on: true } },
  arrayAny: ["Red"],
  onConflict: { sameId: true, score: 42 },
  ilike: ["blue team"],
  count: 2,
  orderLimitOffset: ["Cid", "bob"],
  orderDesc: [42, 7],
  join: [
    { player: "Ann", team: "Red", teamIdMatches: true, distinctIds: true },
    { player: "bob", team: "Red", teamIdMatches: true, distinctIds: true },
  ],
  leftJoin: [{ team: "Red", player: null }],
  forUpdate: 8,
  updateReturning: [{ name: "Red", active: false }],
  deleteReturning: [{ name: "bob" }],
  uniqueViolation: "conflict",
  foreignKeyViolation: "conflict",
};

const results = new Map<Backend, Record<string, unknown>>();

describe.each(BACKENDS)("shared query suite on %s", (backend) => {
  let database: TestDatabase<typeof schema>;
  beforeAll(async () => {
    database = await openFixture(backend);
  });
  afterAll(async () => {
    await database?.close();
  });

  it("gives the expected result for every query", async () => {
    const result = await runSuite(database);
    results.set(backend, result);
    expect(result).toEqual(EXPECTED);
  });
});

describe.runIf(BACKENDS.length > 1)("across backends", () => {
  it("pg-mem and PostgreSQL return identical results", () => {
    expect(results.get("memory")).toEqual(results.get("postgres"));
  });
});
