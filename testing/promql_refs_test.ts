/** @module Tests of testing/promql_refs.ts. */

import assert from "node:assert/strict";
import { promqlRefs } from "./promql_refs.ts";

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
