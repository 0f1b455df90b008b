/** @module Turns the parsed OTEL_* values into one TelemetryConfig: derived defaults, per-signal overrides, cross-checks. */

import { ratio } from "./grammars.ts";
import { DEFAULT_METRIC_EXPORT_TIMEOUT_MS, OTEL_SETTINGS } from "./otel_settings.ts";
import { readGroup } from "./read_group.ts";
import type {
  BatchConfig,
  OtlpEndpointConfig,
  SamplerName,
  TelemetryConfig,
} from "./telemetry_config.ts";
import { ConfigError, type RuntimeFacts, type Values } from "./types.ts";

/** The parsed OTEL_* values, one field per variable. */
export type OtelValues = Values<typeof OTEL_SETTINGS>;

const RATIO_SAMPLERS: ReadonlySet<SamplerName> = new Set([
  "traceidratio",
  "parentbased_traceidratio",
]);

// The OTEL_* settings do not depend on the executable: any runtime facts will do.
const ANY_RUNTIME: RuntimeFacts = { standalone: false, execPath: "", os: "linux" };

/**
 * Parses the OpenTelemetry SDK environment variables into one deeply frozen config.
 * @param env the raw environment, e.g. `Deno.env.toObject()`.
 * @param defaults `serviceName` is used when neither `OTEL_SERVICE_NAME` nor a `service.name`
 * resource attribute is set.
 * @throws {ConfigError} naming the variable when a value is invalid or unsupported.
 */
export function parseTelemetryEnv(
  env: Readonly<Record<string, string>>,
  defaults: { readonly serviceName: string },
): TelemetryConfig {
  return assembleTelemetry(readGroup(OTEL_SETTINGS, { env, runtime: ANY_RUNTIME }), defaults);
}

/**
 * Builds the TelemetryConfig from the parsed variables. A default may follow another setting:
 * each per-signal OTLP variable falls back to its generic one, and the metric export timeout
 * (30000) is lowered to an `OTEL_METRIC_EXPORT_INTERVAL` set below it.
 * @throws {ConfigError} when two settings contradict each other.
 */
export function assembleTelemetry(
  values: OtelValues,
  defaults: { readonly serviceName: string },
): TelemetryConfig {
  const resource = new Map(values.resourceAttributes);
  const serviceName = values.serviceName ?? resource.get("service.name") ??
    defaults.serviceName;
  resource.delete("service.name");
  const config: TelemetryConfig = {
    disabled: values.disabled,
    serviceName,
    resourceAttributes: Object.fromEntries(resource),
    propagators: values.propagators,
    semconv: {
      httpDup: values.semconvOptIn.has("http/dup"),
      databaseDup: values.semconvOptIn.has("database/dup"),
    },
    traces: {
      exporters: values.tracesExporters,
      otlp: otlpEndpoint(values, "traces"),
      sampler: values.sampler,
      samplerRatio: RATIO_SAMPLERS.has(values.sampler)
        ? ratio(values.samplerArg, OTEL_SETTINGS.samplerArg.env)
        : 1,
      batch: batch(values, "bsp"),
    },
    metrics: {
      exporters: values.metricsExporters,
      otlp: otlpEndpoint(values, "metrics"),
      exportIntervalMs: values.metricExportIntervalMs,
      exportTimeoutMs: metricExportTimeoutMs(values),
      temporality: values.metricsTemporality,
    },
    logs: {
      exporters: values.logsExporters,
      otlp: otlpEndpoint(values, "logs"),
      batch: batch(values, "blrp"),
    },
  };
  return deepFreeze(config);
}

/**
 * The periodic reader's timeout follows the SDK's rule timeout <= interval: a timeout that is
 * set and greater is an error naming both variables, while the default timeout is lowered to
 * an interval set below it, so OTEL_METRIC_EXPORT_INTERVAL=500 alone works.
 */
function metricExportTimeoutMs(values: OtelValues): number {
  const intervalMs = values.metricExportIntervalMs;
  const timeoutMs = values.metricExportTimeoutMs ??
    Math.min(DEFAULT_METRIC_EXPORT_TIMEOUT_MS, intervalMs);
  if (timeoutMs > intervalMs) {
    throw new ConfigError(
      `${OTEL_SETTINGS.metricExportTimeoutMs.env} must not be greater than ` +
        `${OTEL_SETTINGS.metricExportIntervalMs.env} (${intervalMs}), got "${timeoutMs}": ` +
        "an export must end before the next one is due",
    );
  }
  return timeoutMs;
}

/**
 * One signal's OTLP exporter: each signal variable if set, else the generic one. The URL is
 * the signal's own as-is, else the base endpoint with `/v1/<signal>` appended after exactly
 * one slash (a base path such as /otlp is kept). Headers are merged per name.
 */
function otlpEndpoint(
  values: OtelValues,
  signal: "traces" | "metrics" | "logs",
): OtlpEndpointConfig {
  const own = {
    endpoint: values[`${signal}Endpoint`],
    headers: values[`${signal}Headers`],
    timeoutMs: values[`${signal}TimeoutMs`],
    compression: values[`${signal}Compression`],
    certificate: values[`${signal}Certificate`],
  };
  let url = own.endpoint;
  if (url === undefined) {
    const base = new URL(values.otlpEndpoint);
    base.pathname = `${base.pathname.replace(/\/+$/, "")}/v1/${signal}`;
    url = base.href;
  }
  const certificatePath = own.certificate ?? values.otlpCertificate;
  return {
    url,
    // fromEntries defines own properties, so even a header named __proto__ stays a header.
    headers: Object.fromEntries(new Map([...values.otlpHeaders, ...own.headers])),
    timeoutMs: own.timeoutMs ?? values.otlpTimeoutMs,
    compression: own.compression ?? values.otlpCompression,
    ...(certificatePath === undefined ? {} : { certificatePath }),
  };
}

/** A batching processor's settings; the batch size may not exceed the queue size. */
function batch(values: OtelValues, prefix: "bsp" | "blrp"): BatchConfig {
  const maxQueueSize = values[`${prefix}MaxQueueSize`];
  const maxExportBatchSize = values[`${prefix}MaxExportBatchSize`];
  if (maxExportBatchSize > maxQueueSize) {
    throw new ConfigError(
      `${OTEL_SETTINGS[`${prefix}MaxExportBatchSize`].env} must not be greater than ` +
        `${OTEL_SETTINGS[`${prefix}MaxQueueSize`].env} (${maxQueueSize}), ` +
        `got "${maxExportBatchSize}"`,
    );
  }
  return {
    scheduleDelayMs: values[`${prefix}ScheduleDelayMs`],
    exportTimeoutMs: values[`${prefix}ExportTimeoutMs`],
    maxQueueSize,
    maxExportBatchSize,
  };
}

/** Freezes a plain object or array and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
