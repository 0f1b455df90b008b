/**
 * @module One test span, metric point and log record (`otel-board check-telemetry`), sent to one
 * signal's endpoint through the very sender and encoder the service exports with.
 */

import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import type { ExportResult } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { LoggerProvider, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import type { TelemetryConfig } from "../config/telemetry_config.ts";
import { ExemplarReservoirs } from "./exemplars.ts";
import type { Logger } from "./log.ts";
import { metricsOtlpEndpoint, otlpMetricExporter } from "./metrics.ts";
import { otlpLogExporter } from "./otel_logs.ts";
import {
  createOtlpSender,
  type ExportFailure,
  type OtlpExporter,
  OtlpExportError,
  otlpSpanExporter,
  type Signal,
} from "./otlp_exporter.ts";
import { INSTRUMENTATION_SCOPE } from "./scope.ts";

/** The attribute every test item carries, so an operator can find them in the backend. */
export const CHECK_ATTRIBUTE = "app.telemetry.check";

/** The name of the test span. */
export const CHECK_SPAN_NAME = "check-telemetry";
/** The name of the test metric (a counter of one point, value 1). */
export const CHECK_METRIC_NAME = "app.telemetry.checks";
/** The body of the test log record. */
export const CHECK_LOG_BODY = "otel-board check-telemetry test record";

/** How one signal's test item fared. */
export type CheckItemResult =
  | { readonly kind: "accepted"; readonly durationMs: number }
  | { readonly kind: "failed"; readonly failure: ExportFailure; readonly durationMs: number }
  /** The exporter could not even be built (an unreadable CA file). */
  | { readonly kind: "unusable"; readonly message: string };

/** The three test items, built once so the log record sits in the test span's trace. */
export interface CheckItems {
  readonly spans: ReadableSpan[];
  readonly metrics: ResourceMetrics;
  readonly logs: ReadableLogRecord[];
  /** The test span's trace id, to look the items up by. */
  readonly traceId: string;
}

/** Builds the test items, each carrying `resource` and `app.telemetry.check=true`. */
export async function buildCheckItems(resource: Resource): Promise<CheckItems> {
  const span = testSpan(resource);
  return {
    spans: [span],
    metrics: await testMetrics(resource),
    logs: testLogs(resource, span),
    traceId: span.spanContext().traceId,
  };
}

/**
 * Sends the test item of `signal` to its OTLP endpoint in `config`. `logger` gets the sender's
 * own failure lines (the check reports failures itself: give it a silent one).
 */
export async function sendCheckItem(
  signal: Signal,
  config: TelemetryConfig,
  items: CheckItems,
  logger: Logger,
): Promise<CheckItemResult> {
  const endpoint = signal === "metrics" ? metricsOtlpEndpoint(config.metrics) : config[signal].otlp;
  let sender;
  try {
    sender = createOtlpSender(signal, endpoint, logger);
  } catch (error) {
    return { kind: "unusable", message: error instanceof Error ? error.message : String(error) };
  }
  const started = performance.now();
  try {
    const result = signal === "traces"
      ? await exportWith(otlpSpanExporter(sender), items.spans)
      : signal === "metrics"
      ? await exportWith(
        otlpMetricExporter(sender, config.metrics, new ExemplarReservoirs()),
        items.metrics,
      )
      : await exportWith(otlpLogExporter(sender), items.logs);
    const durationMs = performance.now() - started;
    if (result.error === undefined) return { kind: "accepted", durationMs };
    const failure: ExportFailure = result.error instanceof OtlpExportError
      ? result.error.failure
      : { kind: "network", error: result.error };
    return { kind: "failed", failure, durationMs };
  } finally {
    await sender.shutdown();
  }
}

function exportWith<T>(exporter: Pick<OtlpExporter<T>, "export">, items: T): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, resolve));
}

/** The test span (and its trace, for the test log record). */
function testSpan(resource: Resource): ReadableSpan {
  let ended: ReadableSpan | undefined;
  const capture: SpanProcessor = {
    onStart() {},
    onEnd: (span) => void (ended = span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const provider = new BasicTracerProvider({ resource, spanProcessors: [capture] });
  const tracer = provider.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
  tracer.startSpan(CHECK_SPAN_NAME, {
    kind: SpanKind.INTERNAL,
    attributes: { [CHECK_ATTRIBUTE]: true },
  }, ROOT_CONTEXT).end();
  return ended!;
}

/** A reader that collects only when asked. */
class OnceReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

async function testMetrics(resource: Resource): Promise<ResourceMetrics> {
  const reader = new OnceReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  provider.getMeter(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version)
    .createCounter(CHECK_METRIC_NAME, {
      unit: "{check}",
      description: "Test points sent by otel-board check-telemetry",
    })
    .add(1, { [CHECK_ATTRIBUTE]: true });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

function testLogs(resource: Resource, span: ReadableSpan): ReadableLogRecord[] {
  const records: ReadableLogRecord[] = [];
  const provider = new LoggerProvider({
    resource,
    processors: [{
      onEmit: (record) => void records.push(record),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }],
  });
  provider.getLogger(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version).emit({
    severityNumber: SeverityNumber.INFO,
    severityText: "INFO",
    body: CHECK_LOG_BODY,
    attributes: { [CHECK_ATTRIBUTE]: true },
    context: trace.setSpanContext(ROOT_CONTEXT, span.spanContext()),
  });
  return records;
}
