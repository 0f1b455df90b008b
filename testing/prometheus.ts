/**
 * @module A strict parser of the Prometheus text exposition format 0.0.4 for tests, written
 * from the format description and independent of any Prometheus or OpenTelemetry library.
 *
 * Beyond the grammar it enforces the format's rules: one group of lines per family with its
 * `# HELP`/`# TYPE` (and OpenMetrics-style `# UNIT`, which `exporter-prometheus` writes)
 * before the samples, no duplicate series, histogram buckets with an `le` label in increasing
 * order, cumulative, ending in `le="+Inf"` equal to `_count`, and summary quantiles in
 * increasing order. Values follow Go's `ParseFloat` for decimal numbers, `NaN`, `+Inf` and
 * `-Inf` (hexadecimal floats are not accepted). A missing final line feed is tolerated,
 * as `exporter-prometheus` leaves it out when nothing is registered.
 */

/** A `# TYPE` value. */
export type PromType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

/** One sample line. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line has one. */
  timestamp?: number;
}

/** A metric family: its metadata and its samples (`_bucket`/`_sum`/`_count` included). */
export interface PromFamily {
  name: string;
  help?: string;
  /** Absent when the exposition has no `# TYPE` line for the family. */
  type?: PromType;
  unit?: string;
  samples: PromSample[];
}

/** A malformed exposition; `line` is 1-based. */
export class PrometheusParseError extends Error {
  /** The 1-based line the problem was found on. */
  readonly line: number;

  constructor(line: number, detail: string) {
    super(`Cannot parse Prometheus text: line ${line}: ${detail}`);
    this.name = "PrometheusParseError";
    this.line = line;
  }
}

const TYPES: ReadonlySet<string> = new Set([
  "counter",
  "gauge",
  "histogram",
  "summary",
  "untyped",
]);
const METRIC_NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const METADATA = /^[ \t]*#[ \t]+(HELP|TYPE|UNIT)(?=[ \t]|$)(.*)$/;
const METADATA_NAME = /^[ \t]+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
const INTEGER = /^[+-]?\d+$/;

interface Family extends PromFamily {
  readonly firstLine: number;
  /** The line of each sample, by index. */
  readonly lines: number[];
}

/** Parses a float as Go's ParseFloat does for decimals and the special values. */
function parseFloatToken(token: string): number | undefined {
  if (DECIMAL.test(token)) return Number(token);
  const infinity = INFINITY.exec(token);
  if (infinity) return infinity[1] === "-" ? -Infinity : Infinity;
  if (/^nan$/i.test(token)) return NaN;
  return undefined;
}

/** Undoes `\\` and `\n` (and `\"` when `quote`), rejecting any other escape. */
function unescape(text: string, quote: boolean, line: number): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char !== "\\") {
      out += char;
      continue;
    }
    const next = text[++i];
    if (next === "\\") out += "\\";
    else if (next === "n") out += "\n";
    else if (next === '"' && quote) out += '"';
    else throw new PrometheusParseError(line, `invalid escape sequence "\\${next ?? ""}"`);
  }
  return out;
}

function seriesKey(name: string, labels: Record<string, string>, without?: string): string {
  const entries = Object.entries(labels).filter(([key]) => key !== without);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${name}${JSON.stringify(entries)}`;
}

function showSeries(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return pairs.length > 0 ? `${name}{${pairs.join(",")}}` : name;
}

/** Whether a sample named `sample` is part of `family` (by the family's type). */
function owns(family: PromFamily, sample: string): boolean {
  const { name } = family;
  switch (family.type) {
    case "histogram":
      return sample === `${name}_bucket` || sample === `${name}_sum` ||
        sample === `${name}_count`;
    case "summary":
      return sample === name || sample === `${name}_sum` || sample === `${name}_count`;
    default:
      return sample === name;
  }
}

interface Bound {
  readonly bound: number;
  readonly value: number;
  readonly line: number;
}

/**
 * Checks the `le` (histogram) or `quantile` (summary) samples of a family: present, numeric,
 * increasing per series; for histograms also cumulative and closed by `+Inf` = `_count`.
 */
function checkBounds(family: Family): void {
  const histogram = family.type === "histogram";
  const label = histogram ? "le" : "quantile";
  const boundSample = histogram ? `${family.name}_bucket` : family.name;
  const series = new Map<string, { firstLine: number; bounds: Bound[]; count?: Bound }>();
  family.samples.forEach((sample, i) => {
    const line = family.lines[i]!;
    const key = seriesKey("", sample.labels, label);
    let entry = series.get(key);
    if (entry === undefined) {
      entry = { firstLine: line, bounds: [] };
      series.set(key, entry);
    }
    if (sample.name !== boundSample) {
      if (label in sample.labels) {
        throw new PrometheusParseError(line, `${sample.name} must not have a ${label} label`);
      }
      if (sample.name === `${family.name}_count`) {
        entry.count = { bound: NaN, value: sample.value, line };
      }
      return;
    }
    const text = sample.labels[label];
    if (text === undefined) {
      throw new PrometheusParseError(line, `${sample.name} has no ${label} label`);
    }
    const bound = parseFloatToken(text);
    if (bound === undefined || Number.isNaN(bound)) {
      throw new PrometheusParseError(line, `${label} label "${text}" is not a number`);
    }
    const previous = entry.bounds.at(-1);
    if (previous !== undefined && !(bound > previous.bound)) {
      throw new PrometheusParseError(
        line,
        `${label}="${text}" comes after ${label}="${previous.bound}": ${label} values must increase`,
      );
    }
    if (histogram && previous !== undefined && sample.value < previous.value) {
      throw new PrometheusParseError(
        line,
        `bucket le="${text}" holds ${sample.value}, less than the ${previous.value} below it: ` +
          "buckets must be cumulative",
      );
    }
    entry.bounds.push({ bound, value: sample.value, line });
  });
  if (!histogram) return;
  for (const { firstLine, bounds, count } of series.values()) {
    const infinity = bounds.find((b) => b.bound === Infinity);
    if (infinity === undefined) {
      throw new PrometheusParseError(
        firstLine,
        `histogram ${family.name} has a series without an le="+Inf" bucket`,
      );
    }
    if (count !== undefined && !Object.is(count.value, infinity.value)) {
      throw new PrometheusParseError(
        Math.max(count.line, infinity.line),
        `${family.name}_count is ${count.value} but the le="+Inf" bucket is ${infinity.value}`,
      );
    }
  }
}

function publicFamily({ name, help, type, unit, samples }: Family): PromFamily {
  return {
    name,
    ...(help === undefined ? {} : { help }),
    ...(type === undefined ? {} : { type }),
    ...(unit === undefined ? {} : { unit }),
    samples,
  };
}

/** Parses one sample line (after any leading blanks). */
function parseSampleLine(text: string, line: number): PromSample {
  function fail(detail: string): never {
    throw new PrometheusParseError(line, detail);
  }
  let pos = /^[ \t]*/.exec(text)![0].length;
  const skipBlanks = () => {
    while (text[pos] === " " || text[pos] === "\t") pos++;
  };
  METRIC_NAME.lastIndex = pos;
  const nameMatch = METRIC_NAME.exec(text);
  if (nameMatch === null) fail(`expected a metric name, got "${text.slice(pos)}"`);
  const name = nameMatch[0];
  pos += name.length;
  const afterName = pos;
  skipBlanks();
  const labels: Record<string, string> = {};
  if (text[pos] !== "{") pos = afterName;
  else {
    pos++;
    for (;;) {
      skipBlanks();
      if (text[pos] === "}") break;
      LABEL_NAME.lastIndex = pos;
      const labelMatch = LABEL_NAME.exec(text);
      if (labelMatch === null) fail(`expected a label name at column ${pos + 1}`);
      const label = labelMatch[0];
      pos += label.length;
      skipBlanks();
      if (text[pos] !== "=") fail(`expected "=" after label ${label}`);
      pos++;
      skipBlanks();
      if (text[pos] !== '"') fail(`expected a quoted value for label ${label}`);
      const start = ++pos;
      while (pos < text.length && text[pos] !== '"') pos += text[pos] === "\\" ? 2 : 1;
      if (pos >= text.length) fail(`label ${label} has an unterminated value`);
      if (Object.hasOwn(labels, label)) fail(`label ${label} appears twice`);
      labels[label] = unescape(text.slice(start, pos), true, line);
      pos++;
      skipBlanks();
      if (text[pos] === ",") {
        pos++;
        continue;
      }
      if (text[pos] !== "}") fail(`expected "," or "}" after label ${label}`);
      break;
    }
    pos++;
  }
  if (text[pos] !== " " && text[pos] !== "\t") {
    fail(`expected a blank and a value after ${name}, got "${text.slice(pos)}"`);
  }
  const tokens = text.slice(pos).trim().split(/[ \t]+/);
  if (tokens.length > 2 || tokens[0] === "") {
    fail(`expected a value and an optional timestamp, got "${text.slice(pos).trim()}"`);
  }
  const value = parseFloatToken(tokens[0]!);
  if (value === undefined) fail(`value "${tokens[0]}" is not a number`);
  const sample: PromSample = { name, labels, value };
  if (tokens[1] !== undefined) {
    const timestamp = INTEGER.test(tokens[1]) ? Number(tokens[1]) : NaN;
    if (!Number.isSafeInteger(timestamp)) fail(`timestamp "${tokens[1]}" is not an integer`);
    sample.timestamp = timestamp;
  }
  return sample;
}

/**
 * Parses a Prometheus text exposition (format 0.0.4).
 *
 * @returns the families in the order they appear.
 * @throws {PrometheusParseError} naming the line of the first malformed or misplaced line.
 */
export function parsePrometheusText(text: string): PromFamily[] {
  const families = new Map<string, Family>();
  const seriesLines = new Map<string, number>();
  const sampleNameLines = new Map<string, number>();
  let current: Family | undefined;

  const startFamily = (name: string, line: number): Family => {
    if (current?.type === "histogram" || current?.type === "summary") checkBounds(current);
    current = { name, samples: [], firstLine: line, lines: [] };
    families.set(name, current);
    return current;
  };

  const familyForMetadata = (name: string, keyword: string, line: number): Family => {
    if (current?.name === name) {
      if (current.samples.length > 0) {
        throw new PrometheusParseError(line, `# ${keyword} ${name} comes after its samples`);
      }
      return current;
    }
    const earlier = families.get(name);
    if (earlier !== undefined) {
      throw new PrometheusParseError(
        line,
        `# ${keyword} ${name} is apart from the family's other lines (from line ${earlier.firstLine})`,
      );
    }
    return startFamily(name, line);
  };

  const familyForSample = (name: string, line: number): Family => {
    if (current !== undefined && owns(current, name)) return current;
    for (const family of families.values()) {
      if (owns(family, name)) {
        throw new PrometheusParseError(
          line,
          `sample ${name} is apart from its family ${family.name} (from line ${family.firstLine})`,
        );
      }
    }
    const named = families.get(name);
    if (named !== undefined) {
      throw new PrometheusParseError(
        line,
        `sample ${name} cannot belong to ${named.type} ${name} (from line ${named.firstLine})`,
      );
    }
    return startFamily(name, line);
  };

  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (/^[ \t]*$/.test(raw)) return;
    const metadata = METADATA.exec(raw);
    if (metadata === null) {
      if (/^[ \t]*#/.test(raw)) return; // a plain comment
      const sample = parseSampleLine(raw, line);
      const family = familyForSample(sample.name, line);
      const key = seriesKey(sample.name, sample.labels);
      const first = seriesLines.get(key);
      if (first !== undefined) {
        throw new PrometheusParseError(
          line,
          `duplicate series ${showSeries(sample.name, sample.labels)} (first on line ${first})`,
        );
      }
      seriesLines.set(key, line);
      if (!sampleNameLines.has(sample.name)) sampleNameLines.set(sample.name, line);
      family.samples.push(sample);
      family.lines.push(line);
      return;
    }
    const keyword = metadata[1]!;
    const rest = METADATA_NAME.exec(metadata[2]!);
    if (rest === null) {
      throw new PrometheusParseError(line, `# ${keyword} needs a valid metric name`);
    }
    const name = rest[1]!;
    const argument = rest[2] ?? "";
    const family = familyForMetadata(name, keyword, line);
    if (keyword === "HELP") {
      if (family.help !== undefined) {
        throw new PrometheusParseError(line, `second # HELP for ${name}`);
      }
      family.help = unescape(argument, false, line);
    } else if (keyword === "UNIT") {
      if (family.unit !== undefined) {
        throw new PrometheusParseError(line, `second # UNIT for ${name}`);
      }
      family.unit = unescape(argument, false, line);
    } else {
      const type = argument.trim();
      if (!TYPES.has(type)) {
        throw new PrometheusParseError(
          line,
          `# TYPE ${name} has unknown type "${type}"; expected one of ${[...TYPES].join(", ")}`,
        );
      }
      if (family.type !== undefined) {
        throw new PrometheusParseError(line, `second # TYPE for ${name}`);
      }
      family.type = type as PromType;
      for (const owned of [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]) {
        const seen = sampleNameLines.get(owned);
        if (seen !== undefined && owns(family, owned)) {
          throw new PrometheusParseError(
            line,
            `# TYPE ${name} comes after its sample ${owned} on line ${seen}`,
          );
        }
      }
    }
  });
  if (current?.type === "histogram" || current?.type === "summary") checkBounds(current);
  return [...families.values()].map(publicFamily);
}
