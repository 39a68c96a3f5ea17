import { describe, expect, it } from "vitest";
import { MemoryPool } from "./memory.js";

describe("MemoryPool (drizzle on pg-mem)", () => {
  it("returns array rows in column order for rowMode 'array', even with duplicate column names", async () => {
    const pool = new MemoryPool();
    await pool.query("create table a (id int primary key, name text); create table b (id int primary key, a_id int, name text)");
    await pool.query("insert into a values (1, 'x'); insert into b values (2, 1, 'y')");
    const result = await pool.query({ text: "select a.id, a.name, b.id, b.a_id, b.name from a join b on a.id = b.a_id", rowMode: "array", types: { getTypeParser: () => (v: string) => v } });
    expect(result.rows).toEqual([[1, "x", 2, 1, "y"]]);
  });

  it("accepts parameters together with drizzle's custom type parsers", async () => {
    const pool = new MemoryPool();
    await pool.query("create table t (id int primary key, name text)");
    await pool.query({ text: "insert into t values ($1, $2)", values: [1, "it's"], types: { getTypeParser: () => (v: string) => v } });
    const result = await pool.query({ text: "select name from t where id = $1", values: [1] });
    expect(result.rows).toEqual([{ name: "it's" }]);
  });

  it("provides gen_random_uuid()", async () => {
    const pool = new MemoryPool();
    const { rows } = await pool.query("select gen_random_uuid() as a, gen_random_uuid() as b");
    const row = rows[0] as { a: string; b: string };
    expect(row.a).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.a).not.toBe(row.b);
  });

  it("adds PostgreSQL's SQLSTATE to pg-mem constraint errors", async () => {
    const pool = new MemoryPool();
    await pool.query("create table p (id int primary key); create table c (id int primary key, p_id int not null references p(id))");
    await expect(pool.query("insert into c values (1, 42)")).rejects.toMatchObject({ code: "23503" });
    await expect(pool.query("insert into c (id) values (2)")).rejects.toMatchObject({ code: "23502" });
    await expect(pool.query("insert into p values (1); insert into p values (1)")).rejects.toMatchObject({ code: "23505" });
  });

  it("undoes a failed transaction and makes other queries wait for it", async () => {
    const pool = new MemoryPool();
    await pool.query("create table t (id int primary key)");
    const order: string[] = [];
    const tx = pool.transaction(async () => {
      await pool.query("insert into t values (1)");
      await new Promise((r) => setTimeout(r, 20));
      order.push("tx end");
      throw new Error("fail");
    });
    const outside = pool.query("insert into t values (2)").then(() => order.push("outside"));
    await expect(tx).rejects.toThrow("fail");
    await outside;
    expect(order).toEqual(["tx end", "outside"]);
    expect((await pool.query("select id from t")).rows).toEqual([{ id: 2 }]);
  });
});

describe("multi-row insert with DEFAULT (pg-mem gap)", () => {
  it("applies column defaults in every row, as PostgreSQL does", async () => {
    const pool = new MemoryPool();
    await pool.query(`create table t (id int primary key, "order" text not null default 'd', n int not null default 7)`);
    const result = await pool.query({ text: `insert into "t" ("id", "order", "n") values ($1, $2, default), ($3, default, default) returning "id", "order", "n"`, values: [1, "x", 2] });
    expect(result.rows).toEqual([{ id: 1, order: "x", n: 7 }, { id: 2, order: "d", n: 7 }]);
  });

  it("inserts nothing when one of the rows fails", async () => {
    const pool = new MemoryPool();
    await pool.query("create table t (id int primary key, n int not null default 1)");
    await expect(pool.query("insert into t (id, n) values (1, default), (1, default)")).rejects.toMatchObject({ code: "23505" });
    expect((await pool.query("select * from t")).rows).toEqual([]);
  });
});
