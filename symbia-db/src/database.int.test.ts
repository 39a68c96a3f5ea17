import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, count, eq, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, migrationsDir, openFixture, schema } from "../test/backends.js";
import { createDatabase } from "./database.js";
import { readMigrations } from "./migrate.js";
import type { TestDatabase } from "./testing.js";

const { teams, players } = schema;

describe.each(BACKENDS)("withTransaction on %s", (backend) => {
  let database: TestDatabase<typeof schema>;
  beforeAll(async () => {
    database = await openFixture(backend);
  });
  afterAll(() => database?.close());

  it("leaves no row behind when the transaction throws", async () => {
    await expect(
      database.withTransaction(async (tx) => {
        const [t] = await tx.insert(teams).values({ orgId: "tx", name: "doomed" }).returning();
        await tx.insert(players).values({ orgId: "tx", teamId: t!.id, name: "p" });
        await tx.update(teams).set({ score: 99 }).where(eq(teams.orgId, "tx"));
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const [n] = await database.db.select({ n: count() }).from(teams).where(eq(teams.orgId, "tx"));
    const [m] = await database.db.select({ n: count() }).from(players).where(eq(players.orgId, "tx"));
    expect([n!.n, m!.n]).toEqual([0, 0]);
  });

  it("keeps every row of a transaction that completes, and joins nested calls", async () => {
    const name = await database.withTransaction(async (tx) => {
      await tx.insert(teams).values({ orgId: "tx2", name: "kept" });
      return database.withTransaction(async (inner) => {
        const [row] = await inner.select().from(teams).where(eq(teams.orgId, "tx2"));
        return row!.name;
      });
    });
    expect(name).toBe("kept");
    const rows = await database.db.select().from(teams).where(eq(teams.orgId, "tx2"));
    expect(rows).toHaveLength(1);
  });

  it("undoes drizzle's own db.transaction() when it throws", async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await tx.insert(teams).values({ orgId: "tx3", name: "doomed" });
        throw new Error("nope");
      }),
    ).rejects.toThrow("nope");
    expect(await database.db.select().from(teams).where(eq(teams.orgId, "tx3"))).toEqual([]);
  });

  it("keeps a write made by another request while a failing transaction runs", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const failing = database.withTransaction(async (tx) => {
      await tx.insert(teams).values({ orgId: "tx4", name: "rolled back" });
      await gate;
      throw new Error("late failure");
    });
    // Started while the transaction is open; on pg-mem it waits, on PostgreSQL it commits alone.
    const concurrent = database.db.insert(teams).values({ orgId: "tx4", name: "independent" });
    release();
    await expect(failing).rejects.toThrow("late failure");
    await concurrent;
    const names = (await database.db.select({ name: teams.name }).from(teams).where(eq(teams.orgId, "tx4"))).map((r) => r.name);
    expect(names).toEqual(["independent"]);
  });
});

describe.each(BACKENDS)("migrations on %s", (backend) => {
  let database: TestDatabase<typeof schema>;
  beforeAll(async () => {
    database = await openFixture(backend);
  });
  afterAll(() => database?.close());

  it("applies every migration at start and is a no-op the second time", async () => {
    const all = (await readMigrations(migrationsDir)).map((m) => m.tag);
    expect(database.migrations.applied).toEqual(all);
    await database.db.insert(teams).values({ orgId: "m", name: "survivor" });
    const again = await database.migrate();
    expect(again).toEqual({ applied: [], skipped: all });
    expect(await database.db.select({ name: teams.name }).from(teams).where(eq(teams.orgId, "m"))).toEqual([{ name: "survivor" }]);
  });
});

describe.runIf(BACKENDS.includes("postgres"))("PostgreSQL schema per service", () => {
  it("creates the tables in the service's own schema, none in public", async () => {
    const database = await openFixture("postgres");
    try {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN ('teams','players','symbia_migrations') AND table_schema = $1 ORDER BY table_name",
        [database.schemaName],
      );
      const inPublic = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('teams','players')");
      await client.end();
      expect(rows.map((r) => r.table_name)).toEqual(["players", "symbia_migrations", "teams"]);
      expect(inPublic.rows[0].n).toBe(0);
    } finally {
      await database.close();
    }
  });

  it("applies migrations once when two processes start on the same schema at the same time", async () => {
    const url = process.env.TEST_DATABASE_URL!;
    const schemaName = `t_race_${Date.now().toString(36)}`;
    const open = () => createDatabase({ service: "race", schema, migrationsDir, config: { memory: false, url, schemaName } });
    const [a, b] = await Promise.all([open(), open()]);
    try {
      expect([...a.migrations.applied, ...b.migrations.applied]).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA "${schemaName}" CASCADE`);
      await client.end();
    }
  });
});

describe("memory export and import", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "symbia-db-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("restores every row, with dates, json and arrays intact", async () => {
    const path = join(dir, "state.json");
    const first = await openFixture("memory", path);
    const inserted = await first.db.insert(teams).values([
      { orgId: "e", name: "one", tags: ["x", "y"], settings: { deep: { list: [1, 2] } }, score: 3, bytes: 2 ** 40 },
      { orgId: "e", name: "two" },
    ]).returning();
    await first.db.insert(players).values({ orgId: "e", teamId: inserted[0]!.id, name: "p", joinedAt: new Date("2020-01-01T00:00:00.001Z") });
    const before = {
      teams: await first.db.select().from(teams).orderBy(asc(teams.name)),
      players: await first.db.select().from(players),
    };
    await first.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, "utf8")).format).toBe("symbia-db-export/1");

    const second = await openFixture("memory", path);
    try {
      expect(second.importedRows).toBe(3);
      const after = {
        teams: await second.db.select().from(teams).orderBy(asc(teams.name)),
        players: await second.db.select().from(players),
      };
      expect(after).toEqual(before);
      expect(after.players[0]!.joinedAt).toBeInstanceOf(Date);
      // The restored database still works: new rows get fresh defaults alongside the old ones.
      await second.db.insert(teams).values({ orgId: "e", name: "three" });
      const [n] = await second.db.select({ n: sql<number>`count(*)` }).from(teams);
      expect(Number(n!.n)).toBe(3);
    } finally {
      await second.close();
    }
  });

  it("starts empty when the export file does not exist yet", async () => {
    const database = await openFixture("memory", join(dir, "missing.json"));
    expect(database.importedRows).toBe(0);
    expect(await database.db.select().from(teams)).toEqual([]);
    await database.close();
  });
});
