/**
 * @module deploy/prometheus/prometheus.yml checked by promtool and run by a real Prometheus that
 * scrapes a real otel-board; every query of the direct-scrape Grafana dashboard is run against
 * what it scraped and must answer data.
 */

import { replaceOnce } from "../../testing/replace_once.ts";
import assert from "node:assert/strict";
import { poll } from "../../testing/poll.ts";
import { join } from "node:path";
import { ROOT } from "../../testing/root.ts";
import { startServer } from "../../testing/server_process.ts";
import { allSignalsTo, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { exerciseEveryCounter, sendTo } from "../../testing/every_counter_traffic.ts";
import { DASHBOARDS, loadDashboard, splitPanels } from "../../testing/grafana_dashboard.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import {
  PROMETHEUS_POLL,
  prometheusAvailable,
  type PromSeries,
  promtool,
  startPrometheus,
} from "../../testing/prometheus_server.ts";

const CONFIG = join(ROOT, "deploy/prometheus/prometheus.yml");
const REQUESTS = 5;

/**
 * The shipped config with only the target port and the scrape and evaluation intervals (1 s)
 * changed; each replacement must match exactly once.
 */
function testConfig(shipped: string, port: number): string {
  let config = replaceOnce(shipped, "scrape_interval: 15s", "scrape_interval: 1s");
  config = replaceOnce(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
  return replaceOnce(config, 'targets: ["127.0.0.1:5000"]', `targets: ["127.0.0.1:${port}"]`);
}

/** The first series of `promql` once it has one whose value passes `ready`. */
function seriesWhen(
  query: (promql: string) => Promise<PromSeries[]>,
  promql: string,
  ready: (series: PromSeries[]) => boolean,
): Promise<PromSeries[]> {
  return poll(async () => {
    const series = await query(promql);
    return ready(series) ? series : undefined;
  }, { ...PROMETHEUS_POLL, what: `${promql} to be answered` });
}

/** A dashboard query as Grafana sends it for job otel-board, all instances, a 1 s scrape. */
function asGrafanaSends(expr: string): string {
  return expr.replaceAll("$__rate_interval", "5s").replaceAll("$instance", ".*")
    .replaceAll("$job", "otel-board");
}

Deno.test("promtool check config passes on deploy/prometheus/prometheus.yml", async () => {
  if (!await prometheusAvailable()) return;
  const { code, output } = await promtool(["check", "config", CONFIG]);
  assert.equal(code, 0, output);
  assert.match(output, /SUCCESS/);
});

Deno.test("Prometheus with the shipped scrape config collects otel-board's request histogram, per-core CPU and up; every query of the direct-scrape dashboard answers data", async (t) => {
  if (!await prometheusAvailable()) return;
  await using serverDir = await tempDir();
  await using prometheusDir = await tempDir();
  // Every signal exported over OTLP too, so the SDK's own queue metrics are on /metrics.
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, { OTEL_METRICS_EXPORTER: "otlp,prometheus" }),
    serverDir.path,
  );
  const config = testConfig(await Deno.readTextFile(CONFIG), server.port);
  await using prometheus = await startPrometheus(config, prometheusDir.path);
  const { query } = prometheus;
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fetch(`${server.baseUrl}/board/5`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
  // A request no route matches: its series has no http_route label.
  await (await fetch(`${server.baseUrl}/no-such-page`)).body?.cancel();

  await t.step('up{job="otel-board"} is 1 for the substituted target', async () => {
    const [up] = await seriesWhen(query, 'up{job="otel-board"}', (s) => s[0]?.value === "1");
    assert.equal(up?.metric.instance, `127.0.0.1:${server.port}`);
  });

  await t.step('the le="+Inf" bucket of GET /board/:count counts every request', async () => {
    const series = await seriesWhen(
      query,
      'http_server_request_duration_bucket{job="otel-board",http_route="/board/:count",le="+Inf"}',
      (s) => s.length > 0 && Number(s[0]!.value) >= REQUESTS,
    );
    assert.equal(series.length, 1, JSON.stringify(series));
    assert.equal(Number(series[0]!.value), REQUESTS);
    assert.equal(series[0]!.metric.http_request_method, "GET");
    assert.equal(series[0]!.metric.http_response_status_code, "200");
  });

  await t.step(
    "system_cpu_utilization has one series per logical CPU, each from 0 to 1",
    async () => {
      const cores = navigator.hardwareConcurrency;
      const series = await seriesWhen(
        query,
        'system_cpu_utilization{job="otel-board"}',
        (s) => s.length === cores,
      );
      assert.deepEqual(
        series.map((s) => Number(s.metric.cpu_logical_number)).sort((a, b) => a - b),
        Array.from({ length: cores }, (_, i) => i),
      );
      for (const { metric, value } of series) {
        assert.ok(
          Number(value) >= 0 && Number(value) <= 1,
          `cpu ${metric.cpu_logical_number}: ${value}`,
        );
      }
    },
  );

  await t.step("the dashboard's job and instance variables find this target", async () => {
    const [info] = await seriesWhen(query, 'target_info{job=~"otel-board"}', (s) => s.length > 0);
    assert.equal(info?.metric.instance, `127.0.0.1:${server.port}`);
  });

  await t.step(
    "every dashboard query is valid PromQL and answers data after traffic that moves every counter; legends find their labels",
    async () => {
      await exerciseEveryCounter(sendTo(server.baseUrl));
      // A rate needs two samples inside its 5 s window.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const { panels } = splitPanels(loadDashboard(DASHBOARDS.direct).panels);
      for (const panel of panels) {
        const answers = await poll(async () => {
          const answers = await Promise.all(
            (panel.targets ?? []).map(async (target) => ({
              target,
              series: await query(asGrafanaSends(target.expr ?? "")),
            })),
          );
          return answers.every((a) => a.series.length > 0) ? answers : undefined;
        }, { ...PROMETHEUS_POLL, what: `data for every query of the panel "${panel.title}"` });
        for (const { target, series } of answers) {
          // Every {{label}} names a label the answer has (a typo or a label the aggregation
          // dropped renders empty), and no series gets a blank legend. A label may be missing
          // on some series: PRAGMA statements have no table, for example.
          const legend = target.legendFormat ?? "";
          const labels = [...legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
          const where = `"${panel.title}", ${target.expr}`;
          for (const label of labels) {
            if (series.length === 0) break;
            assert.ok(
              series.some((s) => (s.metric[label] ?? "") !== ""),
              `${where}: no series has the legend's label ${label}: ${JSON.stringify(series)}`,
            );
          }
          for (const s of series) {
            const shown = legend.replace(
              /\{\{\s*(\w+)\s*\}\}/g,
              (_, l: string) => s.metric[l] ?? "",
            );
            assert.notEqual(
              shown.trim(),
              "",
              `${where}: blank legend for ${JSON.stringify(s.metric)}`,
            );
          }
        }
      }
    },
  );

  const stopped = await prometheus.stop();
  assert.equal(stopped.code, 0, stopped.output);
  assert.equal((await server.stop()).code, 0);
});
