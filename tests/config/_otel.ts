/** @module Helpers for the OTEL_* settings tests: parse an environment, expect a ConfigError, name the signals. */

import assert from "node:assert/strict";
import { parseTelemetryEnv } from "../../config/otel_assemble.ts";
import type { OtlpEndpointConfig, TelemetryConfig } from "../../config/telemetry_config.ts";
import { ConfigError } from "../../config/types.ts";

/** Parses the OTEL_* variables of `env` with otel-board's default service name. */
export function parse(env: Record<string, string>): TelemetryConfig {
  return parseTelemetryEnv(env, { serviceName: "otel-board" });
}

/** Asserts that parsing throws a ConfigError naming `variable`, and returns its message. */
export function otelError(env: Record<string, string>, variable: string): string {
  let caught: unknown;
  try {
    parse(env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.name, "ConfigError");
  assert.ok(caught.message.includes(variable), `"${caught.message}" does not name ${variable}`);
  return caught.message;
}

/** The three signals, each with its OTLP variables' prefix and the path after the base URL. */
export const SIGNALS = [
  { signal: "traces", prefix: "OTEL_EXPORTER_OTLP_TRACES_", path: "/v1/traces" },
  { signal: "metrics", prefix: "OTEL_EXPORTER_OTLP_METRICS_", path: "/v1/metrics" },
  { signal: "logs", prefix: "OTEL_EXPORTER_OTLP_LOGS_", path: "/v1/logs" },
] as const;
/** One of the three signals. */
export type Signal = (typeof SIGNALS)[number]["signal"];

/** `OTEL_EXPORTER_OTLP_<SIGNAL>_<suffix>` for every signal. */
export function perSignal(suffix: string): string[] {
  return SIGNALS.map(({ prefix }) => `${prefix}${suffix}`);
}

/** The OTLP endpoint settings of one signal parsed from `env`. */
export function otlpOf(env: Record<string, string>, signal: Signal): OtlpEndpointConfig {
  return parse(env)[signal].otlp;
}
