/**
 * @module What the OpenTelemetry Collector's `prometheus` exporter would serve for otel-board's
 * metrics: every instrument a real otel-board exports over OTLP (to the independent receiver,
 * after traffic that moves every counter), written as that exporter's text exposition by the
 * rules of testing/collector_names.ts. Writes and checks tests/fixtures/collector_metrics.prom.
 */

import { join } from "node:path";
import { type AttrValue, type ReceivedMetric } from "./otlp_decode.ts";
import { exportAfterEveryCounter } from "./every_counter_traffic.ts";
import { ROOT } from "./root.ts";
import {
  collectorLabelName,
  type CollectorMetricKind,
  collectorMetricName,
  collectorMetricType,
} from "./collector_names.ts";

/** The committed exposition the Collector-shaped dashboard is checked against. */
export const COLLECTOR_FIXTURE: string = join(ROOT, "tests/fixtures/collector_metrics.prom");

/** The Collector release whose translation the fixture follows (see collector_names.ts). */
export const COLLECTOR_VERSION = "0.150.0";

/**
 * The settings the fixture is written under: the old semantic-convention names too, so any
 * instrument they add is in it.
 */
export const FIXTURE_ENV: Readonly<Record<string, string>> = Object.freeze({
  OTEL_SEMCONV_STABILITY_OPT_IN: "http/dup,database/dup",
});

/** How the exporter sees a received metric. */
export function kindOf(metric: ReceivedMetric): CollectorMetricKind {
  if (metric.type === "sum") return metric.monotonic ? "monotonic_sum" : "non_monotonic_sum";
  if (metric.type === "gauge" || metric.type === "histogram") return metric.type;
  throw new Error(`Cannot name ${metric.name}: otel-board exports no ${metric.type} metrics`);
}

/** The family name and `# TYPE` of a received metric on the Collector's exporter. */
export function collectorFamily(metric: ReceivedMetric): { name: string; type: string } {
  const kind = kindOf(metric);
  return {
    name: collectorMetricName({ name: metric.name, unit: metric.unit, kind }),
    type: collectorMetricType(kind),
  };
}

/**
 * A value as Go's strconv.FormatFloat(f, 'g', -1, 64) writes it (client_golang's format): the
 * shortest digits, in exponent form below 1e-4 and from 1e6 (`2.1450752e+07`).
 */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (value === 0) return "0";
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
}

function labelValue(value: AttrValue): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function labelText(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}="${labels[n]}"`).join(",")}}`;
}

/** The labels of a point: its attributes, its scope, its resource (as the shipped config asks). */
function pointLabels(metric: ReceivedMetric): Record<string, string> {
  const labels: Record<string, string> = {};
  const attributes = { ...metric.resource, ...metric.attributes };
  for (const [key, value] of Object.entries(attributes)) {
    labels[collectorLabelName(key)] = labelValue(value);
  }
  labels.otel_scope_name = metric.scope.name;
  labels.otel_scope_version = metric.scope.version;
  labels.otel_scope_schema_url = "";
  labels.job = String(metric.resource["service.name"] ?? "");
  labels.instance = String(metric.resource["service.instance.id"] ?? "");
  return labels;
}

/** The label names the Collector's exporter gives a point (`le` aside). */
export function collectorLabelsOf(metric: ReceivedMetric): string[] {
  return Object.keys(pointLabels(metric));
}

function sampleLines(name: string, metric: ReceivedMetric): string[] {
  const labels = pointLabels(metric);
  if (metric.type !== "histogram") {
    return [`${name}${labelText(labels)} ${goFloat(Number(metric.value))}`];
  }
  const bounds = metric.explicitBounds ?? [];
  const counts = (metric.bucketCounts ?? []).map(Number);
  let cumulative = 0;
  const lines = bounds.map((bound, i) => {
    cumulative += counts[i] ?? 0;
    return `${name}_bucket${labelText({ ...labels, le: goFloat(bound) })} ${cumulative}`;
  });
  lines.push(`${name}_bucket${labelText({ ...labels, le: "+Inf" })} ${Number(metric.count)}`);
  lines.push(`${name}_sum${labelText(labels)} ${goFloat(metric.sum ?? 0)}`);
  lines.push(`${name}_count${labelText(labels)} ${Number(metric.count)}`);
  return lines;
}

/**
 * The exposition the Collector's `prometheus` exporter (deploy/otel-collector.yaml:
 * `resource_to_telemetry_conversion` on) would serve for `metrics`, after `header` comment lines:
 * families sorted by name, `target_info` from the resource.
 */
export function collectorExposition(metrics: readonly ReceivedMetric[], header: string[]): string {
  const families = new Map<string, { type: string; help: string; lines: string[] }>();
  for (const metric of metrics) {
    const { name, type } = collectorFamily(metric);
    const family = families.get(name) ?? { type, help: metric.description, lines: [] };
    family.lines.push(...sampleLines(name, metric));
    families.set(name, family);
  }
  const resource = metrics[0]?.resource ?? {};
  const info: Record<string, string> = {
    job: String(resource["service.name"] ?? ""),
    instance: String(resource["service.instance.id"] ?? ""),
  };
  for (const [key, value] of Object.entries(resource)) {
    if (key === "service.name" || key === "service.instance.id") continue;
    info[collectorLabelName(key)] = labelValue(value);
  }
  families.set("target_info", {
    type: "gauge",
    help: "Target metadata",
    lines: [`target_info${labelText(info)} 1`],
  });
  const out = header.map((line) => `# ${line}`.trimEnd());
  for (const name of [...families.keys()].sort()) {
    const family = families.get(name)!;
    out.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`, ...family.lines);
  }
  return `${out.join("\n")}\n`;
}

/** The fixture's header: what it is, which rules and version, how to write it anew. */
export const FIXTURE_HEADER: readonly string[] = [
  "What the OpenTelemetry Collector's prometheus exporter serves for otel-board's metrics, written",
  `by the name rules of opentelemetry-collector-contrib v${COLLECTOR_VERSION} (its prometheus exporter`,
  "names with github.com/prometheus/otlptranslator v1.0.0, default UnderscoreEscapingWithSuffixes:",
  "unit suffixes such as _seconds and _bytes, _total on counters, _ratio on gauges of unit 1, units",
  "in braces dropped), with deploy/otel-collector.yaml's resource_to_telemetry_conversion.",
  "No Collector ran: testing/collector_exposition.ts wrote it from a real otel-board's OTLP export",
  "(independent receiver). Values are one run's; names, types and labels are what tests check.",
  "deploy/grafana/otel-board.collector.json is checked against it. Write it anew with",
  "  deno run -A --config deno.json testing/collector_exposition.ts",
  "",
];

if (import.meta.main) {
  const { metrics } = await exportAfterEveryCounter(FIXTURE_ENV);
  await Deno.writeTextFile(COLLECTOR_FIXTURE, collectorExposition(metrics, [...FIXTURE_HEADER]));
  await Deno.stdout.write(new TextEncoder().encode(`Wrote ${COLLECTOR_FIXTURE}\n`));
}
