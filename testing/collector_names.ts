/**
 * @module The names the OpenTelemetry Collector's `prometheus` exporter gives OTLP metrics and
 * attributes, written from its documented translation so tests can check a dashboard written for
 * that path without running a Collector.
 *
 * The version followed is opentelemetry-collector-contrib v0.150.0: its `prometheus` exporter
 * builds names with github.com/prometheus/otlptranslator v1.0.0 (`MetricNamer` with metric
 * suffixes, `LabelNamer` without UTF-8: the default `UnderscoreEscapingWithSuffixes`), which
 * carries the rules of contrib's `pkg/translator/prometheus` ("Full normalization" in its
 * README): the name split into tokens of `[a-zA-Z0-9:]`, the unit's main part mapped (`s` →
 * `seconds`, `By` → `bytes`, …) and appended unless a name token already says it, a `/x` part
 * appended as `per_{x}`, units in braces (`{request}`) dropped, `total` moved to the end of a
 * monotonic sum's name, `ratio` appended to a gauge of unit `1`, a leading digit prefixed `_`.
 */

/** How the exporter sees an OTLP metric (otlptranslator's MetricType). */
export type CollectorMetricKind =
  | "gauge"
  | "monotonic_sum"
  | "non_monotonic_sum"
  | "histogram";

/** An OTLP metric's name, unit and kind. */
export interface OtlpInstrument {
  readonly name: string;
  readonly unit: string;
  readonly kind: CollectorMetricKind;
}

/** Main units as otlptranslator v1.0.0's unitMap writes them. */
const UNITS: Readonly<Record<string, string>> = {
  d: "days",
  h: "hours",
  min: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  TiBy: "tibibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  TBy: "terabytes",
  m: "meters",
  V: "volts",
  A: "amperes",
  J: "joules",
  W: "watts",
  g: "grams",
  Cel: "celsius",
  Hz: "hertz",
  "1": "",
  "%": "percent",
};

/** "Per" units (singular), as its perUnitMap writes them. */
const PER_UNITS: Readonly<Record<string, string>> = {
  s: "second",
  m: "minute",
  h: "hour",
  d: "day",
  w: "week",
  mo: "month",
  y: "year",
};

/** Characters a legacy Prometheus metric name keeps (the exporter splits on all others). */
const INVALID_METRIC_CHARS = /[^a-zA-Z0-9:]+/;

/** A unit part with invalid characters turned to `_`, underscores collapsed, no leading `_`. */
function cleanUpUnit(unit: string): string {
  return unit.replace(/[^a-zA-Z0-9:]/g, "_").replace(/_+/g, "_").replace(/^_/, "");
}

/** The main and `per_…` suffixes of a unit, before clean-up (empty when in braces or blank). */
function unitSuffixes(unit: string): { main: string; per: string } {
  const slash = unit.indexOf("/");
  const mainPart = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perPart = slash < 0 ? "" : unit.slice(slash + 1);
  const main = mainPart !== "" && !/[{}]/.test(mainPart) ? UNITS[mainPart] ?? mainPart : "";
  let per = "";
  if (perPart !== "") {
    const trimmed = perPart.trim();
    if (trimmed !== "" && !/[{}]/.test(trimmed)) per = PER_UNITS[trimmed] ?? trimmed;
    if (per !== "") per = `per_${per}`;
  }
  return { main, per };
}

/**
 * The metric family name the Collector's `prometheus` exporter (contrib v0.150.0, default
 * translation) serves for `instrument`; a histogram's series add `_bucket`, `_sum`, `_count`.
 * @throws Error when the name normalises to nothing, as the exporter refuses it
 */
export function collectorMetricName(instrument: OtlpInstrument): string {
  let tokens = instrument.name.split(INVALID_METRIC_CHARS).filter((t) => t !== "");
  const suffixes = unitSuffixes(instrument.unit);
  let main = cleanUpUnit(suffixes.main);
  let per = cleanUpUnit(suffixes.per);
  if (tokens.includes(main)) main = "";
  if (per === "per_") per = "";
  else {
    per = per.replace(/_$/, "");
    if (tokens.includes(per)) per = "";
  }
  if (per !== "") main = main.replace(/_$/, "");
  if (main !== "") tokens.push(main);
  if (per !== "") tokens.push(per);
  if (instrument.kind === "monotonic_sum") {
    tokens = [...tokens.filter((t) => t !== "total"), "total"];
  }
  if (instrument.unit === "1" && instrument.kind === "gauge") {
    tokens = [...tokens.filter((t) => t !== "ratio"), "ratio"];
  }
  let name = tokens.join("_");
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (name === "" || /^_+$/.test(name)) {
    throw new Error(`Cannot name metric "${instrument.name}": it normalises to "${name}"`);
  }
  return name;
}

/**
 * The `# TYPE` the exporter writes: a monotonic sum is a counter, a non-monotonic sum (an
 * UpDownCounter) a gauge, as it keeps them.
 */
export function collectorMetricType(kind: CollectorMetricKind): "counter" | "gauge" | "histogram" {
  if (kind === "monotonic_sum") return "counter";
  return kind === "histogram" ? "histogram" : "gauge";
}

/**
 * The label an attribute becomes (otlptranslator v1.0.0's LabelNamer without UTF-8): every
 * character outside `[a-zA-Z0-9_]` turned to `_`, runs of underscores collapsed (a leading `__`
 * kept), `key_` before a leading digit.
 * @throws Error when the name is empty or only underscores
 */
export function collectorLabelName(attribute: string): string {
  if (attribute === "") throw new Error("Cannot name a label: the attribute name is empty");
  const reserved = /^__.*__$/.test(attribute);
  const inner = reserved ? attribute.slice(2, -2) : attribute;
  let label = inner.replace(/[^a-zA-Z0-9_]/g, "_").replace(/_+/g, "_");
  if (reserved) label = `__${label}__`;
  if (/^[0-9]/.test(label)) label = `key_${label}`;
  if (/^_+$/.test(label)) {
    throw new Error(`Cannot name a label: "${attribute}" normalises to "${label}"`);
  }
  return label;
}
