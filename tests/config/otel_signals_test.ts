/** @module Tests for the OTEL_* exporter lists, the metric reader's interval and timeout, temporality and the sampler. */

import assert from "node:assert/strict";
import { otelError, parse } from "./_otel.ts";

// Trace exporters ---------------------------------------------------------------------------

Deno.test("OTEL_TRACES_EXPORTER takes otlp and/or console, or none", () => {
  const exporters = (value: string) => parse({ OTEL_TRACES_EXPORTER: value }).traces.exporters;
  assert.deepEqual(exporters("console"), ["console"]);
  assert.deepEqual(exporters("otlp, console"), ["otlp", "console"]);
  assert.deepEqual(exporters("OTLP,otlp"), ["otlp"]);
  assert.deepEqual(exporters("none"), []);
});

Deno.test("OTEL_TRACES_EXPORTER rejects zipkin, jaeger, unknown names and none with others", () => {
  const name = "OTEL_TRACES_EXPORTER";
  assert.match(otelError({ [name]: "zipkin" }, name), /zipkin is not supported here/);
  assert.match(otelError({ [name]: "otlp,jaeger" }, name), /jaeger is not supported here/);
  assert.match(otelError({ [name]: "otlp,kafka" }, name), /kafka is unknown/);
  assert.match(otelError({ [name]: "none,console" }, name), /none must be alone/);
  assert.match(otelError({ [name]: "," }, name), /must be a comma-separated list of otlp, console/);
});

Deno.test("With OTEL_TRACES_EXPORTER=none the OTLP settings are still validated", () => {
  otelError(
    { OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" },
    "OTEL_EXPORTER_OTLP_ENDPOINT",
  );
});

Deno.test("prometheus in OTEL_TRACES_EXPORTER or OTEL_LOGS_EXPORTER is only for metrics", () => {
  for (
    const [name, choices] of [
      ["OTEL_TRACES_EXPORTER", "otlp, console"],
      ["OTEL_LOGS_EXPORTER", "otlp, console"],
    ] as const
  ) {
    for (const value of ["prometheus", "otlp, Prometheus"]) {
      assert.equal(
        otelError({ [name]: value }, name),
        `${name} must be a comma-separated list of ${choices} (or none alone), ` +
          `got "${value}": prometheus is only for metrics (OTEL_METRICS_EXPORTER)`,
      );
    }
  }
});

Deno.test("Exporter names that are Object.prototype keys are unknown, not special", () => {
  for (const name of ["OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER"]) {
    for (const value of ["constructor", "__proto__", "tostring", "hasownproperty"]) {
      assert.match(otelError({ [name]: value }, name), new RegExp(`: ${value} is unknown$`));
    }
  }
});

// Metric exporters --------------------------------------------------------------------------

Deno.test("OTEL_METRICS_EXPORTER takes otlp, prometheus and/or console, or none", () => {
  const exporters = (value: string) => parse({ OTEL_METRICS_EXPORTER: value }).metrics.exporters;
  assert.deepEqual(exporters("otlp,prometheus"), ["otlp", "prometheus"]);
  assert.deepEqual(exporters("prometheus"), ["prometheus"]);
  assert.deepEqual(exporters(" Prometheus , console,prometheus"), ["prometheus", "console"]);
  assert.deepEqual(exporters("console,otlp,prometheus"), ["console", "otlp", "prometheus"]);
  assert.deepEqual(exporters("OTLP"), ["otlp"]);
  assert.deepEqual(exporters("none"), []);
  assert.deepEqual(exporters(" NONE ,none"), []);
});

Deno.test("OTEL_METRICS_EXPORTER rejects logging, unknown names, none with others, empty lists", () => {
  const name = "OTEL_METRICS_EXPORTER";
  const expected = (value: string, why: string) =>
    `${name} must be a comma-separated list of otlp, prometheus, console (or none alone), ` +
    `got "${value}"${why}`;
  assert.equal(
    otelError({ [name]: "logging" }, name),
    expected("logging", ": logging is not supported here"),
  );
  assert.equal(
    otelError({ [name]: "otlp,prometheus,kafka" }, name),
    expected("otlp,prometheus,kafka", ": kafka is unknown"),
  );
  assert.equal(otelError({ [name]: "zipkin" }, name), expected("zipkin", ": zipkin is unknown"));
  assert.equal(
    otelError({ [name]: "none,prometheus" }, name),
    expected("none,prometheus", ": none must be alone"),
  );
  assert.equal(otelError({ [name]: " , " }, name), expected(" , ", ""));
  assert.equal(
    otelError({ [name]: "otlp prometheus" }, name),
    expected("otlp prometheus", ": otlp prometheus is unknown"),
  );
});

Deno.test("Whatever OTEL_METRICS_EXPORTER says, the metrics OTLP settings are still validated", () => {
  for (const exporters of ["none", "prometheus", "console"]) {
    otelError(
      {
        OTEL_METRICS_EXPORTER: exporters,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "collector:4318",
      },
      "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    );
    otelError(
      {
        OTEL_METRICS_EXPORTER: exporters,
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: "often",
      },
      "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    );
  }
});

// Metric export interval and timeout --------------------------------------------------------

Deno.test("OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT set the periodic metric reader", () => {
  const reader = (env: Record<string, string>) => {
    const { exportIntervalMs, exportTimeoutMs } = parse(env).metrics;
    return [exportIntervalMs, exportTimeoutMs];
  };
  assert.deepEqual(reader({}), [60_000, 30_000]);
  assert.deepEqual(
    reader({ OTEL_METRIC_EXPORT_INTERVAL: "10000", OTEL_METRIC_EXPORT_TIMEOUT: "5000" }),
    [10_000, 5000],
  );
  assert.deepEqual(reader({ OTEL_METRIC_EXPORT_INTERVAL: "86400000" }), [86_400_000, 30_000]);
  assert.deepEqual(reader({ OTEL_METRIC_EXPORT_TIMEOUT: "1" }), [60_000, 1]);
  assert.deepEqual(reader({ OTEL_METRIC_EXPORT_TIMEOUT: "60000" }), [60_000, 60_000]);
  assert.deepEqual(
    reader({ OTEL_METRIC_EXPORT_INTERVAL: "600000", OTEL_METRIC_EXPORT_TIMEOUT: "600000" }),
    [600_000, 600_000],
  );
  assert.deepEqual(
    reader({ OTEL_METRIC_EXPORT_INTERVAL: "500", OTEL_METRIC_EXPORT_TIMEOUT: "500" }),
    [500, 500],
  );
});

Deno.test("An interval set below 30000 alone lowers the default metric timeout to it", () => {
  const reader = (interval: string) => {
    const { exportIntervalMs, exportTimeoutMs } = parse({
      OTEL_METRIC_EXPORT_INTERVAL: interval,
    }).metrics;
    return [exportIntervalMs, exportTimeoutMs];
  };
  // The original app's interval.
  assert.deepEqual(reader("500"), [500, 500]);
  assert.deepEqual(reader("1"), [1, 1]);
  assert.deepEqual(reader("29999"), [29_999, 29_999]);
  assert.deepEqual(reader("30000"), [30_000, 30_000]);
  assert.deepEqual(reader("30001"), [30_001, 30_000]);
});

Deno.test("A metric timeout set above the interval is an error naming both variables", () => {
  const cases: [interval: string | undefined, timeout: string, shown: string][] = [
    ["1000", "5000", "1000"],
    ["500", "501", "500"],
    ["500", "30000", "500"],
    [undefined, "60001", "60000"],
    [undefined, "600000", "60000"],
  ];
  for (const [interval, timeout, shown] of cases) {
    const env: Record<string, string> = { OTEL_METRIC_EXPORT_TIMEOUT: timeout };
    if (interval !== undefined) env.OTEL_METRIC_EXPORT_INTERVAL = interval;
    const message = otelError(env, "OTEL_METRIC_EXPORT_TIMEOUT");
    assert.equal(
      message,
      `OTEL_METRIC_EXPORT_TIMEOUT must not be greater than OTEL_METRIC_EXPORT_INTERVAL ` +
        `(${shown}), got "${timeout}": an export must end before the next one is due`,
    );
  }
});

Deno.test("OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT out of range or not plain digits are errors", () => {
  const cases: [name: string, value: string, expected: string][] = [
    ["OTEL_METRIC_EXPORT_INTERVAL", "0", "from 1 to 86400000"],
    ["OTEL_METRIC_EXPORT_INTERVAL", "86400001", "from 1 to 86400000"],
    ["OTEL_METRIC_EXPORT_INTERVAL", "-1", "from 1 to 86400000"],
    ["OTEL_METRIC_EXPORT_INTERVAL", "1e3", "from 1 to 86400000"],
    ["OTEL_METRIC_EXPORT_INTERVAL", "1.5", "from 1 to 86400000"],
    ["OTEL_METRIC_EXPORT_INTERVAL", " 500", "from 1 to 86400000"],
    ["OTEL_METRIC_EXPORT_INTERVAL", "60s", "from 1 to 86400000"],
    ["OTEL_METRIC_EXPORT_TIMEOUT", "0", "from 1 to 600000"],
    ["OTEL_METRIC_EXPORT_TIMEOUT", "600001", "from 1 to 600000"],
    ["OTEL_METRIC_EXPORT_TIMEOUT", "+5", "from 1 to 600000"],
    ["OTEL_METRIC_EXPORT_TIMEOUT", "5 ", "from 1 to 600000"],
  ];
  for (const [name, value, expected] of cases) {
    assert.equal(
      otelError({ [name]: value }, name),
      `${name} must be a whole number of milliseconds ${expected}, got "${value}"`,
    );
  }
  // A malformed timeout is reported as such, not lowered to a short interval.
  otelError(
    { OTEL_METRIC_EXPORT_INTERVAL: "500", OTEL_METRIC_EXPORT_TIMEOUT: "0" },
    "OTEL_METRIC_EXPORT_TIMEOUT",
  );
});

// Metric temporality ------------------------------------------------------------------------

Deno.test("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: cumulative, delta or lowmemory", () => {
  const name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
  const temporality = (value: string) => parse({ [name]: value }).metrics.temporality;
  assert.equal(parse({}).metrics.temporality, "cumulative");
  assert.equal(temporality("cumulative"), "cumulative");
  assert.equal(temporality("Delta"), "delta");
  assert.equal(temporality(" LowMemory "), "lowmemory");
  for (const value of ["deltas", "low_memory", "cumulative,delta"]) {
    assert.equal(
      otelError({ [name]: value }, name),
      `${name} must be one of cumulative, delta, lowmemory, got "${value}"`,
    );
  }
});

// Log exporters -----------------------------------------------------------------------------

Deno.test("OTEL_LOGS_EXPORTER takes otlp and/or console, or none", () => {
  const exporters = (value: string) => parse({ OTEL_LOGS_EXPORTER: value }).logs.exporters;
  assert.deepEqual(exporters("console"), ["console"]);
  assert.deepEqual(exporters("console, OTLP"), ["console", "otlp"]);
  assert.deepEqual(exporters("otlp,otlp"), ["otlp"]);
  assert.deepEqual(exporters("None"), []);
});

Deno.test("OTEL_LOGS_EXPORTER rejects logging, unknown names, none with others, empty lists", () => {
  const name = "OTEL_LOGS_EXPORTER";
  const expected = (value: string, why: string) =>
    `${name} must be a comma-separated list of otlp, console (or none alone), got "${value}"${why}`;
  assert.equal(
    otelError({ [name]: "logging" }, name),
    expected("logging", ": logging is not supported here"),
  );
  assert.equal(
    otelError({ [name]: "otlp,syslog" }, name),
    expected("otlp,syslog", ": syslog is unknown"),
  );
  assert.equal(
    otelError({ [name]: "console,none" }, name),
    expected("console,none", ": none must be alone"),
  );
  assert.equal(otelError({ [name]: ",," }, name), expected(",,", ""));
});

Deno.test("With OTEL_LOGS_EXPORTER=none the logs OTLP and batch settings are still validated", () => {
  otelError(
    { OTEL_LOGS_EXPORTER: "none", OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "ftp://collector/" },
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
  );
  otelError(
    { OTEL_LOGS_EXPORTER: "none", OTEL_BLRP_SCHEDULE_DELAY: "soon" },
    "OTEL_BLRP_SCHEDULE_DELAY",
  );
});

// Sampler -----------------------------------------------------------------------------------

Deno.test("OTEL_TRACES_SAMPLER accepts each standard sampler offered here", () => {
  for (
    const sampler of [
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
    ] as const
  ) {
    assert.equal(parse({ OTEL_TRACES_SAMPLER: sampler }).traces.sampler, sampler);
  }
  assert.equal(parse({ OTEL_TRACES_SAMPLER: " Always_Off " }).traces.sampler, "always_off");
});

Deno.test("OTEL_TRACES_SAMPLER says jaeger_remote and xray are not supported here", () => {
  for (const value of ["jaeger_remote", "parentbased_jaeger_remote", "xray"]) {
    const message = otelError({ OTEL_TRACES_SAMPLER: value }, "OTEL_TRACES_SAMPLER");
    assert.match(message, new RegExp(`got "${value}": ${value} is not supported here`));
  }
  const message = otelError({ OTEL_TRACES_SAMPLER: "sometimes" }, "OTEL_TRACES_SAMPLER");
  assert.match(message, /must be one of always_on, .*parentbased_traceidratio, got "sometimes"$/);
});

Deno.test("OTEL_TRACES_SAMPLER_ARG sets the ratio of the ratio samplers", () => {
  const ratio = (sampler: string, arg: string) =>
    parse({ OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: arg }).traces.samplerRatio;
  assert.equal(ratio("traceidratio", "0.25"), 0.25);
  assert.equal(ratio("parentbased_traceidratio", "0"), 0);
  assert.equal(ratio("parentbased_traceidratio", "1"), 1);
  assert.equal(ratio("traceidratio", ".5"), 0.5);
  assert.equal(ratio("traceidratio", "1.0"), 1);
  assert.equal(parse({ OTEL_TRACES_SAMPLER: "traceidratio" }).traces.samplerRatio, 1);
});

Deno.test("OTEL_TRACES_SAMPLER_ARG outside 0..1 or not a plain number is an error", () => {
  for (const arg of ["2", "-0.1", "1.01", "abc", "1e-1", " 0.5", "0.5 ", "NaN", "Infinity", "."]) {
    const message = otelError(
      { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: arg },
      "OTEL_TRACES_SAMPLER_ARG",
    );
    assert.equal(message, `OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${arg}"`);
  }
});

Deno.test("OTEL_TRACES_SAMPLER_ARG is ignored by samplers that take no argument", () => {
  const config = parse({ OTEL_TRACES_SAMPLER: "always_on", OTEL_TRACES_SAMPLER_ARG: "abc" });
  assert.equal(config.traces.sampler, "always_on");
  assert.equal(config.traces.samplerRatio, 1);
  assert.equal(parse({ OTEL_TRACES_SAMPLER_ARG: "0.1" }).traces.samplerRatio, 1);
});
