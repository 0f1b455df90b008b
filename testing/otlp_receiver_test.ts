/**
 * @module Tests of the OTLP test receiver: its decoder against hand-encoded requests and real
 * SDK output, its answer modes, TLS and recorded headers.
 */

import assert from "node:assert/strict";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
// Only these tests need the metrics and logs SDKs, so they stay out of the import map.
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import { SeverityNumber } from "@opentelemetry/api-logs";
import {
  decodeLogs,
  decodeMetrics,
  decodeTraces,
  encodeOtlpRequest,
  type ReceivedSpan,
} from "./otlp_decode.ts";
import { startOtlpReceiver, TEST_CA_PATH } from "./otlp_receiver.ts";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const PARENT_SPAN_ID = "b7ad6b7169203331";
const CHILD_SPAN_ID = "00f067aa0ba902b7";

function bytesOfHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** POSTs an OTLP body and returns the status and body bytes of the answer. */
async function post(
  url: string,
  body: Uint8Array,
  init: { headers?: Record<string, string>; client?: Deno.HttpClient; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
  const response = await fetch(url, {
    method: "POST",
    body: body as Uint8Array<ArrayBuffer>,
    headers: { "content-type": "application/x-protobuf", ...init.headers },
    ...(init.client ? { client: init.client } : {}),
    ...(init.signal ? { signal: init.signal } : {}),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

function exportResult(status: number): ExportResult {
  return status === 200
    ? { code: ExportResultCode.SUCCESS }
    : { code: ExportResultCode.FAILED, error: new Error(`OTLP export answered ${status}`) };
}

function failed(error: unknown): ExportResult {
  return {
    code: ExportResultCode.FAILED,
    error: error instanceof Error ? error : new Error(String(error)),
  };
}

/** The smallest span exporter: the SDK's protobuf serializer, then fetch. */
function fetchSpanExporter(url: string): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      const body = ProtobufTraceSerializer.serializeRequest(spans) ?? new Uint8Array();
      post(`${url}/v1/traces`, body).then(
        ({ status }) => done(exportResult(status)),
        (error) => done(failed(error)),
      );
    },
    shutdown: () => Promise.resolve(),
  };
}

/** The smallest log record exporter: the SDK's protobuf serializer, then fetch. */
function fetchLogExporter(url: string): LogRecordExporter {
  return {
    export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
      const body = ProtobufLogsSerializer.serializeRequest(logs) ?? new Uint8Array();
      post(`${url}/v1/logs`, body).then(
        ({ status }) => done(exportResult(status)),
        (error) => done(failed(error)),
      );
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

/** A metric reader whose only job is to hand out what `collect()` gathered. */
class CollectingMetricReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

function keyValue(key: string, value: Record<string, unknown>): Record<string, unknown> {
  return { key, value };
}

/** A hand-built ExportTraceServiceRequest: a SERVER parent and an INTERNAL child. */
function handBuiltTraceRequest(): Record<string, unknown> {
  return {
    resourceSpans: [{
      resource: {
        attributes: [
          keyValue("service.name", { stringValue: "otel-board" }),
          keyValue("service.instance.id", { stringValue: "instance-1" }),
        ],
      },
      scopeSpans: [{
        scope: { name: "hand-built", version: "0.0.1" },
        spans: [
          {
            traceId: bytesOfHex(TRACE_ID),
            spanId: bytesOfHex(PARENT_SPAN_ID),
            traceState: "vendor=abc",
            flags: 0x101,
            name: "GET /board/:count",
            kind: 2,
            startTimeUnixNano: "1735732800000000000",
            endTimeUnixNano: "1735732800005000000",
            attributes: [
              keyValue("http.request.method", { stringValue: "GET" }),
              keyValue("app.cached", { boolValue: false }),
              keyValue("http.response.status_code", { intValue: 200 }),
              keyValue("app.big", { intValue: "-9007199254740993" }),
              keyValue("app.ratio", { doubleValue: 0.25 }),
              keyValue("app.tags", {
                arrayValue: { values: [{ stringValue: "a" }, { intValue: 7 }] },
              }),
              keyValue("app.map", {
                kvlistValue: { values: [keyValue("inner", { boolValue: true })] },
              }),
              keyValue("app.raw", { bytesValue: new Uint8Array([0, 1, 254, 255]) }),
              { key: "app.empty", value: {} },
            ],
            links: [{ traceId: bytesOfHex("1".repeat(32)), spanId: bytesOfHex("2".repeat(16)) }],
            status: { code: 1 },
          },
          {
            traceId: bytesOfHex(TRACE_ID),
            spanId: bytesOfHex(CHILD_SPAN_ID),
            parentSpanId: bytesOfHex(PARENT_SPAN_ID),
            name: "SELECT board",
            kind: "SPAN_KIND_INTERNAL",
            startTimeUnixNano: 1735732800001000000n,
            endTimeUnixNano: 18446744073709551615n,
            events: [{
              timeUnixNano: "1735732800002000000",
              name: "exception",
              attributes: [keyValue("exception.message", { stringValue: "disk I/O error" })],
            }],
            status: { code: 2, message: "disk I/O error" },
          },
        ],
      }],
    }],
  };
}

function expectedHandBuiltSpans(): ReceivedSpan[] {
  const resource = { "service.name": "otel-board", "service.instance.id": "instance-1" };
  const scope = { name: "hand-built", version: "0.0.1" };
  return [
    {
      traceId: TRACE_ID,
      spanId: PARENT_SPAN_ID,
      parentSpanId: "",
      name: "GET /board/:count",
      kind: "SERVER",
      startTimeUnixNano: 1735732800000000000n,
      endTimeUnixNano: 1735732800005000000n,
      attributes: {
        "http.request.method": "GET",
        "app.cached": false,
        "http.response.status_code": 200,
        "app.big": -9007199254740993n,
        "app.ratio": 0.25,
        "app.tags": ["a", 7],
        "app.map": { inner: true },
        "app.raw": new Uint8Array([0, 1, 254, 255]),
        "app.empty": null,
      },
      events: [],
      links: [{ traceId: "1".repeat(32), spanId: "2".repeat(16) }],
      status: { code: "OK", message: "" },
      traceState: "vendor=abc",
      flags: 0x101,
      resource,
      scope,
    },
    {
      traceId: TRACE_ID,
      spanId: CHILD_SPAN_ID,
      parentSpanId: PARENT_SPAN_ID,
      name: "SELECT board",
      kind: "INTERNAL",
      startTimeUnixNano: 1735732800001000000n,
      endTimeUnixNano: 18446744073709551615n,
      attributes: {},
      events: [{
        name: "exception",
        timeUnixNano: 1735732800002000000n,
        attributes: { "exception.message": "disk I/O error" },
      }],
      links: [],
      status: { code: "ERROR", message: "disk I/O error" },
      traceState: "",
      flags: 0,
      resource,
      scope,
    },
  ];
}

Deno.test("A hand-encoded trace request is decoded field for field, plain and gzipped", async () => {
  await using receiver = await startOtlpReceiver();
  const body = encodeOtlpRequest("traces", handBuiltTraceRequest());

  const plain = await post(`${receiver.url}/v1/traces`, body);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("content-type"), "application/x-protobuf");
  assert.equal(plain.body.byteLength, 0, "an empty ExportTraceServiceResponse");
  assert.deepEqual(receiver.spans(), expectedHandBuiltSpans());

  const gzipped = await gzip(body);
  const compressed = await post(`${receiver.url}/v1/traces`, gzipped, {
    headers: { "content-encoding": "gzip" },
  });
  assert.equal(compressed.status, 200);
  assert.deepEqual(receiver.spans(), [...expectedHandBuiltSpans(), ...expectedHandBuiltSpans()]);

  const [first, second] = receiver.requests;
  assert.equal(first?.contentEncoding, null);
  assert.equal(first?.bodyBytes, body.byteLength);
  assert.equal(second?.contentEncoding, "gzip");
  assert.equal(second?.bodyBytes, gzipped.byteLength);
  assert.equal(second?.signal, "traces");
  assert.equal(second?.path, "/v1/traces");
  assert.equal(second?.contentType, "application/x-protobuf");
  assert.equal(second?.accepted, true);
  assert.deepEqual(decodeTraces(body), expectedHandBuiltSpans());
});

Deno.test("decodeMetrics reads gauge, sum and histogram points of a hand-encoded request", () => {
  const point = { startTimeUnixNano: "1000", timeUnixNano: "2000" };
  const body = encodeOtlpRequest("metrics", {
    resourceMetrics: [{
      resource: { attributes: [keyValue("service.name", { stringValue: "otel-board" })] },
      scopeMetrics: [{
        scope: { name: "metrics-scope", version: "2.0.0" },
        metrics: [
          {
            name: "app.queue.depth",
            unit: "{row}",
            gauge: { dataPoints: [{ ...point, asInt: "9007199254740993" }] },
          },
          {
            name: "app.posts.created",
            description: "Posts created",
            sum: {
              aggregationTemporality: 1,
              isMonotonic: true,
              dataPoints: [{
                ...point,
                asDouble: 2.5,
                attributes: [keyValue("app.kind", { stringValue: "demo" })],
              }],
            },
          },
          {
            name: "http.server.request.duration",
            unit: "s",
            histogram: {
              aggregationTemporality: 2,
              dataPoints: [
                {
                  ...point,
                  count: "4",
                  sum: 2.5625,
                  min: 0.0625,
                  max: 2,
                  bucketCounts: ["1", "2", "0", "1"],
                  explicitBounds: [0.1, 0.5, 1],
                  flags: 1,
                },
                { ...point, count: "0", bucketCounts: [], explicitBounds: [] },
              ],
            },
          },
        ],
      }],
    }],
  });
  const resource = { "service.name": "otel-board" };
  const scope = { name: "metrics-scope", version: "2.0.0" };
  const times = { startTimeUnixNano: 1000n, timeUnixNano: 2000n, resource, scope };
  assert.deepEqual(decodeMetrics(body), [
    {
      name: "app.queue.depth",
      description: "",
      unit: "{row}",
      type: "gauge",
      attributes: {},
      value: 9007199254740993n,
      flags: 0,
      ...times,
    },
    {
      name: "app.posts.created",
      description: "Posts created",
      unit: "",
      type: "sum",
      monotonic: true,
      temporality: "DELTA",
      attributes: { "app.kind": "demo" },
      value: 2.5,
      flags: 0,
      ...times,
    },
    {
      name: "http.server.request.duration",
      description: "",
      unit: "s",
      type: "histogram",
      temporality: "CUMULATIVE",
      attributes: {},
      count: 4,
      sum: 2.5625,
      min: 0.0625,
      max: 2,
      bucketCounts: [1, 2, 0, 1],
      explicitBounds: [0.1, 0.5, 1],
      flags: 1,
      ...times,
    },
    {
      name: "http.server.request.duration",
      description: "",
      unit: "s",
      type: "histogram",
      temporality: "CUMULATIVE",
      attributes: {},
      count: 0,
      bucketCounts: [],
      explicitBounds: [],
      flags: 0,
      ...times,
    },
  ]);
});

Deno.test("decodeLogs reads every field of a hand-encoded log record", () => {
  const body = encodeOtlpRequest("logs", {
    resourceLogs: [{
      resource: { attributes: [keyValue("service.name", { stringValue: "otel-board" })] },
      scopeLogs: [{
        scope: { name: "logs-scope", version: "3.0.0" },
        logRecords: [
          {
            timeUnixNano: "1735732800000000001",
            observedTimeUnixNano: "1735732800000000002",
            severityNumber: 17,
            severityText: "ERROR",
            body: { kvlistValue: { values: [keyValue("msg", { stringValue: "boom" })] } },
            attributes: [keyValue("app.attempt", { intValue: 3 })],
            flags: 1,
            traceId: bytesOfHex(TRACE_ID),
            spanId: bytesOfHex(CHILD_SPAN_ID),
            eventName: "app.failure",
          },
          { body: { stringValue: "bare" } },
        ],
      }],
    }],
  });
  const resource = { "service.name": "otel-board" };
  const scope = { name: "logs-scope", version: "3.0.0" };
  assert.deepEqual(decodeLogs(body), [
    {
      timeUnixNano: 1735732800000000001n,
      observedTimeUnixNano: 1735732800000000002n,
      severityNumber: 17,
      severityText: "ERROR",
      body: { msg: "boom" },
      attributes: { "app.attempt": 3 },
      traceId: TRACE_ID,
      spanId: CHILD_SPAN_ID,
      flags: 1,
      eventName: "app.failure",
      resource,
      scope,
    },
    {
      timeUnixNano: 0n,
      observedTimeUnixNano: 0n,
      severityNumber: 0,
      severityText: "",
      body: "bare",
      attributes: {},
      traceId: "",
      spanId: "",
      flags: 0,
      eventName: "",
      resource,
      scope,
    },
  ]);
});

Deno.test("Spans from the SDK's protobuf serializer arrive with ids, parent, kind and resource", async () => {
  await using receiver = await startOtlpReceiver();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "otel-board-test", "app.node": 4 }),
    spanProcessors: [new SimpleSpanProcessor(fetchSpanExporter(receiver.url))],
  });
  const tracer = provider.getTracer("receiver-test", "1.2.3");
  const parent = tracer.startSpan("GET /board/:count", {
    kind: SpanKind.SERVER,
    attributes: {
      "http.request.method": "GET",
      "http.response.status_code": 200,
      "app.cached": true,
      "app.ratio": 0.5,
      "app.tags": ["a", "b"],
    },
  });
  const child = tracer.startSpan(
    "SELECT board",
    { kind: SpanKind.CLIENT },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.addEvent("rows", { "db.rows": 3 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
  child.end();
  parent.end();
  await provider.forceFlush();
  const spans = await receiver.waitFor(
    () => receiver.spans().length === 2 && receiver.spans(),
    { what: "two spans" },
  );
  await provider.shutdown();

  const server = spans.find((span) => span.name === "GET /board/:count");
  const client = spans.find((span) => span.name === "SELECT board");
  assert.ok(server && client, "both spans arrived");
  assert.equal(server.traceId, parent.spanContext().traceId);
  assert.match(server.traceId, /^[0-9a-f]{32}$/);
  assert.equal(server.spanId, parent.spanContext().spanId);
  assert.equal(server.parentSpanId, "");
  assert.equal(server.kind, "SERVER");
  assert.equal(server.flags & 0xff, TraceFlags.SAMPLED);
  assert.deepEqual(server.attributes, {
    "http.request.method": "GET",
    "http.response.status_code": 200,
    "app.cached": true,
    "app.ratio": 0.5,
    "app.tags": ["a", "b"],
  });
  assert.equal(server.resource["service.name"], "otel-board-test");
  assert.equal(server.resource["app.node"], 4);
  assert.deepEqual(server.scope, { name: "receiver-test", version: "1.2.3" });
  assert.ok(server.endTimeUnixNano >= server.startTimeUnixNano);
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  assert.ok(nowNs - server.startTimeUnixNano < 60_000_000_000n, "start time is recent");

  assert.equal(client.traceId, server.traceId);
  assert.equal(client.parentSpanId, server.spanId);
  assert.equal(client.kind, "CLIENT");
  assert.deepEqual(client.events.map(({ name, attributes }) => ({ name, attributes })), [
    { name: "rows", attributes: { "db.rows": 3 } },
  ]);
  assert.deepEqual(client.status, { code: "ERROR", message: "boom" });
});

Deno.test("A histogram from the SDK's protobuf serializer arrives with its buckets", async () => {
  await using receiver = await startOtlpReceiver();
  const reader = new CollectingMetricReader();
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": "otel-board-test" }),
    readers: [reader],
  });
  const histogram = meterProvider.getMeter("receiver-test", "1.2.3").createHistogram(
    "http.server.request.duration",
    {
      unit: "s",
      description: "Duration of HTTP server requests.",
      advice: { explicitBucketBoundaries: [0.1, 0.5, 1] },
    },
  );
  for (const seconds of [0.0625, 0.25, 0.25, 2]) {
    histogram.record(seconds, { "http.request.method": "GET" });
  }
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  assert.ok(body);
  assert.equal((await post(`${receiver.url}/v1/metrics`, body)).status, 200);
  await meterProvider.shutdown();

  const [point, ...rest] = receiver.metrics();
  assert.equal(rest.length, 0);
  assert.ok(point);
  assert.equal(point.name, "http.server.request.duration");
  assert.equal(point.description, "Duration of HTTP server requests.");
  assert.equal(point.unit, "s");
  assert.equal(point.type, "histogram");
  assert.equal(point.temporality, "CUMULATIVE");
  assert.deepEqual(point.attributes, { "http.request.method": "GET" });
  assert.equal(point.count, 4);
  assert.equal(point.sum, 2.5625);
  assert.equal(point.min, 0.0625);
  assert.equal(point.max, 2);
  assert.deepEqual(point.explicitBounds, [0.1, 0.5, 1]);
  assert.deepEqual(point.bucketCounts, [1, 2, 0, 1]);
  assert.ok(point.timeUnixNano >= point.startTimeUnixNano && point.startTimeUnixNano > 0n);
  assert.equal(point.resource["service.name"], "otel-board-test");
  assert.deepEqual(point.scope, { name: "receiver-test", version: "1.2.3" });
});

Deno.test("A log record from the SDK's protobuf serializer arrives with its trace context", async () => {
  await using receiver = await startOtlpReceiver();
  const loggerProvider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "otel-board-test" }),
    processors: [new SimpleLogRecordProcessor({ exporter: fetchLogExporter(receiver.url) })],
  });
  const context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: CHILD_SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
  });
  loggerProvider.getLogger("receiver-test", "1.2.3").emit({
    timestamp: new Date("2025-01-01T12:00:00.123Z"),
    severityNumber: SeverityNumber.WARN,
    severityText: "WARN",
    body: "Disk almost full",
    attributes: { "app.free_bytes": 1024, "app.volume": "/data" },
    eventName: "app.disk.low",
    context,
  });
  await loggerProvider.forceFlush();
  const [log] = await receiver.waitFor(
    () => receiver.logs().length === 1 && receiver.logs(),
    { what: "one log record" },
  );
  await loggerProvider.shutdown();

  assert.ok(log);
  assert.equal(log.timeUnixNano, 1735732800123000000n);
  assert.ok(log.observedTimeUnixNano > 0n);
  assert.equal(log.severityNumber, SeverityNumber.WARN);
  assert.equal(log.severityText, "WARN");
  assert.equal(log.body, "Disk almost full");
  assert.deepEqual(log.attributes, { "app.free_bytes": 1024, "app.volume": "/data" });
  assert.equal(log.traceId, TRACE_ID);
  assert.equal(log.spanId, CHILD_SPAN_ID);
  assert.equal(log.flags, TraceFlags.SAMPLED);
  assert.equal(log.eventName, "app.disk.low");
  assert.equal(log.resource["service.name"], "otel-board-test");
  assert.deepEqual(log.scope, { name: "receiver-test", version: "1.2.3" });
});

Deno.test("In status mode the receiver answers 503 with Retry-After and records the request as not accepted", async () => {
  await using receiver = await startOtlpReceiver();
  receiver.setMode({ kind: "status", status: 503, retryAfterSeconds: 7 });
  const body = encodeOtlpRequest("traces", handBuiltTraceRequest());

  const refused = await post(`${receiver.url}/v1/traces`, body);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "7");
  assert.equal(receiver.requests[0]?.accepted, false);
  assert.deepEqual(receiver.spans(), []);
  assert.equal(receiver.spans({ includeRejected: true }).length, 2, "attempted spans are decoded");

  receiver.setMode({ kind: "status", status: 429 });
  const throttled = await post(`${receiver.url}/v1/traces`, body);
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get("retry-after"), null);

  receiver.setMode({ kind: "ok" });
  assert.equal((await post(`${receiver.url}/v1/traces`, body)).status, 200);
  assert.deepEqual(receiver.requests.map((request) => request.accepted), [false, false, true]);
  assert.equal(receiver.spans().length, 2);
});

Deno.test("In hang mode a request is held until the client gives up, and close() is still prompt", async () => {
  await using receiver = await startOtlpReceiver();
  receiver.setMode({ kind: "hang" });
  const body = encodeOtlpRequest("traces", handBuiltTraceRequest());
  await assert.rejects(
    post(`${receiver.url}/v1/traces`, body, { signal: AbortSignal.timeout(200) }),
    (error: unknown) => error instanceof DOMException && error.name === "TimeoutError",
  );
  assert.equal(receiver.requests.length, 1);
  assert.equal(receiver.requests[0]?.accepted, false);
  assert.equal(receiver.spans({ includeRejected: true }).length, 2);

  // A second held request is still open when the receiver closes.
  const pending = post(`${receiver.url}/v1/traces`, body);
  await receiver.waitFor(() => receiver.requests.length === 2, { what: "the second request" });
  const started = performance.now();
  await receiver.close();
  assert.ok(performance.now() - started < 1000, "close() did not wait for the held request");
  assert.equal((await pending).status, 503);
  await receiver.close();
});

Deno.test("Leaving hang mode answers the held requests by the new mode", async () => {
  await using receiver = await startOtlpReceiver();
  receiver.setMode({ kind: "hang" });
  const pending = post(
    `${receiver.url}/v1/traces`,
    encodeOtlpRequest("traces", handBuiltTraceRequest()),
  );
  await receiver.waitFor(() => receiver.requests.length === 1, { what: "the held request" });
  assert.deepEqual(receiver.spans(), []);
  receiver.setMode({ kind: "ok" });
  assert.equal((await pending).status, 200);
  assert.equal(receiver.spans().length, 2);
});

Deno.test("With tls the receiver serves HTTPS that a client trusting only the test CA accepts", async () => {
  await using receiver = await startOtlpReceiver({ tls: true });
  assert.match(receiver.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = encodeOtlpRequest("traces", handBuiltTraceRequest());
  using client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(TEST_CA_PATH)] });
  assert.equal((await post(`${receiver.url}/v1/traces`, body, { client })).status, 200);
  assert.equal(receiver.spans().length, 2);

  await assert.rejects(post(`${receiver.url}/v1/traces`, body), TypeError);
  assert.equal(receiver.requests.length, 1, "the untrusting client never got a request through");
});

Deno.test("Request headers such as x-api-key are recorded", async () => {
  await using receiver = await startOtlpReceiver();
  const body = encodeOtlpRequest("logs", { resourceLogs: [] });
  const answer = await post(`${receiver.url}/v1/logs`, body, {
    headers: { "x-api-key": "secret-for-tests", "user-agent": "otel-board-test/1" },
  });
  assert.equal(answer.status, 200);
  const [request] = receiver.requests;
  assert.equal(request?.signal, "logs");
  assert.equal(request?.headers.get("x-api-key"), "secret-for-tests");
  assert.equal(request?.headers.get("user-agent"), "otel-board-test/1");
});

Deno.test("A body that is not OTLP protobuf is answered 415 or 400 and recorded with the reason", async () => {
  await using receiver = await startOtlpReceiver();
  const json = await post(`${receiver.url}/v1/traces`, new TextEncoder().encode("{}"), {
    headers: { "content-type": "application/json" },
  });
  assert.equal(json.status, 415);
  const garbage = await post(`${receiver.url}/v1/metrics`, new Uint8Array([0x0a, 0xff, 0xff]));
  assert.equal(garbage.status, 400);
  assert.match(receiver.requests[0]?.decodeError ?? "", /content-type: application\/json/);
  assert.match(receiver.requests[1]?.decodeError ?? "", /^Cannot decode metrics request: /);
  assert.deepEqual(receiver.requests.map((request) => request.accepted), [false, false]);
});

Deno.test("waitFor names what it waited for when it times out", async () => {
  await using receiver = await startOtlpReceiver();
  await assert.rejects(
    receiver.waitFor(() => receiver.spans().length > 0, { timeoutMs: 50, what: "a span" }),
    /Timed out after 50 ms waiting for a span: the receiver got 0 request\(s\)/,
  );
});
