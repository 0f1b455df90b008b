/** @module Tests for the OTLP exporter settings: protocol, endpoints, headers, timeout, compression, certificate. */

import assert from "node:assert/strict";
import { otelError, otlpOf, parse, perSignal, SIGNALS } from "./_otel.ts";

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
