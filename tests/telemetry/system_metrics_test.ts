/** @module Tests for the host and process metrics, collected through a real MeterProvider. */

import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  MeterProvider,
  MetricReader,
  type MetricReaderOptions,
} from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import {
  type CpuTimes,
  CpuUtilizationWindows,
  MIN_CPU_WINDOW_MS,
} from "../../telemetry/cpu_metrics.ts";
import {
  type MemoryReading,
  memoryStates,
  readMemoryStates,
} from "../../telemetry/memory_metrics.ts";
import {
  currentReadings,
  registerSystemMetrics,
  type SystemReadings,
} from "../../telemetry/system_metrics.ts";

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Metric {
  readonly unit: string;
  readonly description: string;
  readonly type: DataPointType;
  readonly monotonic: boolean | undefined;
  readonly points: DataPoint<number>[];
}

/** A CPU snapshot with the given busy and idle milliseconds (busy split over its parts). */
function cpu(busyMs: number, idleMs: number): CpuTimes {
  return { user: busyMs / 2, nice: busyMs / 4, sys: busyMs / 8, irq: busyMs / 8, idle: idleMs };
}

const GIB = 1024 ** 3;
// What Deno reports on Linux: cached is always 0 (the real figure is in /proc/meminfo).
const LINUX_MEMORY: MemoryReading = {
  total: 16 * GIB,
  free: 2 * GIB,
  available: 6 * GIB,
  cached: 0,
  buffers: 1 * GIB,
};
// What Deno reports on Windows: no available/cached/buffers.
const WINDOWS_MEMORY: MemoryReading = {
  total: 16 * GIB,
  free: 5 * GIB,
  available: 0,
  cached: 0,
  buffers: 0,
};

/** `/proc/meminfo` as Linux writes it (kB are KiB): 16 GiB total, used 10 GiB. */
const LINUX_MEMINFO = [
  `MemTotal:       ${16 * 1024 * 1024} kB`,
  `MemFree:        ${2 * 1024 * 1024} kB`,
  `MemAvailable:   ${6 * 1024 * 1024} kB`,
  `Buffers:        ${1 * 1024 * 1024} kB`,
  `Cached:         ${3 * 1024 * 1024} kB`,
  "SwapCached:            0 kB",
  "HugePages_Total:       0",
  "",
].join("\n");

/**
 * Fake readings; `cpuTimes` hands out `cpuSnapshots` in turn, then repeats the last one.
 * `meminfo` is the /proc/meminfo text (null: none can be read; default: LINUX_MEMINFO on Linux).
 */
function fakeReadings(
  os: typeof Deno.build.os,
  cpuSnapshots: CpuTimes[][],
  memory: MemoryReading = LINUX_MEMORY,
  meminfo: string | null = os === "linux" ? LINUX_MEMINFO : null,
) {
  const calls = {
    cpuTimes: 0,
    memory: 0,
    procMeminfo: 0,
    loadAverage: 0,
    processMemory: 0,
    uptimeSeconds: 0,
  };
  const readings: SystemReadings = {
    os,
    cpuTimes: () => cpuSnapshots[Math.min(calls.cpuTimes++, cpuSnapshots.length - 1)]!,
    memory: () => (calls.memory++, memory),
    procMeminfo: () => (calls.procMeminfo++, meminfo ?? undefined),
    loadAverage: () => (calls.loadAverage++, [1.5, 0.75, 0.25]),
    processMemory: () => (calls.processMemory++, { rss: 50_000_000, heapUsed: 12_000_000 }),
    uptimeSeconds: () => (calls.uptimeSeconds++, 42.5),
  };
  return { readings, calls };
}

function setUp(readings: SystemReadings, options?: MetricReaderOptions) {
  const reader = new TestReader(options);
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = registerSystemMetrics(provider.getMeter("system-test"), readings);
  return {
    metrics,
    async collect(): Promise<Map<string, Metric>> {
      const { resourceMetrics, errors } = await reader.collect();
      assert.deepEqual(errors, []);
      const byName = new Map<string, Metric>();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          byName.set(metric.descriptor.name, {
            unit: metric.descriptor.unit,
            description: metric.descriptor.description,
            type: metric.dataPointType,
            monotonic: metric.dataPointType === DataPointType.SUM ? metric.isMonotonic : undefined,
            points: metric.dataPoints as DataPoint<number>[],
          });
        }
      }
      return byName;
    },
    async [Symbol.asyncDispose]() {
      metrics.stop();
      await provider.shutdown();
    },
  };
}

function metric(metrics: Map<string, Metric>, name: string): Metric {
  const found = metrics.get(name);
  assert.ok(found, `no metric "${name}" among ${[...metrics.keys()].join(", ")}`);
  return found;
}

/** Values of a metric by one attribute's value. */
function byAttribute(found: Metric, key: string): Map<unknown, number> {
  return new Map(found.points.map((p) => [p.attributes[key], p.value]));
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

Deno.test("system.cpu.utilization gives one busy fraction per logical CPU since the previous collection", async () => {
  const { readings } = fakeReadings("linux", [
    [cpu(1000, 9000), cpu(4000, 6000)], // baseline at registration
    [cpu(1500, 9500), cpu(4250, 6750)], // +500 of 1000 busy, +250 of 1000 busy
    [cpu(2500, 9500), cpu(4250, 7750)], // all busy, all idle
  ]);
  await using t = setUp(readings);
  const first = metric(await t.collect(), "system.cpu.utilization");
  assert.equal(first.unit, "1");
  assert.equal(first.points.length, 2);
  assert.deepEqual(byAttribute(first, "cpu.logical_number"), new Map([[0, 0.5], [1, 0.25]]));
  const second = metric(await t.collect(), "system.cpu.utilization");
  assert.deepEqual(byAttribute(second, "cpu.logical_number"), new Map([[0, 1], [1, 0]]));
});

Deno.test("A CPU whose counters went backwards counts from the reset; one that stood still repeats its last value", async () => {
  const { readings } = fakeReadings("linux", [
    [cpu(5000, 5000), cpu(1000, 1000)], // baseline
    [cpu(5500, 5500), cpu(1300, 1700)], // 0.5 and 0.3 over 1000 ms
    [cpu(100, 200), cpu(1300, 1700)], // cpu 0 reset: 100 busy of 300 since; cpu 1 stood still
  ]);
  await using t = setUp(readings);
  const first = metric(await t.collect(), "system.cpu.utilization");
  assert.deepEqual(byAttribute(first, "cpu.logical_number"), new Map([[0, 0.5], [1, 0.3]]));
  const second = metric(await t.collect(), "system.cpu.utilization");
  assert.deepEqual(byAttribute(second, "cpu.logical_number"), new Map([[0, 1 / 3], [1, 0.3]]));
});

Deno.test("Each reader's utilisation covers its own interval, and a too-short window repeats the last value", () => {
  const otlp = {};
  const windows = new CpuUtilizationWindows([cpu(0, 0)]);
  // The OTLP reader after 1 s (40% busy); /metrics 10 ms later, its first window since the
  // baseline: 1.01 s, 41% busy overall. Neither sees the other's 10 ms.
  assert.deepEqual(windows.next(otlp, [cpu(400, 600)]), [0.4]);
  const scraped = windows.next(undefined, [cpu(410, 600)]);
  assert.ok(Math.abs(scraped[0]! - 410 / 1010) < 1e-12, `${scraped[0]}`);
  // The OTLP reader again 10 ms after its last export: shorter than MIN_CPU_WINDOW_MS, so
  // the last value again.
  assert.ok(MIN_CPU_WINDOW_MS > 10);
  assert.deepEqual(windows.next(otlp, [cpu(410, 600)]), [0.4]);
  // ...and once the window is long enough, it covers everything since its last export.
  const [later] = windows.next(otlp, [cpu(400 + 90, 600 + 10)]);
  assert.ok(Math.abs(later! - 0.9) < 1e-12, `${later}`);
});

Deno.test("Before a reader has one full window it reports the average since boot; a CPU with no time at all, nothing", () => {
  const windows = new CpuUtilizationWindows([cpu(3000, 7000), cpu(0, 0)]);
  assert.deepEqual(windows.next("reader", [cpu(3005, 7005), cpu(0, 0)]), [
    3005 / 10010,
    undefined,
  ]);
  // A CPU that appeared after the baseline counts from zero.
  const hotPlugged = windows.next("other", [cpu(3005, 7005), cpu(0, 0), cpu(250, 750)]);
  assert.deepEqual(hotPlugged.slice(1), [undefined, 0.25]);
  for (const value of hotPlugged) assert.ok(value === undefined || (value >= 0 && value <= 1));
});

Deno.test("system.cpu.time is a monotonic counter in seconds per CPU and mode; utilisation stays a gauge", async () => {
  const { readings } = fakeReadings("linux", [[
    { user: 1500, nice: 250, sys: 500, idle: 8000, irq: 20 },
    { user: 100, nice: 0, sys: 200, idle: 9000, irq: 0 },
  ]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  const time = metric(metrics, "system.cpu.time");
  assert.equal(time.unit, "s");
  assert.equal(time.type, DataPointType.SUM);
  assert.equal(time.monotonic, true);
  const cpu0 = new Map(
    time.points.filter((p) => p.attributes["cpu.logical_number"] === 0)
      .map((p) => [p.attributes["cpu.mode"], p.value]),
  );
  assert.deepEqual(
    cpu0,
    new Map([["user", 1.5], ["system", 0.5], ["idle", 8], ["interrupt", 0.02], ["nice", 0.25]]),
  );
  assert.equal(time.points.length, 10);
  assert.equal(metric(metrics, "system.cpu.utilization").type, DataPointType.GAUGE);
});

Deno.test("On Windows system.cpu.time has no nice mode (Windows has none)", async () => {
  const { readings } = fakeReadings("windows", [[cpu(1000, 1000)]], WINDOWS_MEMORY);
  await using t = setUp(readings);
  const time = metric(await t.collect(), "system.cpu.time");
  assert.deepEqual(
    time.points.map((p) => p.attributes["cpu.mode"]),
    ["user", "system", "idle", "interrupt"],
  );
});

Deno.test("Linux memory from /proc/meminfo: used, free, cached and buffers add up to the total, as UpDownCounter points", async () => {
  const { readings, calls } = fakeReadings("linux", [[cpu(0, 0)]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  const usage = metric(metrics, "system.memory.usage");
  const utilization = metric(metrics, "system.memory.utilization");
  assert.equal(usage.unit, "By");
  assert.equal(usage.type, DataPointType.SUM);
  assert.equal(usage.monotonic, false);
  assert.equal(utilization.unit, "1");
  assert.equal(utilization.type, DataPointType.GAUGE);
  const bytes = byAttribute(usage, "system.memory.state");
  assert.deepEqual(
    bytes,
    new Map([["used", 10 * GIB], ["free", 2 * GIB], ["cached", 3 * GIB], ["buffers", 1 * GIB]]),
  );
  assert.equal(sum(bytes.values()), 16 * GIB);
  const fractions = byAttribute(utilization, "system.memory.state");
  assert.deepEqual([...fractions.keys()], ["used", "free", "cached", "buffers"]);
  assert.ok(Math.abs(sum(fractions.values()) - 1) < 1e-9);
  assert.equal(fractions.get("used"), 10 / 16);
  assert.equal(calls.memory, 0, "Deno.systemMemoryInfo() is not needed then");
});

Deno.test("Linux without a readable /proc/meminfo sends no cached state rather than Deno's 0", () => {
  for (const text of [null, "not meminfo\n", "MemTotal: 100 kB\nMemFree: 50 kB\n"]) {
    const { readings } = fakeReadings("linux", [[cpu(0, 0)]], LINUX_MEMORY, text);
    const { totalBytes, states } = readMemoryStates(readings);
    assert.equal(totalBytes, 16 * GIB);
    assert.deepEqual(states, [
      { state: "used", bytes: 10 * GIB }, // total - available
      { state: "free", bytes: 2 * GIB },
      { state: "buffers", bytes: 1 * GIB },
    ]);
  }
  const overcommitted = memoryStates("linux", { ...LINUX_MEMORY, available: 20 * GIB });
  assert.equal(overcommitted.states.find((s) => s.state === "used")?.bytes, 0);
  const noAvailable = memoryStates("darwin", { ...LINUX_MEMORY, available: 0 });
  assert.deepEqual(noAvailable.states, [
    { state: "used", bytes: 14 * GIB },
    { state: "free", bytes: 2 * GIB },
  ]);
});

Deno.test("On Windows only used and free memory are reported and no load average exists", async () => {
  const { readings, calls } = fakeReadings(
    "windows",
    [[cpu(0, 0)], [cpu(300, 700)]],
    WINDOWS_MEMORY,
    LINUX_MEMINFO, // never read on Windows
  );
  await using t = setUp(readings);
  const metrics = await t.collect();
  assert.equal(calls.procMeminfo, 0);
  const bytes = byAttribute(metric(metrics, "system.memory.usage"), "system.memory.state");
  assert.deepEqual(bytes, new Map([["used", 11 * GIB], ["free", 5 * GIB]]));
  const fractions = byAttribute(
    metric(metrics, "system.memory.utilization"),
    "system.memory.state",
  );
  assert.deepEqual(fractions, new Map([["used", 11 / 16], ["free", 5 / 16]]));
  const loadAverages = [...metrics.keys()].filter((name) => name.startsWith("system.cpu.load"));
  assert.deepEqual(loadAverages, []);
  assert.equal(calls.loadAverage, 0);
  const cpuPoints = metric(metrics, "system.cpu.utilization");
  assert.deepEqual(byAttribute(cpuPoints, "cpu.logical_number"), new Map([[0, 0.3]]));
  assert.ok(metrics.has("process.memory.usage"));
});

Deno.test("On Linux the load-average gauges equal Deno.loadavg()", async () => {
  const { readings } = fakeReadings("linux", [[cpu(0, 0)]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  for (const [name, value] of [["1m", 1.5], ["5m", 0.75], ["15m", 0.25]] as const) {
    const found = metric(metrics, `system.cpu.load_average.${name}`);
    assert.equal(found.unit, "{thread}");
    assert.deepEqual(found.points.map((p) => [p.attributes, p.value]), [[{}, value]]);
  }
});

Deno.test("process.memory.usage and v8js.memory.heap.used are UpDownCounters, process.uptime a gauge, in their units", async () => {
  const { readings } = fakeReadings("linux", [[cpu(0, 0)]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  const { SUM, GAUGE } = DataPointType;
  const expected = [
    ["process.memory.usage", "By", 50_000_000, SUM],
    ["v8js.memory.heap.used", "By", 12_000_000, SUM],
    ["process.uptime", "s", 42.5, GAUGE],
  ] as const;
  for (const [name, unit, value, type] of expected) {
    const found = metric(metrics, name);
    assert.equal(found.unit, unit);
    assert.equal(found.type, type, name);
    assert.equal(found.monotonic, type === SUM ? false : undefined, name);
    assert.deepEqual(found.points.map((p) => p.value), [value]);
  }
});

Deno.test("Every instrument has a description and one collection reads each source once", async () => {
  const { readings, calls } = fakeReadings("linux", [[cpu(1000, 1000)]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  assert.deepEqual([...metrics.keys()].sort(), [
    "process.memory.usage",
    "process.uptime",
    "system.cpu.load_average.15m",
    "system.cpu.load_average.1m",
    "system.cpu.load_average.5m",
    "system.cpu.time",
    "system.cpu.utilization",
    "system.memory.usage",
    "system.memory.utilization",
    "v8js.memory.heap.used",
  ]);
  for (const [name, { description }] of metrics) {
    assert.ok(description.length > 10 && !description.includes("\n"), name);
  }
  // cpuTimes: the baseline at registration plus one per collection.
  // memory: none, /proc/meminfo gives everything on Linux.
  assert.deepEqual(calls, {
    cpuTimes: 2,
    memory: 0,
    procMeminfo: 1,
    loadAverage: 1,
    processMemory: 1,
    uptimeSeconds: 1,
  });
});

Deno.test("A source that cannot be read costs only its own instruments, and the error is reported", async () => {
  const { readings } = fakeReadings("linux", [[cpu(1000, 1000)]], LINUX_MEMORY, null);
  const denied: SystemReadings = {
    ...readings,
    memory: () => {
      throw new Deno.errors.NotCapable('Requires sys access to "systemMemoryInfo"');
    },
  };
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = registerSystemMetrics(provider.getMeter("system-test"), denied);
  try {
    const { resourceMetrics, errors } = await reader.collect();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof Deno.errors.NotCapable);
    const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
      .filter((m) => m.dataPoints.length > 0).map((m) => m.descriptor.name);
    assert.ok(names.includes("system.cpu.utilization"));
    assert.ok(names.includes("process.uptime"));
    assert.ok(!names.includes("system.memory.usage"));
  } finally {
    metrics.stop();
    await provider.shutdown();
  }
});

Deno.test("stop() removes the callbacks: later collections read nothing and give no points", async () => {
  const { readings, calls } = fakeReadings("linux", [[cpu(0, 0)]]);
  // Delta temporality: with cumulative, the SDK repeats a gauge's last value after its
  // callback is gone.
  await using t = setUp(readings, {
    aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
  });
  assert.ok((await t.collect()).size > 0);
  const before = { ...calls };
  t.metrics.stop();
  t.metrics.stop();
  assert.equal((await t.collect()).size, 0);
  assert.deepEqual(calls, before);
});

Deno.test("currentReadings() on this machine gives sane figures", () => {
  const readings = currentReadings();
  assert.equal(readings.os, Deno.build.os);
  const times = readings.cpuTimes();
  assert.equal(times.length, navigator.hardwareConcurrency);
  for (const t of times) {
    for (const value of [t.user, t.nice, t.sys, t.idle, t.irq]) {
      assert.ok(Number.isFinite(value) && value >= 0);
    }
  }
  const memory = readings.memory();
  assert.ok(memory.total > 0);
  assert.ok(memory.free >= 0 && memory.free <= memory.total);
  const { totalBytes, states } = readMemoryStates(readings);
  assert.ok(totalBytes > 0);
  assert.ok(states.every(({ bytes }) => Number.isInteger(bytes) && bytes >= 0));
  if (Deno.build.os === "linux") {
    // /proc/meminfo needs --allow-all in Deno; without it, no cached state (never Deno's 0).
    const meminfo = readings.procMeminfo() !== undefined;
    assert.deepEqual(
      states.map((s) => s.state),
      meminfo ? ["used", "free", "cached", "buffers"] : ["used", "free", "buffers"],
    );
    if (meminfo) assert.ok(states.find((s) => s.state === "cached")!.bytes > 0);
  }
  const loads = readings.loadAverage();
  assert.equal(loads.length, 3);
  assert.ok(loads.every((load) => Number.isFinite(load) && load >= 0));
  const process = readings.processMemory();
  assert.ok(process.rss > 0);
  assert.ok(process.heapUsed > 0);
  assert.ok(readings.uptimeSeconds() > 0);
});
