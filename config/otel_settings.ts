/** @module The standard OpenTelemetry SDK environment variables, parsed once into a frozen TelemetryConfig. */

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

/** A telemetry setting that is invalid or unsupported; its message names the variable. */
export class OtelConfigError extends Error {
  override name = "OtelConfigError";
}

/** One environment variable the parser reads, for `--help`. */
export interface TelemetrySetting {
  readonly name: string;
  readonly defaultText: string;
  readonly help: string;
}

/** Every variable `parseTelemetryEnv` reads, with its default and what it does, for `--help`. */
export const TELEMETRY_SETTINGS: readonly TelemetrySetting[] = deepFreeze([
  {
    name: "OTEL_DENO",
    defaultText: "unset",
    help: "Must stay unset (or false): Deno's built-in telemetry would displace otel-board's own",
  },
  {
    name: "OTEL_SDK_DISABLED",
    defaultText: "false",
    help: "true turns all telemetry off (the other OTEL settings are still validated)",
  },
  {
    name: "OTEL_SERVICE_NAME",
    defaultText: "service.name from OTEL_RESOURCE_ATTRIBUTES, else otel-board",
    help: "The service.name resource attribute",
  },
  {
    name: "OTEL_RESOURCE_ATTRIBUTES",
    defaultText: "(none)",
    help: "Extra resource attributes as key=value,key2=value2 (values percent-encoded)",
  },
  {
    name: "OTEL_PROPAGATORS",
    defaultText: "tracecontext,baggage",
    help: "Context propagators: tracecontext, baggage, or none",
  },
  {
    name: "OTEL_SEMCONV_STABILITY_OPT_IN",
    defaultText: "(none)",
    help: "http/dup and/or database/dup also emit the old semantic-convention attribute names",
  },
  {
    name: "OTEL_TRACES_EXPORTER",
    defaultText: "otlp",
    help: "Span exporters: otlp and/or console, or none",
  },
  {
    name: "OTEL_TRACES_SAMPLER",
    defaultText: "parentbased_always_on",
    help: "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off " +
      "or parentbased_traceidratio",
  },
  {
    name: "OTEL_TRACES_SAMPLER_ARG",
    defaultText: "1",
    help: "Sampling ratio from 0 to 1 for traceidratio and parentbased_traceidratio",
  },
  {
    name: "OTEL_METRICS_EXPORTER",
    defaultText: "otlp",
    help: "Metric exporters: otlp, prometheus (scraped at /metrics) and/or console, or none",
  },
  {
    name: "OTEL_METRIC_EXPORT_INTERVAL",
    defaultText: "60000",
    help: "Milliseconds between metric exports (otlp and console), 1-86400000; " +
      "the original app used 500",
  },
  {
    name: "OTEL_METRIC_EXPORT_TIMEOUT",
    defaultText: "30000, or OTEL_METRIC_EXPORT_INTERVAL if that is less",
    help: "Milliseconds one metric export may take, 1-600000, " +
      "and not more than OTEL_METRIC_EXPORT_INTERVAL",
  },
  {
    name: "OTEL_LOGS_EXPORTER",
    defaultText: "otlp",
    help: "Log record exporters: otlp and/or console, or none",
  },
  {
    name: "OTEL_EXPORTER_OTLP_PROTOCOL",
    defaultText: "http/protobuf",
    help: "OTLP protocol of every signal; only http/protobuf is supported",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    defaultText: "OTEL_EXPORTER_OTLP_PROTOCOL",
    help: "OTLP protocol of traces; only http/protobuf is supported",
  },
  {
    name: "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    defaultText: "OTEL_EXPORTER_OTLP_PROTOCOL",
    help: "OTLP protocol of metrics; only http/protobuf is supported",
  },
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
    defaultText: "OTEL_EXPORTER_OTLP_PROTOCOL",
    help: "OTLP protocol of logs; only http/protobuf is supported",
  },
  {
    name: "OTEL_EXPORTER_OTLP_ENDPOINT",
    defaultText: "http://localhost:4318",
    help: "Base URL of the OTLP/HTTP receiver; /v1/traces, /v1/metrics, /v1/logs are appended",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    defaultText: "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces",
    help: "Full URL for traces, used as-is (include the path, e.g. http://host:4318/v1/traces)",
  },
  {
    name: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    defaultText: "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics",
    help: "Full URL for metrics, used as-is (include the path, e.g. http://host:4318/v1/metrics)",
  },
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    defaultText: "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/logs",
    help: "Full URL for logs, used as-is (include the path, e.g. http://host:4318/v1/logs)",
  },
  {
    name: "OTEL_EXPORTER_OTLP_HEADERS",
    defaultText: "(none)",
    help: "Headers sent with every export, as name=value,name2=value2 (values percent-encoded)",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    defaultText: "(none)",
    help: "Headers for traces, merged over OTEL_EXPORTER_OTLP_HEADERS (a name given here wins)",
  },
  {
    name: "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    defaultText: "(none)",
    help: "Headers for metrics, merged over OTEL_EXPORTER_OTLP_HEADERS (a name given here wins)",
  },
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    defaultText: "(none)",
    help: "Headers for logs, merged over OTEL_EXPORTER_OTLP_HEADERS (a name given here wins)",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TIMEOUT",
    defaultText: "10000",
    help: "Milliseconds one export request may take, 1-600000",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    defaultText: "OTEL_EXPORTER_OTLP_TIMEOUT",
    help: "Milliseconds one trace export request may take, 1-600000",
  },
  {
    name: "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    defaultText: "OTEL_EXPORTER_OTLP_TIMEOUT",
    help: "Milliseconds one metric export request may take, 1-600000",
  },
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
    defaultText: "OTEL_EXPORTER_OTLP_TIMEOUT",
    help: "Milliseconds one log export request may take, 1-600000",
  },
  {
    name: "OTEL_EXPORTER_OTLP_COMPRESSION",
    defaultText: "none",
    help: "Compression of export requests: gzip or none",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    defaultText: "OTEL_EXPORTER_OTLP_COMPRESSION",
    help: "Compression of trace export requests: gzip or none",
  },
  {
    name: "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
    defaultText: "OTEL_EXPORTER_OTLP_COMPRESSION",
    help: "Compression of metric export requests: gzip or none",
  },
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
    defaultText: "OTEL_EXPORTER_OTLP_COMPRESSION",
    help: "Compression of log export requests: gzip or none",
  },
  {
    name: "OTEL_EXPORTER_OTLP_CERTIFICATE",
    defaultText: "Deno's trust store (see DENO_TLS_CA_STORE, DENO_CERT)",
    help: "PEM file of CA certificates to trust for an https endpoint",
  },
  {
    name: "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    defaultText: "OTEL_EXPORTER_OTLP_CERTIFICATE",
    help: "PEM file of CA certificates to trust for an https traces endpoint",
  },
  {
    name: "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
    defaultText: "OTEL_EXPORTER_OTLP_CERTIFICATE",
    help: "PEM file of CA certificates to trust for an https metrics endpoint",
  },
  {
    name: "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
    defaultText: "OTEL_EXPORTER_OTLP_CERTIFICATE",
    help: "PEM file of CA certificates to trust for an https logs endpoint",
  },
  {
    name: "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    defaultText: "cumulative",
    help: "Aggregation temporality of OTLP metrics: cumulative, delta or lowmemory",
  },
  {
    name: "OTEL_BSP_SCHEDULE_DELAY",
    defaultText: "5000",
    help: "Milliseconds between span batch exports, 0-3600000",
  },
  {
    name: "OTEL_BSP_EXPORT_TIMEOUT",
    defaultText: "30000",
    help: "Milliseconds one span batch export may take, 1-600000",
  },
  {
    name: "OTEL_BSP_MAX_QUEUE_SIZE",
    defaultText: "2048",
    help: "Spans buffered for export before new ones are dropped, 1-1000000",
  },
  {
    name: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    defaultText: "512",
    help: "Most spans in one export, 1 to OTEL_BSP_MAX_QUEUE_SIZE",
  },
  {
    name: "OTEL_BLRP_SCHEDULE_DELAY",
    defaultText: "1000",
    help: "Milliseconds between log record batch exports, 0-3600000",
  },
  {
    name: "OTEL_BLRP_EXPORT_TIMEOUT",
    defaultText: "30000",
    help: "Milliseconds one log record batch export may take, 1-600000",
  },
  {
    name: "OTEL_BLRP_MAX_QUEUE_SIZE",
    defaultText: "2048",
    help: "Log records buffered for export before new ones are dropped, 1-1000000",
  },
  {
    name: "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    defaultText: "512",
    help: "Most log records in one export, 1 to OTEL_BLRP_MAX_QUEUE_SIZE",
  },
]);

/** The variable names of one signal's OTLP exporter, and the path appended to the base endpoint. */
interface OtlpSignalVariables {
  readonly signalPath: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly headers: string;
  readonly timeout: string;
  readonly compression: string;
  readonly certificate: string;
}

const TRACES_OTLP: OtlpSignalVariables = {
  signalPath: "v1/traces",
  protocol: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
  endpoint: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  headers: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  timeout: "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
  compression: "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
  certificate: "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
};

const METRICS_OTLP: OtlpSignalVariables = {
  signalPath: "v1/metrics",
  protocol: "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
  endpoint: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
  headers: "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
  timeout: "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
  compression: "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
  certificate: "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
};

const LOGS_OTLP: OtlpSignalVariables = {
  signalPath: "v1/logs",
  protocol: "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
  endpoint: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
  headers: "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
  timeout: "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
  compression: "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
  certificate: "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
};

/** The variable names of a batching processor, and their defaults. */
interface BatchVariables {
  readonly scheduleDelay: string;
  readonly exportTimeout: string;
  readonly maxQueueSize: string;
  readonly maxExportBatchSize: string;
  readonly defaults: BatchConfig;
}

const SPAN_BATCH: BatchVariables = {
  scheduleDelay: "OTEL_BSP_SCHEDULE_DELAY",
  exportTimeout: "OTEL_BSP_EXPORT_TIMEOUT",
  maxQueueSize: "OTEL_BSP_MAX_QUEUE_SIZE",
  maxExportBatchSize: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
  defaults: {
    scheduleDelayMs: 5000,
    exportTimeoutMs: 30_000,
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
  },
};

const LOG_BATCH: BatchVariables = {
  scheduleDelay: "OTEL_BLRP_SCHEDULE_DELAY",
  exportTimeout: "OTEL_BLRP_EXPORT_TIMEOUT",
  maxQueueSize: "OTEL_BLRP_MAX_QUEUE_SIZE",
  maxExportBatchSize: "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
  defaults: {
    scheduleDelayMs: 1000,
    exportTimeoutMs: 30_000,
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
  },
};

const SAMPLERS: readonly SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];
const RATIO_SAMPLERS: ReadonlySet<SamplerName> = new Set([
  "traceidratio",
  "parentbased_traceidratio",
]);

/** Exporter names that are standard for another signal only: the message says which. */
const METRICS_ONLY: ReadonlyMap<string, string> = new Map([
  ["prometheus", "metrics (OTEL_METRICS_EXPORTER)"],
]);

const DEFAULT_OTLP_ENDPOINT = "http://localhost:4318";
const MAX_EXPORT_TIMEOUT_MS = 600_000;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What node:http and fetch accept in a header value: tab, visible ASCII, space, Latin-1.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Parses the OpenTelemetry SDK environment variables into one deeply frozen config.
 *
 * An empty variable counts as unset. Every variable that is set is validated, even when
 * `OTEL_SDK_DISABLED=true` or when a per-signal variable overrides it; the one exception is
 * `OTEL_TRACES_SAMPLER_ARG`, which (as the specification says) is ignored unless a ratio
 * sampler is chosen. A default may follow another setting: the metric export timeout
 * (30000) is lowered to an `OTEL_METRIC_EXPORT_INTERVAL` set below it.
 * @param env the raw environment, e.g. `Deno.env.toObject()`.
 * @param defaults `serviceName` is used when neither `OTEL_SERVICE_NAME` nor a `service.name`
 * resource attribute is set.
 * @throws {OtelConfigError} naming the variable when a value is invalid or unsupported.
 */
export function parseTelemetryEnv(
  env: Readonly<Record<string, string>>,
  defaults: { serviceName: string },
): TelemetryConfig {
  refuseDenoTelemetry(env);
  const disabled = parseBoolean(env, "OTEL_SDK_DISABLED", false);
  const resource = parseResourceAttributes(env, "OTEL_RESOURCE_ATTRIBUTES");
  const serviceName = parseServiceName(env, "OTEL_SERVICE_NAME") ??
    resource.get("service.name") ?? defaults.serviceName;
  resource.delete("service.name");
  const propagators = parseNameList<Propagator>(env, "OTEL_PROPAGATORS", "tracecontext,baggage", {
    choices: ["tracecontext", "baggage"],
    unsupported: ["b3", "b3multi", "jaeger", "xray", "ottrace"],
  });
  const optIn = parseOptionList(env, "OTEL_SEMCONV_STABILITY_OPT_IN");
  const config: TelemetryConfig = {
    disabled,
    serviceName,
    resourceAttributes: Object.fromEntries(resource),
    propagators,
    semconv: { httpDup: optIn.has("http/dup"), databaseDup: optIn.has("database/dup") },
    traces: parseTraces(env),
    metrics: parseMetrics(env),
    logs: parseLogs(env),
  };
  return deepFreeze(config);
}

function parseTraces(env: Readonly<Record<string, string>>): TracesConfig {
  const exporters = parseNameList<"otlp" | "console">(env, "OTEL_TRACES_EXPORTER", "otlp", {
    choices: ["otlp", "console"],
    unsupported: ["zipkin", "jaeger", "logging"],
    onlyFor: METRICS_ONLY,
  });
  const sampler = parseChoice(env, "OTEL_TRACES_SAMPLER", "parentbased_always_on", SAMPLERS, [
    "jaeger_remote",
    "parentbased_jaeger_remote",
    "xray",
  ]);
  // Read even when unused, so every variable is looked at on every start.
  const samplerArg = read(env, "OTEL_TRACES_SAMPLER_ARG");
  const samplerRatio = RATIO_SAMPLERS.has(sampler)
    ? parseRatio(samplerArg ?? "1", "OTEL_TRACES_SAMPLER_ARG")
    : 1;
  return {
    exporters,
    otlp: parseOtlpExporter(env, TRACES_OTLP),
    sampler,
    samplerRatio,
    batch: parseBatch(env, SPAN_BATCH),
  };
}

/**
 * The periodic reader's interval and timeout follow the SDK's rule timeout <= interval: a
 * timeout that is set and greater is an error naming both variables, while the default
 * timeout (30000) is lowered to an interval set below it, so OTEL_METRIC_EXPORT_INTERVAL=500
 * alone works.
 */
function parseMetrics(env: Readonly<Record<string, string>>): MetricsConfig {
  const exporters = parseNameList<"otlp" | "prometheus" | "console">(
    env,
    "OTEL_METRICS_EXPORTER",
    "otlp",
    { choices: ["otlp", "prometheus", "console"], unsupported: ["logging"] },
  );
  const exportIntervalMs = parseDurationMs(
    env,
    "OTEL_METRIC_EXPORT_INTERVAL",
    60_000,
    1,
    86_400_000,
  );
  const exportTimeoutMs = parseDurationMs(
    env,
    "OTEL_METRIC_EXPORT_TIMEOUT",
    Math.min(30_000, exportIntervalMs),
    1,
    MAX_EXPORT_TIMEOUT_MS,
  );
  if (exportTimeoutMs > exportIntervalMs) {
    throw new OtelConfigError(
      `OTEL_METRIC_EXPORT_TIMEOUT must not be greater than OTEL_METRIC_EXPORT_INTERVAL ` +
        `(${exportIntervalMs}), got "${exportTimeoutMs}": an export must end before the next ` +
        "one is due",
    );
  }
  const temporality = parseChoice(
    env,
    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    "cumulative",
    ["cumulative", "delta", "lowmemory"] as const,
  );
  return {
    exporters,
    otlp: parseOtlpExporter(env, METRICS_OTLP),
    exportIntervalMs,
    exportTimeoutMs,
    temporality,
  };
}

function parseLogs(env: Readonly<Record<string, string>>): LogsConfig {
  const exporters = parseNameList<"otlp" | "console">(env, "OTEL_LOGS_EXPORTER", "otlp", {
    choices: ["otlp", "console"],
    unsupported: ["logging"],
    onlyFor: METRICS_ONLY,
  });
  return {
    exporters,
    otlp: parseOtlpExporter(env, LOGS_OTLP),
    batch: parseBatch(env, LOG_BATCH),
  };
}

function refuseDenoTelemetry(env: Readonly<Record<string, string>>): void {
  const raw = read(env, "OTEL_DENO");
  if (raw === undefined) return;
  const text = raw.trim().toLowerCase();
  if (text !== "true" && text !== "1") return;
  throw new OtelConfigError(
    `OTEL_DENO is set to "${raw}", which asks for Deno's built-in OpenTelemetry: it would claim ` +
      "the global @opentelemetry/api registration, so otel-board's own providers would silently " +
      "not register, and it would add a second server span to every request. Unset OTEL_DENO: " +
      "otel-board exports its own traces, metrics and logs, configured by the other OTEL variables",
  );
}

// ---------------------------------------------------------------------------------------------
// Shared helpers: one per kind of value, reused by every signal.

/** The variable's value, or undefined when it is unset or empty. */
function read(env: Readonly<Record<string, string>>, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === "" ? undefined : raw;
}

function parseBoolean(
  env: Readonly<Record<string, string>>,
  name: string,
  fallback: boolean,
): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const text = raw.trim().toLowerCase();
  if (text === "true") return true;
  if (text === "false") return false;
  throw new OtelConfigError(`${name} must be true or false, got "${raw}"`);
}

/** A whole number written in digits only (no sign, exponent, fraction or spaces), in range. */
function parseInteger(
  env: Readonly<Record<string, string>>,
  name: string,
  fallback: number,
  range: { readonly min: number; readonly max: number; readonly unit?: string },
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    const what = range.unit === undefined ? "an integer" : `a whole number of ${range.unit}`;
    throw new OtelConfigError(
      `${name} must be ${what} from ${range.min} to ${range.max}, got "${raw}"`,
    );
  }
  return value;
}

/** A duration in milliseconds: digits only, in range. */
function parseDurationMs(
  env: Readonly<Record<string, string>>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return parseInteger(env, name, fallback, { min, max, unit: "milliseconds" });
}

/** A number from 0 to 1 in plain decimal notation ("0.25", ".5", "1"). */
function parseRatio(raw: string, name: string): number {
  const value = /^(?:\d+(?:\.\d+)?|\.\d+)$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new OtelConfigError(`${name} must be a number from 0 to 1, got "${raw}"`);
  }
  return value;
}

/** One of `choices` (case-insensitive); a name in `unsupported` gets its own message. */
function parseChoice<T extends string>(
  env: Readonly<Record<string, string>>,
  name: string,
  fallback: T,
  choices: readonly T[],
  unsupported: readonly string[] = [],
): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const text = raw.trim().toLowerCase();
  const found = choices.find((choice) => choice === text);
  if (found !== undefined) return found;
  const why = unsupported.includes(text) ? `: ${text} is not supported here` : "";
  throw new OtelConfigError(`${name} must be one of ${choices.join(", ")}, got "${raw}"${why}`);
}

/**
 * A comma-separated list of names from `choices` (case-insensitive, duplicates dropped), or
 * "none" alone for an empty list. Names in `unsupported` are standard but not offered here;
 * names in `onlyFor` are standard for another signal, which the message names.
 */
function parseNameList<T extends string>(
  env: Readonly<Record<string, string>>,
  name: string,
  fallback: string,
  options: {
    readonly choices: readonly T[];
    readonly unsupported: readonly string[];
    readonly onlyFor?: ReadonlyMap<string, string>;
  },
): readonly T[] {
  const raw = read(env, name) ?? fallback;
  const expected = `${name} must be a comma-separated list of ${options.choices.join(", ")} ` +
    `(or none alone), got "${raw}"`;
  const entries = splitList(raw).map((entry) => entry.toLowerCase());
  if (entries.length === 0) throw new OtelConfigError(expected);
  if (entries.includes("none")) {
    if (entries.every((entry) => entry === "none")) return [];
    throw new OtelConfigError(`${expected}: none must be alone`);
  }
  const result: T[] = [];
  for (const entry of entries) {
    const found = options.choices.find((choice) => choice === entry);
    if (found === undefined) {
      const signal = options.onlyFor?.get(entry);
      const why = signal !== undefined
        ? `is only for ${signal}`
        : options.unsupported.includes(entry)
        ? "is not supported here"
        : "is unknown";
      throw new OtelConfigError(`${expected}: ${entry} ${why}`);
    }
    if (!result.includes(found)) result.push(found);
  }
  return result;
}

/** A comma-separated list of free-form options; unknown ones are kept and ignored by callers. */
function parseOptionList(env: Readonly<Record<string, string>>, name: string): ReadonlySet<string> {
  return new Set(splitList(read(env, name) ?? "").map((entry) => entry.toLowerCase()));
}

/** Comma-separated entries, trimmed, empty ones dropped. */
function splitList(raw: string): string[] {
  return raw.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
}

/**
 * `key=value` pairs separated by commas, as in W3C Baggage: entries and their key and value
 * are trimmed, values are percent-decoded, empty entries ignored, a later key wins.
 * With `secret`, error messages show neither the entry nor the value, only the position or key.
 */
function parseKeyValueList(
  raw: string,
  name: string,
  options: {
    readonly secret: boolean;
    readonly key?: { readonly pattern: RegExp; readonly expected: string };
  },
): Map<string, string> {
  const { secret } = options;
  const pairs = new Map<string, string>();
  const entries = raw.split(",");
  let position = 0;
  for (const entry of entries) {
    position++;
    if (entry.trim() === "") continue;
    const shown = secret ? `entry ${position}` : `"${entry.trim()}"`;
    const eq = entry.indexOf("=");
    if (eq === -1) {
      throw new OtelConfigError(
        `${name} must be a comma-separated list of key=value pairs: ${shown} has no "="`,
      );
    }
    const key = entry.slice(0, eq).trim();
    if (key === "") {
      throw new OtelConfigError(
        `${name} must be a comma-separated list of key=value pairs: ${shown} has an empty key`,
      );
    }
    if (options.key !== undefined && !options.key.pattern.test(key)) {
      throw new OtelConfigError(
        `${name}: ${shown} does not start with a valid key (expected ${options.key.expected} ` +
          "before the first =)",
      );
    }
    const encoded = entry.slice(eq + 1).trim();
    let value: string;
    try {
      value = decodeURIComponent(encoded);
    } catch {
      const what = secret ? `the value of "${key}"` : `"${encoded}" (the value of "${key}")`;
      throw new OtelConfigError(
        `${name}: ${what} has an invalid percent-escape: use %XX with two hex digits of UTF-8`,
      );
    }
    pairs.set(key, value);
  }
  return pairs;
}

function parseResourceAttributes(
  env: Readonly<Record<string, string>>,
  name: string,
): Map<string, string> {
  const attributes = parseKeyValueList(read(env, name) ?? "", name, { secret: false });
  if (attributes.get("service.name") === "") {
    throw new OtelConfigError(`${name}: service.name must not be empty, got "service.name="`);
  }
  return attributes;
}

function parseServiceName(env: Readonly<Record<string, string>>, name: string): string | undefined {
  const raw = read(env, name);
  if (raw !== undefined && raw.trim() === "") {
    throw new OtelConfigError(`${name} must be a service name, got only spaces "${raw}"`);
  }
  return raw;
}

/**
 * HTTP headers as `name=value` pairs: names lower-cased and checked as HTTP tokens, values
 * percent-decoded. Values are secrets (API keys), so no message ever shows one.
 */
function parseHeaders(env: Readonly<Record<string, string>>, name: string): Map<string, string> {
  const headers = new Map<string, string>();
  // A malformed entry may be a pasted "Authorization: Bearer …" line: messages give positions.
  const pairs = parseKeyValueList(read(env, name) ?? "", name, {
    secret: true,
    key: {
      pattern: HEADER_NAME,
      expected: "an HTTP header name: letters, digits, !#$%&'*+-.^_`|~",
    },
  });
  for (const [key, value] of pairs) {
    const header = key.toLowerCase();
    if (!HEADER_VALUE.test(value)) {
      throw new OtelConfigError(
        `${name}: the value of "${header}" contains a character not allowed in an HTTP header ` +
          "(a control character or one beyond U+00FF)",
      );
    }
    headers.set(header, value);
  }
  return headers;
}

/** An http: or https: URL, trimmed; anything else is an error. */
function parseHttpUrl(raw: string, name: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw.trim());
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new OtelConfigError(
      `${name} must be an http: or https: URL such as http://localhost:4318, got "${raw}"`,
    );
  }
  return url;
}

/**
 * The signal's URL: its own variable as-is, else the base endpoint with the signal's path
 * appended after exactly one slash (a base path such as /otlp is kept).
 */
function parseSignalEndpoint(
  env: Readonly<Record<string, string>>,
  signalVariable: string,
  signalPath: string,
): string {
  const base = parseHttpUrl(
    read(env, "OTEL_EXPORTER_OTLP_ENDPOINT") ?? DEFAULT_OTLP_ENDPOINT,
    "OTEL_EXPORTER_OTLP_ENDPOINT",
  );
  const own = read(env, signalVariable);
  if (own !== undefined) {
    parseHttpUrl(own, signalVariable);
    return own.trim();
  }
  base.pathname = `${base.pathname.replace(/\/+$/, "")}/${signalPath}`;
  return base.href;
}

function parseProtocol(env: Readonly<Record<string, string>>, name: string): void {
  const raw = read(env, name);
  if (raw === undefined || raw.trim().toLowerCase() === "http/protobuf") return;
  throw new OtelConfigError(
    `${name} must be http/protobuf (the only OTLP protocol supported here; ` +
      `grpc and http/json are not), got "${raw}"`,
  );
}

function parseCertificatePath(
  env: Readonly<Record<string, string>>,
  name: string,
): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  if (raw.trim() === "" || raw.includes("\0")) {
    throw new OtelConfigError(`${name} must be the path of a PEM file, got "${raw}"`);
  }
  return raw;
}

/**
 * One signal's OTLP exporter: each generic variable (no signal in its name), overridden by the
 * signal's own one. Both are validated whenever set.
 */
function parseOtlpExporter(
  env: Readonly<Record<string, string>>,
  vars: OtlpSignalVariables,
): OtlpEndpointConfig {
  parseProtocol(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
  parseProtocol(env, vars.protocol);
  const url = parseSignalEndpoint(env, vars.endpoint, vars.signalPath);
  const headers = new Map([
    ...parseHeaders(env, "OTEL_EXPORTER_OTLP_HEADERS"),
    ...parseHeaders(env, vars.headers),
  ]);
  const timeoutMs = parseDurationMs(
    env,
    vars.timeout,
    parseDurationMs(env, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000, 1, MAX_EXPORT_TIMEOUT_MS),
    1,
    MAX_EXPORT_TIMEOUT_MS,
  );
  const compressions = ["gzip", "none"] as const;
  const compression = parseChoice(
    env,
    vars.compression,
    parseChoice(env, "OTEL_EXPORTER_OTLP_COMPRESSION", "none", compressions),
    compressions,
  );
  const genericCertificate = parseCertificatePath(env, "OTEL_EXPORTER_OTLP_CERTIFICATE");
  const certificatePath = parseCertificatePath(env, vars.certificate) ?? genericCertificate;
  return {
    url,
    // fromEntries defines own properties, so even a header named __proto__ stays a header.
    headers: Object.fromEntries(headers),
    timeoutMs,
    compression,
    ...(certificatePath === undefined ? {} : { certificatePath }),
  };
}

/** A batching processor's settings; the batch size may not exceed the queue size. */
function parseBatch(env: Readonly<Record<string, string>>, vars: BatchVariables): BatchConfig {
  const { defaults } = vars;
  const scheduleDelayMs = parseDurationMs(
    env,
    vars.scheduleDelay,
    defaults.scheduleDelayMs,
    0,
    3_600_000,
  );
  const exportTimeoutMs = parseDurationMs(
    env,
    vars.exportTimeout,
    defaults.exportTimeoutMs,
    1,
    MAX_EXPORT_TIMEOUT_MS,
  );
  const maxQueueSize = parseInteger(env, vars.maxQueueSize, defaults.maxQueueSize, {
    min: 1,
    max: 1_000_000,
  });
  const maxExportBatchSize = parseInteger(
    env,
    vars.maxExportBatchSize,
    defaults.maxExportBatchSize,
    { min: 1, max: 1_000_000 },
  );
  if (maxExportBatchSize > maxQueueSize) {
    throw new OtelConfigError(
      `${vars.maxExportBatchSize} must not be greater than ${vars.maxQueueSize} ` +
        `(${maxQueueSize}), got "${maxExportBatchSize}"`,
    );
  }
  return { scheduleDelayMs, exportTimeoutMs, maxQueueSize, maxExportBatchSize };
}

/** Freezes a plain object or array and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
