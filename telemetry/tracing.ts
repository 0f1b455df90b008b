/** @module The tracer provider, wired by hand: sampler (wrapped for TRACES_KEEP_ERRORS), keep-errors and batch processors, exporters, propagators. */

import {
  context,
  type MeterProvider,
  ROOT_CONTEXT,
  type TextMapPropagator,
  type Tracer,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { FailureLogThrottle } from "../lib/failure_log_throttle.ts";
import { type KeepErrorsDropReason, KeepErrorsSpanProcessor } from "./keep_errors_processor.ts";
import { KeepErrorsSampler } from "./keep_errors_sampler.ts";
import type { Logger } from "./log.ts";
import { INSTRUMENTATION_SCOPE } from "./scope.ts";
import type {
  KeepErrorsSettings,
  TelemetryConfig,
  TracesConfig,
} from "../config/telemetry_config.ts";
import {
  createOtlpSender,
  type ExportStats,
  otlpSpanExporter,
  stopWithin,
} from "./otlp_exporter.ts";

/** Everything the app needs to trace: a tracer, the propagator and how to stop. */
export interface Tracing {
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
  /** Emit the pre-stable HTTP / database attribute names too. */
  readonly semconv: TelemetryConfig["semconv"];
  /** Exports what is queued now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops, giving up (and aborting exports) after `timeoutMs`; true when done in time. */
  shutdown(timeoutMs: number): Promise<boolean>;
  /** OTLP export outcomes so far (zeros when OTLP export is off). */
  stats(): ExportStats;
  /** Spans the keep-errors processor gave up, by reason (empty when TRACES_KEEP_ERRORS is off). */
  keepErrorsDropped(): Partial<Record<KeepErrorsDropReason, number>>;
}

/** Options: replace the configured exporters (tests), and where the processor's own metrics go. */
export interface TracingOptions {
  readonly exporter?: SpanExporter;
  readonly selfObsMeterProvider?: MeterProvider;
}

let contextManagerInstalled = false;

/**
 * Installs the AsyncLocalStorage context manager once per process, so the active span
 * follows `await`s. Called by setup, never at import time.
 */
export function installContextManager(): void {
  if (contextManagerInstalled) return;
  const manager = new AsyncLocalStorageContextManager();
  context.setGlobalContextManager(manager.enable());
  contextManagerInstalled = true;
}

/** Starts tracing per `config` (which must not be disabled). Nothing is registered globally but the context manager. */
export function startTracing(
  config: TelemetryConfig & KeepErrorsSettings,
  resource: Resource,
  logger: Logger,
  options: TracingOptions = {},
): Tracing {
  installContextManager();
  const log = logger.scoped(import.meta.url);
  const traces = config.traces;
  const otlp = traces.exporters.includes("otlp") && options.exporter === undefined
    ? createOtlpSender("traces", traces.otlp, logger)
    : undefined;
  const exporters: SpanExporter[] = options.exporter !== undefined ? [options.exporter] : [
    ...(otlp === undefined ? [] : [otlpSpanExporter(otlp)]),
    ...(traces.exporters.includes("console") ? [new ConsoleSpanExporter()] : []),
  ];
  const batches: SpanProcessor[] = exporters.map((exporter) =>
    new BatchSpanProcessor(exporter, {
      scheduledDelayMillis: traces.batch.scheduleDelayMs,
      exportTimeoutMillis: traces.batch.exportTimeoutMs,
      maxQueueSize: traces.batch.maxQueueSize,
      maxExportBatchSize: traces.batch.maxExportBatchSize,
      ...(options.selfObsMeterProvider === undefined
        ? {}
        : { selfObsMeterProvider: options.selfObsMeterProvider }),
    })
  );
  const keepErrors = config.keepErrors ? keepErrorsProcessor(config, batches, logger) : undefined;
  const provider = new BasicTracerProvider({
    resource,
    sampler: keepErrors === undefined ? sampler(traces) : new KeepErrorsSampler(sampler(traces)),
    spanProcessors: keepErrors === undefined ? batches : [keepErrors.processor],
  });
  const zero: ExportStats = { exportedItems: 0, failedItems: 0, failedRequests: 0 };
  return {
    tracer: provider.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version),
    propagator: propagator(config.propagators),
    semconv: config.semconv,
    forceFlush: () => provider.forceFlush(),
    shutdown(timeoutMs) {
      const stopping = provider.shutdown().catch((error) =>
        log.warn("Queued spans could not be exported at shutdown", { error })
      );
      return stopWithin(stopping, timeoutMs, () => otlp?.abort());
    },
    stats: () => otlp?.stats() ?? zero,
    keepErrorsDropped: () => ({ ...keepErrors?.dropped }),
  };
}

/** Drop reports are logged at most this often. */
const DROP_LOG_INTERVAL_MS = 30_000;

/** The keep-errors processor in front of `batches`, its drops counted and logged rate-limited. */
function keepErrorsProcessor(
  config: KeepErrorsSettings,
  batches: readonly SpanProcessor[],
  logger: Logger,
): { processor: SpanProcessor; dropped: Record<KeepErrorsDropReason, number> } {
  const log = logger.scoped(import.meta.url);
  const dropped: Record<KeepErrorsDropReason, number> = {
    keep_errors_full: 0,
    keep_errors_unfinished: 0,
  };
  const dropLog = new FailureLogThrottle(DROP_LOG_INTERVAL_MS);
  let unreported = 0;
  const processor = new KeepErrorsSpanProcessor(batches, {
    maxTraces: config.keepErrorsMaxTraces,
    maxSpans: config.keepErrorsMaxSpans,
    timeoutMs: config.keepErrorsTimeoutMs,
    dropped(reason, spans) {
      dropped[reason] += spans;
      unreported += spans;
      if (dropLog.failed() === undefined) return;
      const spansDropped = unreported;
      unreported = 0;
      // A span ends inside some request: this line belongs to no request's trace.
      context.with(ROOT_CONTEXT, () =>
        log.warn("Spans held for TRACES_KEEP_ERRORS were dropped", {
          reason,
          spans_dropped: spansDropped,
          spans_dropped_total: { ...dropped },
        }));
    },
  });
  return { processor, dropped };
}

function sampler(traces: TracesConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(traces.samplerRatio);
  switch (traces.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio();
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio() });
  }
}

function propagator(names: TelemetryConfig["propagators"]): TextMapPropagator {
  return new CompositePropagator({
    propagators: names.map((name) =>
      name === "tracecontext" ? new W3CTraceContextPropagator() : new W3CBaggagePropagator()
    ),
  });
}
