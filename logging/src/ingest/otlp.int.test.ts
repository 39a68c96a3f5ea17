import { randomBytes } from "node:crypto";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, registerCast, spawnIdentity, startLogging, type Cast, type IdentityProcess, type TestLogging } from "../../test/harness.js";

let identity: IdentityProcess;
let logging: TestLogging;
let cast: Cast;

beforeAll(async () => {
  identity = await spawnIdentity();
  cast = await registerCast(identity);
  logging = await startLogging(identity);
});
afterAll(async () => {
  await logging?.close();
  await identity?.stop();
});

describe("POST /v1/traces (official OpenTelemetry OTLP/HTTP exporter)", () => {
  it("ingests an exported trace that reads back as a span tree", async () => {
    const exporter = new OTLPTraceExporter({ url: `${logging.url}/v1/traces`, headers: { authorization: `Bearer ${cast.alice.token}`, "x-org-id": cast.alice.orgId } });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "otel-shop", "deployment.environment.name": "staging" }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer("symbia-test", "1.0.0");

    const root = tracer.startSpan("GET /checkout", { kind: SpanKind.SERVER, attributes: { "http.route": "/checkout", "http.response.status_code": 200 } }, ROOT_CONTEXT);
    const rootContext = trace.setSpan(ROOT_CONTEXT, root);
    const db = tracer.startSpan("SELECT orders", { kind: SpanKind.CLIENT, attributes: { "db.system.name": "postgresql" } }, rootContext);
    await new Promise((r) => setTimeout(r, 5));
    db.end();
    const llm = tracer.startSpan("chat gpt-4o-mini", { kind: SpanKind.CLIENT, attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 321, "gen_ai.usage.output_tokens": 54, "symbia.run_id": "run-otel-1" } }, rootContext);
    llm.addEvent("retry", { attempt: 1 });
    await new Promise((r) => setTimeout(r, 5));
    llm.setStatus({ code: SpanStatusCode.ERROR, message: "upstream 429" });
    llm.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    const traceId = root.spanContext().traceId;
    const res = await call(`${logging.url}/api/traces/${traceId}`, { token: cast.alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ traceId, spanCount: 3, errorCount: 1, services: ["otel-shop"] });
    expect(res.body.roots).toHaveLength(1);
    const [r] = res.body.roots;
    expect(r).toMatchObject({ spanId: root.spanContext().spanId, name: "GET /checkout", kind: "server", env: "staging", service: "otel-shop", attributes: { "http.route": "/checkout", "http.response.status_code": 200, "otel.scope.name": "symbia-test" } });
    expect(r.durationMs).toBeGreaterThanOrEqual(10);
    expect(r.children.map((c: { name: string }) => c.name)).toEqual(["SELECT orders", "chat gpt-4o-mini"]);
    const chat = r.children[1];
    expect(chat).toMatchObject({
      parentSpanId: root.spanContext().spanId,
      kind: "client",
      status: "error",
      statusMessage: "upstream 429",
      runId: "run-otel-1",
      attributes: { "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 321, "gen_ai.usage.output_tokens": 54 },
    });
    expect(chat.events).toEqual([expect.objectContaining({ name: "retry", attributes: { attempt: 1 } })]);
    expect(chat.durationMs).toBeGreaterThan(0);
  });

  it("refuses the export of an org the caller does not belong to (the exporter gets a 403)", async () => {
    const exporter = new OTLPTraceExporter({ url: `${logging.url}/v1/traces`, headers: { authorization: `Bearer ${cast.bob.token}` } });
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": "intruder", "symbia.org_id": cast.alice.orgId }) });
    const span = provider.getTracer("t").startSpan("planted", {}, ROOT_CONTEXT);
    span.end();
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export([span as unknown as ReadableSpan], resolve));
    await exporter.shutdown();
    expect(result.code).toBe(1); // ExportResultCode.FAILED
    expect(String(result.error?.message)).toBe("Forbidden");
    expect((await call(`${logging.url}/api/traces/${span.spanContext().traceId}`, { token: cast.alice.token })).status).toBe(404);
  });
});

describe("POST /v1/logs (OTLP/HTTP JSON)", () => {
  it("maps severity, body, attributes, trace context and resource scoping", async () => {
    const traceId = randomBytes(16).toString("hex");
    const spanId = randomBytes(8).toString("hex");
    const nanos = BigInt(Date.now() - 1000) * 1_000_000n;
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "otel-shop" } }, { key: "deployment.environment", value: { stringValue: "staging" } }, { key: "symbia.data_class", value: { stringValue: "pii" } }] },
          scopeLogs: [
            {
              scope: { name: "app" },
              logRecords: [
                { timeUnixNano: String(nanos), severityNumber: 17, severityText: "ERROR", body: { stringValue: "payment failed for ada@example.com" }, attributes: [{ key: "order.id", value: { intValue: "991" } }, { key: "retry", value: { boolValue: true } }], traceId, spanId },
                { timeUnixNano: String(nanos + 1_000_000n), severityNumber: 9, body: { kvlistValue: { values: [{ key: "event", value: { stringValue: "checkout" } }] } } },
              ],
            },
          ],
        },
      ],
    };
    const res = await call(`${logging.url}/v1/logs`, { token: cast.alice.token, json: body });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ partialSuccess: {} });
    const read = await call(`${logging.url}/api/logs?service=otel-shop&env=staging`, { token: cast.alice.token });
    expect(read.body.items).toHaveLength(2);
    expect(read.body.items[1]).toMatchObject({ level: "error", message: "payment failed for ada@example.com", dataClass: "pii", traceId, spanId, fields: { "order.id": 991, retry: true }, timestamp: new Date(Number(nanos / 1_000_000n)).toISOString() });
    expect(read.body.items[0]).toMatchObject({ level: "info", message: '{"event":"checkout"}' });
    // The pii class set on the resource keeps the line from a member without the sensitive entitlement.
    expect((await call(`${logging.url}/api/logs?service=otel-shop`, { token: cast.carol.token })).body.items).toEqual([]);
  });
});
