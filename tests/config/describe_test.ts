/** @module Tests for the start-up line's description of the effective telemetry settings. */

import assert from "node:assert/strict";
import { describeTelemetry } from "../../config/describe.ts";
import { otelSettings } from "../../config/help.ts";
import { parse } from "./_otel.ts";

Deno.test("The start-up description names each setting by its variable and shows derived values", () => {
  const description = describeTelemetry(parse({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
    OTEL_TRACES_SAMPLER: "traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.25",
    OTEL_METRICS_EXPORTER: "prometheus",
    OTEL_LOGS_EXPORTER: "none",
  }));
  const variables = new Set(otelSettings().map((s) => s.env));
  for (const key of Object.keys(description)) assert.ok(variables.has(key), key);
  assert.equal(description.OTEL_SERVICE_NAME, "otel-board");
  assert.equal(description.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "http://collector:4318/v1/traces");
  assert.equal(description.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, "http://collector:4318/v1/logs");
  assert.equal(description.OTEL_TRACES_SAMPLER_ARG, 0.25);
  assert.equal(description.OTEL_METRICS_EXPORTER, "prometheus");
  assert.equal(description.OTEL_LOGS_EXPORTER, "none");
  assert.equal(description.OTEL_METRIC_EXPORT_INTERVAL, 60_000);
});

Deno.test("The start-up description shows OTLP header names, never their values", () => {
  const description = describeTelemetry(parse({
    OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20s3cret,x-team=board",
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: "x-logs-key=l0gs",
  }));
  const text = JSON.stringify(description);
  for (const secret of ["s3cret", "Bearer", "l0gs"]) assert.ok(!text.includes(secret), text);
  assert.deepEqual(description.OTEL_EXPORTER_OTLP_TRACES_HEADERS, ["authorization", "x-team"]);
  assert.deepEqual(description.OTEL_EXPORTER_OTLP_LOGS_HEADERS, [
    "authorization",
    "x-team",
    "x-logs-key",
  ]);
});

Deno.test("With OTEL_SDK_DISABLED the start-up description says only that", () => {
  assert.deepEqual(describeTelemetry(parse({ OTEL_SDK_DISABLED: "true" })), { disabled: true });
});
