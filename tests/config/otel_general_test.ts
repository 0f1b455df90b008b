/** @module Tests for the general OTEL_* settings: defaults, OTEL_DENO, OTEL_SDK_DISABLED, service name, resource, propagators, semconv opt-in. */

import assert from "node:assert/strict";
import { otelSettings } from "../../config/help.ts";
import { parseTelemetryEnv } from "../../config/otel_assemble.ts";
import { otelError, parse } from "./_otel.ts";

const OTEL_TABLE = otelSettings();

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
  const empty = Object.fromEntries(OTEL_TABLE.map((s) => [s.env, ""]));
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

// OTEL_DENO ---------------------------------------------------------------------------------

Deno.test("OTEL_DENO=true stops start-up, explaining why and saying to unset OTEL_DENO", () => {
  for (const value of ["true", "TRUE", "True", "1", " true "]) {
    const message = otelError({ OTEL_DENO: value }, "OTEL_DENO");
    assert.match(message, /Unset OTEL_DENO/);
    assert.match(message, /@opentelemetry\/api/);
    assert.match(message, /second server span/);
  }
});

Deno.test("OTEL_DENO is a boolean like every other: another value is an error", () => {
  const message = otelError({ OTEL_DENO: "yes" }, "OTEL_DENO");
  assert.equal(message, `OTEL_DENO must be true or false, got "yes"`);
});

Deno.test("OTEL_DENO is checked before any other variable", () => {
  otelError({ OTEL_DENO: "true", OTEL_TRACES_SAMPLER: "bogus" }, "OTEL_DENO");
});

Deno.test("OTEL_DENO=false, 0 or empty lets telemetry start", () => {
  for (const value of ["false", "0", "", " FALSE "]) {
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

Deno.test("OTEL_SDK_DISABLED also accepts 1 and 0, and blanks around any of them", () => {
  assert.equal(parse({ OTEL_SDK_DISABLED: "1" }).disabled, true);
  assert.equal(parse({ OTEL_SDK_DISABLED: " TRUE " }).disabled, true);
  assert.equal(parse({ OTEL_SDK_DISABLED: "0" }).disabled, false);
  assert.equal(parse({ OTEL_SDK_DISABLED: " false\t" }).disabled, false);
});

Deno.test("OTEL_SDK_DISABLED other than true, false, 1 or 0 is an error", () => {
  for (const value of ["yes", "on", "2", "off"]) {
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
