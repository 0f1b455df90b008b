/** @module The OTEL_* settings table: every standard OpenTelemetry variable otel-board reads. */

import {
  boolean,
  choice,
  filePath,
  httpUrl,
  integer,
  nameList,
  optionList,
  verbatim,
} from "./grammars.ts";
import {
  headers,
  otlpProtocol,
  refuseTrue,
  resourceAttributes,
  serviceName,
} from "./otel_grammars.ts";
import type { Propagator, SamplerName } from "./telemetry_config.ts";
import { type SettingGroup, withDefault, withoutDefault } from "./types.ts";

/** The longest any one export may take, in milliseconds. */
const MAX_EXPORT_TIMEOUT_MS = 600_000;

/** The metric export timeout when unset, unless OTEL_METRIC_EXPORT_INTERVAL is less. */
export const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;

/** The samplers offered here. */
const SAMPLERS: readonly SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

/** Exporter names that are standard for another signal only: the message says which. */
const METRICS_ONLY: ReadonlyMap<string, string> = new Map([
  ["prometheus", "metrics (OTEL_METRICS_EXPORTER)"],
]);

const PROPAGATORS = nameList<Propagator>({
  choices: ["tracecontext", "baggage"],
  unsupported: ["b3", "b3multi", "jaeger", "xray", "ottrace"],
});
const TRACES_EXPORTERS = nameList<"otlp" | "console">({
  choices: ["otlp", "console"],
  unsupported: ["zipkin", "jaeger", "logging"],
  onlyFor: METRICS_ONLY,
});
const METRICS_EXPORTERS = nameList<"otlp" | "prometheus" | "console">({
  choices: ["otlp", "prometheus", "console"],
  unsupported: ["logging"],
});
const LOGS_EXPORTERS = nameList<"otlp" | "console">({
  choices: ["otlp", "console"],
  unsupported: ["logging"],
  onlyFor: METRICS_ONLY,
});
const SAMPLER = choice(SAMPLERS, ["jaeger_remote", "parentbased_jaeger_remote", "xray"]);
const COMPRESSION = choice(["gzip", "none"] as const);

/**
 * Every OTEL_* variable, in `--help` order. An empty variable counts as unset; every variable
 * that is set is validated, even with OTEL_SDK_DISABLED=true or when a per-signal variable
 * overrides it (OTEL_TRACES_SAMPLER_ARG is checked only for a ratio sampler, as the
 * specification says). Defaults that follow other settings are applied in otel_assemble.ts.
 */
export const OTEL_SETTINGS = Object.freeze(
  {
    denoTelemetry: withoutDefault({
      env: "OTEL_DENO",
      defaultText: "unset",
      help: "Must stay unset (or false): Deno's built-in telemetry would displace otel-board's own",
      parse: refuseTrue(boolean),
    }),
    disabled: withDefault({
      env: "OTEL_SDK_DISABLED",
      default: "false",
      help: "true turns all telemetry off (the other OTEL settings are still validated)",
      parse: boolean,
    }),
    serviceName: withoutDefault({
      env: "OTEL_SERVICE_NAME",
      defaultText: "service.name from OTEL_RESOURCE_ATTRIBUTES, else otel-board",
      help: "The service.name resource attribute",
      parse: serviceName,
    }),
    resourceAttributes: withDefault({
      env: "OTEL_RESOURCE_ATTRIBUTES",
      default: "",
      defaultText: "(none)",
      help: "Extra resource attributes as key=value,key2=value2 (values percent-encoded)",
      parse: resourceAttributes,
    }),
    propagators: withDefault({
      env: "OTEL_PROPAGATORS",
      default: "tracecontext,baggage",
      help: "Context propagators: tracecontext, baggage, or none",
      parse: PROPAGATORS,
    }),
    semconvOptIn: withDefault({
      env: "OTEL_SEMCONV_STABILITY_OPT_IN",
      default: "",
      defaultText: "(none)",
      help: "http/dup and/or database/dup also emit the old semantic-convention attribute names",
      parse: optionList,
    }),
    tracesExporters: withDefault({
      env: "OTEL_TRACES_EXPORTER",
      default: "otlp",
      help: "Span exporters: otlp and/or console, or none",
      parse: TRACES_EXPORTERS,
    }),
    sampler: withDefault({
      env: "OTEL_TRACES_SAMPLER",
      default: "parentbased_always_on",
      help: "always_on, always_off, traceidratio, parentbased_always_on, " +
        "parentbased_always_off or parentbased_traceidratio",
      parse: SAMPLER,
    }),
    samplerArg: withDefault({
      env: "OTEL_TRACES_SAMPLER_ARG",
      default: "1",
      help: "Sampling ratio from 0 to 1 for traceidratio and parentbased_traceidratio",
      parse: verbatim,
    }),
    metricsExporters: withDefault({
      env: "OTEL_METRICS_EXPORTER",
      default: "otlp",
      help: "Metric exporters: otlp, prometheus (scraped at /metrics) and/or console, or none",
      parse: METRICS_EXPORTERS,
    }),
    metricExportIntervalMs: withDefault({
      env: "OTEL_METRIC_EXPORT_INTERVAL",
      default: "60000",
      help: "Milliseconds between metric exports (otlp and console), 1-86400000; the " +
        "original app used 500",
      parse: integer(1, 86_400_000, "milliseconds"),
    }),
    metricExportTimeoutMs: withoutDefault({
      env: "OTEL_METRIC_EXPORT_TIMEOUT",
      defaultText:
        `${DEFAULT_METRIC_EXPORT_TIMEOUT_MS}, or OTEL_METRIC_EXPORT_INTERVAL if that is less`,
      help: "Milliseconds one metric export may take, 1-600000, and not more than " +
        "OTEL_METRIC_EXPORT_INTERVAL",
      parse: integer(1, MAX_EXPORT_TIMEOUT_MS, "milliseconds"),
    }),
    logsExporters: withDefault({
      env: "OTEL_LOGS_EXPORTER",
      default: "otlp",
      help: "Log record exporters: otlp and/or console, or none",
      parse: LOGS_EXPORTERS,
    }),
    otlpProtocol: withDefault({
      env: "OTEL_EXPORTER_OTLP_PROTOCOL",
      default: "http/protobuf",
      help: "OTLP protocol of every signal; only http/protobuf is supported",
      parse: otlpProtocol,
    }),
    tracesProtocol: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
      defaultText: "OTEL_EXPORTER_OTLP_PROTOCOL",
      help: "OTLP protocol of traces; only http/protobuf is supported",
      parse: otlpProtocol,
    }),
    metricsProtocol: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
      defaultText: "OTEL_EXPORTER_OTLP_PROTOCOL",
      help: "OTLP protocol of metrics; only http/protobuf is supported",
      parse: otlpProtocol,
    }),
    logsProtocol: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
      defaultText: "OTEL_EXPORTER_OTLP_PROTOCOL",
      help: "OTLP protocol of logs; only http/protobuf is supported",
      parse: otlpProtocol,
    }),
    otlpEndpoint: withDefault({
      env: "OTEL_EXPORTER_OTLP_ENDPOINT",
      default: "http://localhost:4318",
      help: "Base URL of the OTLP/HTTP receiver; /v1/traces, /v1/metrics, /v1/logs are appended",
      parse: httpUrl,
    }),
    tracesEndpoint: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
      defaultText: "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces",
      help: "Full URL for traces, used as-is (include the path, e.g. http://host:4318/v1/traces)",
      parse: httpUrl,
    }),
    metricsEndpoint: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
      defaultText: "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics",
      help: "Full URL for metrics, used as-is (include the path, e.g. http://host:4318/v1/metrics)",
      parse: httpUrl,
    }),
    logsEndpoint: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
      defaultText: "OTEL_EXPORTER_OTLP_ENDPOINT + /v1/logs",
      help: "Full URL for logs, used as-is (include the path, e.g. http://host:4318/v1/logs)",
      parse: httpUrl,
    }),
    otlpHeaders: withDefault({
      env: "OTEL_EXPORTER_OTLP_HEADERS",
      default: "",
      defaultText: "(none)",
      secret: true,
      help: "Headers sent with every export, as name=value,name2=value2 (values percent-encoded)",
      parse: headers,
    }),
    tracesHeaders: withDefault({
      env: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
      default: "",
      defaultText: "(none)",
      secret: true,
      help: "Headers for traces, merged over OTEL_EXPORTER_OTLP_HEADERS (a name given here wins)",
      parse: headers,
    }),
    metricsHeaders: withDefault({
      env: "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
      default: "",
      defaultText: "(none)",
      secret: true,
      help: "Headers for metrics, merged over OTEL_EXPORTER_OTLP_HEADERS (a name given here wins)",
      parse: headers,
    }),
    logsHeaders: withDefault({
      env: "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
      default: "",
      defaultText: "(none)",
      secret: true,
      help: "Headers for logs, merged over OTEL_EXPORTER_OTLP_HEADERS (a name given here wins)",
      parse: headers,
    }),
    otlpTimeoutMs: withDefault({
      env: "OTEL_EXPORTER_OTLP_TIMEOUT",
      default: "10000",
      help: "Milliseconds one export request may take, 1-600000",
      parse: integer(1, MAX_EXPORT_TIMEOUT_MS, "milliseconds"),
    }),
    tracesTimeoutMs: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
      defaultText: "OTEL_EXPORTER_OTLP_TIMEOUT",
      help: "Milliseconds one trace export request may take, 1-600000",
      parse: integer(1, MAX_EXPORT_TIMEOUT_MS, "milliseconds"),
    }),
    metricsTimeoutMs: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
      defaultText: "OTEL_EXPORTER_OTLP_TIMEOUT",
      help: "Milliseconds one metric export request may take, 1-600000",
      parse: integer(1, MAX_EXPORT_TIMEOUT_MS, "milliseconds"),
    }),
    logsTimeoutMs: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
      defaultText: "OTEL_EXPORTER_OTLP_TIMEOUT",
      help: "Milliseconds one log export request may take, 1-600000",
      parse: integer(1, MAX_EXPORT_TIMEOUT_MS, "milliseconds"),
    }),
    otlpCompression: withDefault({
      env: "OTEL_EXPORTER_OTLP_COMPRESSION",
      default: "none",
      help: "Compression of export requests: gzip or none",
      parse: COMPRESSION,
    }),
    tracesCompression: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
      defaultText: "OTEL_EXPORTER_OTLP_COMPRESSION",
      help: "Compression of trace export requests: gzip or none",
      parse: COMPRESSION,
    }),
    metricsCompression: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
      defaultText: "OTEL_EXPORTER_OTLP_COMPRESSION",
      help: "Compression of metric export requests: gzip or none",
      parse: COMPRESSION,
    }),
    logsCompression: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
      defaultText: "OTEL_EXPORTER_OTLP_COMPRESSION",
      help: "Compression of log export requests: gzip or none",
      parse: COMPRESSION,
    }),
    otlpCertificate: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_CERTIFICATE",
      defaultText: "Deno's trust store (see DENO_TLS_CA_STORE, DENO_CERT)",
      help: "PEM file of CA certificates to trust for an https endpoint",
      parse: filePath("a PEM file"),
    }),
    tracesCertificate: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
      defaultText: "OTEL_EXPORTER_OTLP_CERTIFICATE",
      help: "PEM file of CA certificates to trust for an https traces endpoint",
      parse: filePath("a PEM file"),
    }),
    metricsCertificate: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
      defaultText: "OTEL_EXPORTER_OTLP_CERTIFICATE",
      help: "PEM file of CA certificates to trust for an https metrics endpoint",
      parse: filePath("a PEM file"),
    }),
    logsCertificate: withoutDefault({
      env: "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
      defaultText: "OTEL_EXPORTER_OTLP_CERTIFICATE",
      help: "PEM file of CA certificates to trust for an https logs endpoint",
      parse: filePath("a PEM file"),
    }),
    metricsTemporality: withDefault({
      env: "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
      default: "cumulative",
      help: "Aggregation temporality of OTLP metrics: cumulative, delta or lowmemory",
      parse: choice(["cumulative", "delta", "lowmemory"] as const),
    }),
    bspScheduleDelayMs: withDefault({
      env: "OTEL_BSP_SCHEDULE_DELAY",
      default: "5000",
      help: "Milliseconds between span batch exports, 0-3600000",
      parse: integer(0, 3_600_000, "milliseconds"),
    }),
    bspExportTimeoutMs: withDefault({
      env: "OTEL_BSP_EXPORT_TIMEOUT",
      default: "30000",
      help: "Milliseconds one span batch export may take, 1-600000",
      parse: integer(1, MAX_EXPORT_TIMEOUT_MS, "milliseconds"),
    }),
    bspMaxQueueSize: withDefault({
      env: "OTEL_BSP_MAX_QUEUE_SIZE",
      default: "2048",
      help: "Spans buffered for export before new ones are dropped, 1-1000000",
      parse: integer(1, 1_000_000),
    }),
    bspMaxExportBatchSize: withDefault({
      env: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
      default: "512",
      help: "Most spans in one export, 1 to OTEL_BSP_MAX_QUEUE_SIZE",
      parse: integer(1, 1_000_000),
    }),
    blrpScheduleDelayMs: withDefault({
      env: "OTEL_BLRP_SCHEDULE_DELAY",
      default: "1000",
      help: "Milliseconds between log record batch exports, 0-3600000",
      parse: integer(0, 3_600_000, "milliseconds"),
    }),
    blrpExportTimeoutMs: withDefault({
      env: "OTEL_BLRP_EXPORT_TIMEOUT",
      default: "30000",
      help: "Milliseconds one log record batch export may take, 1-600000",
      parse: integer(1, MAX_EXPORT_TIMEOUT_MS, "milliseconds"),
    }),
    blrpMaxQueueSize: withDefault({
      env: "OTEL_BLRP_MAX_QUEUE_SIZE",
      default: "2048",
      help: "Log records buffered for export before new ones are dropped, 1-1000000",
      parse: integer(1, 1_000_000),
    }),
    blrpMaxExportBatchSize: withDefault({
      env: "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
      default: "512",
      help: "Most log records in one export, 1 to OTEL_BLRP_MAX_QUEUE_SIZE",
      parse: integer(1, 1_000_000),
    }),
  } as const satisfies SettingGroup,
);
