/**
 * @module The meter provider, wired by hand: a periodic OTLP reader, an optional
 * Prometheus pull reader for `/metrics`, and the SDK's self-observability hook.
 *
 * Each of these readers collects inside an async context naming it (`collectingReader()`),
 * because the SDK runs observable callbacks for every reader's collection without saying
 * which reader asked, and CPU utilisation must cover each reader's own interval.
 */

import type { Meter, MeterProvider as ApiMeterProvider } from "@opentelemetry/api";
import type { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import type { Resource } from "@opentelemetry/resources";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  InstrumentType,
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { ExemplarReservoirs } from "./exemplars.ts";
import type { Logger } from "./log.ts";
import { toOpenMetrics } from "./openmetrics.ts";
import { OtlpMetricsEncoder } from "./otlp_metrics_encoder.ts";
import { INSTRUMENTATION_SCOPE } from "./scope.ts";
import type {
  MetricsConfig,
  OtlpEndpointConfig,
  TelemetryConfig,
} from "../config/telemetry_config.ts";
import {
  createOtlpSender,
  type ExportStats,
  otlpExporter,
  type OtlpSender,
  stopWithin,
} from "./otlp_exporter.ts";

/** Everything the app needs to record metrics, and how to stop. */
export interface Metrics {
  readonly meter: Meter;
  /** The provider, for the SDK processors' self-observability metrics. */
  readonly provider: ApiMeterProvider;
  /** Where the request-duration histogram keeps its exemplars, for the OTLP and pull exports. */
  readonly exemplars: ExemplarReservoirs;
  /**
   * The current values as Prometheus text (or OpenMetrics, with exemplars), when
   * OTEL_METRICS_EXPORTER includes prometheus.
   */
  readonly prometheus: ((format: ExpositionFormat) => Promise<string>) | undefined;
  /** Exports the current values now. */
  forceFlush(): Promise<void>;
  /** Exports a last time and stops, giving up after `timeoutMs`; true when done in time. */
  shutdown(timeoutMs: number): Promise<boolean>;
  /** OTLP export outcomes so far. */
  stats(): ExportStats;
  /**
   * The reader whose collection is running, for an observable callback that keeps per-reader
   * state; `undefined` outside a collection and for the extra reader of {@link MetricsOptions}.
   */
  collectingReader(): MetricReader | undefined;
}

/** The two text formats of `/metrics`. */
export type ExpositionFormat = "prometheus" | "openmetrics";

/** Options for tests: an extra reader to collect from. */
export interface MetricsOptions {
  readonly reader?: MetricReader;
}

type CollectOptions = Parameters<MetricReader["collect"]>[0];
type Collection = ReturnType<MetricReader["collect"]>;

/** Which reader is collecting, as an async context around each reader's collections. */
type ReaderScope = AsyncLocalStorage<MetricReader>;

/** A reader that collects only when asked (for `/metrics`). */
class PullReader extends MetricReader {
  readonly #scope: ReaderScope;
  constructor(scope: ReaderScope) {
    super();
    this.#scope = scope;
  }
  override collect(options?: CollectOptions): Collection {
    return this.#scope.run(this, () => super.collect(options));
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The SDK's periodic reader (its timer, flush and shutdown all call `collect`), scoped. */
class PushReader extends PeriodicExportingMetricReader {
  readonly #scope: ReaderScope;
  constructor(scope: ReaderScope, exporter: PushMetricExporter, metrics: MetricsConfig) {
    super({
      exporter,
      exportIntervalMillis: metrics.exportIntervalMs,
      exportTimeoutMillis: metrics.exportTimeoutMs,
    });
    this.#scope = scope;
  }
  override collect(options?: CollectOptions): Collection {
    return this.#scope.run(this, () => super.collect(options));
  }
}

/** Starts metrics per `config` (which must not be disabled). Nothing is registered globally. */
export function startMetrics(
  config: TelemetryConfig,
  resource: Resource,
  logger: Logger,
  options: MetricsOptions = {},
): Metrics {
  const log = logger.scoped(import.meta.url);
  const metrics = config.metrics;
  const scope: ReaderScope = new AsyncLocalStorage();
  const readers: MetricReader[] = [];
  const otlp = metrics.exporters.includes("otlp")
    ? createOtlpSender("metrics", metricsOtlpEndpoint(metrics), logger)
    : undefined;
  const exemplars = new ExemplarReservoirs();
  if (otlp !== undefined) {
    readers.push(new PushReader(scope, otlpMetricExporter(otlp, metrics, exemplars), metrics));
  }
  if (metrics.exporters.includes("console")) {
    readers.push(new PushReader(scope, new ConsoleMetricExporter(), metrics));
  }
  const pull = metrics.exporters.includes("prometheus") ? new PullReader(scope) : undefined;
  if (pull !== undefined) readers.push(pull);
  if (options.reader !== undefined) readers.push(options.reader);
  const provider = new MeterProvider({ resource, readers });
  // Loaded at the first scrape: start-up does not pay for it, nor a service never scraped.
  let serializer: PrometheusSerializer | undefined;
  const zero: ExportStats = { exportedItems: 0, failedItems: 0, failedRequests: 0 };
  return {
    meter: provider.getMeter(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version),
    provider,
    exemplars,
    prometheus: pull === undefined ? undefined : async (format) => {
      const { resourceMetrics, errors } = await pull.collect();
      for (const error of errors) log.warn("A metric callback failed", { error });
      if (format === "openmetrics") return toOpenMetrics(resourceMetrics, exemplars);
      serializer ??= new (await import("@opentelemetry/exporter-prometheus"))
        .PrometheusSerializer();
      return serializer.serialize(resourceMetrics);
    },
    forceFlush: () => provider.forceFlush(),
    shutdown(timeoutMs) {
      const stopping = provider.shutdown().catch((error) =>
        log.warn("Metrics could not be exported at shutdown", { error })
      );
      return stopWithin(stopping, timeoutMs, () => otlp?.abort());
    },
    stats: () => otlp?.stats() ?? zero,
    collectingReader: () => scope.getStore(),
  };
}

/**
 * The OTLP endpoint metrics are sent to: one request may not outlive the reader's own export
 * timeout (with a 500 ms interval and a hanging collector, requests would otherwise pile up).
 */
export function metricsOtlpEndpoint(metrics: MetricsConfig): OtlpEndpointConfig {
  return { ...metrics.otlp, timeoutMs: Math.min(metrics.otlp.timeoutMs, metrics.exportTimeoutMs) };
}

/** A push exporter encoding with telemetry/otlp_metrics_encoder.ts and sending with `sender`. */
export function otlpMetricExporter(
  sender: OtlpSender,
  metrics: MetricsConfig,
  exemplars: ExemplarReservoirs,
): PushMetricExporter {
  const encoder = new OtlpMetricsEncoder(exemplars);
  return {
    ...otlpExporter<ResourceMetrics>(
      sender,
      (resourceMetrics) => encoder.encode(resourceMetrics),
      countPoints,
    ),
    selectAggregationTemporality: (type) => temporality(metrics.temporality, type),
  };
}

function countPoints(resourceMetrics: ResourceMetrics): number {
  let points = 0;
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) points += metric.dataPoints.length;
  }
  return points;
}

/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, as the specification defines it. */
function temporality(
  preference: MetricsConfig["temporality"],
  type: InstrumentType,
): AggregationTemporality {
  const { CUMULATIVE, DELTA } = AggregationTemporality;
  if (preference === "cumulative") return CUMULATIVE;
  const upDown = type === InstrumentType.UP_DOWN_COUNTER ||
    type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER;
  if (preference === "delta") return upDown ? CUMULATIVE : DELTA;
  return type === InstrumentType.COUNTER || type === InstrumentType.HISTOGRAM ? DELTA : CUMULATIVE;
}
