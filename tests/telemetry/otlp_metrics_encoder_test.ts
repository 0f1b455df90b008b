/**
 * @module Tests for the OTLP metrics encoder: the SDK serializer's request, field by field and
 * byte for byte, over a real collection of every instrument of the service and over every
 * metric kind; plus the exemplars of the request-duration histogram, which the SDK never writes.
 */

import assert from "node:assert/strict";
import { SpanKind, ValueType } from "@opentelemetry/api";
import { ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { OtlpMetricsEncoder } from "../../telemetry/otlp_metrics_encoder.ts";
import { HTTP_DURATION_BUCKETS } from "../../telemetry/buckets.ts";
import { decodeMetrics, type ReceivedMetric } from "../../testing/otlp_decode.ts";
import { TELEMETRY, type TestApp, testApp } from "../../testing/test_app.ts";

function sdkBytes(resourceMetrics: ResourceMetrics): Uint8Array {
  const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  assert.ok(bytes !== undefined);
  return bytes;
}

function withoutExemplars(points: ReceivedMetric[]): ReceivedMetric[] {
  return points.map(({ exemplars: _, ...point }) => point);
}

/** Requests that make every instrument of the service record (posts, search, log, accounts). */
async function exercise(t: TestApp): Promise<void> {
  const token = await t.signUp("alice");
  const requests: [string, RequestInit?][] = [
    ["/board/5"],
    ["/board/search?q=hello"],
    ["/board/0"],
    ["/log"],
    ["/nowhere"],
    ["/board", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Hello", content: "A post" }),
    }],
  ];
  for (const [path, init] of requests) await (await t.request(path, init)).body?.cancel();
}

Deno.test("A real collection of every instrument of the service encodes to the SDK serializer's bytes, and decodes to its fields", async () => {
  await using t = await testApp({ settings: { ...TELEMETRY } });
  await exercise(t);
  const resourceMetrics = await t.collectResourceMetrics();
  assert.ok(resourceMetrics !== undefined);
  const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor));
  for (const name of ["http.server.request.duration", "db.client.operation.duration"]) {
    assert.ok(names.some((d) => d.name === name), `${name} collected`);
  }
  const ours = new OtlpMetricsEncoder().encode(resourceMetrics);
  const sdk = sdkBytes(resourceMetrics);
  assert.deepEqual(decodeMetrics(ours), decodeMetrics(sdk));
  assert.deepEqual(ours, sdk);

  // With the app's exemplars: the same request once they are taken out.
  const withExemplars = decodeMetrics(new OtlpMetricsEncoder(t.exemplars).encode(resourceMetrics));
  assert.ok(withExemplars.some((p) => p.exemplars !== undefined), "some point has exemplars");
  assert.deepEqual(withoutExemplars(withExemplars), decodeMetrics(sdk));
});

Deno.test("Gauges, sums and histograms, int and double, delta and cumulative, every attribute type encode as the SDK does", async () => {
  for (const temporality of [AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE]) {
    const reader = new (class extends MetricReader {
      protected override onForceFlush = () => Promise.resolve();
      protected override onShutdown = () => Promise.resolve();
    })({ aggregationTemporalitySelector: () => temporality });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": "otel-board", "host.cores": 2 }),
      readers: [reader],
    });
    const meter = provider.getMeter("otel-board", "1.2.3", { schemaUrl: "https://x/1.0" });
    const other = provider.getMeter("other");
    const attributes = {
      text: "é ✓",
      yes: true,
      int: 7,
      negative: -3,
      big: 2 ** 40,
      double: 0.25,
      strings: ["a", "b"],
      numbers: [1, 2.5],
    };
    meter.createCounter("requests", { unit: "{request}", description: "Requests." })
      .add(3, attributes);
    meter.createCounter("bytes", { valueType: ValueType.INT }).add(2 ** 35, { a: "b" });
    meter.createUpDownCounter("queue", { valueType: ValueType.INT }).add(-5);
    meter.createGauge("temperature").record(-12.5, { room: "a" });
    meter.createGauge("offset", { valueType: ValueType.INT }).record(-(2 ** 40));
    meter.createObservableGauge("ratio", { unit: "1" }).addCallback((r) => r.observe(0.5));
    const histogram = meter.createHistogram("latency", {
      unit: "s",
      advice: { explicitBucketBoundaries: [0.1, 1] },
    });
    for (const value of [0.05, 0.5, 3]) histogram.record(value, { route: "/x" });
    other.createHistogram("empty.bounds", { advice: { explicitBucketBoundaries: [] } }).record(1);
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    const ours = new OtlpMetricsEncoder().encode(resourceMetrics);
    const sdk = sdkBytes(resourceMetrics);
    assert.deepEqual(decodeMetrics(ours), decodeMetrics(sdk), `temporality ${temporality}`);
    assert.deepEqual(ours, sdk, `temporality ${temporality}`);
    await provider.shutdown();
  }
});

Deno.test("Each request-duration bucket carries the trace and span of a sampled SERVER span whose duration falls in it", async () => {
  await using t = await testApp({ settings: { ...TELEMETRY } });
  for (let i = 0; i < 3; i++) await (await t.request("/board/5")).body?.cancel();
  await (await t.request("/nowhere")).body?.cancel();
  const resourceMetrics = await t.collectResourceMetrics();
  assert.ok(resourceMetrics !== undefined);
  const points = decodeMetrics(new OtlpMetricsEncoder(t.exemplars).encode(resourceMetrics))
    .filter((p) => p.name === "http.server.request.duration");
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(points.length, 2, "one series per route");
  for (const point of points) {
    const exemplars = point.exemplars ?? [];
    assert.ok(exemplars.length >= 1, `exemplars on ${point.attributes["http.route"]}`);
    for (const exemplar of exemplars) {
      const span = servers.find((s) => s.spanContext().spanId === exemplar.spanId);
      assert.ok(span !== undefined, "the exemplar names an exported SERVER span");
      assert.equal(exemplar.traceId, span.spanContext().traceId);
      assert.equal(span.attributes["http.route"], point.attributes["http.route"]);
      const value = Number(exemplar.value);
      const bucket = HTTP_DURATION_BUCKETS.findIndex((bound) => value <= bound);
      const index = bucket === -1 ? HTTP_DURATION_BUCKETS.length : bucket;
      assert.ok(Number(point.bucketCounts![index]) >= 1, `bucket ${index} counted ${value}`);
      assert.ok(exemplar.timeUnixNano >= point.startTimeUnixNano);
      assert.ok(exemplar.timeUnixNano <= point.timeUnixNano);
      assert.deepEqual(exemplar.filteredAttributes, {});
    }
    // One exemplar per bucket at most.
    assert.ok(exemplars.length <= Number(point.count));
  }
});

Deno.test("Requests of unsampled traces leave no exemplars", async () => {
  await using t = await testApp({ settings: { ...TELEMETRY, OTEL_TRACES_SAMPLER: "always_off" } });
  for (let i = 0; i < 3; i++) await (await t.request("/board/5")).body?.cancel();
  const resourceMetrics = await t.collectResourceMetrics();
  assert.ok(resourceMetrics !== undefined);
  const points = decodeMetrics(new OtlpMetricsEncoder(t.exemplars).encode(resourceMetrics))
    .filter((p) => p.name === "http.server.request.duration");
  assert.equal(points.length, 1);
  assert.equal(points[0]!.count, 3);
  assert.equal(points[0]!.exemplars, undefined);
});
