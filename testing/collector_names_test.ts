/**
 * @module Tests of testing/collector_names.ts on the examples of the Collector's documentation
 * (contrib `pkg/translator/prometheus` README, "Full normalization" and "Labels") and of
 * otlptranslator v1.0.0's own tests.
 */

import assert from "node:assert/strict";
import {
  collectorLabelName,
  collectorMetricName,
  collectorMetricType,
  type OtlpInstrument,
} from "./collector_names.ts";

const gauge = (name: string, unit = ""): OtlpInstrument => ({ name, unit, kind: "gauge" });

Deno.test("collectorMetricName gives the names of the Collector README's normalisation table", () => {
  const cases: [OtlpInstrument, string][] = [
    [gauge("(lambda).function.executions(#)"), "lambda_function_executions"],
    [gauge("system.filesystem.usage", "By"), "system_filesystem_usage_bytes"],
    [gauge("system.network.dropped", "{packets}"), "system_network_dropped"],
    [gauge("system.network.dropped", "packets"), "system_network_dropped_packets"],
    [gauge("system.memory.utilization", "1"), "system_memory_utilization_ratio"],
    [gauge("storage.filesystem.utilization", "%"), "storage_filesystem_utilization_percent"],
    [gauge("astro.light.speed", "m/s"), "astro_light_speed_meters_per_second"],
    [
      { name: "system.processes.created", unit: "", kind: "monotonic_sum" },
      "system_processes_created_total",
    ],
  ];
  for (const [instrument, expected] of cases) {
    assert.equal(collectorMetricName(instrument), expected, JSON.stringify(instrument));
  }
});

Deno.test("collectorMetricName follows otlptranslator's cases: suffixes once, ratio for gauges only, per units", () => {
  const cases: [OtlpInstrument, string][] = [
    [gauge("metric@with#special$chars"), "metric_with_special_chars"],
    [gauge("123metric"), "_123metric"],
    [gauge("metric@@##$$name"), "metric_name"],
    [{ name: "requests", unit: "", kind: "monotonic_sum" }, "requests_total"],
    [gauge("cpu_usage", "1"), "cpu_usage_ratio"],
    [{ name: "items", unit: "1", kind: "monotonic_sum" }, "items_total"],
    [gauge("response_time", "ms"), "response_time_milliseconds"],
    [gauge("requests", "1/s"), "requests_per_second"],
    [gauge("throughput", "By/s"), "throughput_bytes_per_second"],
    [gauge("custom_metric", "custom_unit"), "custom_metric_custom_unit"],
    [gauge("custom_metric", "By/{custom}"), "custom_metric_bytes"],
    [{ name: "requests_total", unit: "", kind: "monotonic_sum" }, "requests_total"],
    [gauge("cpu_usage_ratio", "1"), "cpu_usage_ratio"],
    [gauge("response_time_seconds", "s"), "response_time_seconds"],
    [
      { name: "http.server.duration", unit: "s", kind: "histogram" },
      "http_server_duration_seconds",
    ],
    [{ name: "queue.size", unit: "1", kind: "non_monotonic_sum" }, "queue_size"],
  ];
  for (const [instrument, expected] of cases) {
    assert.equal(collectorMetricName(instrument), expected, JSON.stringify(instrument));
  }
  assert.throws(() => collectorMetricName(gauge("@#$%")), /normalises to ""/);
});

Deno.test("collectorMetricName names otel-board's own instruments as the Collector serves them", () => {
  const cases: [OtlpInstrument, string][] = [
    [
      { name: "http.server.request.duration", unit: "s", kind: "histogram" },
      "http_server_request_duration_seconds",
    ],
    [
      { name: "http.server.active_requests", unit: "{request}", kind: "non_monotonic_sum" },
      "http_server_active_requests",
    ],
    [
      { name: "system.cpu.time", unit: "s", kind: "monotonic_sum" },
      "system_cpu_time_seconds_total",
    ],
    [gauge("system.cpu.utilization", "1"), "system_cpu_utilization_ratio"],
    [
      { name: "system.memory.usage", unit: "By", kind: "non_monotonic_sum" },
      "system_memory_usage_bytes",
    ],
    [gauge("system.cpu.load_average.15m", "{thread}"), "system_cpu_load_average_15m"],
    [
      { name: "app.log_api.rows.written", unit: "{row}", kind: "monotonic_sum" },
      "app_log_api_rows_written_total",
    ],
    [
      { name: "http.server.duration", unit: "ms", kind: "histogram" },
      "http_server_duration_milliseconds",
    ],
  ];
  for (const [instrument, expected] of cases) {
    assert.equal(collectorMetricName(instrument), expected, JSON.stringify(instrument));
  }
});

Deno.test("collectorMetricType keeps a non-monotonic sum as a gauge", () => {
  assert.equal(collectorMetricType("monotonic_sum"), "counter");
  assert.equal(collectorMetricType("non_monotonic_sum"), "gauge");
  assert.equal(collectorMetricType("gauge"), "gauge");
  assert.equal(collectorMetricType("histogram"), "histogram");
});

Deno.test("collectorLabelName gives the labels of the Collector README and otlptranslator's cases", () => {
  const cases: [string, string][] = [
    ["name", "name"],
    ["host.name", "host_name"],
    ["host_name", "host_name"],
    ["2 cents", "key_2_cents"],
    ["label:with:colons", "label_with_colons"],
    ["label!with&special$chars)", "label_with_special_chars_"],
    ["_label_starting_with_underscore", "_label_starting_with_underscore"],
    ["__label_starting_with_2underscores", "_label_starting_with_2underscores"],
    ["label__with__double__underscores", "label_with_double_underscores"],
    ["__reserved__label__name__", "__reserved_label_name__"],
    ["http.response.status_code", "http_response_status_code"],
  ];
  for (const [attribute, expected] of cases) {
    assert.equal(collectorLabelName(attribute), expected, attribute);
  }
  for (const bad of ["", "__", "ようこそ"]) assert.throws(() => collectorLabelName(bad));
});
