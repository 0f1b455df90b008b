/**
 * @module Finds the metric names and labels a PromQL expression refers to, so tests can check a
 * Grafana dashboard's queries against an exposition without running Prometheus.
 */

/** What a PromQL expression refers to. */
export interface PromqlRefs {
  /** Metric names, in order of appearance, each once. */
  readonly metrics: string[];
  /** The label names each metric's `{…}` matchers use. */
  readonly matcherLabels: Map<string, Set<string>>;
  /** The labels of `by`, `without`, `on`, `ignoring`, `group_left` and `group_right` lists. */
  readonly groupingLabels: Set<string>;
}

/** Aggregation operators, binary operators, modifiers and literals that read as identifiers. */
const KEYWORDS: ReadonlySet<string> = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
  "limitk",
  "limit_ratio",
  "and",
  "or",
  "unless",
  "atan2",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

/** Keywords followed by a parenthesised list of label names. */
const GROUPING: ReadonlySet<string> = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
]);

const IDENTIFIER = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;

/**
 * Finds the metric names (and the labels) a PromQL expression uses: identifiers that are not
 * functions (followed by `(`), keywords, label names inside `{…}` or grouping lists, string
 * contents, range and subquery brackets, numbers, durations, or Grafana `$variables`.
 */
export function promqlRefs(expr: string): PromqlRefs {
  const metrics: string[] = [];
  const matcherLabels = new Map<string, Set<string>>();
  const groupingLabels = new Set<string>();
  let pos = 0;
  let lastMetric: string | undefined;

  const skipBlanks = () => {
    while (pos < expr.length && /\s/.test(expr[pos]!)) pos++;
  };
  const skipString = () => {
    const quote = expr[pos]!;
    pos++;
    while (pos < expr.length && expr[pos] !== quote) {
      pos += expr[pos] === "\\" && quote !== "`" ? 2 : 1;
    }
    if (pos >= expr.length) throw new Error(`Unterminated string in ${expr}`);
    pos++;
  };
  const identifier = (): string | undefined => {
    IDENTIFIER.lastIndex = pos;
    const match = IDENTIFIER.exec(expr);
    if (match === null) return undefined;
    pos += match[0].length;
    return match[0];
  };
  /** Reads `{…}` (the opening brace at `pos`), answering the label names it matches on. */
  const matchers = (): string[] => {
    const labels: string[] = [];
    pos++;
    for (;;) {
      skipBlanks();
      const char = expr[pos];
      if (char === undefined) throw new Error(`Unterminated {…} in ${expr}`);
      if (char === "}") {
        pos++;
        return labels;
      }
      if (char === '"' || char === "'" || char === "`") skipString();
      else {
        const name = identifier();
        if (name !== undefined) labels.push(name);
        else pos++;
      }
    }
  };

  while (pos < expr.length) {
    const char = expr[pos]!;
    if (/\s/.test(char)) {
      pos++;
      continue;
    }
    if (char === "#") {
      while (pos < expr.length && expr[pos] !== "\n") pos++;
      continue;
    }
    if (char === '"' || char === "'" || char === "`") {
      skipString();
      lastMetric = undefined;
      continue;
    }
    if (char === "{") {
      const labels = matchers();
      if (lastMetric !== undefined) {
        for (const label of labels) matcherLabels.get(lastMetric)!.add(label);
      }
      lastMetric = undefined;
      continue;
    }
    if (char === "[") {
      // A range or subquery: durations and Grafana variables only.
      const end = expr.indexOf("]", pos);
      if (end < 0) throw new Error(`Unterminated […] in ${expr}`);
      pos = end + 1;
      lastMetric = undefined;
      continue;
    }
    if (char === "$") {
      // A Grafana variable: $name, ${name} or ${name:format}.
      pos++;
      if (expr[pos] === "{") pos = expr.indexOf("}", pos) + 1 || expr.length;
      else identifier();
      lastMetric = undefined;
      continue;
    }
    if (/[0-9.]/.test(char)) {
      // A number or duration (0.95, 1e3, 0x1f, 5m, 1h30m).
      while (pos < expr.length && /[0-9a-zA-Z_.]/.test(expr[pos]!)) pos++;
      lastMetric = undefined;
      continue;
    }
    const name = identifier();
    if (name === undefined) {
      pos++; // an operator or punctuation
      lastMetric = undefined;
      continue;
    }
    lastMetric = undefined;
    const keyword = name.toLowerCase();
    skipBlanks();
    if (GROUPING.has(keyword)) {
      if (expr[pos] === "(") {
        const end = expr.indexOf(")", pos);
        if (end < 0) throw new Error(`Unterminated ${name}(…) in ${expr}`);
        for (const label of expr.slice(pos + 1, end).split(",")) {
          if (label.trim() !== "") groupingLabels.add(label.trim());
        }
        pos = end + 1;
      }
      continue;
    }
    if (KEYWORDS.has(keyword) || expr[pos] === "(") continue;
    if (!matcherLabels.has(name)) {
      metrics.push(name);
      matcherLabels.set(name, new Set());
    }
    lastMetric = name;
  }
  return { metrics, matcherLabels, groupingLabels };
}
