/**
 * @module Exemplars end to end, with real processes: the server's OTLP metrics, decoded by the
 * independent receiver, link a request-duration bucket to the SERVER span it exported; and a real
 * Prometheus with exemplar storage scrapes /metrics as OpenMetrics and answers the trace id.
 */

import assert from "node:assert/strict";
import { HTTP_DURATION_BUCKETS } from "../../telemetry/buckets.ts";
import { allSignalsTo, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { poll } from "../../testing/poll.ts";
import {
  PROMETHEUS_POLL,
  prometheusAvailable,
  startPrometheus,
} from "../../testing/prometheus_server.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

Deno.test("The OTLP request-duration point of GET /board/5 carries, in its bucket, the trace and span id of the exported SERVER span", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(allSignalsTo(receiver.url), dir.path);
  const response = await fetch(`${server.baseUrl}/board/5`);
  await response.body?.cancel();
  const traceId = response.headers.get("x-trace-id");
  assert.ok(traceId !== null);

  const span = await receiver.waitFor(
    () => receiver.spans().find((s) => s.traceId === traceId && s.kind === "SERVER"),
    { what: "the SERVER span" },
  );
  const [point, exemplar] = await receiver.waitFor(() => {
    for (const point of receiver.metrics()) {
      if (point.name !== "http.server.request.duration") continue;
      const exemplar = point.exemplars?.find((e) => e.traceId === traceId);
      if (exemplar !== undefined) return [point, exemplar] as const;
    }
    return undefined;
  }, { what: "an exemplar of the request" });
  assert.equal(exemplar.spanId, span.spanId);
  assert.equal(point.attributes["http.route"], "/board/:count");
  const value = Number(exemplar.value);
  const bucket = HTTP_DURATION_BUCKETS.findIndex((bound) => value <= bound);
  const index = bucket === -1 ? HTTP_DURATION_BUCKETS.length : bucket;
  assert.ok(Number(point.bucketCounts?.[index]) >= 1, `bucket ${index} holds ${value} s`);
  const spanSeconds = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;
  assert.ok(value >= spanSeconds * 0.5 && value < spanSeconds + 1, `${value} s ~ the span`);
  assert.ok(exemplar.timeUnixNano >= span.startTimeUnixNano - 1_000_000n);
});

Deno.test("Prometheus with --enable-feature=exemplar-storage scrapes the exemplars and answers the request's trace id", async () => {
  if (!await prometheusAvailable()) return;
  await using serverDir = await tempDir();
  await using prometheusDir = await tempDir();
  await using server = await startServer({ OTEL_METRICS_EXPORTER: "prometheus" }, serverDir.path);
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "scrape_configs:",
    "  - job_name: otel-board",
    "    static_configs:",
    `      - targets: ["127.0.0.1:${server.port}"]`,
    "",
  ].join("\n");
  await using prometheus = await startPrometheus(config, prometheusDir.path, {
    args: ["--enable-feature=exemplar-storage"],
  });
  const started = Date.now() / 1000 - 60;
  const response = await fetch(`${server.baseUrl}/board/5`);
  await response.body?.cancel();
  const traceId = response.headers.get("x-trace-id");
  assert.ok(traceId !== null);

  const found = await poll(async () => {
    const query = encodeURIComponent("http_server_request_duration_bucket");
    const answer = await fetch(
      `${prometheus.url}/api/v1/query_exemplars?query=${query}&start=${started}&end=${
        Date.now() / 1000 + 60
      }`,
    );
    const body = await answer.json() as {
      status: string;
      data: {
        seriesLabels: Record<string, string>;
        exemplars: { labels: Record<string, string>; value: string }[];
      }[];
    };
    assert.equal(body.status, "success");
    for (const series of body.data) {
      const exemplar = series.exemplars.find((e) => e.labels.trace_id === traceId);
      if (exemplar !== undefined) return { series: series.seriesLabels, exemplar };
    }
    return undefined;
  }, { ...PROMETHEUS_POLL, what: "Prometheus to answer the request's exemplar" });
  assert.equal(found.series.http_route, "/board/:count");
  assert.match(found.exemplar.labels.span_id ?? "", /^[0-9a-f]{16}$/);
  // The scrape went through the OpenMetrics parser without errors.
  const up = await prometheus.query('up{job="otel-board"}');
  assert.equal(up[0]?.value, "1");
});
