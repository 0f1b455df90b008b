/** @module Tests for the strict Prometheus text-format parser used by the /metrics tests. */

import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import { parsePrometheusText, PrometheusParseError, type PromFamily } from "./prometheus.ts";

const VALID = `# A plain comment, ignored.
# HELP http_requests_total Requests served \\\\ counted\\nper route.
# TYPE http_requests_total counter
http_requests_total{method="GET",path="C:\\\\dir \\"x\\"\\nnext",} 1027 1395066363000
http_requests_total{ method = "POST" } 3 -12

# TYPE temperature gauge
# UNIT temperature Cel
temperature +Inf
temperature{place="cold"} -Inf
temperature{place="broken"} NaN
temperature{place="lab"}\t1.5e-3
# HELP request_duration_seconds How long requests took.
# TYPE request_duration_seconds histogram
request_duration_seconds_count{route="/a"} 7
request_duration_seconds_sum{route="/a"} 0.93
request_duration_seconds_bucket{route="/a",le="0.005"} 0
request_duration_seconds_bucket{route="/a",le="0.1"} 5
request_duration_seconds_bucket{route="/a",le="1"} 7
request_duration_seconds_bucket{route="/a",le="+Inf"} 7
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.2
rpc_seconds{quantile="0.99"} 1.1
rpc_seconds_sum 17
rpc_seconds_count 40
no_metadata 42
`;

Deno.test("A valid exposition parses into families with metadata, labels, values and timestamps", () => {
  const families = parsePrometheusText(VALID);
  assert.deepEqual(families.map((f) => [f.name, f.type, f.samples.length]), [
    ["http_requests_total", "counter", 2],
    ["temperature", "gauge", 4],
    ["request_duration_seconds", "histogram", 6],
    ["rpc_seconds", "summary", 4],
    ["no_metadata", undefined, 1],
  ]);
  const [requests, temperature, , , untyped] = families as [
    PromFamily,
    PromFamily,
    PromFamily,
    PromFamily,
    PromFamily,
  ];
  assert.deepEqual(requests, {
    name: "http_requests_total",
    help: "Requests served \\ counted\nper route.",
    type: "counter",
    samples: [
      {
        name: "http_requests_total",
        labels: { method: "GET", path: 'C:\\dir "x"\nnext' },
        value: 1027,
        timestamp: 1395066363000,
      },
      { name: "http_requests_total", labels: { method: "POST" }, value: 3, timestamp: -12 },
    ],
  });
  assert.equal(temperature.unit, "Cel");
  assert.equal(temperature.help, undefined);
  assert.deepEqual(temperature.samples.map((s) => s.value), [Infinity, -Infinity, NaN, 0.0015]);
  assert.deepEqual(untyped, {
    name: "no_metadata",
    samples: [{ name: "no_metadata", labels: {}, value: 42 }],
  });
});

Deno.test("Histogram samples group under their family with ascending le and +Inf equal to _count", () => {
  const histogram = parsePrometheusText(VALID).find((f) => f.name === "request_duration_seconds");
  assert.ok(histogram);
  assert.equal(histogram.help, "How long requests took.");
  const buckets = histogram.samples.filter((s) => s.name === "request_duration_seconds_bucket");
  const bounds = buckets.map((s) => Number(s.labels.le?.replace("+Inf", "Infinity")));
  assert.deepEqual(bounds, [0.005, 0.1, 1, Infinity]);
  assert.deepEqual(bounds, [...bounds].sort((a, b) => a - b));
  const count = histogram.samples.find((s) => s.name === "request_duration_seconds_count");
  assert.equal(buckets.at(-1)?.value, count?.value);
  assert.deepEqual(
    histogram.samples.map((s) => s.name.slice("request_duration_seconds".length)),
    ["_count", "_sum", "_bucket", "_bucket", "_bucket", "_bucket"],
  );
});

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("What exporter-prometheus writes parses, # UNIT lines included", async () => {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter("parser-test");
  const duration = meter.createHistogram("http.server.request.duration", {
    unit: "s",
    description: "Duration of HTTP server requests.",
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.1, 1] },
  });
  for (const seconds of [0.002, 0.05, 0.05, 3]) {
    duration.record(seconds, { "http.route": '/board/:count "x"\\' });
  }
  meter.createCounter("app.board.posts.created", { unit: "{post}" }).add(2);
  const { resourceMetrics } = await reader.collect();
  const text = new PrometheusSerializer().serialize(resourceMetrics);
  await provider.shutdown();

  const families = parsePrometheusText(text);
  const histogram = families.find((f) => f.name === "http_server_request_duration");
  assert.equal(histogram?.type, "histogram");
  assert.equal(histogram.unit, "s");
  const buckets = histogram.samples.filter((s) => s.name.endsWith("_bucket"));
  assert.deepEqual(buckets.map((s) => [s.labels.le, s.value]), [
    ["0.005", 1],
    ["0.01", 1],
    ["0.1", 3],
    ["1", 3],
    ["+Inf", 4],
  ]);
  assert.equal(buckets[0]?.labels.http_route, '/board/:count "x"\\');
  const counter = families.find((f) => f.name === "app_board_posts_created_total");
  assert.equal(counter?.type, "counter");
  assert.equal(counter.unit, "{post}");
  assert.equal(counter.samples[0]?.value, 2);
  assert.equal(families[0]?.name, "target_info");
});

const MALFORMED: [string, string, number, RegExp][] = [
  ["bad label escape", 'a 1\nb{x="\\t"} 1\n', 2, /invalid escape sequence "\\t"/],
  ["unterminated label value", 'a{x="y} 1\n', 1, /unterminated/],
  ["label without quotes", "a{x=y} 1\n", 1, /quoted value/],
  ["duplicate label name", 'a{x="1",x="2"} 1\n', 1, /label x appears twice/],
  ["value not a number", "a 1\na abc\n", 2, /value "abc" is not a number/],
  ["no value", "\n\na\n", 3, /expected a blank and a value/],
  ["extra token", "a 1 2 3\n", 1, /optional timestamp/],
  ["fractional timestamp", "a 1 1.5\n", 1, /timestamp "1.5"/],
  ["invalid metric name", "1abc 1\n", 1, /expected a metric name/],
  ["invalid HELP escape", "# HELP a x\\ty\n", 1, /invalid escape/],
  ["unknown type", "# TYPE a timer\n", 1, /unknown type "timer"/],
  ["TYPE without name", "# TYPE\n", 1, /needs a valid metric name/],
  ["TYPE after the sample", "a 1\n# TYPE a gauge\n", 2, /comes after its samples/],
  [
    "histogram TYPE after a bucket",
    'h_bucket{le="+Inf"} 1\n# TYPE h histogram\n',
    2,
    /comes after its sample h_bucket on line 1/,
  ],
  ["second TYPE", "# TYPE a gauge\n# TYPE a counter\n", 2, /second # TYPE/],
  ["HELP after samples", "# TYPE a gauge\na 1\n# HELP a late\n", 3, /after its samples/],
  ["duplicate series", 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n', 2, /duplicate series.*line 1/],
  ["family split in two", '# TYPE a gauge\na 1\nb 1\na{x="1"} 2\n', 4, /apart from its family a/],
  ["sample named like its histogram", "# TYPE h histogram\nh 1\n", 2, /cannot belong to histogram/],
  [
    "le out of order",
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="0.5"} 1\nh_bucket{le="+Inf"} 1\n',
    3,
    /le values must increase/,
  ],
  [
    "buckets not cumulative",
    '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\n',
    3,
    /cumulative/,
  ],
  ["bucket without le", "# TYPE h histogram\nh_bucket 1\n", 2, /has no le label/],
  [
    "no +Inf bucket",
    '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n',
    2,
    /without an le="\+Inf" bucket/,
  ],
  [
    "+Inf differs from _count",
    '# TYPE h histogram\nh_count 5\nh_bucket{le="+Inf"} 4\nh_sum 1\n',
    3,
    /h_count is 5 but the le="\+Inf" bucket is 4/,
  ],
  [
    "summary quantiles out of order",
    '# TYPE s summary\ns{quantile="0.9"} 1\ns{quantile="0.5"} 1\n',
    3,
    /quantile values must increase/,
  ],
];

Deno.test("Malformed expositions are rejected with the offending line number", () => {
  for (const [what, text, line, message] of MALFORMED) {
    assert.throws(
      () => parsePrometheusText(text),
      (error: unknown) => {
        assert.ok(error instanceof PrometheusParseError, what);
        assert.equal(error.line, line, `${what}: ${error.message}`);
        assert.match(error.message, new RegExp(`^Cannot parse Prometheus text: line ${line}: `));
        assert.match(error.message, message, what);
        return true;
      },
      what,
    );
  }
});

Deno.test("Empty text, blank lines and comments give no families", () => {
  assert.deepEqual(parsePrometheusText(""), []);
  assert.deepEqual(parsePrometheusText("\n  \n# just a comment\n#HELP not metadata\n"), []);
});
