import assert from "node:assert/strict";
import { explainFailure } from "../../commands/check_telemetry_advice.ts";
import { checkTelemetry } from "../../commands/check_telemetry.ts";
import { parseSettings } from "../../config/load.ts";
import { startOtlpReceiver } from "../../testing/otlp_receiver.ts";

const EVERY_SIGNAL = {
  OTEL_TRACES_EXPORTER: "otlp",
  OTEL_METRICS_EXPORTER: "otlp",
  OTEL_LOGS_EXPORTER: "otlp",
};

/** A resolver that knows no name at all, as a DNS server would answer for a name that is not there. */
function nothingResolves(asked: string[]) {
  return (hostname: string): Promise<unknown> => {
    asked.push(hostname);
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: "ENOTFOUND",
    });
    return Promise.reject(error);
  };
}

Deno.test("checkTelemetry: a host name that does not resolve is a DNS failure naming the endpoint setting, and nothing is sent", async () => {
  const asked: string[] = [];
  const report = await checkTelemetry({
    ...EVERY_SIGNAL,
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.invalid:4318",
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://logs.invalid:3100/otlp/v1/logs",
  }, { resolve: nothingResolves(asked) });
  assert.equal(report.ok, false);
  assert.deepEqual(asked.sort(), ["collector.invalid", "collector.invalid", "logs.invalid"]);
  const [, traces, metrics, logs] = report.lines;
  assert.equal(
    traces,
    'traces   http://collector.invalid:4318/v1/traces  FAILED: DNS: cannot resolve "collector.invalid" — ' +
      "fix the host name in OTEL_EXPORTER_OTLP_ENDPOINT (or this machine's DNS or hosts file)",
  );
  assert.match(metrics!, /FAILED: DNS: cannot resolve "collector\.invalid"/);
  assert.match(
    logs!,
    /FAILED: DNS: cannot resolve "logs\.invalid" — fix the host name in OTEL_EXPORTER_OTLP_LOGS_ENDPOINT/,
  );
});

Deno.test("checkTelemetry asks the resolver about host names only (not IP addresses), and sends once it resolves", async () => {
  await using receiver = await startOtlpReceiver();
  const asked: string[] = [];
  const report = await checkTelemetry({
    ...EVERY_SIGNAL,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://localhost:${receiver.port}/v1/traces`,
  }, {
    resolve: (hostname) => {
      asked.push(hostname);
      return Promise.resolve();
    },
  });
  assert.equal(report.ok, true, report.lines.join("\n"));
  assert.deepEqual(asked, ["localhost"]);
  assert.equal(receiver.spans().length, 1);
});

Deno.test("checkTelemetry with OTEL_SDK_DISABLED=true reports every signal not configured, and passes", async () => {
  const report = await checkTelemetry({ ...EVERY_SIGNAL, OTEL_SDK_DISABLED: "true" });
  assert.equal(report.ok, true);
  assert.deepEqual(report.lines, [
    "traces   not configured (OTEL_SDK_DISABLED=true)",
    "metrics  not configured (OTEL_SDK_DISABLED=true)",
    "logs     not configured (OTEL_SDK_DISABLED=true)",
  ]);
});

// What each answer of a collector is explained as (for metrics): the words that must be there.
const STATUS_ADVICE: readonly [string, number, Record<string, string>, RegExp][] = [
  [
    "400 asks whether the endpoint is the OTLP/HTTP one",
    400,
    {},
    /^400 Bad Request — .*OTLP\/HTTP address \(port 4318, not gRPC on 4317\)/,
  ],
  [
    "401 says no headers were sent",
    401,
    {},
    /^401 Unauthorized — .*OTEL_EXPORTER_OTLP_HEADERS \(no headers were sent\)$/,
  ],
  [
    "403 names the header names sent, not their values",
    403,
    { OTEL_EXPORTER_OTLP_HEADERS: "api-key=v" },
    /check the header values in OTEL_EXPORTER_OTLP_HEADERS \(headers sent: api-key, from OTEL_EXPORTER_OTLP_HEADERS\)$/,
  ],
  [
    "404 on a per-signal endpoint with the suffix twice says so",
    404,
    { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://c:4318/v1/metrics/v1/metrics" },
    /OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is used as given \(with \/v1\/metrics\), while OTEL_EXPORTER_OTLP_ENDPOINT gets \/v1\/metrics appended: did you add the suffix twice\?$/,
  ],
  [
    "404 on another per-signal path names the Collector's path",
    404,
    { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://c:4318/metrics" },
    /is used as given \(with \/v1\/metrics\): check the collector's OTLP\/HTTP path/,
  ],
  [
    "413 with gzip already on names the collector's limit only",
    413,
    { OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" },
    /request size limit \(nginx: client_max_body_size\)$/,
  ],
  [
    "503 names the per-signal timeout it was retried within",
    503,
    { OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "2000" },
    /retried while OTEL_EXPORTER_OTLP_METRICS_TIMEOUT allowed/,
  ],
  [
    "500 sends the operator to the collector's logs",
    500,
    {},
    /^500 Internal Server Error — the collector failed: look at its logs$/,
  ],
  [
    "an unexpected status names the endpoint",
    418,
    {},
    /^418 — unexpected answer: check OTEL_EXPORTER_OTLP_ENDPOINT$/,
  ],
];

for (const [what, status, env, says] of STATUS_ADVICE) {
  Deno.test(`explainFailure: ${what}`, () => {
    const config = parseSettings(env);
    const text = explainFailure(
      { kind: "status", status, statusText: "" },
      { signal: "metrics", env, config },
    );
    assert.match(text, says);
  });
}

Deno.test("explainFailure: a metric timeout capped by OTEL_METRIC_EXPORT_TIMEOUT names that setting", () => {
  const env = { OTEL_METRIC_EXPORT_TIMEOUT: "500" };
  const text = explainFailure({ kind: "timeout", timeoutMs: 500 }, {
    signal: "metrics",
    env,
    config: parseSettings(env),
  });
  assert.match(text, /raise OTEL_METRIC_EXPORT_TIMEOUT \(it caps every metric request\)$/);
});

Deno.test("checkTelemetry: a CA file that cannot be read fails each signal naming the certificate setting", async () => {
  const report = await checkTelemetry({
    ...EVERY_SIGNAL,
    OTEL_EXPORTER_OTLP_ENDPOINT: "https://127.0.0.1:4318",
    OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: "/nonexistent/ca.pem",
    OTEL_TRACES_EXPORTER: "none",
    OTEL_METRICS_EXPORTER: "none",
  });
  assert.equal(report.ok, false);
  assert.match(
    report.lines[3]!,
    /^logs +https:\/\/127\.0\.0\.1:4318\/v1\/logs {2}FAILED: Cannot read the OTLP CA certificate "\/nonexistent\/ca\.pem".* — fix OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE$/,
  );
});
