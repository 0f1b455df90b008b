/**
 * @module deploy/grafana: two importable dashboards. otel-board.json's every query names metrics
 * and labels a live otel-board's `/metrics` exposes; otel-board.collector.json's every query names
 * metrics and labels of the committed Collector exposition, whose names are otel-board's real
 * instruments translated by the Collector's documented rules.
 */

import assert from "node:assert/strict";
import { allSignalsTo, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { parsePrometheusText, type PromFamily } from "../../testing/prometheus.ts";
import {
  exerciseEveryCounter,
  exportAfterEveryCounter,
  sendTo,
} from "../../testing/every_counter_traffic.ts";
import {
  checkReferences,
  type Dashboard,
  DASHBOARDS,
  loadDashboard,
  splitPanels,
  variableQuery,
} from "../../testing/grafana_dashboard.ts";
import {
  COLLECTOR_FIXTURE,
  COLLECTOR_VERSION,
  collectorFamily,
  collectorLabelsOf,
  FIXTURE_ENV,
} from "../../testing/collector_exposition.ts";

const VARIANTS = [
  { name: "direct", path: DASHBOARDS.direct, title: "otel-board" },
  { name: "collector", path: DASHBOARDS.collector, title: "otel-board (through the Collector)" },
] as const;

/** The metrics each variant must show, by the names its path serves. */
const REQUIRED = {
  direct: [
    "http_server_request_duration_bucket",
    "http_server_request_duration_count",
    "http_server_active_requests",
    "system_cpu_utilization",
    "system_memory_usage",
    "system_memory_utilization",
    "system_cpu_load_average_1m",
    "process_memory_usage",
    "v8js_memory_heap_used",
    "process_uptime",
    "db_client_operation_duration_bucket",
  ],
  collector: [
    "http_server_request_duration_seconds_bucket",
    "http_server_request_duration_seconds_count",
    "http_server_active_requests",
    "system_cpu_utilization_ratio",
    "system_memory_usage_bytes",
    "system_memory_utilization_ratio",
    "system_cpu_load_average_1m",
    "process_memory_usage_bytes",
    "v8js_memory_heap_used_bytes",
    "process_uptime_seconds",
    "db_client_operation_duration_seconds_bucket",
  ],
} as const;

/** Counters whose names both paths share: business events and telemetry health. */
const SHARED_COUNTERS = [
  "app_board_posts_created_total",
  "app_board_posts_updated_total",
  "app_board_posts_deleted_total",
  "app_accounts_registrations_total",
  "app_accounts_logins_total",
  "app_log_api_rows_written_total",
  "app_log_api_rows_failed_total",
  "app_telemetry_export_failures_total",
  "app_telemetry_dropped_total",
  "otel_sdk_processor_span_queue_size",
  "otel_sdk_processor_log_queue_size",
];

function familiesOf(text: string): Map<string, PromFamily> {
  return new Map(parsePrometheusText(text).map((f) => [f.name, f]));
}

function assertImportable(dashboard: Dashboard, title: string): void {
  assert.equal(typeof dashboard.uid, "string");
  assert.equal(dashboard.title, title);
  assert.ok((dashboard.schemaVersion ?? 0) >= 36, `schemaVersion ${dashboard.schemaVersion}`);
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
      const apart: boolean = grid.x + grid.w <= other.x || other.x + other.w <= grid.x ||
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
}

/** Every topic is shown: the variant's required names, quantiles by route, 5xx share, DB p95. */
function assertCoverage(dashboard: Dashboard, used: Set<string>, required: readonly string[]) {
  for (const name of [...required, ...SHARED_COUNTERS]) {
    assert.ok(used.has(name), `the dashboard shows ${name}`);
  }
  const { panels } = splitPanels(dashboard.panels);
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr!));
  for (const quantile of ["0.5", "0.95", "0.99"]) {
    assert.ok(
      exprs.some((e) =>
        e.startsWith(`histogram_quantile(${quantile}, sum by (le, http_route)`) &&
        e.includes(required[0]!)
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
      e.startsWith("histogram_quantile(0.95,") && /by \(le, db_query_summary\)/.test(e)
    ),
    "DB p95 by db.query.summary (the metric's statement key; no table for a join)",
  );
}

for (const variant of VARIANTS) {
  Deno.test(`The ${variant.name} Grafana dashboard is importable: schema, data source and job/instance variables, titled panels on a tidy grid`, () => {
    assertImportable(loadDashboard(variant.path), variant.title);
  });
}

Deno.test("Each dashboard says which path it is for and names the other", () => {
  const direct = loadDashboard(DASHBOARDS.direct).description ?? "";
  assert.match(direct, /\/metrics/);
  assert.match(direct, /otel-board\.collector\.json/);
  const collector = loadDashboard(DASHBOARDS.collector).description ?? "";
  assert.match(collector, /otel-collector\.yaml/);
  assert.match(collector, new RegExp(COLLECTOR_VERSION.replaceAll(".", "\\.")));
  assert.match(collector, /otel-board\.json/);
  const titles = (path: string) =>
    splitPanels(loadDashboard(path).panels).panels.map((p) => p.title);
  assert.deepEqual(titles(DASHBOARDS.collector), titles(DASHBOARDS.direct), "the same panels");
});

Deno.test("Every metric and label the direct-scrape dashboard queries is in a live otel-board's /metrics, and the panels cover every topic", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, { OTEL_METRICS_EXPORTER: "otlp,prometheus" }),
    dir.path,
  );
  await exerciseEveryCounter(sendTo(server.baseUrl));
  // The call-log rows are written in a batch shortly after the answers.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const response = await fetch(`${server.baseUrl}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.equal((await server.stop()).code, 0);

  const dashboard = loadDashboard(DASHBOARDS.direct);
  const { used, problems } = checkReferences(dashboard, familiesOf(text));
  assert.deepEqual(problems, []);
  assertCoverage(dashboard, used, REQUIRED.direct);
});

Deno.test("Every metric and label the Collector dashboard queries is in the committed Collector exposition, and the panels cover every topic", async () => {
  const dashboard = loadDashboard(DASHBOARDS.collector);
  const { used, problems } = checkReferences(
    dashboard,
    familiesOf(await Deno.readTextFile(COLLECTOR_FIXTURE)),
  );
  assert.deepEqual(problems, []);
  assertCoverage(dashboard, used, REQUIRED.collector);
});

Deno.test("The Collector exposition names exactly otel-board's exported instruments, translated by the Collector's rules, with their labels", async () => {
  const fixture = parsePrometheusText(await Deno.readTextFile(COLLECTOR_FIXTURE))
    .filter((f) => f.name !== "target_info");
  const shown = (families: { name: string; type: string; labels: Iterable<string> }[]) =>
    families.map((f) => `${f.name} (${f.type}) ${[...f.labels].sort().join(",")}`).sort();
  const expected = new Map<string, { name: string; type: string; labels: Set<string> }>();
  for (const metric of (await exportAfterEveryCounter(FIXTURE_ENV)).metrics) {
    const family = collectorFamily(metric);
    const entry = expected.get(family.name) ?? { ...family, labels: new Set<string>() };
    for (const label of collectorLabelsOf(metric)) entry.labels.add(label);
    expected.set(family.name, entry);
  }
  const actual = fixture.map((f) => ({
    name: f.name,
    type: f.type ?? "untyped",
    labels: new Set(f.samples.flatMap((s) => Object.keys(s.labels).filter((l) => l !== "le"))),
  }));
  assert.deepEqual(
    shown(actual),
    shown([...expected.values()]),
    "tests/fixtures/collector_metrics.prom is out of date: write it anew with " +
      "deno run -A --config deno.json testing/collector_exposition.ts",
  );
});
