/**
 * @module Telemetry set-up: resource, meter provider, tracer provider and logger provider,
 * started together (never at import time) and stopped in order, each stop bounded.
 */

import type { MetricReader } from "@opentelemetry/sdk-metrics";
import type { LogRecordExporter } from "@opentelemetry/sdk-logs";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { countDrops, type DroppedItems } from "./drop_counter.ts";
import type { Logger, LogSink } from "./log.ts";
import { type Metrics, startMetrics } from "./metrics.ts";
import type { KeepErrorsSettings, TelemetryConfig } from "../config/telemetry_config.ts";
import { type OtelLogs, startOtelLogs } from "./otel_logs.ts";
import type { ExportStats, Signal } from "./otlp_exporter.ts";
import { buildResource, currentProcess, type ProcessFacts } from "./resource.ts";
import { currentReadings, registerSystemMetrics, type SystemReadings } from "./system_metrics.ts";
import { startTracing, type Tracing } from "./tracing.ts";

/** The running providers and what the rest of the service needs from them. */
export interface Telemetry {
  readonly tracing: Tracing;
  readonly metrics: Metrics;
  /** Where the service's logger sends records for OTLP export (absent: no log exporter). */
  readonly logSink: LogSink | undefined;
  /** Items dropped before export (a full queue, the keep-errors processor), per signal. */
  readonly dropped: Readonly<Record<"traces" | "logs", () => number>>;
  /** The same drops by signal and reason, for `app.telemetry.dropped`. */
  droppedItems(): DroppedItems[];
  /** Export outcomes per signal. */
  exportStats(): Record<Signal, ExportStats>;
  /** Exports whatever every signal has queued now. */
  flush(): Promise<void>;
  /** Exports queued spans and a last metric collection; each bounded by `timeoutMs`. */
  stopTracesAndMetrics(timeoutMs: number): Promise<{ traces: boolean; metrics: boolean }>;
  /** Exports queued log records (call last, after the final log line); bounded by `timeoutMs`. */
  stopLogs(timeoutMs: number): Promise<boolean>;
}

/** Test seams: fixed process facts and readings, in-memory exporters, an extra reader. */
export interface TelemetryOptions {
  readonly process?: ProcessFacts;
  readonly readings?: SystemReadings;
  readonly spanExporter?: SpanExporter;
  readonly logExporter?: LogRecordExporter;
  readonly metricReader?: MetricReader;
}

/**
 * Starts every signal per `config` (which must not be disabled). `logger` reports export
 * failures and must not itself feed the OTLP log sink.
 * @throws {Error} when an OTLP CA certificate file cannot be read.
 */
export function startTelemetry(
  config: TelemetryConfig & KeepErrorsSettings,
  serviceVersion: string,
  logger: Logger,
  options: TelemetryOptions = {},
): Telemetry {
  const resource = buildResource({
    serviceName: config.serviceName,
    serviceVersion,
    attributes: config.resourceAttributes,
  }, options.process ?? currentProcess());
  const metrics = startMetrics(
    config,
    resource,
    logger,
    options.metricReader === undefined ? {} : { reader: options.metricReader },
  );
  const spanDrops = countDrops(metrics.provider);
  const logDrops = countDrops(metrics.provider);
  const tracing = startTracing(config, resource, logger, {
    selfObsMeterProvider: spanDrops.provider,
    ...(options.spanExporter === undefined ? {} : { exporter: options.spanExporter }),
  });
  const wantLogs = config.logs.exporters.length > 0 || options.logExporter !== undefined;
  const logs: OtelLogs | undefined = wantLogs
    ? startOtelLogs(config, resource, logger, {
      selfObsMeterProvider: logDrops.provider,
      ...(options.logExporter === undefined ? {} : { exporter: options.logExporter }),
    })
    : undefined;
  const system = registerSystemMetrics(metrics.meter, options.readings ?? currentReadings(), {
    collectingReader: metrics.collectingReader,
  });
  const none: ExportStats = { exportedItems: 0, failedItems: 0, failedRequests: 0 };
  const droppedItems = (): DroppedItems[] => [
    { signal: "traces", reason: "queue_full", items: spanDrops.dropped() },
    ...Object.entries(tracing.keepErrorsDropped()).map(([reason, items]) => ({
      signal: "traces" as const,
      reason,
      items,
    })),
    { signal: "logs", reason: "queue_full", items: logDrops.dropped() },
  ];
  return {
    tracing,
    metrics,
    logSink: logs?.sink,
    dropped: {
      traces: () =>
        droppedItems().reduce((sum, d) => d.signal === "traces" ? sum + d.items : sum, 0),
      logs: logDrops.dropped,
    },
    droppedItems,
    exportStats: () => ({
      traces: tracing.stats(),
      metrics: metrics.stats(),
      logs: logs?.stats() ?? none,
    }),
    async flush() {
      await Promise.all([tracing.forceFlush(), metrics.forceFlush(), logs?.forceFlush()]);
    },
    async stopTracesAndMetrics(timeoutMs) {
      const traces = await tracing.shutdown(timeoutMs);
      const exported = await metrics.shutdown(timeoutMs);
      system.stop();
      return { traces, metrics: exported };
    },
    stopLogs: (timeoutMs) => logs?.shutdown(timeoutMs) ?? Promise.resolve(true),
  };
}
