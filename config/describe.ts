/** @module The start-up line's description of the effective telemetry settings, secrets masked. */

import type { OtlpEndpointConfig, TelemetryConfig } from "./telemetry_config.ts";

/**
 * The effective telemetry settings for the start-up line. OTLP header values may be API keys,
 * so only the header names are shown.
 */
export function describeTelemetry(telemetry: TelemetryConfig): Record<string, unknown> {
  if (telemetry.disabled) return { disabled: true };
  return {
    service_name: telemetry.serviceName,
    traces_exporter: names(telemetry.traces.exporters),
    ...endpoint("traces", telemetry.traces.otlp),
    metrics_exporter: names(telemetry.metrics.exporters),
    ...endpoint("metrics", telemetry.metrics.otlp),
    metric_export_interval_ms: telemetry.metrics.exportIntervalMs,
    logs_exporter: names(telemetry.logs.exporters),
    ...endpoint("logs", telemetry.logs.otlp),
    sampler: telemetry.traces.sampler,
    sampler_ratio: telemetry.traces.samplerRatio,
    propagators: names(telemetry.propagators),
  };
}

function names(list: readonly string[]): string {
  return list.join(",") || "none";
}

function endpoint(signal: string, otlp: OtlpEndpointConfig): Record<string, unknown> {
  return { [`${signal}_endpoint`]: otlp.url, [`${signal}_headers`]: Object.keys(otlp.headers) };
}
