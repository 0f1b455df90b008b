/** @module Tests for parsing the OpenTelemetry SDK environment variables into a TelemetryConfig. */

import assert from "node:assert/strict";
import {
  OtelConfigError,
  parseTelemetryEnv,
  TELEMETRY_SETTINGS,
  type TelemetryConfig,
} from "../../telemetry/otel_env.ts";

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

Deno.test("With no OTEL variables, telemetry exports traces over OTLP/HTTP to localhost:4318", () => {
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

Deno.test("TELEMETRY_SETTINGS lists every OTEL variable named in otel_env.ts", async () => {
  const source = await Deno.readTextFile(new URL("../../telemetry/otel_env.ts", import.meta.url));
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
    }),
    parse({}),
  );
});

Deno.test("OTLP protocols grpc and http/json are refused as unsupported", () => {
  for (const name of ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]) {
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
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) {
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
  for (const name of ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"]) {
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
  for (const name of ["OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"]) {
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
  for (const name of ["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"]) {
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
  for (const name of ["OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"]) {
    assert.ok(
      otelError({ [name]: "   " }, name).endsWith(`must be the path of a PEM file, got "   "`),
    );
    otelError({ [name]: "ca\0.pem" }, name);
  }
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
