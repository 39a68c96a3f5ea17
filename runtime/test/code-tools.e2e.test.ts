import { spawnService, type ServiceProcess } from "@symbia/id/testing";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, eventually, startIdentity, startRuntime, type IdentityProcess, type TestRuntime, type TestUser } from "./harness.js";

// Runtime's code-tool components against a real assistants service (a child process): the graph's
// nodes write and read files in an isolated workspace through assistants' code-tools REST API.
describe("code-tool components with a real assistants service", () => {
  let identity: IdentityProcess & { superAdmin: TestUser };
  let assistants: ServiceProcess;
  let runtime: TestRuntime;
  let alice: TestUser;
  let bob: TestUser;
  let workspacesDir: string;

  beforeAll(async () => {
    identity = await startIdentity();
    alice = await identity.registerUser({ orgName: "Alice's org" });
    bob = await identity.registerUser({ orgName: "Bob's org" });
    workspacesDir = await mkdtemp(join(tmpdir(), "runtime-code-tools-"));
    assistants = await spawnService(identity, "assistants", {
      ASSISTANTS_HOST: "127.0.0.1",
      ASSISTANTS_CATALOG: "false",
      ASSISTANTS_RELAY: "false",
      TELEMETRY_ENABLED: "false",
      ASSISTANTS_WORKSPACES_DIR: workspacesDir,
      ASSISTANTS_BASH_ENABLED: "true",
    });
    runtime = await startRuntime(identity, { env: { ASSISTANTS_SERVICE_URL: assistants.url } });
  }, 120_000);
  afterAll(async () => {
    await runtime?.close();
    await assistants?.stop();
    await identity?.stop();
    if (workspacesDir) await rm(workspacesDir, { recursive: true, force: true });
  });

  /** Runs `graph` as `who`: injects each value at node `at`, ends the input, waits for a terminal state. */
  async function execute(who: TestUser, graph: unknown, at: string, values: unknown[]) {
    const call = client(runtime.url, who.token);
    const created = await call("POST", "/api/executions", { json: { graph, start: true }, orgId: who.orgId });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    for (const value of values) expect((await call("POST", `/api/executions/${id}/inject?wait=true`, { json: { node: at, value }, orgId: who.orgId })).status).toBe(202);
    await call("POST", `/api/executions/${id}/end`, { orgId: who.orgId });
    let execution: any;
    await eventually(async () => {
      execution = (await call("GET", `/api/executions/${id}`, { orgId: who.orgId })).body;
      return ["completed", "failed", "cancelled"].includes(execution.state);
    }, `execution ${id} to finish`, 30_000);
    const outputs = (await call("GET", `/api/executions/${id}/outputs`, { orgId: who.orgId })).body.items.map((o: { value: unknown }) => o.value);
    return { id, execution, outputs };
  }

  it("writes then reads a file in the execution's workspace, and removes the workspace at the end", async () => {
    const graph = {
      nodes: [
        { id: "write", component: "code-file", config: { tool: "file.write", args: { path: "notes/{{value.name}}.txt", content: "{{value.text}}" } } },
        { id: "read", component: "code-file", config: { tool: "file.read", args: { path: "{{value.path}}" } } },
      ],
      edges: [{ from: "write.out", to: "read.in" }],
    };
    const { execution, outputs } = await execute(alice, graph, "write", [{ name: "hello", text: "hello from runtime" }, { name: "second", text: "two" }]);
    expect(execution.error ?? null).toBeNull();
    expect(execution.state).toBe("completed");
    expect(outputs).toEqual([
      expect.objectContaining({ path: "notes/hello.txt", content: "hello from runtime", encoding: "utf8", truncated: false }),
      expect.objectContaining({ path: "notes/second.txt", content: "two" }),
    ]);
    // The workspace was the execution's: once it ended, the org has none left.
    const asAlice = client(assistants.url, alice.token);
    await eventually(async () => (await asAlice("GET", "/api/workspaces", { orgId: alice.orgId })).body.items.length === 0, "the execution's workspace to be removed");
  });

  it("runs search and bash in one shared workspace, a non-zero exit being an output", async () => {
    const graph = {
      nodes: [
        { id: "write", component: "code-file", config: { tool: "file.write", args: { path: "src/app.txt", content: "{{value}}" } } },
        { id: "search", component: "code-search", config: { args: { pattern: "TODO", path: "src" } } },
        { id: "bash", component: "code-bash", config: { args: { command: "grep -c TODO src/app.txt; exit 3" } } },
      ],
      edges: [
        { from: "write.out", to: "search.in" },
        { from: "search.out", to: "bash.in" },
      ],
    };
    const { execution, outputs } = await execute(alice, graph, "write", ["line one\nTODO: two\nthree TODO\n"]);
    expect(execution.state).toBe("completed");
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ exitCode: 3, stdout: "2\n" });
  });

  it("fails the node with assistants' 404 for another org's workspace (tenancy holds through runtime)", async () => {
    const asAlice = client(assistants.url, alice.token);
    const mine = await asAlice("POST", "/api/workspaces", { json: { label: "alice's" }, orgId: alice.orgId });
    expect(mine.status).toBe(201);
    const graph = { nodes: [{ id: "read", component: "code-file", config: { tool: "file.list", workspace: mine.body.id } }] };
    const { execution } = await execute(bob, graph, "read", [{}]);
    expect(execution.state).toBe("failed");
    expect(execution.error).toMatchObject({ node: "read", code: "not_found" });
    // A fixed workspace is the org's to keep: alice's still exists after her own execution uses it.
    const own = await execute(alice, graph, "read", [{}]);
    expect(own.execution.state).toBe("completed");
    expect((await asAlice("GET", `/api/workspaces/${mine.body.id}`, { orgId: alice.orgId })).status).toBe(200);
  });

  it("fails the node with a path escape refused by assistants, and answers 400 for a bad config before running", async () => {
    const escape = await execute(alice, { nodes: [{ id: "read", component: "code-file", config: { tool: "file.read", args: { path: "../../etc/passwd" } } }] }, "read", [{}]);
    expect(escape.execution.state).toBe("failed");
    expect(escape.execution.error).toMatchObject({ node: "read", code: "forbidden" });
    const bad = await client(runtime.url, alice.token)("POST", "/api/executions", { json: { graph: { nodes: [{ id: "w", component: "code-file", config: { tool: "file.write", args: { path: "a" } } }] } }, orgId: alice.orgId });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain("nodes.0.config.args.content");
  });
});
