/**
 * @module Real-process metrics and logs tests: the server exports all three signals to the
 * repo's OTLP receiver; `/metrics` is checked by our parser and by `promtool`.
 */

import assert from "node:assert/strict";
import { toolInstalled } from "../../testing/tools.ts";
import { parsePrometheusText } from "../../testing/prometheus.ts";
import { type ReceivedMetric } from "../../testing/otlp_decode.ts";
import { allSignalsTo, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { HTTP_DURATION_BUCKETS } from "../../telemetry/buckets.ts";

const TRACE = "5bf92f3577b34da6a3ce929d0e0e4737";

/** This file's export pace: a metric interval long enough to see whole collections. */
const PACE = {
  OTEL_METRIC_EXPORT_INTERVAL: "500",
  OTEL_BSP_SCHEDULE_DELAY: "100",
  OTEL_BLRP_SCHEDULE_DELAY: "100",
};

function points(metrics: ReceivedMetric[], name: string): ReceivedMetric[] {
  return metrics.filter((m) => m.name === name);
}

/** The points of `name` from the newest export that has any. */
function latest(metrics: ReceivedMetric[], name: string): ReceivedMetric[] {
  const all = points(metrics, name);
  const newest = all.reduce((t, m) => (m.timeUnixNano > t ? m.timeUnixNano : t), 0n);
  return all.filter((m) => m.timeUnixNano === newest);
}

Deno.test("Within one metric interval of curl /board/5 the collector has the request histogram, per-core CPU, memory, load, and the request's correlated logs", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, {
      ...PACE,
      LOG_LEVEL: "debug",
    }),
    dir.path,
  );
  const response = await fetch(`${server.baseUrl}/board/5`, {
    headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
  });
  await response.body?.cancel();
  const duration = await receiver.waitFor(
    () =>
      points(receiver.metrics(), "http.server.request.duration").find((m) =>
        m.attributes["http.route"] === "/board/:count"
      ),
    { what: "the request-duration histogram" },
  );
  assert.equal(duration.type, "histogram");
  assert.equal(duration.unit, "s");
  assert.equal(duration.count, 1);
  assert.deepEqual(duration.explicitBounds, [...HTTP_DURATION_BUCKETS]);
  assert.equal(duration.attributes["http.response.status_code"], 200);
  assert.equal(duration.resource["service.name"], "otel-board");

  const metrics = receiver.metrics();
  const cpu = latest(metrics, "system.cpu.utilization");
  assert.equal(cpu.length, navigator.hardwareConcurrency, "one point per logical CPU");
  assert.deepEqual(
    cpu.map((p) => p.attributes["cpu.logical_number"]).sort(),
    Array.from({ length: navigator.hardwareConcurrency }, (_, i) => i),
  );
  for (const point of cpu) {
    assert.equal(point.type, "gauge");
    assert.equal(point.unit, "1");
    assert.ok(Number(point.value) >= 0 && Number(point.value) <= 1, `0..1: ${point.value}`);
  }
  const cpuTime = latest(metrics, "system.cpu.time");
  assert.ok(cpuTime.length >= navigator.hardwareConcurrency * 4, "per CPU and mode");
  assert.ok(cpuTime.every((p) => p.type === "sum" && p.monotonic === true && p.unit === "s"));
  const memory = latest(metrics, "system.memory.usage");
  // The service's permissions cannot read /proc/meminfo (Deno asks --allow-all for /proc), and
  // Deno's own figure for cached is always 0: so no cached state, rather than a made-up 0.
  assert.deepEqual(
    memory.map((p) => p.attributes["system.memory.state"]).sort(),
    Deno.build.os === "windows" ? ["free", "used"] : ["buffers", "free", "used"],
  );
  assert.ok(memory.every((p) => p.type === "sum" && p.monotonic === false), "UpDownCounter");
  assert.ok(memory.every((p) => p.unit === "By" && Number(p.value) >= 0));
  // Each state's utilization is its usage over this machine's total; used (total −
  // available) and free never exceed the total. (The four states need not add up to it:
  // "available" counts only the reclaimable part of the cache.)
  const totalBytes = Deno.systemMemoryInfo().total;
  const utilization = latest(metrics, "system.memory.utilization");
  const usageOf = (state: string) =>
    Number(memory.find((p) => p.attributes["system.memory.state"] === state)?.value);
  for (const point of utilization) {
    const state = String(point.attributes["system.memory.state"]);
    assert.ok(
      Math.abs(Number(point.value) - usageOf(state) / totalBytes) < 0.001,
      `${state}: ${point.value} is ${usageOf(state)} / ${totalBytes}`,
    );
  }
  assert.ok(usageOf("used") + usageOf("free") <= totalBytes, "used + free fit in the total");
  for (const name of ["1m", "5m", "15m"]) {
    const [load] = latest(metrics, `system.cpu.load_average.${name}`);
    assert.equal(load?.unit, "{thread}");
    assert.ok(Number(load?.value) >= 0);
  }
  const [rss] = latest(metrics, "process.memory.usage");
  assert.ok(Number(rss?.value) > 10_000_000, "RSS in bytes");
  assert.ok(latest(metrics, "db.client.operation.duration").length > 0);

  const served = await receiver.waitFor(
    () => receiver.logs().find((l) => l.body === "GET /board/5 200" && l.traceId === TRACE),
    { what: "the request's access record" },
  );
  const span = await receiver.waitFor(
    () => receiver.spans().find((s) => s.traceId === TRACE && s.kind === "SERVER"),
    { what: "the request span" },
  );
  assert.equal(served.spanId, span.spanId, "the record belongs to the server span");
  assert.equal(served.severityText, "INFO");
  assert.equal(served.attributes["url.path"], "/board/5");
  assert.ok(receiver.logs().some((l) => String(l.body).startsWith("Listening on")));
  assert.equal((await server.stop()).code, 0);
});

Deno.test("/metrics with OTEL_METRICS_EXPORTER=otlp,prometheus parses and passes promtool check metrics", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, {
      ...PACE,
      OTEL_METRICS_EXPORTER: "otlp,prometheus",
    }),
    dir.path,
  );
  for (let i = 0; i < 3; i++) await (await fetch(`${server.baseUrl}/board/5`)).body?.cancel();
  const response = await fetch(`${server.baseUrl}/metrics`);
  assert.equal(response.status, 200);
  const text = await response.text();
  const families = new Map(parsePrometheusText(text).map((f) => [f.name, f]));
  for (
    const name of [
      "http_server_request_duration",
      "http_server_active_requests",
      "db_client_operation_duration",
      "system_cpu_utilization",
      "system_memory_usage",
      "system_cpu_load_average_1m",
      "process_memory_usage",
      "app_log_api_rows_written_total",
    ]
  ) {
    assert.ok(families.has(name), `${name} is exposed`);
  }
  assert.equal(families.get("http_server_request_duration")?.type, "histogram");
  await receiver.waitFor(() =>
    points(receiver.metrics(), "http.server.request.duration").length > 0
  );
  await promtoolCheck(text);
  const stopped = await server.stop();
  assert.equal(stopped.code, 0);
  const rows = (await import("../../testing/log_api_rows.ts")).logRowsInFile(
    `${dir.path}/otel-board.db`,
  );
  assert.ok(rows.every((r) => r.call_url !== "/metrics"), "/metrics is not audited");
});

Deno.test("With the collector down, every signal fails quietly: requests succeed, one warning per signal", async () => {
  await using dir = await tempDir();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${closed.addr.port}`;
  closed.close();
  await using server = await startServer(allSignalsTo(url, PACE), dir.path);
  for (let i = 0; i < 15; i++) {
    const response = await fetch(`${server.baseUrl}/board/1`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stopped = await server.stop();
  assert.equal(stopped.code, 0);
  for (const signal of ["traces", "metrics", "logs"]) {
    const warnings = stopped.stdout.split("\n").filter((line) =>
      line.includes(`Cannot export ${signal} to the collector`)
    );
    assert.equal(warnings.length, 1, `${signal}: ${warnings.length} warnings`);
  }
  const last = JSON.parse(
    stopped.stdout.trim().split("\n").filter((l) => l.includes('"Stopped"'))[0]!,
  );
  assert.ok(last.telemetry_export.metrics.failedRequests >= 2, "metric export failures counted");
});

Deno.test("SIGTERM exports a last metric collection and the shutdown's own log records", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, {
      ...PACE,
      OTEL_METRIC_EXPORT_INTERVAL: "600000",
      OTEL_BLRP_SCHEDULE_DELAY: "600000",
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    }),
    dir.path,
  );
  await (await fetch(`${server.baseUrl}/board/1`)).body?.cancel();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(receiver.requests.length, 0, "nothing is exported before the stop");
  assert.equal((await server.stop()).code, 0);
  assert.ok(points(receiver.metrics(), "http.server.request.duration").length > 0);
  const messages = receiver.logs().map((l) => String(l.body));
  assert.ok(messages.includes("Stopping: draining in-flight requests"), messages.join(" | "));
  assert.ok(messages.includes("Stopped"), "the last line is exported too");
});

Deno.test("LOG_FORMAT=text writes the original app's human line, with the request's trace id", async () => {
  await using dir = await tempDir();
  await using server = await startServer({ LOG_FORMAT: "text", LOG_LEVEL: "debug" }, dir.path);
  await (await fetch(`${server.baseUrl}/board/1`, {
    headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
  })).body?.cancel();
  const stopped = await server.stop();
  assert.equal(stopped.code, 0);
  const lines = stopped.stdout.split("\n").filter((l) => l !== "");
  const time = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`;
  assert.match(
    lines[0]!,
    new RegExp(
      `^${time} INFO \\[otel-board\\] \\[server\\.ts\\] \\[trace_id=0 span_id=0\\] - ` +
        String.raw`Listening on http://127\.0\.0\.1:\d+ version="0\.1\.0"`,
    ),
  );
  const served = lines.find((l) => l.includes("- GET /board/1 200"));
  assert.match(
    served ?? "",
    new RegExp(
      `^${time} INFO \\[otel-board\\] \\[http/log_api_middleware\\.ts\\] ` +
        `\\[trace_id=${TRACE} span_id=[0-9a-f]{16}\\] - GET /board/1 200 ` +
        String
          .raw`http\.request\.method="GET" url\.path="/board/1" http\.response\.status_code=200 ` +
        String.raw`http\.route="/board/:count" client\.address="127\.0\.0\.1" ` +
        String.raw`app\.request\.duration_ms=\d+(\.\d+)?$`,
    ),
  );
  assert.ok(lines.every((l) => new RegExp(`^${time} (DEBUG|INFO|WARN|ERROR) `).test(l)));
});

async function promtoolCheck(text: string): Promise<void> {
  if (!await toolInstalled("promtool", { versionArg: "--version", aptPackage: "prometheus" })) {
    return;
  }
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const output = await child.output();
  const report = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `promtool check metrics failed:\n${report}`);
}
