/**
 * @module OTLP/protobuf encoding of collected metrics (ExportMetricsServiceRequest): the fields
 * the SDK's ProtobufMetricsSerializer writes, in one pass, plus what it never writes: the
 * exemplars of histogram points, from telemetry/exemplars.ts.
 */

import { type HrTime, ValueType } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { type Exemplar, type ExemplarReservoirs, msToHrTime } from "./exemplars.ts";
import { FIXED64, LENGTH_DELIMITED, ProtobufWriter, VARINT } from "./protobuf_writer.ts";

/** Encodes ResourceMetrics into OTLP request bytes; reuses its buffer and caches. */
export class OtlpMetricsEncoder {
  readonly #writer = new ProtobufWriter();
  readonly #exemplars: ExemplarReservoirs | undefined;

  /** `exemplars`: where histogram points find theirs (none are written without). */
  constructor(exemplars?: ExemplarReservoirs) {
    this.#exemplars = exemplars;
  }

  /** The request body for `resourceMetrics`. */
  encode(resourceMetrics: ResourceMetrics): Uint8Array {
    const w = this.#writer;
    const { resource, scopeMetrics } = resourceMetrics;
    w.tag(1, LENGTH_DELIMITED);
    const start = w.begin();
    w.resource(resource);
    for (const { scope, metrics } of scopeMetrics) {
      w.tag(2, LENGTH_DELIMITED);
      const scopeStart = w.begin();
      w.scope(scope);
      for (const metric of metrics) this.#metric(metric);
      if (scope.schemaUrl) w.string(3, scope.schemaUrl);
      w.end(scopeStart);
    }
    if (resource.schemaUrl) w.string(3, resource.schemaUrl);
    w.end(start);
    return w.finish();
  }

  #metric(metric: MetricData): void {
    const w = this.#writer;
    const { name, description, unit, valueType } = metric.descriptor;
    w.tag(2, LENGTH_DELIMITED);
    const start = w.begin();
    w.string(1, name);
    if (description) w.string(2, description);
    if (unit) w.string(3, unit);
    switch (metric.dataPointType) {
      case DataPointType.GAUGE:
      case DataPointType.SUM: {
        const sum = metric.dataPointType === DataPointType.SUM;
        w.tag(sum ? 7 : 5, LENGTH_DELIMITED);
        const body = w.begin();
        for (const point of metric.dataPoints) this.#numberPoint(point, valueType);
        if (sum) {
          this.#temporality(metric.aggregationTemporality);
          if (metric.isMonotonic) {
            w.tag(3, VARINT);
            w.varint(1);
          }
        }
        w.end(body);
        break;
      }
      case DataPointType.HISTOGRAM: {
        w.tag(9, LENGTH_DELIMITED);
        const body = w.begin();
        const reservoir = this.#exemplars?.get(name);
        for (const point of metric.dataPoints) {
          const exemplars = reservoir?.forPoint(point.attributes, point.startTime, point.endTime);
          this.#histogramPoint(point, exemplars);
        }
        this.#temporality(metric.aggregationTemporality);
        w.end(body);
        break;
      }
      case DataPointType.EXPONENTIAL_HISTOGRAM:
        // No view of the service chooses this aggregation.
        throw new Error(`Cannot encode ${name}: exponential histograms are not supported`);
    }
    w.end(start);
  }

  /** NumberDataPoint as field 1 of a Gauge or Sum. */
  #numberPoint(point: DataPoint<number>, valueType: ValueType): void {
    const w = this.#writer;
    w.tag(1, LENGTH_DELIMITED);
    const start = w.begin();
    this.#times(point.startTime, point.endTime);
    w.tag(valueType === ValueType.INT ? 6 : 4, FIXED64);
    if (valueType === ValueType.INT) w.fixed64(point.value);
    else w.double(point.value);
    w.attributes(7, point.attributes);
    w.end(start);
  }

  /** HistogramDataPoint as field 1 of a Histogram. */
  #histogramPoint(point: DataPoint<Histogram>, exemplars: (Exemplar | undefined)[] | undefined) {
    const w = this.#writer;
    const histogram = point.value;
    w.tag(1, LENGTH_DELIMITED);
    const start = w.begin();
    this.#times(point.startTime, point.endTime);
    w.tag(4, FIXED64);
    w.fixed64(histogram.count);
    if (histogram.sum !== undefined) {
      w.tag(5, FIXED64);
      w.double(histogram.sum);
    }
    const { counts, boundaries } = histogram.buckets;
    if (counts.length > 0) {
      w.tag(6, LENGTH_DELIMITED);
      const packed = w.begin();
      for (const count of counts) w.fixed64(count);
      w.end(packed);
    }
    if (boundaries.length > 0) {
      w.tag(7, LENGTH_DELIMITED);
      const packed = w.begin();
      for (const bound of boundaries) w.double(bound);
      w.end(packed);
    }
    for (const exemplar of exemplars ?? []) if (exemplar !== undefined) this.#exemplar(exemplar);
    w.attributes(9, point.attributes);
    if (histogram.min !== undefined) {
      w.tag(11, FIXED64);
      w.double(histogram.min);
    }
    if (histogram.max !== undefined) {
      w.tag(12, FIXED64);
      w.double(histogram.max);
    }
    w.end(start);
  }

  /** Exemplar { time_unix_nano = 2; as_double = 3; span_id = 4; trace_id = 5 } as field 8. */
  #exemplar(exemplar: Exemplar): void {
    const w = this.#writer;
    w.tag(8, LENGTH_DELIMITED);
    const start = w.begin();
    w.tag(2, FIXED64);
    w.time(msToHrTime(exemplar.timeMs));
    w.tag(3, FIXED64);
    w.double(exemplar.value);
    w.tag(4, LENGTH_DELIMITED);
    w.hexId(exemplar.spanId);
    w.tag(5, LENGTH_DELIMITED);
    w.hexId(exemplar.traceId);
    w.end(start);
  }

  #times(start: HrTime, end: HrTime): void {
    const w = this.#writer;
    w.tag(2, FIXED64);
    w.time(start);
    w.tag(3, FIXED64);
    w.time(end);
  }

  /** aggregation_temporality (field 2): DELTA = 1, CUMULATIVE = 2. */
  #temporality(temporality: AggregationTemporality): void {
    const w = this.#writer;
    w.tag(2, VARINT);
    w.varint(temporality === AggregationTemporality.DELTA ? 1 : 2);
  }
}
