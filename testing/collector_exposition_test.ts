/** @module Tests of testing/collector_exposition.ts's exposition writer. */

import assert from "node:assert/strict";
import { collectorExposition, goFloat } from "./collector_exposition.ts";
import type { ReceivedMetric } from "./otlp_decode.ts";
import { parsePrometheusText } from "./prometheus.ts";

Deno.test("goFloat writes values as Go's shortest 'g' format does", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [1, "1"],
    [0.005, "0.005"],
    [2.5, "2.5"],
    [123456, "123456"],
    [21450752, "2.1450752e+07"],
    [1e-5, "1e-05"],
    [0.00012, "0.00012"],
    [Infinity, "+Inf"],
    [NaN, "NaN"],
  ];
  for (const [value, expected] of cases) assert.equal(goFloat(value), expected, String(value));
});

const BASE = {
  description: "Test.",
  startTimeUnixNano: 0n,
  timeUnixNano: 0n,
  flags: 0,
  resource: { "service.name": "otel-board", "service.instance.id": "i-1", "host.name": "h" },
  scope: { name: "otel-board", version: "0.1.0" },
};

Deno.test("collectorExposition writes suffixed families with scope, job, instance and resource labels, and target_info", () => {
  const metrics: ReceivedMetric[] = [
    {
      ...BASE,
      name: "app.posts",
      unit: "{post}",
      type: "sum",
      monotonic: true,
      attributes: {},
      value: 2,
    },
    {
      ...BASE,
      name: "req.duration",
      unit: "s",
      type: "histogram",
      attributes: { "http.route": "/a" },
      count: 3,
      sum: 0.3,
      bucketCounts: [1, 2, 0],
      explicitBounds: [0.1, 1],
    },
  ];
  const text = collectorExposition(metrics, ["A header line", ""]);
  assert.match(text, /^# A header line\n#\n/);
  const families = new Map(parsePrometheusText(text).map((f) => [f.name, f]));
  assert.deepEqual([...families.keys()], [
    "app_posts_total",
    "req_duration_seconds",
    "target_info",
  ]);
  assert.equal(families.get("app_posts_total")!.type, "counter");
  const [posts] = families.get("app_posts_total")!.samples;
  assert.deepEqual(posts!.labels, {
    host_name: "h",
    instance: "i-1",
    job: "otel-board",
    otel_scope_name: "otel-board",
    otel_scope_schema_url: "",
    otel_scope_version: "0.1.0",
    service_instance_id: "i-1",
    service_name: "otel-board",
  });
  const buckets = families.get("req_duration_seconds")!.samples
    .filter((s) => s.name === "req_duration_seconds_bucket")
    .map((s) => [s.labels.le, s.value]);
  assert.deepEqual(buckets, [["0.1", 1], ["1", 3], ["+Inf", 3]]);
  assert.deepEqual(families.get("target_info")!.samples[0]!.labels, {
    host_name: "h",
    instance: "i-1",
    job: "otel-board",
  });
});
