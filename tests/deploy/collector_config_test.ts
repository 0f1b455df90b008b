/** @module Checks deploy/otel-collector*.yaml: wiring, ports, and the otel-board settings their comments show. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../../testing/root.ts";
import { parse } from "yaml";
import { parseTelemetryEnv } from "../../config/otel_assemble.ts";
import type { TelemetryConfig } from "../../config/telemetry_config.ts";

const MAIN_FILE = join(ROOT, "deploy", "otel-collector.yaml");
const DEBUG_FILE = join(ROOT, "deploy", "otel-collector.debug.yaml");
const SIGNALS = ["traces", "metrics", "logs"] as const;
const KINDS = ["receivers", "processors", "exporters"] as const;

type Section = Record<string, unknown>;

interface Pipeline {
  readonly receivers?: string[];
  readonly processors?: string[];
  readonly exporters?: string[];
}

interface CollectorConfig {
  readonly extensions?: Section;
  readonly receivers: Section;
  readonly processors?: Section;
  readonly exporters: Section;
  readonly service: {
    readonly extensions?: string[];
    readonly pipelines: Record<string, Pipeline>;
  };
}

function readConfig(path: string): { text: string; config: CollectorConfig } {
  const text = Deno.readTextFileSync(path);
  const config = parse(text) as CollectorConfig;
  assert.equal(typeof config, "object", `${path} must hold a YAML mapping`);
  return { text, config };
}

/** The component type of an id such as `otlp_http/loki` (the part before the slash). */
function typeOf(id: string): string {
  return id.split("/")[0]!;
}

/** The `VAR=value` that a comment line of `text` shows, e.g. `#   OTEL_EXPORTER_OTLP_HEADERS=…`. */
function commentSetting(text: string, variable: string): string {
  const pattern = new RegExp(`^#.*?\\b${variable}=(\\S+)`, "m");
  const match = text.match(pattern);
  assert.ok(match, `expected a comment showing ${variable}=…`);
  return match[1]!;
}

/** The telemetry config otel-board would load from `env`. */
function otelBoardTelemetry(env: Record<string, string>): TelemetryConfig {
  return parseTelemetryEnv(env, { serviceName: "otel-board" });
}

/** The port of a `host:port` listen address. */
function listenPort(endpoint: unknown): number {
  assert.equal(typeof endpoint, "string");
  const match = (endpoint as string).match(/:(\d+)$/);
  assert.ok(match, `expected host:port, got ${String(endpoint)}`);
  return Number(match[1]);
}

function otlpHttpEndpoint(config: CollectorConfig): unknown {
  const otlp = config.receivers.otlp as { protocols?: { http?: { endpoint?: unknown } } };
  return otlp.protocols?.http?.endpoint;
}

for (const path of [MAIN_FILE, DEBUG_FILE]) {
  const name = path.slice(ROOT.length);

  Deno.test(`${name}: every component a pipeline names is defined`, () => {
    const { config } = readConfig(path);
    for (const [pipeline, parts] of Object.entries(config.service.pipelines)) {
      for (const kind of KINDS) {
        for (const id of parts[kind] ?? []) {
          assert.ok(
            Object.hasOwn(config[kind] ?? {}, id),
            `${pipeline} names ${kind.slice(0, -1)} "${id}", which ${kind} does not define`,
          );
        }
      }
    }
    for (const id of config.service.extensions ?? []) {
      assert.ok(Object.hasOwn(config.extensions ?? {}, id), `extension "${id}" is not defined`);
    }
  });

  Deno.test(`${name}: every defined component is used`, () => {
    const { config } = readConfig(path);
    const pipelines = Object.values(config.service.pipelines);
    for (const kind of KINDS) {
      for (const id of Object.keys(config[kind] ?? {})) {
        assert.ok(
          pipelines.some((p) => p[kind]?.includes(id)),
          `${kind.slice(0, -1)} "${id}" is defined but no pipeline uses it`,
        );
      }
    }
    for (const id of Object.keys(config.extensions ?? {})) {
      assert.ok(config.service.extensions?.includes(id), `extension "${id}" is not enabled`);
    }
  });

  Deno.test(`${name}: traces, metrics and logs each flow from the OTLP receiver`, () => {
    const { config } = readConfig(path);
    assert.deepEqual(Object.keys(config.service.pipelines).sort(), [...SIGNALS].sort());
    for (const signal of SIGNALS) {
      assert.deepEqual(config.service.pipelines[signal]!.receivers, ["otlp"]);
    }
  });

  Deno.test(`${name}: the OTLP/HTTP receiver listens on otel-board's default port`, () => {
    const { config } = readConfig(path);
    const defaultUrl = new URL(otelBoardTelemetry({}).traces.otlp.url);
    assert.equal(defaultUrl.port, "4318");
    assert.equal(listenPort(otlpHttpEndpoint(config)), Number(defaultUrl.port));
  });
}

Deno.test("the debug Collector prints all three signals with the detailed debug exporter only", () => {
  const { config } = readConfig(DEBUG_FILE);
  assert.deepEqual(Object.keys(config.exporters).map(typeOf), ["debug"]);
  assert.deepEqual(config.exporters.debug, { verbosity: "detailed" });
  for (const signal of SIGNALS) {
    const exporters = config.service.pipelines[signal]!.exporters ?? [];
    assert.ok(exporters.length > 0, `${signal} has no exporter`);
    assert.ok(exporters.every((id) => typeOf(id) === "debug"), `${signal}: ${exporters}`);
  }
});

Deno.test("the Collector sends traces to Tempo, logs to Loki and metrics to Prometheus", () => {
  const { config } = readConfig(MAIN_FILE);
  const pipelines = config.service.pipelines;
  const exporter = (id: string) => config.exporters[id] as Record<string, unknown>;

  const [traces] = pipelines.traces!.exporters!;
  assert.match(typeOf(traces!), /^(otlp|otlp_grpc|otlphttp|otlp_http)$/);
  assert.match(String(exporter(traces!).endpoint), /tempo:4317$|tempo:4318/);

  const [logs] = pipelines.logs!.exporters!;
  assert.match(typeOf(logs!), /^(otlphttp|otlp_http)$/);
  assert.equal(exporter(logs!).endpoint, "http://loki:3100/otlp");

  const metrics = pipelines.metrics!.exporters!;
  const prometheus = metrics.find((id) => typeOf(id) === "prometheus");
  assert.ok(prometheus, `metrics exporters: ${metrics}`);
  assert.equal(listenPort(exporter(prometheus).endpoint), 8889);
  assert.deepEqual(exporter(prometheus).resource_to_telemetry_conversion, { enabled: true });
});

Deno.test("the Collector limits memory first and batches last in every pipeline", () => {
  const { config } = readConfig(MAIN_FILE);
  for (const signal of SIGNALS) {
    const processors = (config.service.pipelines[signal]!.processors ?? []).map(typeOf);
    assert.equal(processors[0], "memory_limiter", `${signal}: ${processors}`);
    assert.equal(processors.at(-1), "batch", `${signal}: ${processors}`);
  }
});

Deno.test("the endpoint shown for otel-board reaches the Collector's OTLP/HTTP port", () => {
  const { text, config } = readConfig(MAIN_FILE);
  const endpoint = commentSetting(text, "OTEL_EXPORTER_OTLP_ENDPOINT");
  const telemetry = otelBoardTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  const traces = new URL(telemetry.traces.otlp.url);
  assert.equal(traces.pathname, "/v1/traces");
  assert.equal(Number(traces.port), listenPort(otlpHttpEndpoint(config)));
  assert.equal(new URL(telemetry.logs.otlp.url).pathname, "/v1/logs");
});

Deno.test("the bearer-token example decodes as otel-board parses OTEL_EXPORTER_OTLP_HEADERS", () => {
  const { text } = readConfig(MAIN_FILE);
  const headers = commentSetting(text, "OTEL_EXPORTER_OTLP_HEADERS");
  const token = commentSetting(text, "OTLP_TOKEN");
  assert.ok(!headers.includes(" "), "the variable's value is percent-encoded: no raw spaces");
  const telemetry = otelBoardTelemetry({ OTEL_EXPORTER_OTLP_HEADERS: headers });
  for (const signal of SIGNALS) {
    assert.deepEqual(telemetry[signal].otlp.headers, { authorization: `Bearer ${token}` });
  }
});

Deno.test("the commented authenticated-Collector snippet is YAML that guards the HTTP receiver", () => {
  const { text } = readConfig(MAIN_FILE);
  // The snippet: the run of "#   " lines that starts with "#   extensions:".
  const lines = text.split("\n");
  const start = lines.indexOf("#   extensions:");
  assert.ok(start >= 0, "expected a commented snippet starting with #   extensions:");
  const snippet: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith("#   ")) break;
    snippet.push(line.slice(4));
  }
  const parsed = parse(snippet.join("\n")) as CollectorConfig;
  const http = (parsed.receivers.otlp as {
    protocols: { http: { endpoint: string; auth: { authenticator: string } } };
  }).protocols.http;
  assert.equal(http.auth.authenticator, "bearertokenauth");
  assert.equal(listenPort(http.endpoint), 4318);
  assert.ok(Object.hasOwn(parsed.extensions ?? {}, "bearertokenauth"));
  assert.ok(parsed.service.extensions?.includes("bearertokenauth"));
  assert.equal(
    (parsed.extensions!.bearertokenauth as { token: string }).token,
    "${env:OTLP_TOKEN}",
  );
});
