import { describe, expect, it } from "vitest";
import { createServer, defineRouter, type RelayAttachment, type RelayAttachmentStatus } from "./index.js";
import { testServerConfig } from "./testing.js";

/**
 * A node that records what the server does with it (the attachment is an interface of this
 * library; @symbia/relay's client implements it and is tested end to end in network/).
 */
function recordingNode(status: RelayAttachmentStatus & Record<string, unknown>) {
  const calls: string[] = [];
  const node: RelayAttachment = {
    start: () => void calls.push("start"),
    close: async () => void calls.push("close"),
    status: () => status,
  };
  return { node, calls };
}

describe("createServer({ relay })", () => {
  it("starts the node after listen, reports it in readiness without failing it, and closes it at shutdown", async () => {
    const { node, calls } = recordingNode({ connected: false, registered: false, lastError: "network unreachable" });
    const server = createServer({ service: "catalog", version: "test", config: testServerConfig(), routers: [defineRouter({ basePath: "/api/x", tag: "x" })], relay: node });
    expect(server.relay).toBe(node);
    expect(calls).toEqual([]);
    await server.listen(0, "127.0.0.1");
    expect(calls).toEqual(["start"]);
    const ready = await fetch(`${server.url()}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", relay: { connected: false, registered: false, lastError: "network unreachable" } });
    server.onShutdown("after", () => void calls.push("other hook"));
    await server.shutdown("test end");
    expect(calls).toEqual(["start", "close", "other hook"]);
  });

  it("omits relay from readiness when the service has no node", async () => {
    const server = createServer({ service: "catalog", version: "test", config: testServerConfig(), routers: [] });
    await server.listen(0, "127.0.0.1");
    const body = (await (await fetch(`${server.url()}/health/ready`)).json()) as Record<string, unknown>;
    expect(body.status).toBe("ready");
    expect("relay" in body).toBe(false);
    await server.shutdown("test end");
  });
});
