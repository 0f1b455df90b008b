/** @module The logger provider, wired by hand: batch processor and OTLP protobuf log export. */

import { type Attributes, context, type MeterProvider } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { ProtobufLogsSerializer } from "@opentelemetry/otlp-transformer";
import type { Resource } from "@opentelemetry/resources";
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from "@opentelemetry/sdk-logs";
import type { LogLevel } from "../lib/log_levels.ts";
import type { LogAttributes, Logger, LogSink } from "./log.ts";
import type { TelemetryConfig } from "../config/telemetry_config.ts";
import {
  createOtlpSender,
  type ExportStats,
  otlpExporter,
  type OtlpSender,
  stopWithin,
} from "./otlp_exporter.ts";

/** OTLP logs: a sink for the service's logger, and how to stop. */
export interface OtelLogs {
  /** Hands one record (with the active trace context) to the batch processor. */
  readonly sink: LogSink;
  forceFlush(): Promise<void>;
  /** Exports what is queued and stops, giving up after `timeoutMs`; true when done in time. */
  shutdown(timeoutMs: number): Promise<boolean>;
  stats(): ExportStats;
}

/** Options: replace the exporters (tests), and where the processor's own metrics go. */
export interface OtelLogsOptions {
  readonly exporter?: LogRecordExporter;
  readonly selfObsMeterProvider?: MeterProvider;
}

const SEVERITY: Readonly<Record<LogLevel, SeverityNumber>> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

/**
 * Starts OTLP log export per `config` (which must not be disabled). `logger` reports
 * export failures; give it one without this sink so a failing export cannot feed itself.
 */
export function startOtelLogs(
  config: TelemetryConfig,
  resource: Resource,
  logger: Logger,
  options: OtelLogsOptions = {},
): OtelLogs {
  const logs = config.logs;
  const otlp = logs.exporters.includes("otlp") && options.exporter === undefined
    ? createOtlpSender("logs", logs.otlp, logger)
    : undefined;
  const exporters: LogRecordExporter[] = options.exporter !== undefined ? [options.exporter] : [
    ...(otlp === undefined ? [] : [otlpLogExporter(otlp)]),
    ...(logs.exporters.includes("console") ? [new ConsoleLogRecordExporter()] : []),
  ];
  const provider = new LoggerProvider({
    resource,
    processors: exporters.map((exporter) =>
      new BatchLogRecordProcessor({
        exporter,
        scheduledDelayMillis: logs.batch.scheduleDelayMs,
        exportTimeoutMillis: logs.batch.exportTimeoutMs,
        maxQueueSize: logs.batch.maxQueueSize,
        maxExportBatchSize: logs.batch.maxExportBatchSize,
        ...(options.selfObsMeterProvider === undefined
          ? {}
          : { selfObsMeterProvider: options.selfObsMeterProvider }),
      })
    ),
  });
  const otelLogger = provider.getLogger("otel-board");
  const zero: ExportStats = { exportedItems: 0, failedItems: 0, failedRequests: 0 };
  return {
    sink(record) {
      otelLogger.emit({
        timestamp: record.time,
        severityNumber: SEVERITY[record.level],
        severityText: record.level.toUpperCase(),
        body: record.msg,
        attributes: { "code.file.path": record.scope, ...toAttributes(record.attributes) },
        context: context.active(),
      });
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: (timeoutMs) => stopWithin(provider.shutdown(), timeoutMs, () => otlp?.abort()),
    stats: () => otlp?.stats() ?? zero,
  };
}

/** A log exporter serializing with the SDK's protobuf serializer and sending with `sender`. */
function otlpLogExporter(sender: OtlpSender): LogRecordExporter {
  return otlpExporter<ReadableLogRecord[]>(
    sender,
    (records) => ProtobufLogsSerializer.serializeRequest(records),
    (records) => records.length,
  );
}

/** Log attributes as OTLP attributes: errors become `exception.*`, objects become JSON. */
function toAttributes(attributes: LogAttributes): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value instanceof Error) {
      out["exception.type"] = value.name;
      out["exception.message"] = value.message;
      if (value.stack !== undefined) out["exception.stacktrace"] = value.stack;
    } else if (
      typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ) {
      out[key] = value;
    } else if (value !== undefined && value !== null) {
      out[key] = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    }
  }
  return out;
}
