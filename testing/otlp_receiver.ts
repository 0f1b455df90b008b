/**
 * @module A real OTLP/HTTP protobuf receiver for tests, decoding with protobufjs and OTLP
 * message definitions written out here, independently of the OpenTelemetry SDK's encoder.
 *
 * Number rules (one for the whole file):
 * - every `*_time_unix_nano` (fixed64 nanoseconds) is a `bigint`;
 * - every other 64-bit integer (AnyValue `int_value`, NumberDataPoint `as_int`, counts and
 *   bucket counts) is a `number` when `Number.isSafeInteger` holds for it, else a `bigint`;
 * - bytes values (AnyValue `bytes_value`) are plain `Uint8Array`s; trace and span ids are
 *   lowercase hex strings, `""` when absent.
 */

import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { errorMessage } from "../lib/error_message.ts";
import { poll } from "./poll.ts";

/** Absolute path of the test CA certificate that signed the receiver's TLS certificate. */
export const TEST_CA_PATH: string = fileURLToPath(
  new URL("../tests/fixtures/tls/ca.pem", import.meta.url),
);
const SERVER_CERT_PATH = fileURLToPath(
  new URL("../tests/fixtures/tls/server.pem", import.meta.url),
);
const SERVER_KEY_PATH = fileURLToPath(
  new URL("../tests/fixtures/tls/server-key.pem", import.meta.url),
);

// ---------------------------------------------------------------------------------------------
// OTLP v1 message definitions (opentelemetry-proto), field numbers exactly as upstream.

const COMMON_PROTO = `
syntax = "proto3";
package opentelemetry.proto.common.v1;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message EntityRef {
  string schema_url = 1;
  string type = 2;
  repeated string id_keys = 3;
  repeated string description_keys = 4;
}
`;

const RESOURCE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.resource.v1;
message Resource {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
  repeated opentelemetry.proto.common.v1.EntityRef entity_refs = 3;
}
`;

const TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto.trace.v1;
message TracesData { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans {
  reserved 1000;
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0;
    SPAN_KIND_INTERNAL = 1;
    SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4;
    SPAN_KIND_CONSUMER = 5;
  }
  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  reserved 1;
  string message = 2;
  enum StatusCode {
    STATUS_CODE_UNSET = 0;
    STATUS_CODE_OK = 1;
    STATUS_CODE_ERROR = 2;
  }
  StatusCode code = 3;
}
`;

const METRICS_PROTO = `
syntax = "proto3";
package opentelemetry.proto.metrics.v1;
message MetricsData { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics {
  reserved 1000;
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
  string schema_url = 3;
}
message ScopeMetrics {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
  string schema_url = 3;
}
message Metric {
  reserved 4, 6, 8;
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
  repeated opentelemetry.proto.common.v1.KeyValue metadata = 12;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum {
  repeated NumberDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
  bool is_monotonic = 3;
}
message Histogram {
  repeated HistogramDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
}
message ExponentialHistogram {
  repeated ExponentialHistogramDataPoint data_points = 1;
  AggregationTemporality aggregation_temporality = 2;
}
message Summary { repeated SummaryDataPoint data_points = 1; }
enum AggregationTemporality {
  AGGREGATION_TEMPORALITY_UNSPECIFIED = 0;
  AGGREGATION_TEMPORALITY_DELTA = 1;
  AGGREGATION_TEMPORALITY_CUMULATIVE = 2;
}
message NumberDataPoint {
  reserved 1;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  repeated Exemplar exemplars = 5;
  uint32 flags = 8;
}
message HistogramDataPoint {
  reserved 1;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  repeated Exemplar exemplars = 8;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message ExponentialHistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  Buckets positive = 8;
  Buckets negative = 9;
  message Buckets {
    sint32 offset = 1;
    repeated uint64 bucket_counts = 2;
  }
  uint32 flags = 10;
  repeated Exemplar exemplars = 11;
  optional double min = 12;
  optional double max = 13;
  double zero_threshold = 14;
}
message SummaryDataPoint {
  reserved 1;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
  message ValueAtQuantile {
    double quantile = 1;
    double value = 2;
  }
  repeated ValueAtQuantile quantile_values = 6;
  uint32 flags = 8;
}
message Exemplar {
  reserved 1;
  repeated opentelemetry.proto.common.v1.KeyValue filtered_attributes = 7;
  fixed64 time_unix_nano = 2;
  oneof value {
    double as_double = 3;
    sfixed64 as_int = 6;
  }
  bytes span_id = 4;
  bytes trace_id = 5;
}
`;

const LOGS_PROTO = `
syntax = "proto3";
package opentelemetry.proto.logs.v1;
message LogsData { repeated ResourceLogs resource_logs = 1; }
message ResourceLogs {
  reserved 1000;
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
  string schema_url = 3;
}
message ScopeLogs {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
  string schema_url = 3;
}
message LogRecord {
  reserved 4;
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  opentelemetry.proto.common.v1.AnyValue body = 5;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}
`;

const COLLECTOR_PROTO = `
syntax = "proto3";
package opentelemetry.proto.collector.v1;
message ExportTraceServiceRequest {
  repeated opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1;
}
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ExportMetricsServiceRequest {
  repeated opentelemetry.proto.metrics.v1.ResourceMetrics resource_metrics = 1;
}
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }
message ExportLogsServiceRequest {
  repeated opentelemetry.proto.logs.v1.ResourceLogs resource_logs = 1;
}
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
message ExportLogsPartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
`;

// google/rpc/status.proto, the body OTLP/HTTP sends with an error status (details left out).
const RPC_STATUS_PROTO = `
syntax = "proto3";
package google.rpc;
message Status { int32 code = 1; string message = 2; }
`;

// The collector service messages really live in three packages (collector.trace.v1 and so on);
// one package here changes nothing on the wire, where only field numbers and types travel.
const ROOT = (() => {
  const root = new protobuf.Root();
  for (
    const source of [
      COMMON_PROTO,
      RESOURCE_PROTO,
      TRACE_PROTO,
      METRICS_PROTO,
      LOGS_PROTO,
      COLLECTOR_PROTO,
      RPC_STATUS_PROTO,
    ]
  ) {
    protobuf.parse(source, root);
  }
  root.resolveAll();
  return root;
})();

/** The three OTLP signals. */
export type OtlpSignal = "traces" | "metrics" | "logs";

const REQUEST_TYPES: Record<OtlpSignal, protobuf.Type> = {
  traces: ROOT.lookupType("opentelemetry.proto.collector.v1.ExportTraceServiceRequest"),
  metrics: ROOT.lookupType("opentelemetry.proto.collector.v1.ExportMetricsServiceRequest"),
  logs: ROOT.lookupType("opentelemetry.proto.collector.v1.ExportLogsServiceRequest"),
};
const RESPONSE_TYPES: Record<OtlpSignal, protobuf.Type> = {
  traces: ROOT.lookupType("opentelemetry.proto.collector.v1.ExportTraceServiceResponse"),
  metrics: ROOT.lookupType("opentelemetry.proto.collector.v1.ExportMetricsServiceResponse"),
  logs: ROOT.lookupType("opentelemetry.proto.collector.v1.ExportLogsServiceResponse"),
};
const RPC_STATUS_TYPE = ROOT.lookupType("google.rpc.Status");

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: BigInt,
  enums: Number,
  defaults: true,
  arrays: true,
};

// ---------------------------------------------------------------------------------------------
// Decoded shapes (protobufjs `toObject` output with the options above: camelCase names,
// 64-bit integers as bigint, oneof and proto3 `optional` members present only when set).

interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: bigint;
  doubleValue?: number;
  arrayValue?: { values: PbAnyValue[] };
  kvlistValue?: { values: PbKeyValue[] };
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}
interface PbResource {
  attributes: PbKeyValue[];
}
interface PbScope {
  name: string;
  version: string;
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  parentSpanId: Uint8Array;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: PbKeyValue[];
  events: { timeUnixNano: bigint; name: string; attributes: PbKeyValue[] }[];
  links: { traceId: Uint8Array; spanId: Uint8Array; traceState: string; flags: number }[];
  status: { message: string; code: number } | null;
}
interface PbTraceRequest {
  resourceSpans: {
    resource: PbResource | null;
    scopeSpans: { scope: PbScope | null; spans: PbSpan[] }[];
  }[];
}
interface PbNumberDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  flags: number;
}
interface PbHistogramDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  bucketCounts: bigint[];
  explicitBounds: number[];
  flags: number;
  min?: number;
  max?: number;
}
interface PbBuckets {
  offset: number;
  bucketCounts: bigint[];
}
interface PbExponentialHistogramDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
  scale: number;
  zeroCount: bigint;
  positive: PbBuckets | null;
  negative: PbBuckets | null;
  flags: number;
  min?: number;
  max?: number;
  zeroThreshold: number;
}
interface PbSummaryDataPoint {
  attributes: PbKeyValue[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
  flags: number;
}
interface PbMetric {
  name: string;
  description: string;
  unit: string;
  gauge?: { dataPoints: PbNumberDataPoint[] };
  sum?: { dataPoints: PbNumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean };
  histogram?: { dataPoints: PbHistogramDataPoint[]; aggregationTemporality: number };
  exponentialHistogram?: {
    dataPoints: PbExponentialHistogramDataPoint[];
    aggregationTemporality: number;
  };
  summary?: { dataPoints: PbSummaryDataPoint[] };
}
interface PbMetricsRequest {
  resourceMetrics: {
    resource: PbResource | null;
    scopeMetrics: { scope: PbScope | null; metrics: PbMetric[] }[];
  }[];
}
interface PbLogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: PbAnyValue | null;
  attributes: PbKeyValue[];
  flags: number;
  traceId: Uint8Array;
  spanId: Uint8Array;
  eventName: string;
}
interface PbLogsRequest {
  resourceLogs: {
    resource: PbResource | null;
    scopeLogs: { scope: PbScope | null; logRecords: PbLogRecord[] }[];
  }[];
}

// ---------------------------------------------------------------------------------------------
// What the receiver hands to tests.

/** An attribute or log body value as decoded from an OTLP AnyValue (`null` when unset). */
export type AttrValue =
  | string
  | number
  | boolean
  | bigint
  | AttrValue[]
  | { [key: string]: AttrValue }
  | Uint8Array
  | null;

/** A 64-bit integer other than a timestamp: a number when safe, else a bigint. */
export type Int64 = number | bigint;

/** The instrumentation scope an item was reported under. */
export interface ReceivedScope {
  name: string;
  version: string;
}

/** One span as received. */
export interface ReceivedSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** `""` for a root span. */
  parentSpanId: string;
  name: string;
  kind: "INTERNAL" | "SERVER" | "CLIENT" | "PRODUCER" | "CONSUMER" | "UNSPECIFIED";
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, AttrValue>;
  events: { name: string; timeUnixNano: bigint; attributes: Record<string, AttrValue> }[];
  links: { traceId: string; spanId: string }[];
  status: { code: "UNSET" | "OK" | "ERROR"; message: string };
  traceState: string;
  flags: number;
  resource: Record<string, AttrValue>;
  scope: ReceivedScope;
}

/** One metric data point as received, with its metric's name, type and scope. */
export interface ReceivedMetric {
  name: string;
  description: string;
  unit: string;
  type: "gauge" | "sum" | "histogram" | "exponential_histogram" | "summary";
  /** Only for `sum`. */
  monotonic?: boolean;
  /** Only for `sum`, `histogram` and `exponential_histogram`. */
  temporality?: "CUMULATIVE" | "DELTA" | "UNSPECIFIED";
  attributes: Record<string, AttrValue>;
  /** Gauge and sum points: `as_double`, or `as_int` by the Int64 rule. */
  value?: number | bigint;
  /** Histogram, exponential histogram and summary points. */
  count?: Int64;
  sum?: number;
  min?: number;
  max?: number;
  /** Histogram points. */
  bucketCounts?: Int64[];
  explicitBounds?: number[];
  /** Exponential histogram points. */
  scale?: number;
  zeroCount?: Int64;
  positive?: { offset: number; bucketCounts: Int64[] };
  negative?: { offset: number; bucketCounts: Int64[] };
  /** Summary points. */
  quantiles?: { quantile: number; value: number }[];
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
  resource: Record<string, AttrValue>;
  scope: ReceivedScope;
}

/** One log record as received. */
export interface ReceivedLog {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Record<string, AttrValue>;
  /** `""` when absent. */
  traceId: string;
  /** `""` when absent. */
  spanId: string;
  flags: number;
  eventName: string;
  resource: Record<string, AttrValue>;
  scope: ReceivedScope;
}

/** One HTTP request that reached an OTLP route, whatever the receiver answered. */
export interface ReceivedRequest {
  readonly signal: OtlpSignal;
  readonly path: string;
  readonly headers: Headers;
  readonly contentType: string | null;
  readonly contentEncoding: string | null;
  /** Size of the body as sent (before gunzip). */
  readonly bodyBytes: number;
  /** True once the receiver answered it 200; false while held or when answered otherwise. */
  readonly accepted: boolean;
  /** Why the body could not be decoded (answered 400/415), else undefined. */
  readonly decodeError: string | undefined;
  /** What the body held (only the array of its own signal can be non-empty). */
  readonly spans: readonly ReceivedSpan[];
  readonly metrics: readonly ReceivedMetric[];
  readonly logs: readonly ReceivedLog[];
}

/** How the receiver answers export requests. */
export type ReceiverMode =
  | { kind: "ok" }
  | { kind: "status"; status: number; retryAfterSeconds?: number }
  | { kind: "hang" };

/** Options of {@link OtlpReceiver.spans} and its siblings. */
export interface ReceivedItemsOptions {
  /** Also return items of requests that were not answered 200. Default false. */
  includeRejected?: boolean;
}

/** A running OTLP/HTTP receiver; close it (or `await using` it) to stop the server. */
export interface OtlpReceiver extends AsyncDisposable {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:1234`. */
  readonly url: string;
  readonly port: number;
  /** Changes how later requests are answered; requests held by "hang" are answered anew. */
  setMode(mode: ReceiverMode): void;
  /** Every request to an OTLP route, in arrival order. */
  readonly requests: readonly ReceivedRequest[];
  /** Spans of accepted requests (all requests with `includeRejected`). */
  spans(options?: ReceivedItemsOptions): ReceivedSpan[];
  /** Metric data points of accepted requests (all requests with `includeRejected`). */
  metrics(options?: ReceivedItemsOptions): ReceivedMetric[];
  /** Log records of accepted requests (all requests with `includeRejected`). */
  logs(options?: ReceivedItemsOptions): ReceivedLog[];
  /**
   * Polls `read` every 15 ms until it returns something other than `undefined` or `false`.
   * @returns what `read` returned
   * @throws Error naming `what` after `timeoutMs` (default 5000)
   */
  waitFor<T>(
    read: () => T | undefined | false,
    options?: { timeoutMs?: number; what?: string },
  ): Promise<T>;
  /** Answers held requests 503 and stops the server; safe to call twice. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Decoding.

const SPAN_KINDS = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"] as const;
const STATUS_CODES = ["UNSET", "OK", "ERROR"] as const;
const TEMPORALITIES = ["UNSPECIFIED", "DELTA", "CUMULATIVE"] as const;

function int64(value: bigint): Int64 {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function anyValue(value: PbAnyValue | null | undefined): AttrValue {
  if (value === null || value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return int64(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(anyValue);
  if (value.kvlistValue !== undefined) return keyValues(value.kvlistValue.values);
  // protobufjs hands out node Buffers; tests compare against plain Uint8Arrays.
  if (value.bytesValue !== undefined) return new Uint8Array(value.bytesValue);
  return null;
}

function keyValues(list: PbKeyValue[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const { key, value } of list) out[key] = anyValue(value);
  return out;
}

function scopeOf(scope: PbScope | null): ReceivedScope {
  return { name: scope?.name ?? "", version: scope?.version ?? "" };
}

function decodeRequest<T>(signal: OtlpSignal, bytes: Uint8Array): T {
  const type = REQUEST_TYPES[signal];
  return type.toObject(type.decode(bytes), TO_OBJECT) as T;
}

/** Decodes an ExportTraceServiceRequest body into one entry per span. */
export function decodeTraces(bytes: Uint8Array): ReceivedSpan[] {
  const request = decodeRequest<PbTraceRequest>("traces", bytes);
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans) {
    const resource = keyValues(resourceSpans.resource?.attributes ?? []);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      const scope = scopeOf(scopeSpans.scope);
      for (const span of scopeSpans.spans) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: span.name,
          kind: SPAN_KINDS[span.kind] ?? "UNSPECIFIED",
          startTimeUnixNano: span.startTimeUnixNano,
          endTimeUnixNano: span.endTimeUnixNano,
          attributes: keyValues(span.attributes),
          events: span.events.map((event) => ({
            name: event.name,
            timeUnixNano: event.timeUnixNano,
            attributes: keyValues(event.attributes),
          })),
          links: span.links.map((link) => ({
            traceId: hex(link.traceId),
            spanId: hex(link.spanId),
          })),
          status: {
            code: STATUS_CODES[span.status?.code ?? 0] ?? "UNSET",
            message: span.status?.message ?? "",
          },
          traceState: span.traceState,
          flags: span.flags,
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

type MetricBase = Pick<
  ReceivedMetric,
  "name" | "description" | "unit" | "type" | "resource" | "scope"
>;

function pointBase(
  base: MetricBase,
  point: {
    attributes: PbKeyValue[];
    startTimeUnixNano: bigint;
    timeUnixNano: bigint;
    flags: number;
  },
): ReceivedMetric {
  return {
    ...base,
    attributes: keyValues(point.attributes),
    startTimeUnixNano: point.startTimeUnixNano,
    timeUnixNano: point.timeUnixNano,
    flags: point.flags,
  };
}

function withOptionalStats(
  out: ReceivedMetric,
  point: { sum?: number; min?: number; max?: number },
): ReceivedMetric {
  if (point.sum !== undefined) out.sum = point.sum;
  if (point.min !== undefined) out.min = point.min;
  if (point.max !== undefined) out.max = point.max;
  return out;
}

function numberPoint(base: MetricBase, point: PbNumberDataPoint): ReceivedMetric {
  const out = pointBase(base, point);
  if (point.asDouble !== undefined) out.value = point.asDouble;
  else if (point.asInt !== undefined) out.value = int64(point.asInt);
  return out;
}

function buckets(value: PbBuckets | null): { offset: number; bucketCounts: Int64[] } {
  return { offset: value?.offset ?? 0, bucketCounts: (value?.bucketCounts ?? []).map(int64) };
}

function metricPoints(base: Omit<MetricBase, "type">, metric: PbMetric): ReceivedMetric[] {
  if (metric.gauge) {
    return metric.gauge.dataPoints.map((p) => numberPoint({ ...base, type: "gauge" }, p));
  }
  if (metric.sum) {
    const { aggregationTemporality, isMonotonic } = metric.sum;
    return metric.sum.dataPoints.map((p) => ({
      ...numberPoint({ ...base, type: "sum" }, p),
      monotonic: isMonotonic,
      temporality: TEMPORALITIES[aggregationTemporality] ?? "UNSPECIFIED",
    }));
  }
  if (metric.histogram) {
    const temporality = TEMPORALITIES[metric.histogram.aggregationTemporality] ?? "UNSPECIFIED";
    return metric.histogram.dataPoints.map((p) =>
      withOptionalStats({
        ...pointBase({ ...base, type: "histogram" }, p),
        temporality,
        count: int64(p.count),
        bucketCounts: p.bucketCounts.map(int64),
        explicitBounds: p.explicitBounds,
      }, p)
    );
  }
  if (metric.exponentialHistogram) {
    const temporality = TEMPORALITIES[metric.exponentialHistogram.aggregationTemporality] ??
      "UNSPECIFIED";
    return metric.exponentialHistogram.dataPoints.map((p) =>
      withOptionalStats({
        ...pointBase({ ...base, type: "exponential_histogram" }, p),
        temporality,
        count: int64(p.count),
        scale: p.scale,
        zeroCount: int64(p.zeroCount),
        positive: buckets(p.positive),
        negative: buckets(p.negative),
      }, p)
    );
  }
  if (metric.summary) {
    return metric.summary.dataPoints.map((p) => ({
      ...pointBase({ ...base, type: "summary" }, p),
      count: int64(p.count),
      sum: p.sum,
      quantiles: p.quantileValues.map(({ quantile, value }) => ({ quantile, value })),
    }));
  }
  return [];
}

/** Decodes an ExportMetricsServiceRequest body into one entry per data point. */
export function decodeMetrics(bytes: Uint8Array): ReceivedMetric[] {
  const request = decodeRequest<PbMetricsRequest>("metrics", bytes);
  const points: ReceivedMetric[] = [];
  for (const resourceMetrics of request.resourceMetrics) {
    const resource = keyValues(resourceMetrics.resource?.attributes ?? []);
    for (const scopeMetrics of resourceMetrics.scopeMetrics) {
      const scope = scopeOf(scopeMetrics.scope);
      for (const metric of scopeMetrics.metrics) {
        const { name, description, unit } = metric;
        points.push(...metricPoints({ name, description, unit, resource, scope }, metric));
      }
    }
  }
  return points;
}

/** Decodes an ExportLogsServiceRequest body into one entry per log record. */
export function decodeLogs(bytes: Uint8Array): ReceivedLog[] {
  const request = decodeRequest<PbLogsRequest>("logs", bytes);
  const logs: ReceivedLog[] = [];
  for (const resourceLogs of request.resourceLogs) {
    const resource = keyValues(resourceLogs.resource?.attributes ?? []);
    for (const scopeLogs of resourceLogs.scopeLogs) {
      const scope = scopeOf(scopeLogs.scope);
      for (const record of scopeLogs.logRecords) {
        logs.push({
          timeUnixNano: record.timeUnixNano,
          observedTimeUnixNano: record.observedTimeUnixNano,
          severityNumber: record.severityNumber,
          severityText: record.severityText,
          body: anyValue(record.body),
          attributes: keyValues(record.attributes),
          traceId: hex(record.traceId),
          spanId: hex(record.spanId),
          flags: record.flags,
          eventName: record.eventName,
          resource,
          scope,
        });
      }
    }
  }
  return logs;
}

/**
 * Encodes a plain object shaped like an Export*ServiceRequest (camelCase field names, 64-bit
 * integers as bigint or decimal strings, bytes as Uint8Array, enums as numbers or names) with
 * the definitions above; for tests of the receiver itself.
 */
export function encodeOtlpRequest(
  signal: OtlpSignal,
  request: Record<string, unknown>,
): Uint8Array<ArrayBuffer> {
  const type = REQUEST_TYPES[signal];
  checkFieldNames(type, request, signal);
  // A copy: protobufjs hands out a node Buffer, which fetch typings and deepEqual dislike.
  return new Uint8Array(type.encode(type.fromObject(request)).finish());
}

// `fromObject` silently drops unknown keys, so a misspelt field would vanish from the bytes.
function checkFieldNames(type: protobuf.Type, value: Record<string, unknown>, path: string): void {
  for (const [key, child] of Object.entries(value)) {
    const field = type.fields[key];
    if (field === undefined) {
      throw new TypeError(`Cannot encode ${path}: ${type.name} has no field "${key}"`);
    }
    const fieldType = field.resolve().resolvedType;
    if (!(fieldType instanceof protobuf.Type)) continue;
    for (const item of Array.isArray(child) ? child : [child]) {
      if (typeof item === "object" && item !== null) {
        checkFieldNames(fieldType, item as Record<string, unknown>, `${path}.${key}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The server.

const ROUTES: Record<string, OtlpSignal> = {
  "/v1/traces": "traces",
  "/v1/metrics": "metrics",
  "/v1/logs": "logs",
};

type MutableRequest = { -readonly [K in keyof ReceivedRequest]: ReceivedRequest[K] };

async function readBody(request: Request): Promise<Uint8Array> {
  return new Uint8Array(await request.arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function decodeSignal(record: MutableRequest, bytes: Uint8Array): void {
  if (record.signal === "traces") record.spans = decodeTraces(bytes);
  else if (record.signal === "metrics") record.metrics = decodeMetrics(bytes);
  else record.logs = decodeLogs(bytes);
}

function protobufResponse(status: number, body: Uint8Array, headers: HeadersInit = {}): Response {
  return new Response(body as Uint8Array<ArrayBuffer>, {
    status,
    headers: { "content-type": "application/x-protobuf", ...headers },
  });
}

function rpcStatus(status: number, message: string, headers: HeadersInit = {}): Response {
  // google.rpc.Status.code carries a gRPC code; 14 (UNAVAILABLE) fits every status used here.
  const body = RPC_STATUS_TYPE.encode(RPC_STATUS_TYPE.fromObject({ code: 14, message })).finish();
  return protobufResponse(status, body, headers);
}

/**
 * Starts an OTLP/HTTP protobuf receiver on 127.0.0.1 with a free port.
 * @param options `tls: true` serves HTTPS with the fixture certificate signed by TEST_CA_PATH
 * @returns the running receiver, in mode `{ kind: "ok" }`
 */
export async function startOtlpReceiver(options: { tls?: boolean } = {}): Promise<OtlpReceiver> {
  const requests: MutableRequest[] = [];
  let mode: ReceiverMode = { kind: "ok" };
  let closed = false;
  // Resolvers of requests held by "hang"; called on setMode and close.
  const held = new Set<() => void>();
  const releaseHeld = () => {
    for (const release of [...held]) release();
  };

  async function answer(request: Request, record: MutableRequest): Promise<Response> {
    while (mode.kind === "hang" && !closed && !request.signal.aborted) {
      await new Promise<void>((resolve) => {
        const release = () => {
          held.delete(release);
          request.signal.removeEventListener("abort", release);
          resolve();
        };
        held.add(release);
        request.signal.addEventListener("abort", release);
      });
    }
    if (closed) return rpcStatus(503, "OTLP test receiver closed");
    if (request.signal.aborted) return rpcStatus(499, "Client went away");
    if (mode.kind === "status") {
      const headers: Record<string, string> = {};
      if (mode.retryAfterSeconds !== undefined) {
        headers["retry-after"] = String(mode.retryAfterSeconds);
      }
      return rpcStatus(mode.status, `OTLP test receiver answers ${mode.status}`, headers);
    }
    record.accepted = true;
    const type = RESPONSE_TYPES[record.signal];
    return protobufResponse(200, type.encode(type.create({})).finish());
  }

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const signal = ROUTES[path];
    if (signal === undefined) {
      await request.body?.cancel();
      return new Response("Not found", { status: 404 });
    }
    if (request.method !== "POST") {
      await request.body?.cancel();
      return new Response("Method not allowed", { status: 405, headers: { allow: "POST" } });
    }
    const raw = await readBody(request);
    const contentType = request.headers.get("content-type");
    const contentEncoding = request.headers.get("content-encoding");
    const record: MutableRequest = {
      signal,
      path,
      headers: request.headers,
      contentType,
      contentEncoding,
      bodyBytes: raw.byteLength,
      accepted: false,
      decodeError: undefined,
      spans: [],
      metrics: [],
      logs: [],
    };
    requests.push(record);
    if (contentType?.split(";")[0]?.trim().toLowerCase() !== "application/x-protobuf") {
      record.decodeError = `Unsupported content-type: ${contentType}`;
      return new Response(record.decodeError, { status: 415 });
    }
    try {
      const encoding = contentEncoding?.trim().toLowerCase() ?? "identity";
      if (encoding !== "gzip" && encoding !== "identity") {
        record.decodeError = `Unsupported content-encoding: ${contentEncoding}`;
        return new Response(record.decodeError, { status: 415 });
      }
      decodeSignal(record, encoding === "gzip" ? await gunzip(raw) : raw);
    } catch (error: unknown) {
      record.decodeError = `Cannot decode ${signal} request: ${errorMessage(error)}`;
      return new Response(record.decodeError, { status: 400 });
    }
    return await answer(request, record);
  }

  const tls = options.tls
    ? {
      cert: await Deno.readTextFile(SERVER_CERT_PATH),
      key: await Deno.readTextFile(SERVER_KEY_PATH),
    }
    : {};
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    // Only reading a body the client abandoned can throw in `handle`; answer without a log line.
    onError: () => new Response("Internal error", { status: 500 }),
    ...tls,
  }, handle);
  const port = server.addr.port;
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;

  function items<T>(
    pick: (request: ReceivedRequest) => readonly T[],
    options: ReceivedItemsOptions = {},
  ): T[] {
    return requests.filter((request) => options.includeRejected || request.accepted)
      .flatMap((request) => [...pick(request)]);
  }

  async function close(): Promise<void> {
    if (!closed) {
      closed = true;
      releaseHeld();
      // Graceful: the released requests get their 503 before the connections close.
      await server.shutdown();
    }
    await server.finished;
  }

  return {
    url,
    port,
    requests,
    setMode(next: ReceiverMode): void {
      mode = next;
      releaseHeld();
    },
    spans: (options) => items((request) => request.spans, options),
    metrics: (options) => items((request) => request.metrics, options),
    logs: (options) => items((request) => request.logs, options),
    waitFor<T>(
      read: () => T | undefined | false,
      options: { timeoutMs?: number; what?: string } = {},
    ): Promise<T> {
      return poll(read, {
        what: options.what ?? "a condition",
        timeoutMs: options.timeoutMs ?? 5000,
        intervalMs: 15,
        detail: () =>
          `the receiver got ${requests.length} request(s) (${
            requests.filter((request) => request.accepted).length
          } accepted)`,
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
