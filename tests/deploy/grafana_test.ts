/**
 * @module deploy/grafana/otel-board.json: an importable dashboard whose every query names
 * metrics and labels that a live otel-board's `/metrics` actually exposes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../../testing/root.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { parsePrometheusText, type PromFamily } from "../../testing/prometheus.ts";

const DASHBOARD = join(ROOT, "deploy/grafana/otel-board.json");

interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly format?: string;
  readonly legendFormat?: string;
  readonly datasource?: { type?: string; uid?: string };
}

interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly gridPos?: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: Target[];
  readonly panels?: Panel[];
}

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { query?: string };
  readonly datasource?: { type?: string; uid?: string };
}

interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly description?: string;
  readonly schemaVersion?: number;
  readonly panels: Panel[];
  readonly templating: { list: Variable[] };
}

function loadDashboard(): Dashboard {
  return JSON.parse(Deno.readTextFileSync(DASHBOARD)) as Dashboard;
}

/** The rows, and the panels that show data (those of collapsed rows included). */
function splitPanels(panels: Panel[]): { rows: Panel[]; panels: Panel[] } {
  const rows = panels.filter((p) => p.type === "row");
  const shown = panels.flatMap((p) => p.type === "row" ? (p.panels ?? []) : [p]);
  return { rows, panels: shown };
}

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

/** The family a sample or family name belongs to, if `/metrics` has it. */
function familyOf(families: Map<string, PromFamily>, name: string): PromFamily | undefined {
  const direct = families.get(name);
  if (direct !== undefined) return direct;
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (suffix !== null) {
    const family = families.get(name.slice(0, suffix.index));
    const histogram = family?.type === "histogram";
    const summary = family?.type === "summary" && suffix[1] !== "bucket";
    if (histogram || summary) return family;
  }
  return [...families.values()].find((f) => f.samples.some((s) => s.name === name));
}

/** The label names `name`'s samples carry, plus those Prometheus adds when it scrapes. */
function labelsOf(family: PromFamily, name: string): Set<string> {
  const labels = new Set(["job", "instance"]);
  for (const sample of family.samples) {
    if (sample.name !== name && family.name !== name) continue;
    for (const label of Object.keys(sample.labels)) labels.add(label);
  }
  return labels;
}

function variableQuery(variable: Variable): string {
  return typeof variable.query === "string" ? variable.query : variable.query?.query ?? "";
}

Deno.test("The PromQL reference finder skips functions, keywords, labels, strings, ranges and variables", () => {
  const refs = promqlRefs(
    'histogram_quantile(0.95, sum by (le, http_route) (rate(http_server_request_duration_bucket{job=~"$job",le!="+Inf"}[$__rate_interval] offset 1h)))',
  );
  assert.deepEqual(refs.metrics, ["http_server_request_duration_bucket"]);
  assert.deepEqual([...refs.matcherLabels.get("http_server_request_duration_bucket")!], [
    "job",
    "le",
  ]);
  assert.deepEqual([...refs.groupingLabels], ["le", "http_route"]);

  const joined = promqlRefs(
    'sum(rate(a_total[5m:1m])) without (x) / on(instance) group_left(version) b > bool 1e-3 or vector(0) unless label_replace(c, "d", "{e}", "f", "(g)") and Inf < NaN',
  );
  assert.deepEqual(joined.metrics, ["a_total", "b", "c"]);
  assert.deepEqual([...joined.groupingLabels], ["x", "instance", "version"]);

  assert.deepEqual(promqlRefs("count_values(\"v\", topk(3, m:rule{a='b'})) @ start()").metrics, [
    "m:rule",
  ]);
  assert.deepEqual(promqlRefs("sum(x) by (le) # a comment naming y\n+ ${var:raw}").metrics, ["x"]);
});

Deno.test("The Grafana dashboard is importable: schema, data source and job/instance variables, titled panels on a tidy grid", () => {
  const dashboard = loadDashboard();
  assert.equal(typeof dashboard.uid, "string");
  assert.equal(dashboard.title, "otel-board");
  assert.ok((dashboard.schemaVersion ?? 0) >= 36, `schemaVersion ${dashboard.schemaVersion}`);
  assert.match(dashboard.description ?? "", /\/metrics/);
  assert.match(dashboard.description ?? "", /_seconds/, "says the Collector's names differ");

  const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  const datasource = variables.get("datasource");
  assert.equal(datasource?.type, "datasource");
  assert.equal(datasource?.query, "prometheus");
  for (const name of ["job", "instance"]) {
    const variable = variables.get(name);
    assert.equal(variable?.type, "query", `${name} is a query variable`);
    assert.equal(variable?.datasource?.uid, "${datasource}");
    assert.match(variableQuery(variable!), new RegExp(`^label_values\\(.*, ${name}\\)$`));
  }

  const { rows, panels } = splitPanels(dashboard.panels);
  assert.ok(panels.length >= 10, `${panels.length} panels`);
  for (const row of rows) assert.ok((row.title ?? "") !== "", "every row has a title");
  const ids = [...rows, ...panels].map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, `panel ids are unique: ${ids}`);
  const placed: { title: string; x: number; y: number; w: number; h: number }[] = [];
  for (const panel of [...rows, ...panels]) {
    const title = panel.title ?? "";
    const grid = panel.gridPos;
    assert.ok(grid !== undefined, `"${title}" has a gridPos`);
    assert.ok(grid.x >= 0 && grid.w > 0 && grid.x + grid.w <= 24, `"${title}" fits 24 columns`);
    for (const other of placed) {
      const apart = grid.x + grid.w <= other.x || other.x + other.w <= grid.x ||
        grid.y + grid.h <= other.y || other.y + other.h <= grid.y;
      assert.ok(apart, `"${title}" overlaps "${other.title}"`);
    }
    placed.push({ title, ...grid });
  }
  for (const panel of panels) {
    const title = panel.title ?? "";
    assert.notEqual(title.trim(), "", `panel ${panel.id} has a title`);
    assert.equal(panel.datasource?.uid, "${datasource}", `"${title}" uses the chosen data source`);
    const targets = panel.targets ?? [];
    assert.ok(targets.length > 0, `"${title}" has a target`);
    for (const target of targets) {
      assert.notEqual((target.expr ?? "").trim(), "", `"${title}" ${target.refId} has an expr`);
      assert.equal(target.datasource?.uid, "${datasource}");
      assert.match(target.expr!, /job=~"\$job",instance=~"\$instance"/, `"${title}" filters`);
    }
  }
  const heatmap = panels.find((p) => p.type === "heatmap");
  assert.ok(heatmap !== undefined, "a latency heatmap");
  assert.ok(heatmap.targets!.every((t) => t.format === "heatmap"));
  assert.match(heatmap.targets![0]!.expr!, /http_server_request_duration_bucket/);
});

Deno.test("Every metric and label the dashboard queries is in a live otel-board's /metrics, and the panels cover every topic", async () => {
  const dashboard = loadDashboard();
  await using dir = await tempDir();
  await using server = await startServer({ OTEL_METRICS_EXPORTER: "prometheus" }, dir.path);
  for (const path of ["/board/5", "/board/5", "/board/5", "/no-such-page"]) {
    await (await fetch(`${server.baseUrl}${path}`)).body?.cancel();
  }
  // The call-log rows are written in a batch shortly after the answers.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const response = await fetch(`${server.baseUrl}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.equal((await server.stop()).code, 0);
  const families = new Map(parsePrometheusText(text).map((f) => [f.name, f]));

  const used = new Set<string>();
  const { panels } = splitPanels(dashboard.panels);
  for (const panel of panels) {
    for (const target of panel.targets ?? []) {
      const expr = target.expr!;
      const refs = promqlRefs(expr);
      assert.ok(refs.metrics.length > 0, `"${panel.title}": ${expr} names a metric`);
      const available = new Set<string>();
      for (const name of refs.metrics) {
        used.add(name);
        const family = familyOf(families, name);
        assert.ok(family !== undefined, `"${panel.title}": ${name} is not in /metrics`);
        const labels = labelsOf(family, name);
        for (const label of labels) available.add(label);
        for (const label of refs.matcherLabels.get(name)!) {
          assert.ok(labels.has(label), `"${panel.title}": ${name} has no label ${label}`);
        }
      }
      for (const label of refs.groupingLabels) {
        assert.ok(available.has(label), `"${panel.title}": no metric of ${expr} has ${label}`);
      }
    }
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === "query")) {
    const metric = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(variableQuery(variable));
    assert.ok(metric !== null, `variable ${variable.name} reads label values of a metric`);
    assert.ok(familyOf(families, metric[1]!), `variable ${variable.name}: ${metric[1]} exists`);
  }

  for (
    const required of [
      "http_server_request_duration_bucket",
      "http_server_request_duration_count",
      "system_cpu_utilization",
      "system_memory_usage",
      "system_memory_utilization",
      "system_cpu_load_average_1m",
      "system_cpu_load_average_5m",
      "system_cpu_load_average_15m",
      "db_client_operation_duration_bucket",
      "app_log_api_rows_written_total",
      "app_log_api_rows_failed_total",
      "app_telemetry_export_failures_total",
      "app_telemetry_dropped_total",
      "process_memory_usage",
      "v8js_memory_heap_used",
    ]
  ) {
    assert.ok(used.has(required), `the dashboard shows ${required}`);
  }
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr!));
  for (const quantile of ["0.5", "0.95", "0.99"]) {
    assert.ok(
      exprs.some((e) =>
        e.startsWith(`histogram_quantile(${quantile}, sum by (le, http_route)`) &&
        e.includes("http_server_request_duration_bucket")
      ),
      `request duration p${Number(quantile) * 100} by route`,
    );
  }
  assert.ok(
    exprs.some((e) => e.includes('http_response_status_code=~"5.."')),
    "an error rate from 5xx answers",
  );
  assert.ok(
    exprs.some((e) =>
      e.startsWith("histogram_quantile(0.95,") &&
      /by \(le, db_operation_name, db_collection_name\)/.test(e)
    ),
    "DB p95 by operation and table",
  );
});
