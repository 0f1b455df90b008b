/**
 * @module Host and process metrics as they leave the service: exported over OTLP to the
 * independent receiver (decoded there) and scraped from the Prometheus reader, with injected
 * readings, so kinds, states, attributes and each reader's CPU interval are checked on the wire.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../../config/load.ts";
import type { KeepErrorsSettings, TelemetryConfig } from "../../config/telemetry_config.ts";
import { memoryLogger } from "../../testing/loggers.ts";
import type { ReceivedMetric } from "../../testing/otlp_decode.ts";
import { allSignalsTo, type OtlpReceiver, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { parsePrometheusText, type PromFamily } from "../../testing/prometheus.ts";
import { sleep } from "../../testing/sleep.ts";
import type { CpuTimes } from "../../telemetry/cpu_metrics.ts";
import { startTelemetry, type Telemetry } from "../../telemetry/setup.ts";
import type { SystemReadings } from "../../telemetry/system_metrics.ts";

const GIB = 1024 ** 3;
const KIB_PER_GIB = 1024 * 1024;

/** /proc/meminfo of a 16 GiB host: 2 free, 1 buffers, 3 cached, so 10 used. */
const MEMINFO = [
  `MemTotal:       ${16 * KIB_PER_GIB} kB`,
  `MemFree:        ${2 * KIB_PER_GIB} kB`,
  `MemAvailable:   ${6 * KIB_PER_GIB} kB`,
  `Buffers:        ${1 * KIB_PER_GIB} kB`,
  `Cached:         ${3 * KIB_PER_GIB} kB`,
  "",
].join("\n");

/** A CPU snapshot with the given busy and idle milliseconds (busy split over its parts). */
function cpu(busyMs: number, idleMs: number): CpuTimes {
  return { user: busyMs / 2, nice: busyMs / 4, sys: busyMs / 8, irq: busyMs / 8, idle: idleMs };
}

/** Readings whose CPU times the test sets (`times.now`), on `os`. */
function readings(os: typeof Deno.build.os, times: { now: CpuTimes[] }): SystemReadings {
  return {
    os,
    cpuTimes: () => times.now,
    // What Deno really reports: cached 0 everywhere, and on Windows available/buffers 0 too.
    memory: () =>
      os === "windows"
        ? { total: 16 * GIB, free: 5 * GIB, available: 0, cached: 0, buffers: 0 }
        : { total: 16 * GIB, free: 2 * GIB, available: 6 * GIB, cached: 0, buffers: 1 * GIB },
    procMeminfo: () => (os === "linux" ? MEMINFO : undefined),
    loadAverage: () => [1.5, 0.75, 0.25],
    processMemory: () => ({ rss: 50_000_000, heapUsed: 12_000_000 }),
    uptimeSeconds: () => 42.5,
  };
}

function telemetryConfig(
  receiver: OtlpReceiver,
  exporters: string,
): TelemetryConfig & KeepErrorsSettings {
  const startup = loadConfig(
    allSignalsTo(receiver.url, {
      OTEL_TRACES_EXPORTER: "none",
      OTEL_LOGS_EXPORTER: "none",
      OTEL_METRICS_EXPORTER: exporters,
      // Exports happen when the test flushes, never on the timer.
      OTEL_METRIC_EXPORT_INTERVAL: "3600000",
    }),
    [],
  );
  if (startup.action !== "serve") throw new Error("test settings must serve");
  return startup.config.telemetry;
}

function started(
  config: TelemetryConfig & KeepErrorsSettings,
  system: SystemReadings,
): Telemetry & AsyncDisposable {
  const telemetry = startTelemetry(config, "test", memoryLogger().logger, { readings: system });
  return Object.assign(telemetry, {
    async [Symbol.asyncDispose]() {
      await telemetry.stopTracesAndMetrics(2000);
      await telemetry.stopLogs(2000);
    },
  });
}

/** The points of `name` in the receiver's `export`-th accepted metrics request (0-based). */
function exported(receiver: OtlpReceiver, index: number, name: string): ReceivedMetric[] {
  const request = receiver.requests.filter((r) => r.signal === "metrics" && r.accepted)[index];
  assert.ok(request, `metrics export #${index} arrived`);
  return request.metrics.filter((m) => m.name === name);
}

function stateValues(points: ReceivedMetric[]): Map<unknown, number> {
  return new Map(points.map((p) => [p.attributes["system.memory.state"], Number(p.value)]));
}

function family(families: PromFamily[], name: string): PromFamily {
  const found = families.find((f) => f.name === name);
  assert.ok(found, `no family ${name} among ${families.map((f) => f.name).join(", ")}`);
  return found;
}

Deno.test("Memory goes out as UpDownCounters (non-monotonic cumulative sums) with the states Linux reports; utilisation as gauges", async () => {
  await using receiver = await startOtlpReceiver();
  const times = { now: [cpu(1000, 9000)] };
  await using telemetry = started(
    telemetryConfig(receiver, "otlp"),
    readings("linux", times),
  );
  await telemetry.metrics.forceFlush();
  for (const name of ["system.memory.usage", "process.memory.usage", "v8js.memory.heap.used"]) {
    const points = exported(receiver, 0, name);
    assert.ok(points.length > 0, name);
    for (const point of points) {
      assert.equal(point.type, "sum", name);
      assert.equal(point.monotonic, false, name);
      assert.equal(point.temporality, "CUMULATIVE", name);
      assert.equal(point.unit, "By", name);
      assert.equal(typeof point.value, "number", `${name} as_int`);
    }
  }
  assert.deepEqual(
    stateValues(exported(receiver, 0, "system.memory.usage")),
    new Map([["used", 10 * GIB], ["free", 2 * GIB], ["cached", 3 * GIB], ["buffers", 1 * GIB]]),
  );
  const utilization = exported(receiver, 0, "system.memory.utilization");
  assert.ok(utilization.every((p) => p.type === "gauge" && p.unit === "1"));
  assert.deepEqual(
    stateValues(utilization),
    new Map([["used", 10 / 16], ["free", 2 / 16], ["cached", 3 / 16], ["buffers", 1 / 16]]),
  );
  assert.deepEqual(exported(receiver, 0, "process.memory.usage").map((p) => p.value), [
    50_000_000,
  ]);
  assert.deepEqual(exported(receiver, 0, "v8js.memory.heap.used").map((p) => p.value), [
    12_000_000,
  ]);
  assert.equal(exported(receiver, 0, "process.uptime")[0]?.type, "gauge");
});

Deno.test("On Windows memory has only used (total - free) and free, CPU time has no nice mode, and there is no load average", async () => {
  await using receiver = await startOtlpReceiver();
  const times = { now: [cpu(1000, 9000), cpu(2000, 8000)] };
  await using telemetry = started(
    telemetryConfig(receiver, "otlp"),
    readings("windows", times),
  );
  await telemetry.metrics.forceFlush();
  assert.deepEqual(
    stateValues(exported(receiver, 0, "system.memory.usage")),
    new Map([["used", 11 * GIB], ["free", 5 * GIB]]),
  );
  const modes = new Set(
    exported(receiver, 0, "system.cpu.time").map((p) => p.attributes["cpu.mode"]),
  );
  assert.deepEqual([...modes].sort(), ["idle", "interrupt", "system", "user"]);
  const all = receiver.requests.flatMap((r) => r.metrics).map((m) => m.name);
  assert.ok(!all.some((name) => name.startsWith("system.cpu.load_average")));
});

Deno.test("system.cpu.time goes out as a monotonic cumulative counter in seconds by cpu.logical_number and cpu.mode", async () => {
  await using receiver = await startOtlpReceiver();
  const times = {
    now: [
      { user: 1500, nice: 250, sys: 500, idle: 8000, irq: 20 },
      { user: 100, nice: 0, sys: 200, idle: 9000, irq: 0 },
    ],
  };
  await using telemetry = started(
    telemetryConfig(receiver, "otlp"),
    readings("linux", times),
  );
  await telemetry.metrics.forceFlush();
  const points = exported(receiver, 0, "system.cpu.time");
  for (const point of points) {
    assert.equal(point.type, "sum");
    assert.equal(point.monotonic, true);
    assert.equal(point.temporality, "CUMULATIVE");
    assert.equal(point.unit, "s");
  }
  const seconds = new Map(
    points.map((
      p,
    ) => [`${p.attributes["cpu.logical_number"]} ${p.attributes["cpu.mode"]}`, p.value]),
  );
  assert.deepEqual(
    seconds,
    new Map([
      ["0 user", 1.5],
      ["0 system", 0.5],
      ["0 idle", 8],
      ["0 interrupt", 0.02],
      ["0 nice", 0.25],
      ["1 user", 0.1],
      ["1 system", 0.2],
      ["1 idle", 9],
      ["1 interrupt", 0],
      ["1 nice", 0],
    ]),
  );
});

Deno.test("An OTLP export and a /metrics scrape 10 ms apart each report CPU utilisation over their own interval", async () => {
  await using receiver = await startOtlpReceiver();
  const times = { now: [cpu(1000, 9000)] }; // the baseline at registration
  await using telemetry = started(
    telemetryConfig(receiver, "otlp,prometheus"),
    readings("linux", times),
  );
  const scrape = async () => {
    const families = parsePrometheusText(await telemetry.metrics.prometheus!("prometheus"));
    const [sample] = family(families, "system_cpu_utilization").samples;
    assert.ok(sample);
    return sample.value;
  };
  // 1 s after registration, 40% busy: the OTLP export.
  times.now = [cpu(1400, 9600)];
  await telemetry.metrics.forceFlush();
  const [first] = exported(receiver, 0, "system.cpu.utilization");
  assert.equal(first?.type, "gauge");
  assert.equal(first?.value, 0.4);
  // 10 ms later, all of it busy: the scrape covers its own interval (since registration),
  // not the 10 ms since the export (which would read 1).
  await sleep(10);
  times.now = [cpu(1410, 9600)];
  const scraped = await scrape();
  assert.ok(Math.abs(scraped - 410 / 1010) < 1e-9, `scrape: ${scraped}`);
  assert.ok(scraped >= 0 && scraped <= 1);
  // Another scrape 10 ms later: too short a window, so the last value again.
  await sleep(10);
  times.now = [cpu(1415, 9600)];
  assert.equal(await scrape(), scraped);
  // The next export, 100 ms of CPU time after the first: 45 busy of 100 since the first export
  // (the scrapes in between do not start its interval).
  times.now = [cpu(1445, 9655)];
  await telemetry.metrics.forceFlush();
  const [second] = exported(receiver, 1, "system.cpu.utilization");
  assert.ok(Math.abs(Number(second?.value) - 0.45) < 1e-9, `export: ${second?.value}`);
});

Deno.test("/metrics writes the memory UpDownCounters as gauge and system.cpu.time as a _total counter", async () => {
  await using receiver = await startOtlpReceiver();
  const times = { now: [cpu(1000, 9000)] };
  await using telemetry = started(
    telemetryConfig(receiver, "prometheus"),
    readings("linux", times),
  );
  const families = parsePrometheusText(await telemetry.metrics.prometheus!("prometheus"));
  for (const name of ["system_memory_usage", "process_memory_usage", "v8js_memory_heap_used"]) {
    // exporter-prometheus writes a non-monotonic sum as a gauge (Prometheus has no up-down type).
    assert.equal(family(families, name).type, "gauge", name);
  }
  assert.equal(family(families, "system_memory_utilization").type, "gauge");
  const time = family(families, "system_cpu_time_total");
  assert.equal(time.type, "counter");
  const labels = time.samples.map((s) => `${s.labels.cpu_logical_number} ${s.labels.cpu_mode}`);
  assert.deepEqual(labels.sort(), ["0 idle", "0 interrupt", "0 nice", "0 system", "0 user"]);
  const states = family(families, "system_memory_usage").samples.map((s) =>
    s.labels.system_memory_state
  );
  assert.deepEqual(states.sort(), ["buffers", "cached", "free", "used"]);
});
