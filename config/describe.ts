/** @module The start-up line's description of the effective telemetry settings, named and masked by the OTEL_* table. */

import { OTEL_SETTINGS } from "./otel_settings.ts";
import type { TelemetryConfig } from "./telemetry_config.ts";

type OtelKey = keyof typeof OTEL_SETTINGS;

/**
 * The settings worth a line at start-up, each read from the resolved config (so a derived
 * default shows its value, e.g. the traces URL built from OTEL_EXPORTER_OTLP_ENDPOINT).
 */
const EFFECTIVE: Partial<Record<OtelKey, (telemetry: TelemetryConfig) => unknown>> = {
  serviceName: (t) => t.serviceName,
  propagators: (t) => names(t.propagators),
  tracesExporters: (t) => names(t.traces.exporters),
  sampler: (t) => t.traces.sampler,
  samplerArg: (t) => t.traces.samplerRatio,
  metricsExporters: (t) => names(t.metrics.exporters),
  metricExportIntervalMs: (t) => t.metrics.exportIntervalMs,
  logsExporters: (t) => names(t.logs.exporters),
  tracesEndpoint: (t) => t.traces.otlp.url,
  metricsEndpoint: (t) => t.metrics.otlp.url,
  logsEndpoint: (t) => t.logs.otlp.url,
  tracesHeaders: (t) => t.traces.otlp.headers,
  metricsHeaders: (t) => t.metrics.otlp.headers,
  logsHeaders: (t) => t.logs.otlp.headers,
};

/**
 * The effective telemetry settings for the start-up line, keyed by variable in table order.
 * A secret setting (the OTLP headers, which may carry API keys) shows only its header names.
 */
export function describeTelemetry(telemetry: TelemetryConfig): Record<string, unknown> {
  if (telemetry.disabled) return { disabled: true };
  const description: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(OTEL_SETTINGS)) {
    const effective = EFFECTIVE[key as OtelKey];
    if (effective === undefined) continue;
    const value = effective(telemetry);
    description[setting.env] = setting.secret ? masked(value) : value;
  }
  return description;
}

function names(list: readonly string[]): string {
  return list.join(",") || "none";
}

/** The names of a secret's entries, never their values. */
function masked(value: unknown): string[] {
  return typeof value === "object" && value !== null ? Object.keys(value) : [];
}
