/** @module The shape of the validated telemetry settings that telemetry/ consumes. */

/** A sampler named by `OTEL_TRACES_SAMPLER`. */
export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** A propagator named by `OTEL_PROPAGATORS`. */
export type Propagator = "tracecontext" | "baggage";

/** Where and how one signal is sent over OTLP/HTTP protobuf. */
export interface OtlpEndpointConfig {
  /** Full URL of the signal, e.g. `http://localhost:4318/v1/traces`. */
  readonly url: string;
  /** Extra request headers; names lower-cased. May carry API keys: never log them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: "gzip" | "none";
  /** PEM CA bundle to trust for https (not checked for existence here). */
  readonly certificatePath?: string;
}

/** Settings of a batching processor (of spans or of log records). */
export interface BatchConfig {
  readonly scheduleDelayMs: number;
  readonly exportTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
}

/** Everything about traces. */
export interface TracesConfig {
  /** Exporters to attach; `[]` means none. */
  readonly exporters: readonly ("otlp" | "console")[];
  /** The OTLP endpoint, parsed and validated even when `exporters` leaves OTLP out. */
  readonly otlp: OtlpEndpointConfig;
  readonly sampler: SamplerName;
  /** The ratio (0..1) of the two ratio samplers; 1 for every other sampler. */
  readonly samplerRatio: number;
  readonly batch: BatchConfig;
}

/**
 * TRACES_KEEP_ERRORS and its bounds: the service's own settings (settings.ts), read by the
 * tracer set-up beside the OTEL_* ones.
 */
export interface KeepErrorsSettings {
  /** Record the traces the sampler drops, and export those whose local root failed. */
  readonly keepErrors: boolean;
  /** Most traces held at once for their root to end. */
  readonly keepErrorsMaxTraces: number;
  /** Most spans held at once, over all traces. */
  readonly keepErrorsMaxSpans: number;
  /** How long a trace is held for its local root to end, in milliseconds. */
  readonly keepErrorsTimeoutMs: number;
}

/** Everything about metrics. */
export interface MetricsConfig {
  /** Exporters to attach; `[]` means none. `prometheus` is scraped, the others are pushed. */
  readonly exporters: readonly ("otlp" | "prometheus" | "console")[];
  /** The OTLP endpoint, parsed and validated even when `exporters` leaves OTLP out. */
  readonly otlp: OtlpEndpointConfig;
  /** Milliseconds between two pushes of the periodic reader (OTLP and console). */
  readonly exportIntervalMs: number;
  /**
   * Milliseconds one push may take; never more than `exportIntervalMs`, as the SDK's
   * `PeriodicExportingMetricReader` requires.
   */
  readonly exportTimeoutMs: number;
  /** Aggregation temporality asked of the OTLP exporter. */
  readonly temporality: "cumulative" | "delta" | "lowmemory";
}

/** Everything about logs. */
export interface LogsConfig {
  /** Exporters to attach; `[]` means none. */
  readonly exporters: readonly ("otlp" | "console")[];
  /** The OTLP endpoint, parsed and validated even when `exporters` leaves OTLP out. */
  readonly otlp: OtlpEndpointConfig;
  readonly batch: BatchConfig;
}

/** The telemetry settings, validated and deeply frozen. */
export interface TelemetryConfig {
  /** `OTEL_SDK_DISABLED`: no SDK at all (the other settings are still validated). */
  readonly disabled: boolean;
  readonly serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES` without `service.name`, which is resolved into `serviceName`. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** `[]` for "none". */
  readonly propagators: readonly Propagator[];
  /** `OTEL_SEMCONV_STABILITY_OPT_IN`: also emit the old attribute names. */
  readonly semconv: { readonly httpDup: boolean; readonly databaseDup: boolean };
  readonly traces: TracesConfig;
  readonly metrics: MetricsConfig;
  readonly logs: LogsConfig;
}
