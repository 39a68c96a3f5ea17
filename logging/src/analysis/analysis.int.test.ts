import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createVerifier, type Verifier } from "@symbia/id";
import { ExecuteRequest, NormalizedResponse } from "@symbia/integrations-service/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ago, call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "../../test/harness.js";

/**
 * A stand-in for integrations that can be steered (answers, failures, shutdown): a real HTTP
 * server speaking integrations' own wire schemas for `POST /api/integrations/execute` (it refuses
 * a body `ExecuteRequest` refuses, and its answers pass `NormalizedResponse`), verifying the
 * caller's token against the real identity. Its "model" cites the first two log lines and the
 * first span it is shown, plus an id it invents and an id of another org's line. The real
 * integrations and models services are driven in test/analysis.e2e.test.ts.
 */
interface Received {
  principalId: string;
  orgId: string | undefined;
  traceparent: string | undefined;
  body: { provider: string; model?: string; operation: string; params: { messages: { role: string; content: string }[]; maxTokens?: number }; onBehalfOf: { orgId: string; principalId: string } };
}

let identity: IdentityProcess;
let logging: TestLogging;
let cast: Cast;
let standIn: Server;
let verifier: Verifier;
let mode: "ok" | "fail" = "ok";
const received: Received[] = [];
const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const traceId = hex(16);
const rootSpan = hex(8);
const llmSpan = hex(8);

function startStandIn(): Promise<string> {
  standIn = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.method !== "POST" || req.url !== "/api/integrations/execute") return send(404, { error: { code: "not_found", message: "no route" } });
    let principalId: string;
    try {
      principalId = (await verifier.verify((req.headers.authorization ?? "").replace(/^Bearer /, ""))).id;
    } catch {
      return send(401, { error: { code: "unauthenticated", message: "bad token" } });
    }
    const raw = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    const valid = ExecuteRequest.safeParse(raw);
    if (!valid.success) return send(400, { error: { code: "validation_failed", message: "invalid body", details: { issues: valid.error.issues } } });
    const body = raw as Received["body"];
    received.push({ principalId, orgId: req.headers["x-org-id"] as string | undefined, traceparent: req.headers.traceparent as string | undefined, body });
    if (mode === "fail") return send(500, { error: { code: "internal", message: "provider exploded" } });
    const prompt = body.params.messages.map((m) => m.content).join("\n");
    const logs = [...prompt.matchAll(/^\[(L:[^\]]+)\]/gm)].map((m) => m[1]).slice(0, 2);
    const span = prompt.match(/^\[(S:[^\]]+)\]/m)?.[1];
    const content = `Checkout failed after the model call was rate limited [${logs[0]}] [${logs[1]}] [${span}]. Also [L:invented-0001] and [L:bob-secret-1].`;
    const answer = NormalizedResponse.parse({
      id: "req-1",
      providerRequestId: null,
      provider: body.provider,
      model: body.model ?? "stand-in-1",
      operation: "chat",
      content,
      toolCalls: [],
      finishReason: "stop",
      usage: { promptTokens: 812, completionTokens: 40, totalTokens: 852 },
      latencyMs: 12,
      runId: null,
      traceId: hex(16),
      attempts: [{ provider: body.provider, model: body.model ?? "stand-in-1", outcome: "ok", latencyMs: 12 }],
    });
    send(200, answer);
  });
  return new Promise((resolve) => standIn.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  verifier = createVerifier({ identityUrl: identity.url, issuer: identity.issuer });
  const standInUrl = await startStandIn();
  logging = await startLogging(identity, { env: { INTEGRATIONS_SERVICE_URL: standInUrl, ANALYSIS_PROVIDER: "openai", ANALYSIS_MODEL: "gpt-test" } });
  const a = await call(`${logging.url}/api/ingest`, {
    token: cast.alice.token,
    json: {
      logs: [
        { id: "a-line-0001", service: "checkout", level: "info", message: "checkout started", traceId, timestamp: ago(5000) },
        { id: "a-line-0002", service: "assistants", level: "error", message: "LLM call failed: 429", traceId, timestamp: ago(4000) },
        { id: "a-pii-00001", service: "checkout", level: "info", message: "card holder ada@example.com", dataClass: "pii", traceId, timestamp: ago(4500) },
        { id: "a-other-001", service: "billing", level: "info", message: "unrelated nightly job", timestamp: ago(3000) },
      ],
      spans: [
        { service: "checkout", traceId, spanId: rootSpan, name: "POST /checkout", kind: "server", startTime: ago(5000), endTime: ago(3500), status: "error" },
        { service: "integrations", traceId, spanId: llmSpan, parentSpanId: rootSpan, name: "chat gpt-test", kind: "client", startTime: ago(4800), endTime: ago(4100), status: "error", attributes: { "gen_ai.request.model": "gpt-test", "gen_ai.usage.input_tokens": 900 } },
      ],
    },
  });
  expect(a.status).toBe(201);
  // Another org's line on the same trace id: never evidence for org A's readers.
  const b = await call(`${logging.url}/api/logs`, { token: cast.bob.token, json: { items: [{ id: "bob-secret-1", service: "checkout", level: "error", message: "bob's private failure", traceId }] } });
  expect(b.status).toBe(201);
});
afterAll(async () => {
  await logging?.close();
  verifier?.close();
  await new Promise((r) => standIn?.close(r));
  await identity?.stop();
});

describe("POST /api/analysis/summarize", () => {
  it("sends only what the requester may read to integrations, and cites only ids it was shown", async () => {
    const callerTrace = hex(16);
    const res = await call(`${logging.url}/api/analysis/summarize`, { token: cast.carol.token, json: { traceId }, headers: { traceparent: `00-${callerTrace}-${hex(8)}-01` } });
    expect(res.status).toBe(200);
    const request = received.at(-1)!;
    expect(request.principalId).toBe("service:logging");
    expect(request.orgId).toBe(cast.alice.orgId);
    expect(request.traceparent).toMatch(new RegExp(`^00-${callerTrace}-`));
    expect(request.body).toMatchObject({ provider: "openai", operation: "chat", model: "gpt-test", onBehalfOf: { orgId: cast.alice.orgId, principalId: cast.carol.principalId } });
    const prompt = request.body.params.messages.map((m) => m.content).join("\n");
    expect(prompt).toContain("[L:a-line-0001]");
    expect(prompt).toContain("[L:a-line-0002]");
    expect(prompt).toContain(`[S:${llmSpan}]`);
    expect(prompt).toContain("gen_ai.request.model=gpt-test");
    expect(prompt).not.toContain("ada@example.com"); // pii, and carol lacks cap:logging.read.sensitive
    expect(prompt).not.toContain("bob-secret-1"); // another org
    expect(prompt).not.toContain("unrelated nightly job"); // not in the trace

    expect(res.body.summary).toContain("Checkout failed");
    expect(res.body.citations).toEqual([
      { kind: "log", id: "a-line-0001", line: expect.stringContaining("checkout started") },
      { kind: "log", id: "a-line-0002", line: expect.stringContaining("LLM call failed: 429") },
      { kind: "span", id: rootSpan, line: expect.stringContaining('"POST /checkout"') },
    ]);
    expect(res.body).toMatchObject({ evidence: { logs: 2, spans: 2, truncated: false }, provider: "openai", model: "gpt-test", usage: { inputTokens: 812, outputTokens: 40 } });
  });

  it("shows the sensitive line to an admin who may read it", async () => {
    const res = await call(`${logging.url}/api/analysis/summarize`, { token: cast.alice.token, json: { traceId } });
    expect(res.status).toBe(200);
    expect(received.at(-1)!.body.params.messages.map((m) => m.content).join("\n")).toContain("ada@example.com");
    expect(res.body.evidence.logs).toBe(3);
  });

  it("answers without calling the LLM when nothing readable matches", async () => {
    const before = received.length;
    const res = await call(`${logging.url}/api/analysis/summarize`, { token: cast.bob.token, json: { traceId: hex(16) } });
    expect(res.status).toBe(200);
    expect(res.body.citations).toEqual([]);
    expect(res.body.evidence).toEqual({ logs: 0, spans: 0, truncated: false });
    expect(received.length).toBe(before);
  });
});

describe("POST /api/analysis/investigate", () => {
  it("puts the question and the failures first, over a time range", async () => {
    const res = await call(`${logging.url}/api/analysis/investigate`, { token: cast.alice.token, json: { question: "Why did checkout fail?", from: ago(60_000), to: ago(0), maxEvidence: 4 } });
    expect(res.status).toBe(200);
    const prompt = received.at(-1)!.body.params.messages.map((m) => m.content).join("\n");
    expect(prompt).toContain("Why did checkout fail?");
    // 4 lines at most: both failed spans, then the error line before any info line.
    expect(prompt.match(/^\[(L|S):/gm)).toHaveLength(4);
    expect(prompt).toContain("[L:a-line-0002]");
    expect(prompt).toContain(`[S:${rootSpan}]`);
    expect(prompt).toContain(`[S:${llmSpan}]`);
    expect(res.body.evidence).toMatchObject({ logs: 2, spans: 2, truncated: true });
  });

  it("answers 502 when integrations fails and 503 when it is unreachable", async () => {
    mode = "fail";
    const failed = await call(`${logging.url}/api/analysis/investigate`, { token: cast.alice.token, json: { question: "why?", traceId } });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatchObject({ code: "bad_gateway", details: { status: 500, code: "internal" } });
    mode = "ok";
    await new Promise((r) => standIn.close(r));
    standIn.closeAllConnections();
    const down = await call(`${logging.url}/api/analysis/summarize`, { token: cast.alice.token, json: { traceId } });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe("unavailable");
  });
});
