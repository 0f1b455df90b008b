/** @module Tests for parsing the OpenTelemetry SDK environment variables into a TelemetryConfig. */

import assert from "node:assert/strict";
import {
  OtelConfigError,
  type OtlpEndpointConfig,
  parseTelemetryEnv,
  TELEMETRY_SETTINGS,
  type TelemetryConfig,
} from "../../config/otel_settings.ts";

const DEFAULTS = { serviceName: "otel-board" };

function parse(env: Record<string, string>): TelemetryConfig {
  return parseTelemetryEnv(env, DEFAULTS);
}

/** Asserts that parsing throws an OtelConfigError naming `variable`, and returns its message. */
function otelError(env: Record<string, string>, variable: string): string {
  let caught: unknown;
  try {
    parse(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof OtelConfigError,
    `expected an OtelConfigError, got ${String(caught)}`,
  );
  assert.equal(caught.name, "OtelConfigError");
  assert.ok(caught.message.includes(variable), `"${caught.message}" does not name ${variable}`);
  return caught.message;
}

/** The three signals, each with its OTLP variables' prefix and the path after the base URL. */
const SIGNALS = [
  { signal: "traces", prefix: "OTEL_EXPORTER_OTLP_TRACES_", path: "/v1/traces" },
  { signal: "metrics", prefix: "OTEL_EXPORTER_OTLP_METRICS_", path: "/v1/metrics" },
  { signal: "logs", prefix: "OTEL_EXPORTER_OTLP_LOGS_", path: "/v1/logs" },
] as const;
type Signal = (typeof SIGNALS)[number]["signal"];

/** `OTEL_EXPORTER_OTLP_<SIGNAL>_<suffix>` for every signal. */
function perSignal(suffix: string): string[] {
  return SIGNALS.map(({ prefix }) => `${prefix}${suffix}`);
}

function otlpOf(env: Record<string, string>, signal: Signal): OtlpEndpointConfig {
  return parse(env)[signal].otlp;
}

Deno.test("With no OTEL variables, all three signals go over OTLP/HTTP to localhost:4318", () => {
  assert.deepEqual(parse({}), {
    disabled: false,
    serviceName: "otel-board",
    resourceAttributes: {},
    propagators: ["tracecontext", "baggage"],
    semconv: { httpDup: false, databaseDup: false },
    traces: {
      exporters: ["otlp"],
      otlp: {
        url: "http://localhost:4318/v1/traces",
        headers: {},
        timeoutMs: 10_000,
        compression: "none",
      },
      sampler: "parentbased_always_on",
      samplerRatio: 1,
      batch: {
        scheduleDelayMs: 5000,
        exportTimeoutMs: 30_000,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
      },
    },
    metrics: {
      exporters: ["otlp"],
      otlp: {
        url: "http://localhost:4318/v1/metrics",
        headers: {},
        timeoutMs: 10_000,
        compression: "none",
      },
      exportIntervalMs: 60_000,
      exportTimeoutMs: 30_000,
      temporality: "cumulative",
    },
    logs: {
      exporters: ["otlp"],
      otlp: {
        url: "http://localhost:4318/v1/logs",
        headers: {},
        timeoutMs: 10_000,
        compression: "none",
      },
      batch: {
        scheduleDelayMs: 1000,
        exportTimeoutMs: 30_000,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
      },
    },
  });
});

Deno.test("An empty OTEL variable counts as unset", () => {
  const empty = Object.fromEntries(TELEMETRY_SETTINGS.map((s) => [s.name, ""]));
  assert.deepEqual(parse(empty), parse({}));
});

Deno.test("The parsed telemetry config is deeply frozen", () => {
  const config = parse({
    OTEL_RESOURCE_ATTRIBUTES: "job=board",
    OTEL_EXPORTER_OTLP_HEADERS: "api-key=k",
    OTEL_EXPORTER_OTLP_CERTIFICATE: "/etc/ca.pem",
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: "x-metrics=m",
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: "x-logs=l",
    OTEL_METRICS_EXPORTER: "otlp,prometheus",
  });
  const unfrozen: string[] = [];
  (function walk(value: unknown, path: string): void {
    if (typeof value !== "object" || value === null) return;
    if (!Object.isFrozen(value)) unfrozen.push(path);
    for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
  })(config, "config");
  assert.deepEqual(unfrozen, []);
  assert.throws(() => {
    (config.traces.exporters as string[]).push("console");
  }, TypeError);
  assert.throws(() => {
    (config.metrics.exporters as string[]).push("console");
  }, TypeError);
  assert.throws(() => {
    (config.logs.otlp.headers as Record<string, string>)["x-logs"] = "changed";
  }, TypeError);
});

Deno.test("TELEMETRY_SETTINGS is frozen and names each variable once", () => {
  assert.ok(Object.isFrozen(TELEMETRY_SETTINGS));
  assert.ok(TELEMETRY_SETTINGS.every((s) => Object.isFrozen(s)));
  const names = TELEMETRY_SETTINGS.map((s) => s.name);
  assert.equal(new Set(names).size, names.length);
  for (const setting of TELEMETRY_SETTINGS) {
    assert.ok(setting.defaultText.length > 0, setting.name);
    assert.ok(setting.help.length > 0, setting.name);
  }
});

Deno.test("TELEMETRY_SETTINGS lists every OTEL variable named in config/otel_settings.ts", async () => {
  const source = await Deno.readTextFile(new URL("../../config/otel_settings.ts", import.meta.url));
  const inSource = new Set(source.match(/OTEL_[A-Z_]+/g));
  assert.deepEqual(
    [...inSource].sort(),
    TELEMETRY_SETTINGS.map((s) => s.name).sort(),
  );
});

Deno.test("TELEMETRY_SETTINGS lists exactly the variables the parser reads", () => {
  const reads = new Set<string>();
  const env = new Proxy({} as Record<string, string>, {
    get(_target, key) {
      if (typeof key === "string") reads.add(key);
      return undefined;
    },
  });
  parse(env);
  assert.deepEqual([...reads].sort(), TELEMETRY_SETTINGS.map((s) => s.name).sort());
});

Deno.test("A default shown in TELEMETRY_SETTINGS gives the same config as leaving it unset", () => {
  const literal = TELEMETRY_SETTINGS.filter((s) => /^[a-z0-9_/:.,]+$/i.test(s.defaultText));
  const checked = literal.filter((s) =>
    !s.defaultText.startsWith("OTEL_") && s.name !== "OTEL_DENO"
  );
  assert.ok(checked.length >= 12, `only ${checked.length} settings checked`);
  for (const setting of checked) {
    assert.deepEqual(parse({ [setting.name]: setting.defaultText }), parse({}), setting.name);
  }
});

// OTEL_DENO ---------------------------------------------------------------------------------

Deno.test("OTEL_DENO=true stops start-up, explaining why and saying to unset OTEL_DENO", () => {
  for (const value of ["true", "TRUE", "True", "1", " true "]) {
    const message = otelError({ OTEL_DENO: value }, "OTEL_DENO");
    assert.match(message, /Unset OTEL_DENO/);
    assert.match(message, /@opentelemetry\/api/);
    assert.match(message, /second server span/);
  }
});

Deno.test("OTEL_DENO is checked before any other variable", () => {
  otelError({ OTEL_DENO: "true", OTEL_TRACES_SAMPLER: "bogus" }, "OTEL_DENO");
});

Deno.test("OTEL_DENO=false, 0 or empty lets telemetry start", () => {
  for (const value of ["false", "0", ""]) {
    assert.deepEqual(parse({ OTEL_DENO: value }), parse({}));
  }
});

// OTEL_SDK_DISABLED -------------------------------------------------------------------------

Deno.test("OTEL_SDK_DISABLED accepts true and false in any case", () => {
  assert.equal(parse({ OTEL_SDK_DISABLED: "true" }).disabled, true);
  assert.equal(parse({ OTEL_SDK_DISABLED: "TRUE" }).disabled, true);
  assert.equal(parse({ OTEL_SDK_DISABLED: "false" }).disabled, false);
  assert.equal(parse({ OTEL_SDK_DISABLED: "False" }).disabled, false);
});

Deno.test("OTEL_SDK_DISABLED other than true or false is an error", () => {
  for (const value of ["yes", "1", "0", "on"]) {
    const message = otelError({ OTEL_SDK_DISABLED: value }, "OTEL_SDK_DISABLED");
    assert.equal(message, `OTEL_SDK_DISABLED must be true or false, got "${value}"`);
  }
});

Deno.test("OTEL_SDK_DISABLED=true still rejects invalid telemetry settings", () => {
  otelError({ OTEL_SDK_DISABLED: "true", OTEL_BSP_MAX_QUEUE_SIZE: "0" }, "OTEL_BSP_MAX_QUEUE_SIZE");
  const invalid: [name: string, value: string][] = [
    ["OTEL_METRICS_EXPORTER", "zipkin"],
    ["OTEL_LOGS_EXPORTER", "prometheus"],
    ["OTEL_METRIC_EXPORT_INTERVAL", "0"],
    ["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes"],
    ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "collector:4318"],
    ["OTEL_EXPORTER_OTLP_LOGS_HEADERS", "no-equals"],
    ["OTEL_BLRP_MAX_QUEUE_SIZE", "0"],
  ];
  for (const [name, value] of invalid) {
    otelError({ OTEL_SDK_DISABLED: "true", [name]: value }, name);
  }
  otelError(
    {
      OTEL_SDK_DISABLED: "true",
      OTEL_METRIC_EXPORT_INTERVAL: "1000",
      OTEL_METRIC_EXPORT_TIMEOUT: "2000",
    },
    "OTEL_METRIC_EXPORT_INTERVAL",
  );
});

// Service name and resource attributes ------------------------------------------------------

Deno.test("OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES", () => {
  const config = parse({
    OTEL_SERVICE_NAME: "board-eu",
    OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes,job=board",
  });
  assert.equal(config.serviceName, "board-eu");
  assert.deepEqual(config.resourceAttributes, { job: "board" });
});

Deno.test("service.name in OTEL_RESOURCE_ATTRIBUTES wins over the built-in default", () => {
  const config = parse({ OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes" });
  assert.equal(config.serviceName, "from-attributes");
  assert.deepEqual(config.resourceAttributes, {});
});

Deno.test("The default service name is the one the caller passes", () => {
  assert.equal(parseTelemetryEnv({}, { serviceName: "other" }).serviceName, "other");
});

Deno.test("OTEL_SERVICE_NAME of only spaces is an error", () => {
  otelError({ OTEL_SERVICE_NAME: "  " }, "OTEL_SERVICE_NAME");
});

Deno.test("OTEL_RESOURCE_ATTRIBUTES is key=value pairs, trimmed, percent-decoded", () => {
  const config = parse({
    OTEL_RESOURCE_ATTRIBUTES:
      " job = otel-board , , deployment.environment.name=prod,note=a%2Cb%3Dc%20d%C3%A9,eq=x=y,",
  });
  assert.deepEqual(config.resourceAttributes, {
    job: "otel-board",
    "deployment.environment.name": "prod",
    note: "a,b=c dé",
    eq: "x=y",
  });
});

Deno.test("A repeated key in OTEL_RESOURCE_ATTRIBUTES keeps the last value", () => {
  assert.deepEqual(parse({ OTEL_RESOURCE_ATTRIBUTES: "a=1,a=2" }).resourceAttributes, { a: "2" });
});

Deno.test("A resource attribute named __proto__ stays an ordinary attribute", () => {
  const attributes = parse({ OTEL_RESOURCE_ATTRIBUTES: "__proto__=x" }).resourceAttributes;
  assert.equal(Object.getOwnPropertyDescriptor(attributes, "__proto__")?.value, "x");
  assert.equal(Object.getPrototypeOf(attributes), Object.prototype);
});

Deno.test("OTEL_RESOURCE_ATTRIBUTES rejects entries without =, empty keys and bad escapes", () => {
  const name = "OTEL_RESOURCE_ATTRIBUTES";
  assert.match(otelError({ [name]: "job=a,region" }, name), /"region" has no "="/);
  assert.match(otelError({ [name]: "=value" }, name), /empty key/);
  assert.match(otelError({ [name]: " =value" }, name), /empty key/);
  assert.match(otelError({ [name]: "job=50%" }, name), /"50%".*invalid percent-escape/);
  assert.match(otelError({ [name]: "job=%zz" }, name), /invalid percent-escape/);
  assert.match(otelError({ [name]: "job=%C3" }, name), /invalid percent-escape/);
  assert.match(otelError({ [name]: "service.name=" }, name), /service\.name must not be empty/);
});

// Propagators -------------------------------------------------------------------------------

Deno.test("OTEL_PROPAGATORS picks tracecontext and/or baggage, in order, without duplicates", () => {
  const propagators = (value: string) => parse({ OTEL_PROPAGATORS: value }).propagators;
  assert.deepEqual(propagators("tracecontext"), ["tracecontext"]);
  assert.deepEqual(propagators("baggage, tracecontext"), ["baggage", "tracecontext"]);
  assert.deepEqual(propagators("TraceContext,tracecontext,baggage"), ["tracecontext", "baggage"]);
});

Deno.test("OTEL_PROPAGATORS=none turns propagation off", () => {
  assert.deepEqual(parse({ OTEL_PROPAGATORS: "none" }).propagators, []);
  assert.deepEqual(parse({ OTEL_PROPAGATORS: " None " }).propagators, []);
});

Deno.test("OTEL_PROPAGATORS says b3, jaeger, xray and ottrace are not supported here", () => {
  for (const value of ["b3", "b3multi", "jaeger", "xray", "ottrace", "tracecontext,b3"]) {
    const message = otelError({ OTEL_PROPAGATORS: value }, "OTEL_PROPAGATORS");
    assert.match(message, /is not supported here/);
    assert.match(message, /tracecontext, baggage \(or none alone\)/);
    assert.ok(message.includes(`got "${value}"`), message);
  }
});

Deno.test("OTEL_PROPAGATORS rejects unknown names, none mixed with others, and empty lists", () => {
  const name = "OTEL_PROPAGATORS";
  assert.match(otelError({ [name]: "w3c" }, name), /w3c is unknown/);
  assert.match(otelError({ [name]: "none,baggage" }, name), /none must be alone/);
  assert.match(otelError({ [name]: " , " }, name), /got " , "/);
});

// Semantic-convention opt-in ----------------------------------------------------------------

Deno.test("OTEL_SEMCONV_STABILITY_OPT_IN turns on http/dup and database/dup", () => {
  const semconv = (value: string) => parse({ OTEL_SEMCONV_STABILITY_OPT_IN: value }).semconv;
  assert.deepEqual(semconv("http/dup"), { httpDup: true, databaseDup: false });
  assert.deepEqual(semconv("database/dup"), { httpDup: false, databaseDup: true });
  assert.deepEqual(semconv(" http/dup , database/dup "), { httpDup: true, databaseDup: true });
});

Deno.test("OTEL_SEMCONV_STABILITY_OPT_IN ignores values it does not know", () => {
  const semconv = (value: string) => parse({ OTEL_SEMCONV_STABILITY_OPT_IN: value }).semconv;
  assert.deepEqual(semconv("http,database,messaging/dup,whatever"), {
    httpDup: false,
    databaseDup: false,
  });
});

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

// OTLP protocol -----------------------------------------------------------------------------

Deno.test("OTLP protocol http/protobuf is accepted, generic and per-signal", () => {
  assert.deepEqual(
    parse({
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "HTTP/protobuf",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: " Http/Protobuf ",
    }),
    parse({}),
  );
});

Deno.test("OTLP protocols grpc and http/json are refused as unsupported", () => {
  for (const name of ["OTEL_EXPORTER_OTLP_PROTOCOL", ...perSignal("PROTOCOL")]) {
    for (const value of ["grpc", "http/json", "http"]) {
      const message = otelError({ [name]: value }, name);
      assert.match(message, /must be http\/protobuf \(the only OTLP protocol supported here/);
      assert.ok(message.endsWith(`got "${value}"`), message);
    }
  }
});

Deno.test("A per-signal protocol does not excuse an unsupported generic one", () => {
  otelError(
    {
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: "http/protobuf",
    },
    "OTEL_EXPORTER_OTLP_PROTOCOL",
  );
});

// Endpoint ----------------------------------------------------------------------------------

Deno.test("OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended after exactly one slash", () => {
  const url = (base: string) => parse({ OTEL_EXPORTER_OTLP_ENDPOINT: base }).traces.otlp.url;
  assert.equal(url("http://collector:4318"), "http://collector:4318/v1/traces");
  assert.equal(url("http://collector:4318/"), "http://collector:4318/v1/traces");
  assert.equal(url("http://collector:4318//"), "http://collector:4318/v1/traces");
  assert.equal(url("https://otlp.example.com"), "https://otlp.example.com/v1/traces");
  assert.equal(url("http://host:4318/otlp"), "http://host:4318/otlp/v1/traces");
  assert.equal(url("http://host:4318/otlp/"), "http://host:4318/otlp/v1/traces");
  assert.equal(url("http://host:4318/a/b"), "http://host:4318/a/b/v1/traces");
  assert.equal(url(" http://host:4318 "), "http://host:4318/v1/traces");
  assert.equal(url("http://[::1]:4318"), "http://[::1]:4318/v1/traces");
});

Deno.test("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as-is and wins over the base endpoint", () => {
  const url = (env: Record<string, string>) => parse(env).traces.otlp.url;
  assert.equal(
    url({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example.com/custom/path" }),
    "https://traces.example.com/custom/path",
  );
  assert.equal(
    url({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://base:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318",
    }),
    "http://traces:4318",
  );
});

Deno.test("An OTLP endpoint that is not an http: or https: URL is an error", () => {
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", ...perSignal("ENDPOINT")]) {
    for (const value of ["localhost:4318", "collector", "grpc://c:4317", "ftp://c/", "http://"]) {
      const message = otelError({ [name]: value }, name);
      assert.equal(
        message,
        `${name} must be an http: or https: URL such as http://localhost:4318, got "${value}"`,
      );
    }
  }
});

Deno.test("An invalid base endpoint is an error even when the traces endpoint is set", () => {
  otelError(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces",
    },
    "OTEL_EXPORTER_OTLP_ENDPOINT",
  );
  otelError(
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces",
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://collector:4318/v1/metrics",
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://collector:4318/v1/logs",
    },
    "OTEL_EXPORTER_OTLP_ENDPOINT",
  );
});

Deno.test("OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/metrics and /v1/logs appended likewise", () => {
  const bases: [base: string, joined: string][] = [
    ["http://collector:4318", "http://collector:4318"],
    ["http://collector:4318/", "http://collector:4318"],
    ["http://collector:4318//", "http://collector:4318"],
    ["https://otlp.example.com", "https://otlp.example.com"],
    ["http://host:4318/otlp", "http://host:4318/otlp"],
    ["http://host:4318/otlp/", "http://host:4318/otlp"],
    [" http://host:4318/a/b ", "http://host:4318/a/b"],
    ["http://[::1]:4318", "http://[::1]:4318"],
  ];
  for (const [base, joined] of bases) {
    const config = parse({ OTEL_EXPORTER_OTLP_ENDPOINT: base });
    assert.equal(config.traces.otlp.url, `${joined}/v1/traces`);
    assert.equal(config.metrics.otlp.url, `${joined}/v1/metrics`);
    assert.equal(config.logs.otlp.url, `${joined}/v1/logs`);
  }
});

Deno.test("Each signal's own endpoint is used as-is and changes only that signal", () => {
  for (const { signal, prefix, path } of SIGNALS) {
    const config = parse({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://base:4318",
      [`${prefix}ENDPOINT`]: ` https://${signal}.example.com/custom/path `,
    });
    for (const other of SIGNALS) {
      assert.equal(
        config[other.signal].otlp.url,
        other.signal === signal
          ? `https://${signal}.example.com/custom/path`
          : `http://base:4318${other.path}`,
        `${prefix}ENDPOINT, ${other.signal}`,
      );
    }
    // Used as-is: no signal path is appended, and no slash is added or removed.
    assert.equal(
      otlpOf({ [`${prefix}ENDPOINT`]: "http://collector:4318" }, signal).url,
      "http://collector:4318",
    );
    assert.equal(
      otlpOf({ [`${prefix}ENDPOINT`]: `http://collector:4318${path}/` }, signal).url,
      `http://collector:4318${path}/`,
    );
  }
});

// Headers -----------------------------------------------------------------------------------

Deno.test("OTLP headers are name=value pairs with lower-cased names and percent-decoded values", () => {
  const headers = parse({
    OTEL_EXPORTER_OTLP_HEADERS:
      "Authorization=Basic dXNlcjpwYXNz==, X-Scope-OrgID = tenant%201 ,,api-key=a%2Cb",
  }).traces.otlp.headers;
  assert.deepEqual(headers, {
    authorization: "Basic dXNlcjpwYXNz==",
    "x-scope-orgid": "tenant 1",
    "api-key": "a,b",
  });
});

Deno.test("OTEL_EXPORTER_OTLP_TRACES_HEADERS is merged over the generic headers, per name", () => {
  const headers = parse({
    OTEL_EXPORTER_OTLP_HEADERS: "Authorization=generic,x-common=c",
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: "AUTHORIZATION=traces,x-traces=t",
  }).traces.otlp.headers;
  assert.deepEqual(headers, { authorization: "traces", "x-common": "c", "x-traces": "t" });
});

Deno.test("Metrics and logs headers are merged over the generic headers, per name", () => {
  const config = parse({
    OTEL_EXPORTER_OTLP_HEADERS: "Authorization=generic,x-common=c",
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: "authorization=metrics,X-Metrics=m%20m",
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: "x-common=logs",
  });
  assert.deepEqual(config.metrics.otlp.headers, {
    authorization: "metrics",
    "x-common": "c",
    "x-metrics": "m m",
  });
  assert.deepEqual(config.logs.otlp.headers, { authorization: "generic", "x-common": "logs" });
  // One signal's headers never reach another signal.
  assert.deepEqual(config.traces.otlp.headers, { authorization: "generic", "x-common": "c" });
  assert.deepEqual(
    otlpOf({ OTEL_EXPORTER_OTLP_LOGS_HEADERS: "api-key=only-logs" }, "metrics").headers,
    {},
  );
});

Deno.test("An OTLP header may have an empty value and a Latin-1 value", () => {
  const headers = parse({ OTEL_EXPORTER_OTLP_HEADERS: "x-empty=,x-latin=caf%C3%A9" }).traces.otlp
    .headers;
  assert.deepEqual(headers, { "x-empty": "", "x-latin": "café" });
});

Deno.test("Invalid OTLP headers are errors that name the variable and never show a value", () => {
  const secret = "S3cr3tT0ken";
  const cases: [value: string, expected: RegExp][] = [
    [`${secret}`, /entry 1 has no "="/],
    [`ok=1,Authorization: Bearer ${secret}`, /entry 2 has no "="/],
    [`Authorization: Bearer=${secret}`, /entry 1 does not start with a valid key/],
    [`bad key=${secret}`, /entry 1 does not start with a valid key/],
    [`=${secret}`, /entry 1 has an empty key/],
    [`api-key=${secret}%zz`, /the value of "api-key" has an invalid percent-escape/],
    [`api-key=${secret}%E2%82`, /the value of "api-key" has an invalid percent-escape/],
    [`api-key=${secret}%0A`, /the value of "api-key" contains a character not allowed/],
    [`api-key=${secret}%00`, /the value of "api-key" contains a character not allowed/],
    [`api-key=${secret}%E2%82%AC`, /the value of "api-key" contains a character not allowed/],
  ];
  for (const name of ["OTEL_EXPORTER_OTLP_HEADERS", ...perSignal("HEADERS")]) {
    for (const [value, expected] of cases) {
      const message = otelError({ [name]: value }, name);
      assert.match(message, expected);
      assert.ok(!message.includes(secret), `a header value leaked: ${message}`);
      assert.ok(!message.includes("Bearer"), `a header entry leaked: ${message}`);
    }
  }
});

Deno.test("A header named __proto__ stays an ordinary header", () => {
  const headers = parse({ OTEL_EXPORTER_OTLP_HEADERS: "__proto__=x" }).traces.otlp.headers;
  assert.equal(Object.getOwnPropertyDescriptor(headers, "__proto__")?.value, "x");
});

// Timeout, compression, certificate ---------------------------------------------------------

Deno.test("OTLP timeout: generic, then per-signal, in milliseconds 1..600000", () => {
  const timeout = (env: Record<string, string>) => parse(env).traces.otlp.timeoutMs;
  assert.equal(timeout({ OTEL_EXPORTER_OTLP_TIMEOUT: "2500" }), 2500);
  assert.equal(timeout({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "1" }), 1);
  assert.equal(timeout({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "600000" }), 600_000);
  assert.equal(
    timeout({ OTEL_EXPORTER_OTLP_TIMEOUT: "2500", OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "700" }),
    700,
  );
});

Deno.test("OTLP timeouts that are not whole milliseconds in range are errors", () => {
  for (const name of ["OTEL_EXPORTER_OTLP_TIMEOUT", ...perSignal("TIMEOUT")]) {
    for (const value of ["0", "600001", "1e3", "1.5", "-1", " 5", "5 ", "10s", "+5"]) {
      assert.equal(
        otelError({ [name]: value }, name),
        `${name} must be a whole number of milliseconds from 1 to 600000, got "${value}"`,
      );
    }
  }
});

Deno.test("OTLP compression: gzip or none, generic then per-signal", () => {
  const compression = (env: Record<string, string>) => parse(env).traces.otlp.compression;
  assert.equal(compression({ OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" }), "gzip");
  assert.equal(compression({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "GZIP" }), "gzip");
  assert.equal(
    compression({
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "none",
    }),
    "none",
  );
});

Deno.test("OTLP compression other than gzip or none is an error", () => {
  for (const name of ["OTEL_EXPORTER_OTLP_COMPRESSION", ...perSignal("COMPRESSION")]) {
    assert.equal(
      otelError({ [name]: "deflate" }, name),
      `${name} must be one of gzip, none, got "deflate"`,
    );
  }
});

Deno.test("OTLP certificate: a PEM path, generic then per-signal, not checked for existence", () => {
  const certificate = (env: Record<string, string>) => parse(env).traces.otlp.certificatePath;
  assert.equal(certificate({}), undefined);
  assert.ok(!("certificatePath" in parse({}).traces.otlp));
  assert.equal(
    certificate({ OTEL_EXPORTER_OTLP_CERTIFICATE: "/no/such/ca.pem" }),
    "/no/such/ca.pem",
  );
  assert.equal(
    certificate({
      OTEL_EXPORTER_OTLP_CERTIFICATE: "/etc/generic.pem",
      OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: "C:\\certs\\traces ca.pem",
    }),
    "C:\\certs\\traces ca.pem",
  );
});

Deno.test("An OTLP certificate path of only spaces or with a NUL is an error", () => {
  for (const name of ["OTEL_EXPORTER_OTLP_CERTIFICATE", ...perSignal("CERTIFICATE")]) {
    assert.ok(
      otelError({ [name]: "   " }, name).endsWith(`must be the path of a PEM file, got "   "`),
    );
    otelError({ [name]: "ca\0.pem" }, name);
  }
});

Deno.test("Metrics and logs OTLP timeout, compression, certificate: generic, then their own", () => {
  const generic = {
    OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
    OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
    OTEL_EXPORTER_OTLP_CERTIFICATE: "/etc/generic.pem",
  };
  for (const { signal } of SIGNALS) {
    assert.deepEqual(otlpOf(generic, signal), {
      url: `http://localhost:4318/v1/${signal}`,
      headers: {},
      timeoutMs: 2500,
      compression: "gzip",
      certificatePath: "/etc/generic.pem",
    });
  }
  const config = parse({
    ...generic,
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "700",
    OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: "NONE",
    OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: "600000",
    OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE: "C:\\certs\\logs ca.pem",
  });
  assert.deepEqual(
    [config.metrics.otlp.timeoutMs, config.metrics.otlp.compression],
    [700, "none"],
  );
  assert.equal(config.metrics.otlp.certificatePath, "/etc/generic.pem");
  assert.deepEqual(
    [config.logs.otlp.timeoutMs, config.logs.otlp.compression, config.logs.otlp.certificatePath],
    [600_000, "gzip", "C:\\certs\\logs ca.pem"],
  );
  // Each signal's own settings leave the other signals on the generic ones.
  assert.deepEqual(
    [config.traces.otlp.timeoutMs, config.traces.otlp.compression],
    [2500, "gzip"],
  );
  assert.equal(config.traces.otlp.certificatePath, "/etc/generic.pem");
  assert.equal(
    otlpOf({ OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "1" }, "metrics").timeoutMs,
    1,
  );
  assert.ok(!("certificatePath" in parse({}).metrics.otlp));
  assert.ok(!("certificatePath" in parse({}).logs.otlp));
});

Deno.test("Invalid generic OTLP settings are errors even when per-signal ones override them", () => {
  const pairs: [generic: string, signal: string, bad: string, good: string][] = [
    ["OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "0", "100"],
    ["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "br", "gzip"],
    ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "a", "b=1"],
    ["OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", " ", "/c.pem"],
  ];
  for (const [generic, signal, bad, good] of pairs) {
    otelError({ [generic]: bad, [signal]: good }, generic);
    // Overridden for every signal, the generic variable is still checked.
    const suffix = signal.slice("OTEL_EXPORTER_OTLP_TRACES_".length);
    const all = Object.fromEntries(perSignal(suffix).map((name) => [name, good]));
    otelError({ ...all, [generic]: bad }, generic);
  }
});

// Batch span processor ----------------------------------------------------------------------

Deno.test("OTEL_BSP_* settings set the batch span processor", () => {
  const batch = parse({
    OTEL_BSP_SCHEDULE_DELAY: "0",
    OTEL_BSP_EXPORT_TIMEOUT: "1000",
    OTEL_BSP_MAX_QUEUE_SIZE: "100",
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "100",
  }).traces.batch;
  assert.deepEqual(batch, {
    scheduleDelayMs: 0,
    exportTimeoutMs: 1000,
    maxQueueSize: 100,
    maxExportBatchSize: 100,
  });
  assert.equal(
    parse({ OTEL_BSP_SCHEDULE_DELAY: "3600000" }).traces.batch.scheduleDelayMs,
    3_600_000,
  );
  assert.equal(parse({ OTEL_BSP_MAX_QUEUE_SIZE: "1000000" }).traces.batch.maxQueueSize, 1_000_000);
});

Deno.test("OTEL_BSP_* values out of range or not plain digits are errors", () => {
  const cases: [name: string, value: string, expected: string][] = [
    ["OTEL_BSP_SCHEDULE_DELAY", "3600001", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BSP_SCHEDULE_DELAY", "-1", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BSP_EXPORT_TIMEOUT", "0", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BSP_EXPORT_TIMEOUT", "1.5", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BSP_MAX_QUEUE_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_QUEUE_SIZE", "1e3", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_QUEUE_SIZE", "1000001", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE", " 5", "an integer from 1 to 1000000"],
  ];
  for (const [name, value, expected] of cases) {
    assert.equal(otelError({ [name]: value }, name), `${name} must be ${expected}, got "${value}"`);
  }
});

Deno.test("OTEL_BSP_MAX_EXPORT_BATCH_SIZE above the queue size is an error naming both", () => {
  const message = otelError(
    { OTEL_BSP_MAX_QUEUE_SIZE: "100", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "101" },
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  );
  assert.equal(
    message,
    'OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not be greater than OTEL_BSP_MAX_QUEUE_SIZE (100), got "101"',
  );
  // Against the default queue size too.
  assert.match(
    otelError({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" }, "OTEL_BSP_MAX_QUEUE_SIZE"),
    /OTEL_BSP_MAX_QUEUE_SIZE \(2048\)/,
  );
  // A smaller queue with the default batch size of 512.
  otelError({ OTEL_BSP_MAX_QUEUE_SIZE: "100" }, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
});

// Batch log record processor ----------------------------------------------------------------

Deno.test("OTEL_BLRP_* settings set the batch log record processor, and only it", () => {
  const config = parse({
    OTEL_BLRP_SCHEDULE_DELAY: "0",
    OTEL_BLRP_EXPORT_TIMEOUT: "1000",
    OTEL_BLRP_MAX_QUEUE_SIZE: "100",
    OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "100",
  });
  assert.deepEqual(config.logs.batch, {
    scheduleDelayMs: 0,
    exportTimeoutMs: 1000,
    maxQueueSize: 100,
    maxExportBatchSize: 100,
  });
  assert.deepEqual(config.traces.batch, parse({}).traces.batch);
  assert.equal(
    parse({ OTEL_BLRP_SCHEDULE_DELAY: "3600000" }).logs.batch.scheduleDelayMs,
    3_600_000,
  );
  assert.equal(parse({ OTEL_BLRP_EXPORT_TIMEOUT: "600000" }).logs.batch.exportTimeoutMs, 600_000);
  assert.equal(parse({ OTEL_BLRP_MAX_QUEUE_SIZE: "1000000" }).logs.batch.maxQueueSize, 1_000_000);
  assert.equal(parse({ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "1" }).logs.batch.maxExportBatchSize, 1);
  // And OTEL_BSP_* leave the log batches alone.
  assert.deepEqual(
    parse({ OTEL_BSP_SCHEDULE_DELAY: "7", OTEL_BSP_MAX_QUEUE_SIZE: "600" }).logs.batch,
    parse({}).logs.batch,
  );
});

Deno.test("OTEL_BLRP_* values out of range or not plain digits are errors", () => {
  const cases: [name: string, value: string, expected: string][] = [
    ["OTEL_BLRP_SCHEDULE_DELAY", "3600001", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BLRP_SCHEDULE_DELAY", "1s", "a whole number of milliseconds from 0 to 3600000"],
    ["OTEL_BLRP_EXPORT_TIMEOUT", "0", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BLRP_EXPORT_TIMEOUT", "600001", "a whole number of milliseconds from 1 to 600000"],
    ["OTEL_BLRP_MAX_QUEUE_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_QUEUE_SIZE", "2e3", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_QUEUE_SIZE", "1000001", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "0", "an integer from 1 to 1000000"],
    ["OTEL_BLRP_MAX_EXPORT_BATCH_SIZE", "-5", "an integer from 1 to 1000000"],
  ];
  for (const [name, value, expected] of cases) {
    assert.equal(otelError({ [name]: value }, name), `${name} must be ${expected}, got "${value}"`);
  }
});

Deno.test("OTEL_BLRP_MAX_EXPORT_BATCH_SIZE above the queue size is an error naming both", () => {
  assert.equal(
    otelError(
      { OTEL_BLRP_MAX_QUEUE_SIZE: "100", OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "101" },
      "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    ),
    'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE must not be greater than OTEL_BLRP_MAX_QUEUE_SIZE (100), got "101"',
  );
  // Against the default queue size too.
  assert.match(
    otelError({ OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "2049" }, "OTEL_BLRP_MAX_QUEUE_SIZE"),
    /OTEL_BLRP_MAX_QUEUE_SIZE \(2048\), got "2049"$/,
  );
  // A smaller queue with the default batch size of 512.
  otelError({ OTEL_BLRP_MAX_QUEUE_SIZE: "511" }, "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE");
  // The span processor's queue does not count.
  otelError(
    { OTEL_BSP_MAX_QUEUE_SIZE: "4096", OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: "4096" },
    "OTEL_BLRP_MAX_QUEUE_SIZE",
  );
});

// --help text -------------------------------------------------------------------------------

Deno.test("TELEMETRY_SETTINGS covers every signal and explains the metric interval rules", () => {
  const byName = new Map(TELEMETRY_SETTINGS.map((s) => [s.name, s]));
  for (
    const suffix of ["PROTOCOL", "ENDPOINT", "HEADERS", "TIMEOUT", "COMPRESSION", "CERTIFICATE"]
  ) {
    for (const name of perSignal(suffix)) assert.ok(byName.has(name), name);
  }
  for (const { signal } of SIGNALS) {
    assert.equal(
      byName.get(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`)?.defaultText,
      `OTEL_EXPORTER_OTLP_ENDPOINT + /v1/${signal}`,
    );
  }
  assert.match(byName.get("OTEL_METRICS_EXPORTER")!.help, /prometheus/);
  assert.doesNotMatch(byName.get("OTEL_LOGS_EXPORTER")!.help, /prometheus/);
  const interval = byName.get("OTEL_METRIC_EXPORT_INTERVAL")!;
  assert.equal(interval.defaultText, "60000");
  assert.match(interval.help, /the original app used 500/);
  const timeout = byName.get("OTEL_METRIC_EXPORT_TIMEOUT")!;
  assert.match(timeout.defaultText, /^30000, or OTEL_METRIC_EXPORT_INTERVAL if that is less$/);
  assert.match(timeout.help, /not more than OTEL_METRIC_EXPORT_INTERVAL/);
  // Help lines end without a full stop: --help appends ". Default: …".
  for (const setting of TELEMETRY_SETTINGS) assert.ok(!setting.help.endsWith("."), setting.name);
});
