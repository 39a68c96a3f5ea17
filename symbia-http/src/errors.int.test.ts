import { ERROR_CODES } from "@symbia/sys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDemoServer, logCapture } from "../test/fixture.js";
import { call, start } from "../test/helpers.js";
import { STATUS_BY_CODE } from "./errors.js";

const { lines, logger } = logCapture();
const server = buildDemoServer({ logger });
let base: string;
beforeAll(async () => {
  base = await start(server);
});
afterAll(() => server.shutdown("test end"));

describe("error envelope", () => {
  it.each(ERROR_CODES)("maps AppError %s to its status and the shared envelope", async (code) => {
    const res = await call(`${base}/api/errors/${code}`);
    expect(res.status).toBe(STATUS_BY_CODE[code]);
    expect(res.body).toEqual({ error: { code, message: `demo ${code}`, details: { demo: true } } });
  });

  it("sends Retry-After with a 429", async () => {
    const res = await call(`${base}/api/errors/rate_limited`);
    expect(res.headers.get("retry-after")).toBe("7");
  });

  it("hides an internal error's message, and logs it once with the errorId it returns", async () => {
    const res = await call(`${base}/api/errors`);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("internal");
    expect(res.body.error.message).toBe("internal error");
    expect(JSON.stringify(res.body)).not.toContain("hunter2");
    const errorId = res.body.error.errorId as string;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = lines.filter((l) => l.errorId === errorId);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.level).toBe("error");
  });

  it("answers 404 in the envelope for an unknown route", async () => {
    const res = await call(`${base}/api/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("validation", () => {
  it("answers 400 naming every failing path of the body", async () => {
    const res = await call(`${base}/api/widgets`, { method: "POST", token: "alice", json: { name: "", size: 1.5, tags: ["ok", "way-too-long-tag"], owner: { email: "nope" } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    const paths = (res.body.error.details.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(["body.name", "body.owner.email", "body.size", "body.tags.1"]);
  });

  it("validates params and query too, and passes parsed values to the handler", async () => {
    const bad = await call(`${base}/api/widgets/x9`, { token: "alice" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe("params.id");
    const good = await call(`${base}/api/widgets/w9?verbose=1`, { token: "alice" });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ id: "w9", size: 2 });
  });

  it("answers 400 for malformed JSON", async () => {
    const res = await call(`${base}/api/widgets`, { method: "POST", token: "alice", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
  });

  it("answers 413 for a 2 MB body over the 1 MB limit", async () => {
    const res = await call(`${base}/api/echo`, { method: "POST", json: { text: "x".repeat(2 * 1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });
});

describe("responses", () => {
  it("sends 201 with the created object and 204 with no body", async () => {
    const created = await call(`${base}/api/widgets`, { method: "POST", token: "alice", json: { name: "a", size: 2, owner: { email: "a@example.com" } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "w1", name: "a", size: 2 });
    const deleted = await call(`${base}/api/widgets/w1`, { method: "DELETE", token: "alice" });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
  });
});
