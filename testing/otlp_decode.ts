/**
 * @module Decoding (and, for the receiver's own tests, encoding) OTLP/HTTP protobuf export
 * requests into the plain shapes the tests assert on.
 *
 * Number rules (one for the whole file):
 * - every `*_time_unix_nano` (fixed64 nanoseconds) is a `bigint`;
 * - every other 64-bit integer (AnyValue `int_value`, NumberDataPoint `as_int`, counts and
 *   bucket counts) is a `number` when `Number.isSafeInteger` holds for it, else a `bigint`;
 * - bytes values (AnyValue `bytes_value`) are plain `Uint8Array`s; trace and span ids are
 *   lowercase hex strings, `""` when absent.
 */

import protobuf from "protobufjs";
import { type OtlpSignal, REQUEST_TYPES, TO_OBJECT } from "./otlp_proto.ts";

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
  exemplars: PbExemplar[];
  flags: number;
  min?: number;
  max?: number;
}
interface PbExemplar {
  filteredAttributes: PbKeyValue[];
  timeUnixNano: bigint;
  asDouble?: number;
  asInt?: bigint;
  spanId: Uint8Array;
  traceId: Uint8Array;
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
  /** Histogram points that carry exemplars (left out when there are none). */
  exemplars?: ReceivedExemplar[];
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

/** One exemplar of a histogram point as received. */
export interface ReceivedExemplar {
  /** `as_double`, or `as_int` by the Int64 rule. */
  value: number | bigint | undefined;
  timeUnixNano: bigint;
  /** 32 lowercase hex digits, `""` when absent. */
  traceId: string;
  /** 16 lowercase hex digits, `""` when absent. */
  spanId: string;
  filteredAttributes: Record<string, AttrValue>;
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

function exemplar(value: PbExemplar): ReceivedExemplar {
  return {
    value: value.asDouble ?? (value.asInt === undefined ? undefined : int64(value.asInt)),
    timeUnixNano: value.timeUnixNano,
    traceId: hex(value.traceId),
    spanId: hex(value.spanId),
    filteredAttributes: keyValues(value.filteredAttributes),
  };
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
    return metric.histogram.dataPoints.map((p) => {
      const out = withOptionalStats({
        ...pointBase({ ...base, type: "histogram" }, p),
        temporality,
        count: int64(p.count),
        bucketCounts: p.bucketCounts.map(int64),
        explicitBounds: p.explicitBounds,
      }, p);
      if (p.exemplars.length > 0) out.exemplars = p.exemplars.map(exemplar);
      return out;
    });
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
