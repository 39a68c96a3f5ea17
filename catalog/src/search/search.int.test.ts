import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, ref, startCatalog, startIdentity, type IdentityProcess, type TestCatalog, type TestUser } from "../../test/harness.js";

let identity: IdentityProcess;
let catalog: TestCatalog;
let url: string;
let alice: TestUser;
let bob: TestUser;

const names = (res: { body: { items: { resource: { key: string } }[] } }) => res.body.items.map((h) => h.resource.key);

beforeAll(async () => {
  identity = await startIdentity();
  catalog = await startCatalog(identity);
  url = catalog.url;
  alice = await identity.registerUser({ orgName: "Search A" });
  bob = await identity.registerUser({ orgName: "Search B" });
  const make = async (user: TestUser, json: Record<string, unknown>, publish = true) => {
    const created = await call(url, "/api/resources", { token: user.token, json });
    expect(created.status).toBe(201);
    if (publish) expect((await call(url, `/api/resources/${created.body.id}/publish`, { token: user.token, json: {} })).status).toBe(201);
    return created.body.id as string;
  };
  const text = (content: string) => ({ format: "text", content });
  await make(alice, { type: "context", name: "weather", title: "Weather facts", description: "Daily forecast notes", tags: ["forecast"], body: text("w") });
  await make(alice, { type: "context", name: "climate-weather-archive", description: "Old data", body: text("c") });
  await make(alice, { type: "context", name: "notes", description: "Mentions the weather once\nacross lines", body: text("n") });
  await make(alice, { type: "integration", name: "forecast-api", tags: ["weather"], visibility: "public", body: { provider: "forecast" } });
  await make(alice, { type: "context", name: "discounts", description: "takes 50% off", body: text("d") });
  await make(alice, { type: "context", name: "prices", description: "takes 500 off, a_b", body: text("p") }, false);
  await make(bob, { type: "context", name: "bob-weather", description: "bob's weather", visibility: "public", body: text("b") });
  await make(bob, { type: "context", name: "bob-private-weather", description: "hidden weather", visibility: "org", body: text("b") });
});
afterAll(async () => {
  await catalog?.close();
  await identity?.stop();
});

describe("GET /api/search", () => {
  it("ranks an exact name first, then name prefixes and substrings, tags, titles, descriptions", async () => {
    const res = await call(url, "/api/search?q=weather", { token: alice.token });
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(["contexts/weather", "integrations/forecast-api", "contexts/bob-weather", "contexts/climate-weather-archive", "contexts/notes"]);
    expect(res.body.total).toBe(5);
    expect(res.body.items[0]).toMatchObject({ matched: ["name", "title"], resource: { orgId: alice.orgId } });
    expect(res.body.items[0].score).toBeGreaterThan(res.body.items[1].score);
    expect(res.body.items.at(-1).matched).toEqual(["description"]);
  });

  it("requires every word, case-insensitively", async () => {
    expect(names(await call(url, "/api/search?q=WEATHER%20Forecast", { token: alice.token }))).toEqual(["contexts/weather", "integrations/forecast-api"]);
    expect(names(await call(url, "/api/search?q=weather%20nothing", { token: alice.token }))).toEqual([]);
  });

  it("treats % and _ as plain characters", async () => {
    expect(names(await call(url, `/api/search?q=${encodeURIComponent("50%")}`, { token: alice.token }))).toEqual(["contexts/discounts"]);
    expect(names(await call(url, "/api/search?q=a_b", { token: alice.token }))).toEqual(["contexts/prices"]);
    expect(names(await call(url, "/api/search?q=ab", { token: alice.token }))).toEqual([]);
  });

  it("filters by type, status, tag, visibility and org", async () => {
    expect(names(await call(url, "/api/search?q=weather&type=integration", { token: alice.token }))).toEqual(["integrations/forecast-api"]);
    expect(names(await call(url, "/api/search?q=takes&status=draft", { token: alice.token }))).toEqual(["contexts/prices"]);
    expect(names(await call(url, "/api/search?q=weather&tag=forecast", { token: alice.token }))).toEqual(["contexts/weather"]);
    expect(names(await call(url, "/api/search?q=weather&visibility=public", { token: alice.token }))).toEqual(["integrations/forecast-api", "contexts/bob-weather"]);
    expect(names(await call(url, `/api/search?q=weather&org=${bob.orgId}`, { token: alice.token }))).toEqual(["contexts/bob-weather"]);
    expect(names(await call(url, `/api/search?q=weather&org=${bob.orgId}`, { token: bob.token }))).toEqual(["contexts/bob-private-weather", "contexts/bob-weather"]);
  });

  it("pages through the ranked hits with a cursor", async () => {
    const all = names(await call(url, "/api/search?q=weather", { token: alice.token }));
    const first = await call(url, "/api/search?q=weather&limit=2", { token: alice.token });
    const second = await call(url, `/api/search?q=weather&limit=2&cursor=${first.body.nextCursor}`, { token: alice.token });
    const third = await call(url, `/api/search?q=weather&limit=2&cursor=${second.body.nextCursor}`, { token: alice.token });
    expect([...names(first), ...names(second), ...names(third)]).toEqual(all);
    expect(third.body.nextCursor).toBeNull();
  });

  it("drops yanked resources below live ones", async () => {
    await call(url, `/api/resources/${ref("contexts/weather")}/versions/1/yank`, { token: alice.token, json: { reason: "wrong" } });
    const res = await call(url, "/api/search?q=weather", { token: alice.token });
    expect(res.body.items.find((h: { resource: { key: string } }) => h.resource.key === "contexts/weather").resource.status).toBe("yanked");
    expect(names(res)[0]).toBe("integrations/forecast-api");
    expect(names(res).indexOf("contexts/weather")).toBeGreaterThan(names(res).indexOf("contexts/climate-weather-archive"));
  });
});

describe("GET /api/resources (list filters and paging)", () => {
  it("pages by key with a cursor and filters by type and tag", async () => {
    const first = await call(url, `/api/resources?org=${alice.orgId}&limit=2`, { token: alice.token });
    const keys: string[] = first.body.items.map((r: { key: string }) => r.key);
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await call(url, `/api/resources?org=${alice.orgId}&limit=2&cursor=${cursor}`, { token: alice.token });
      keys.push(...next.body.items.map((r: { key: string }) => r.key));
      cursor = next.body.nextCursor;
    }
    expect(keys).toEqual([...keys].sort());
    expect(keys).toHaveLength(6);
    expect((await call(url, "/api/resources?type=integration", { token: alice.token })).body.items.map((r: { key: string }) => r.key)).toEqual(["integrations/forecast-api"]);
    expect((await call(url, "/api/resources?tag=weather", { token: bob.token })).body.items.map((r: { key: string }) => r.key)).toEqual(["integrations/forecast-api"]);
  });
});
