import type { IdentityProcess } from "@symbia/id/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeSandbox } from "../src/tools/sandbox.js";
import { call, makeOrg, startAssistants, startIdentity, type AssistantsService, type TestOrg } from "./fixture.js";

// The sandbox needs root (or CAP_SYS_ADMIN); elsewhere the tools answer 503, which is tested too.
const sandbox = probeSandbox().ok;

describe("code tools over REST", () => {
  let identity: IdentityProcess;
  let service: AssistantsService;
  let org: TestOrg;
  let other: TestOrg;
  let ws: string;

  beforeAll(async () => {
    identity = await startIdentity();
    service = await startAssistants(identity, { ASSISTANTS_BASH_ENABLED: "true" });
    org = await makeOrg(identity);
    other = await makeOrg(identity);
  });
  afterAll(async () => {
    await service?.close();
    await identity?.stop();
  });

  const api = (path: string, init: Parameters<typeof call>[1] = {}) => call(`${service.base}${path}`, init);

  it("creates, reads, lists a workspace; needs a token", async () => {
    expect((await api("/api/workspaces", { json: {} })).status).toBe(401);
    const created = await api("/api/workspaces", { json: { label: "scratch" }, token: org.member.token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^ws_[0-9a-f]{24}$/), orgId: org.orgId, label: "scratch", createdBy: org.member.id });
    ws = created.body.id;
    expect((await api(`/api/workspaces/${ws}`, { token: org.owner.token })).body.id).toBe(ws);
    expect((await api("/api/workspaces", { token: org.member.token })).body.items.map((w: { id: string }) => w.id)).toContain(ws);
  });

  it("bad input answers 400 naming the path", async () => {
    const badLabel = await api("/api/workspaces", { json: { label: 5 }, token: org.member.token });
    expect(badLabel.status).toBe(400);
    expect(JSON.stringify(badLabel.body.error.details)).toContain("label");
    expect((await api("/api/workspaces/not-a-workspace", { token: org.member.token })).status).toBe(400);
    const unknownTool = await api(`/api/workspaces/${ws}/tools`, { json: { tool: "rm", args: {} }, token: org.member.token });
    expect(unknownTool.status).toBe(400);
    expect(JSON.stringify(unknownTool.body.error.details)).toContain("tool");
    const badArgs = await api(`/api/workspaces/${ws}/tools`, { json: { tool: "file.write", args: { path: "a.txt" } }, token: org.member.token });
    expect(badArgs.status).toBe(400);
    expect(JSON.stringify(badArgs.body.error.details)).toContain("content");
    expect((await api(`/api/workspaces/${ws}/tools`, { raw: "{not json", token: org.member.token })).status).toBe(400);
  });

  it("another org's workspace is 404 on every route", async () => {
    const t = other.owner.token;
    expect((await api(`/api/workspaces/${ws}`, { token: t })).status).toBe(404);
    expect((await api(`/api/workspaces/${ws}/tools`, { json: { tool: "file.list", args: {} }, token: t })).status).toBe(404);
    expect((await api(`/api/workspaces/${ws}/audit`, { token: t })).status).toBe(404);
    expect((await api(`/api/workspaces/${ws}`, { method: "DELETE", token: t })).status).toBe(404);
    expect((await api("/api/workspaces", { token: t })).body.items).toEqual([]);
    // X-Org-Id naming an org the caller is not in is refused too.
    expect((await api(`/api/workspaces/${ws}`, { token: t, headers: { "x-org-id": org.orgId } })).status).toBe(403);
  });

  it.runIf(sandbox)("runs the file tools and bash; escape attempts are contained", async () => {
    const tool = (body: unknown) => api(`/api/workspaces/${ws}/tools`, { json: body, token: org.member.token });
    const write = await tool({ tool: "file.write", args: { path: "src/a.txt", content: "hello\nworld\n" } });
    expect(write.status).toBe(200);
    expect(write.body.output).toEqual({ path: "src/a.txt", bytesWritten: 12 });
    expect(write.body.audit.outcome).toBe("ok");
    expect((await tool({ tool: "file.read", args: { path: "src/a.txt" } })).body.output.content).toBe("hello\nworld\n");
    expect((await tool({ tool: "file.search", args: { pattern: "wor" } })).body.output.matches).toEqual([{ path: "src/a.txt", line: 2, text: "world" }]);
    expect((await tool({ tool: "file.list", args: { recursive: true } })).body.output.entries.map((e: { path: string }) => e.path).sort()).toEqual(["src", "src/a.txt"]);

    const climb = await tool({ tool: "file.read", args: { path: "../../etc/passwd" } });
    expect(climb.status).toBe(403);
    expect(climb.body.error.details.reason).toBe("path_escape");
    expect((await tool({ tool: "file.read", args: { path: "/etc/passwd" } })).status).toBe(403);
    const link = await tool({ tool: "bash", args: { command: "ln -s /etc/shadow out && echo made" } });
    expect(link.body.output.stdout).toContain("made");
    expect((await tool({ tool: "file.read", args: { path: "out" } })).status).toBe(403);
    const env = await tool({ tool: "bash", args: { command: "env; cat /proc/1/environ 2>&1; echo" } });
    expect(env.body.output.stdout).not.toContain("ASSISTANTS_SERVICE_SECRET");
    expect(env.body.output.stdout).not.toContain(identity.serviceSecrets.assistants);
    const loop = await tool({ tool: "bash", args: { command: "while true; do :; done", timeoutMs: 1_500 } });
    expect(loop.status).toBe(200);
    expect(loop.body.output.limit).toBe("wall_time");
    const big = await tool({ tool: "bash", args: { command: "head -c 1000000000 /dev/zero" } });
    expect(big.body.output.limit).toBe("output");
    expect(big.body.output.truncated).toBe(true);
    const bomb = await tool({ tool: "bash", args: { command: "b(){ b|b& }; b; sleep 1; echo survived", timeoutMs: 5_000 } });
    expect(bomb.status).toBe(200);

    const audit = await api(`/api/workspaces/${ws}/audit`, { token: org.member.token });
    expect(audit.status).toBe(200);
    const outcomes = audit.body.items.map((r: { tool: string; outcome: string }) => `${r.tool}:${r.outcome}`);
    expect(outcomes).toContain("workspace.create:ok");
    expect(outcomes).toContain("file.read:refused");
    expect(outcomes).toContain("bash:limit");
    expect(audit.body.items.every((r: { workspaceId: string }) => r.workspaceId === ws)).toBe(true);
  });

  it.runIf(!sandbox)("answers 503 when sandboxes cannot be built here", async () => {
    const res = await api(`/api/workspaces/${ws}/tools`, { json: { tool: "file.list", args: {} }, token: org.member.token });
    expect(res.status).toBe(503);
  });

  it("a service principal acts for an org with X-Org-Id", async () => {
    const token = await identity.serviceLogin("runtime").getToken();
    const made = await api("/api/workspaces", { json: { label: "runtime", runId: "run_x" }, token, headers: { "x-org-id": org.orgId } });
    expect(made.status).toBe(201);
    expect(made.body.orgId).toBe(org.orgId);
    expect((await api(`/api/workspaces/${made.body.id}`, { token: other.owner.token })).status).toBe(404);
    expect((await api(`/api/workspaces/${made.body.id}`, { method: "DELETE", token, headers: { "x-org-id": org.orgId } })).status).toBe(204);
    expect((await api(`/api/workspaces/${made.body.id}`, { token: org.member.token })).status).toBe(404);
  });

  it("deletes a workspace: 204, then 404", async () => {
    expect((await api(`/api/workspaces/${ws}`, { method: "DELETE", token: org.member.token })).status).toBe(204);
    expect((await api(`/api/workspaces/${ws}`, { token: org.member.token })).status).toBe(404);
    expect((await api(`/api/workspaces/${ws}/tools`, { json: { tool: "file.list", args: {} }, token: org.member.token })).status).toBe(404);
  });
});
