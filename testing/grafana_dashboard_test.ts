/** @module Tests of testing/grafana_dashboard.ts's reference check. */

import assert from "node:assert/strict";
import { checkReferences, type Dashboard } from "./grafana_dashboard.ts";
import { parsePrometheusText } from "./prometheus.ts";

const EXPOSITION = `# TYPE req_seconds histogram
req_seconds_bucket{route="/a",le="+Inf"} 1
req_seconds_sum{route="/a"} 0.1
req_seconds_count{route="/a"} 1
# TYPE up_info gauge
up_info{version="1"} 1
`;

function dashboard(exprs: string[], variable = "label_values(up_info, job)"): Dashboard {
  return {
    panels: [{ type: "row", title: "r", panels: [] }, {
      type: "timeseries",
      title: "p",
      targets: exprs.map((expr) => ({ expr })),
    }],
    templating: { list: [{ name: "job", type: "query", query: { query: variable } }] },
  };
}

Deno.test("checkReferences accepts histogram series, their labels, job/instance and grouping labels", () => {
  const families = new Map(parsePrometheusText(EXPOSITION).map((f) => [f.name, f]));
  const check = checkReferences(
    dashboard([
      'sum by (le, route) (rate(req_seconds_bucket{job=~"$job",instance=~"$instance"}[5m]))',
      "req_seconds_count / on(job) group_left(version) up_info",
    ]),
    families,
  );
  assert.deepEqual(check.problems, []);
  assert.deepEqual([...check.used], ["req_seconds_bucket", "req_seconds_count", "up_info"]);
});

Deno.test("checkReferences names each missing metric, matcher label, grouping label and variable metric", () => {
  const families = new Map(parsePrometheusText(EXPOSITION).map((f) => [f.name, f]));
  const check = checkReferences(
    dashboard([
      "req_bucket",
      'req_seconds_count{method="GET"}',
      "sum by (status) (req_seconds_count)",
      "vector(1)",
    ], "label_values(target_info, job)"),
    families,
  );
  assert.deepEqual(check.problems, [
    '"p": req_bucket is not in the exposition',
    '"p": req_seconds_count has no label method',
    '"p": no metric of sum by (status) (req_seconds_count) has status',
    '"p": vector(1) names no metric',
    "variable job: target_info is not in the exposition",
  ]);
});
