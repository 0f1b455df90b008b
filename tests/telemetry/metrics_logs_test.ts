/** @module Tests for request/DB metrics, self-health counters, /metrics and OTLP log records, in process. */

import { SpanKind } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import {
  DataPointType,
  type HistogramMetricData,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import { parsePrometheusText } from "../../testing/prometheus.ts";
import { TELEMETRY, testApp } from "../../testing/test_app.ts";
import { DB_DURATION_BUCKETS, HTTP_DURATION_BUCKETS } from "../../telemetry/buckets.ts";

function histogram(metrics: Map<string, MetricData>, name: string): HistogramMetricData {
  const metric = metrics.get(name);
  assert.ok(metric, `no metric ${name} among ${[...metrics.keys()].join(", ")}`);
  assert.equal(metric.dataPointType, DataPointType.HISTOGRAM);
  return metric as HistogramMetricData;
}

function sumOf(
  metrics: Map<string, MetricData>,
  name: string,
  attrs: Record<string, unknown> = {},
) {
  const metric = metrics.get(name);
  assert.ok(metric, `no metric ${name}`);
  return metric.dataPoints
    .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + Number(p.value), 0);
}

Deno.test("http.server.request.duration is a seconds histogram with the semconv buckets, by method, route and status", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  for (let i = 0; i < 3; i++) await (await t.request("/board/5")).body?.cancel();
  await (await t.request("/board/0")).body?.cancel();
  await (await t.request("/nope")).body?.cancel();
  const metrics = await t.collectMetrics();
  const duration = histogram(metrics, "http.server.request.duration");
  assert.equal(duration.descriptor.unit, "s");
  const ok = duration.dataPoints.find((p) =>
    p.attributes["http.route"] === "/board/:count" &&
    p.attributes["http.response.status_code"] === 200
  );
  assert.ok(ok, "a point for GET /board/:count 200");
  assert.equal(ok.attributes["http.request.method"], "GET");
  assert.equal(ok.attributes["url.scheme"], "http");
  assert.equal(ok.value.count, 3);
  assert.deepEqual(ok.value.buckets.boundaries, [...HTTP_DURATION_BUCKETS]);
  assert.ok(ok.value.sum! > 0 && ok.value.sum! < 3, `seconds, not milliseconds: ${ok.value.sum}`);
  const bad = duration.dataPoints.find((p) => p.attributes["http.response.status_code"] === 400);
  assert.equal(bad?.value.count, 1);
  const unrouted = duration.dataPoints.find((p) =>
    p.attributes["http.response.status_code"] === 404
  );
  assert.equal(unrouted?.attributes["http.route"], undefined, "no route attribute for a 404");
  assert.equal(sumOf(metrics, "http.server.active_requests"), 0, "every request finished");
  assert.equal(metrics.get("http.server.active_requests")?.descriptor.unit, "{request}");
});

Deno.test("A request in flight shows in http.server.active_requests", async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  await using t = await testApp({ settings: TELEMETRY });
  // A body that arrives slowly keeps the request in flight (the body limit reads it).
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await held;
      controller.close();
    },
  });
  const pending = t.request("/board/5", { method: "POST", body });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(sumOf(await t.collectMetrics(), "http.server.active_requests"), 1);
  release();
  await (await pending).body?.cancel();
  assert.equal(sumOf(await t.collectMetrics(), "http.server.active_requests"), 0);
});

Deno.test("db.client.operation.duration is a seconds histogram with the DB buckets, by operation and table", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  await (await t.request("/board/5")).body?.cancel();
  await (await t.request("/log")).body?.cancel();
  const duration = histogram(await t.collectMetrics(), "db.client.operation.duration");
  assert.equal(duration.descriptor.unit, "s");
  const select = duration.dataPoints.find((p) =>
    p.attributes["db.query.summary"] === "SELECT log_api"
  );
  assert.ok(select);
  assert.deepEqual(select.attributes, {
    "db.system.name": "sqlite",
    "db.operation.name": "SELECT",
    "db.query.summary": "SELECT log_api",
    "db.collection.name": "log_api",
  });
  // Issue 13 item 6: the posts query joins users, so its series has no db.collection.name.
  const posts = duration.dataPoints.find((p) =>
    p.attributes["db.query.summary"] === "SELECT board users"
  );
  assert.deepEqual(posts?.attributes, {
    "db.system.name": "sqlite",
    "db.operation.name": "SELECT",
    "db.query.summary": "SELECT board users",
  });
  assert.deepEqual(select.value.buckets.boundaries, [...DB_DURATION_BUCKETS]);
  assert.ok(
    duration.dataPoints.every((p) => !("db.query.text" in p.attributes)),
    "no high-cardinality query text on the metric",
  );
});

Deno.test("app.log_api.rows.written counts rows once they are in the database", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  for (let i = 0; i < 4; i++) await (await t.request("/board/1")).body?.cancel();
  await t.logApiWriter.flush();
  const metrics = await t.collectMetrics();
  assert.equal(sumOf(metrics, "app.log_api.rows.written"), 4);
  assert.equal(sumOf(metrics, "app.log_api.rows.failed"), 0);
  assert.equal(metrics.get("app.log_api.rows.written")?.descriptor.unit, "{row}");
});

Deno.test("A full span queue is counted in app.telemetry.dropped{signal=traces}", async () => {
  await using t = await testApp({
    settings: {
      ...TELEMETRY,
      OTEL_BSP_SCHEDULE_DELAY: "600000",
      OTEL_BSP_MAX_QUEUE_SIZE: "5",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "5",
    },
  });
  for (let i = 0; i < 10; i++) await (await t.request("/board/1")).body?.cancel();
  const metrics = await t.collectMetrics();
  const dropped = sumOf(metrics, "app.telemetry.dropped", { signal: "traces" });
  assert.ok(dropped > 0, "spans beyond the queue were dropped and counted");
  const kept = (await t.finishedSpans()).length;
  assert.ok(kept <= 10, `the queue held at most its size plus one batch: ${kept}`);
  assert.equal(
    sumOf(metrics, "otel.sdk.processor.span.processed", { "error.type": "queue_full" }),
    dropped,
    "the same drops the SDK's own metric reports",
  );
});

Deno.test("Log records written during a request carry its trace and span ids", async () => {
  await using t = await testApp({
    settings: TELEMETRY,
    board: {
      latest: () => {
        throw new TypeError("boom");
      },
    },
  });
  await (await t.request("/board/5")).body?.cancel();
  const server = (await t.finishedSpans()).find((s) => s.kind === SpanKind.SERVER)!;
  const records = await t.finishedLogs();
  const failed = records.find((r) => r.body === "Request failed");
  assert.ok(failed, `records: ${records.map((r) => r.body).join(", ")}`);
  assert.equal(failed.severityNumber, SeverityNumber.ERROR);
  assert.equal(failed.severityText, "ERROR");
  assert.equal(failed.spanContext?.traceId, server.spanContext().traceId);
  assert.equal(failed.spanContext?.spanId, server.spanContext().spanId);
  assert.equal(failed.attributes["exception.type"], "TypeError");
  assert.equal(failed.attributes["exception.message"], "boom");
  assert.equal(failed.attributes["code.file.path"], "http/errors.ts");
  // The access record: one, at ERROR for the 500, inside the same SERVER span.
  const served = records.filter((r) =>
    r.attributes["code.file.path"] === "http/log_api_middleware.ts"
  );
  assert.equal(served.length, 1, `records: ${records.map((r) => r.body).join(", ")}`);
  assert.equal(served[0]?.body, "GET /board/5 500");
  assert.equal(served[0]?.severityNumber, SeverityNumber.ERROR);
  assert.equal(served[0]?.spanContext?.traceId, server.spanContext().traceId);
  assert.equal(served[0]?.spanContext?.spanId, server.spanContext().spanId);
  assert.equal(served[0]?.attributes["http.response.status_code"], 500);
  assert.equal(served[0]?.attributes["http.route"], "/board/:count");
});

Deno.test("GET /metrics answers Prometheus text with the request histogram, never logged or traced", async () => {
  await using t = await testApp({
    settings: { ...TELEMETRY, OTEL_METRICS_EXPORTER: "prometheus" },
  });
  await (await t.request("/board/5")).body?.cancel();
  const response = await t.request("/metrics");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusText(await response.text());
  const byName = new Map(families.map((f) => [f.name, f]));
  const duration = byName.get("http_server_request_duration");
  assert.equal(duration?.type, "histogram");
  const buckets = duration!.samples.filter((s) =>
    s.name.endsWith("_bucket") && s.labels.http_route === "/board/:count"
  );
  assert.deepEqual(buckets.map((s) => s.labels.le), [...HTTP_DURATION_BUCKETS.map(String), "+Inf"]);
  for (const name of ["system_cpu_utilization", "system_memory_usage", "process_memory_usage"]) {
    assert.ok(byName.has(name), `${name} in /metrics`);
  }
  assert.deepEqual(
    (await t.logRows()).map((r) => r.call_url),
    ["/board/5"],
    "/metrics is not audited",
  );
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.deepEqual(servers.map((s) => s.name), ["GET /board/:count"]);
});

Deno.test("Without the prometheus exporter, /metrics does not exist", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  assert.equal((await t.request("/metrics")).status, 404);
});
