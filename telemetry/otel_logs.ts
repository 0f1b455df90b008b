/** @module The logger provider, wired by hand: batch processor and OTLP protobuf log export. */

import { context, type MeterProvider } from "@opentelemetry/api";
import { type AnyValue, type AnyValueMap, SeverityNumber } from "@opentelemetry/api-logs";
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
import { INSTRUMENTATION_SCOPE } from "./scope.ts";

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
  const otelLogger = provider.getLogger(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
  const zero: ExportStats = { exportedItems: 0, failedItems: 0, failedRequests: 0 };
  return {
    sink(record) {
      otelLogger.emit({
        timestamp: record.time,
        severityNumber: SEVERITY[record.level],
        severityText: record.level.toUpperCase(),
        body: record.msg,
        attributes: { "code.file.path": record.scope, ...toLogAttributes(record.attributes) },
        context: context.active(),
      });
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: (timeoutMs) => stopWithin(provider.shutdown(), timeoutMs, () => otlp?.abort()),
    stats: () => otlp?.stats() ?? zero,
  };
}

/** A log exporter serializing with the SDK's protobuf serializer and sending with `sender`. */
export function otlpLogExporter(sender: OtlpSender): LogRecordExporter {
  return otlpExporter<ReadableLogRecord[]>(
    sender,
    (records) => ProtobufLogsSerializer.serializeRequest(records),
    (records) => records.length,
  );
}

/**
 * Log attributes as OTLP attributes: a top-level error becomes `exception.type`/`message`/
 * `stacktrace`; objects become OTLP maps (kvlistValue) and arrays arrays (arrayValue), nested
 * as deep as they are, so a backend can query their fields (see {@linkcode toAnyValue}).
 */
export function toLogAttributes(attributes: LogAttributes): AnyValueMap {
  const out: AnyValueMap = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value instanceof Error) {
      out["exception.type"] = value.name;
      out["exception.message"] = value.message;
      if (value.stack !== undefined) out["exception.stacktrace"] = value.stack;
    } else if (value !== undefined && value !== null) {
      const converted = toAnyValue(value, new Set());
      if (converted !== undefined) out[key] = converted;
    }
  }
  return out;
}

/** Deeper than this, a value is written as a string: a log line is no place for a whole graph. */
const MAX_DEPTH = 8;

/**
 * One value as an OTLP AnyValue, the way JSON would write it but typed: strings, numbers,
 * booleans and bytes as they are; a bigint as its digits; anything with `toJSON` (a Date) as
 * what that returns; an error as `{ name, message, stack }`; a Map as a map and a Set as an
 * array; other objects by their own enumerable fields. Functions, symbols and `undefined`
 * fields are left out (an `undefined` array item becomes an empty value, JSON's null); a
 * value met again on its own path is written `"[Circular]"`.
 * @returns undefined for what JSON leaves out.
 */
function toAnyValue(value: unknown, path: Set<object>): AnyValue | undefined {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null || value instanceof Uint8Array) return value;
  const object = value as object;
  if (path.has(object)) return "[Circular]";
  if (path.size >= MAX_DEPTH) return String(object);
  path.add(object);
  try {
    if (typeof (object as { toJSON?: unknown }).toJSON === "function") {
      return toAnyValue((object as { toJSON(): unknown }).toJSON(), path);
    }
    if (Array.isArray(object) || object instanceof Set) {
      return [...object].map((item) => toAnyValue(item, path) ?? null);
    }
    const entries: Iterable<[unknown, unknown]> = object instanceof Map
      ? object.entries()
      : object instanceof Error
      ? [["name", object.name], ["message", object.message], ["stack", object.stack]]
      : Object.entries(object);
    const map: AnyValueMap = {};
    for (const [key, item] of entries) {
      const converted = toAnyValue(item, path);
      if (converted !== undefined) map[String(key)] = converted;
    }
    return map;
  } finally {
    path.delete(object);
  }
}
