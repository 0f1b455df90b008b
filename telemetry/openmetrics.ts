/**
 * @module The OpenMetrics 1.0 text format of collected metrics, for scrapers that ask for it:
 * the names and labels `exporter-prometheus` writes in the plain text format (so queries and
 * dashboards hold for both), counters as families without `_total`, `# UNIT` only where the
 * name ends in the unit, `target_info` as an info family, histogram bucket exemplars, `# EOF`.
 */

import type { Attributes } from "@opentelemetry/api";
import {
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { Exemplar, ExemplarReservoirs } from "./exemplars.ts";

/** The OpenMetrics text format's content type. */
export const OPENMETRICS_CONTENT_TYPE =
  "application/openmetrics-text; version=1.0.0; charset=utf-8";

/** `resourceMetrics` as an OpenMetrics exposition, with the exemplars `exemplars` holds. */
export function toOpenMetrics(
  resourceMetrics: ResourceMetrics,
  exemplars?: ExemplarReservoirs,
): string {
  let text = "# HELP target Target metadata\n# TYPE target info\n" +
    sample("target_info", resourceMetrics.resource.attributes, undefined, 1);
  for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
    const scopeLabels: Attributes = { "otel.scope.name": scope.name };
    if (scope.schemaUrl) scopeLabels["otel.scope.schema_url"] = scope.schemaUrl;
    if (scope.version) scopeLabels["otel.scope.version"] = scope.version;
    for (const metric of metrics) text += family(metric, scopeLabels, exemplars);
  }
  return `${text}# EOF\n`;
}

function family(
  metric: MetricData,
  scopeLabels: Attributes,
  exemplars: ExemplarReservoirs | undefined,
): string {
  const { descriptor } = metric;
  let name = sanitize(descriptor.name);
  if (name === "" || name === "_") return "";
  if (name[0]! >= "0" && name[0]! <= "9") name = `_${name}`;
  const counter = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
  if (counter && name.endsWith("_total")) name = name.slice(0, -"_total".length);
  const type = counter
    ? "counter"
    : metric.dataPointType === DataPointType.HISTOGRAM
    ? "histogram"
    : "gauge";
  let text = `# HELP ${name} ${escapeText(descriptor.description || "description missing")}\n`;
  // OpenMetrics wants a unit to be the name's suffix; the OTel names carry none, so mostly none.
  if (/^\w+$/.test(descriptor.unit) && name.endsWith(`_${descriptor.unit}`)) {
    text += `# UNIT ${name} ${descriptor.unit}\n`;
  }
  text += `# TYPE ${name} ${type}\n`;
  switch (metric.dataPointType) {
    case DataPointType.SUM:
    case DataPointType.GAUGE: {
      const sampleName = counter ? `${name}_total` : name;
      for (const point of metric.dataPoints) {
        text += sample(sampleName, point.attributes, scopeLabels, point.value);
      }
      break;
    }
    case DataPointType.HISTOGRAM: {
      const reservoir = exemplars?.get(descriptor.name);
      for (const point of metric.dataPoints) {
        const kept = reservoir?.forPoint(point.attributes, point.startTime, point.endTime);
        text += histogram(name, point, scopeLabels, kept);
      }
      break;
    }
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      // No view of the service chooses this aggregation; the plain format leaves it out too.
      return "";
  }
  return text;
}

function histogram(
  name: string,
  point: DataPoint<Histogram>,
  scopeLabels: Attributes,
  exemplars: (Exemplar | undefined)[] | undefined,
): string {
  const { counts, boundaries } = point.value.buckets;
  let text = "";
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    const bound = boundaries[i];
    const le = bound === undefined || bound === Infinity ? "+Inf" : String(bound);
    const line = sample(`${name}_bucket`, point.attributes, { ...scopeLabels, le }, cumulative);
    const exemplar = exemplars?.[i];
    text += exemplar === undefined ? line : `${line.slice(0, -1)} ${exemplarText(exemplar)}\n`;
    if (le === "+Inf") break;
  }
  text += sample(`${name}_count`, point.attributes, scopeLabels, point.value.count);
  if (point.value.sum !== undefined) {
    text += sample(`${name}_sum`, point.attributes, scopeLabels, point.value.sum);
  }
  return text;
}

/** ` # {trace_id="…",span_id="…"} value timestamp`, the timestamp in seconds. */
function exemplarText({ traceId, spanId, value, timeMs }: Exemplar): string {
  return `# {trace_id="${traceId}",span_id="${spanId}"} ${number(value)} ${timeMs / 1000}`;
}

function sample(
  name: string,
  attributes: Attributes,
  more: Attributes | undefined,
  value: number,
): string {
  let labels = "";
  for (const set of [attributes, more]) {
    for (const key in set) {
      if (!Object.hasOwn(set, key)) continue;
      const raw = set[key];
      const text = typeof raw === "string" ? raw : JSON.stringify(raw) ?? "";
      labels += `${labels === "" ? "" : ","}${sanitize(key)}="${escapeText(text)}"`;
    }
  }
  return `${name}${labels === "" ? "" : `{${labels}}`} ${number(value)}\n`;
}

function number(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/** Metric and label names as `exporter-prometheus` makes them. */
function sanitize(name: string): string {
  return name.replace(/[^a-z0-9_]/gi, "_").replace(/_{2,}/g, "_");
}

/** OpenMetrics escapes backslash, newline and double quote in label values and help text. */
function escapeText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}
