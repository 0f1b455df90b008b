/**
 * @module Tests for GET /metrics content negotiation: the plain Prometheus text by default, and
 * OpenMetrics (counter families, exemplars on the request-duration buckets, `# EOF`) when the
 * scraper prefers it.
 */

import assert from "node:assert/strict";
import { SpanKind } from "@opentelemetry/api";
import { preferredFormat } from "../../routes/metrics.ts";
import { HTTP_DURATION_BUCKETS } from "../../telemetry/buckets.ts";
import { TELEMETRY, testApp } from "../../testing/test_app.ts";

/** What Prometheus 2.x sends by default. */
const PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0," +
  "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

const EXEMPLAR_LINE =
  /^http_server_request_duration_bucket\{(?<labels>[^}]*)\} (?<count>\d+) # \{trace_id="(?<trace>[0-9a-f]{32})",span_id="(?<span>[0-9a-f]{16})"\} (?<value>[0-9.e-]+) (?<time>\d+(\.\d+)?)$/;

Deno.test("preferredFormat picks OpenMetrics only when the Accept header ranks it first", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "prometheus"],
    ["", "prometheus"],
    ["*/*", "prometheus"],
    ["text/plain;version=0.0.4", "prometheus"],
    [PROMETHEUS_ACCEPT, "openmetrics"],
    ["application/openmetrics-text", "openmetrics"],
    ["Application/OpenMetrics-Text; version=1.0.0", "openmetrics"],
    ["text/plain;q=0.9, application/openmetrics-text;q=0.5", "prometheus"],
    ["text/plain;q=0.5, application/openmetrics-text;q=0.9", "openmetrics"],
    ["application/openmetrics-text;q=0, text/plain", "prometheus"],
    ["text/plain, application/openmetrics-text", "prometheus"],
  ];
  for (const [accept, format] of cases) assert.equal(preferredFormat(accept), format, accept);
});

Deno.test("GET /metrics asked for OpenMetrics answers it: exemplars of sampled requests on the duration buckets, the same series as the text format, # EOF", async () => {
  await using t = await testApp({
    settings: { ...TELEMETRY, OTEL_METRICS_EXPORTER: "prometheus" },
  });
  await (await t.request("/board/5")).body?.cancel();
  await (await t.request("/board/5")).body?.cancel();
  await t.logRows(); // The call-log rows written, so no series appears between the two scrapes.
  const plain = await (await t.request("/metrics")).text();
  const response = await t.request("/metrics", { headers: { accept: PROMETHEUS_ACCEPT } });
  assert.equal(response.status, 200);
  assert.equal(
    response.headers.get("content-type"),
    "application/openmetrics-text; version=1.0.0; charset=utf-8",
  );
  const text = await response.text();
  assert.ok(text.endsWith("\n# EOF\n"), "ends with # EOF");
  assert.equal(text.match(/^# EOF$/gm)?.length, 1, "one # EOF");
  const lines = text.split("\n").slice(0, -2);

  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  const exemplars = lines.map((line) => EXEMPLAR_LINE.exec(line)?.groups).filter((g) =>
    g !== undefined
  );
  assert.ok(exemplars.length >= 1, "an exemplar line");
  for (const exemplar of exemplars) {
    const span = servers.find((s) => s.spanContext().spanId === exemplar.span);
    assert.ok(span !== undefined, "the exemplar names a SERVER span");
    assert.equal(exemplar.trace, span.spanContext().traceId);
    assert.match(exemplar.labels!, /http_route="\/board\/:count"/);
    const le = /le="([^"]+)"/.exec(exemplar.labels!)![1]!;
    const bound = le === "+Inf" ? Infinity : Number(le);
    const index = HTTP_DURATION_BUCKETS.indexOf(bound);
    const below = index <= 0 ? 0 : HTTP_DURATION_BUCKETS[index - 1]!;
    const value = Number(exemplar.value);
    assert.ok(value <= bound && value > below, `${value} in (${below}, ${le}]`);
    assert.ok(Math.abs(Number(exemplar.time) * 1000 - Date.now()) < 60_000, "seconds since epoch");
  }

  // Counters are families without _total, their samples with it; no # UNIT the name lacks.
  for (const line of lines.filter((l) => l.startsWith("# TYPE "))) {
    const [, , name, type] = line.split(" ");
    if (type === "counter") assert.ok(!name!.endsWith("_total"), line);
  }
  for (const line of lines.filter((l) => l.startsWith("# UNIT "))) {
    const [, , name, unit] = line.split(" ");
    assert.ok(name!.endsWith(`_${unit}`), line);
  }
  assert.ok(lines.includes("# TYPE target info"));

  // The same series (names and labels) as the plain text format, so queries hold for both.
  const series = (body: string) =>
    body.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) =>
      l.slice(0, l.lastIndexOf("}") + 1 || l.indexOf(" "))
    ).sort();
  const openMetricsSeries = lines.filter((l) => !l.startsWith("#")).map((l) =>
    l.replace(/ # \{.*$/, "")
  ).join("\n");
  assert.deepEqual(series(openMetricsSeries), series(plain));
});

Deno.test("GET /metrics without an OpenMetrics Accept header stays the Prometheus text format", async () => {
  await using t = await testApp({
    settings: { ...TELEMETRY, OTEL_METRICS_EXPORTER: "prometheus" },
  });
  await (await t.request("/board/5")).body?.cancel();
  const response = await t.request("/metrics", { headers: { accept: "text/plain" } });
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  assert.ok(!text.includes("# EOF"));
  assert.ok(!text.includes("trace_id="));
});
