/** @module Tests for the host and process gauges, collected through a real MeterProvider. */

import {
  AggregationTemporality,
  type DataPoint,
  MeterProvider,
  MetricReader,
  type MetricReaderOptions,
} from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import {
  type CpuTimes,
  cpuUtilization,
  currentReadings,
  type MemoryReading,
  memoryStates,
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
  readonly points: DataPoint<number>[];
}

/** A CPU snapshot with the given busy and idle milliseconds (busy split over its parts). */
function cpu(busyMs: number, idleMs: number): CpuTimes {
  return { user: busyMs / 2, nice: busyMs / 4, sys: busyMs / 8, irq: busyMs / 8, idle: idleMs };
}

const GIB = 1024 ** 3;
const LINUX_MEMORY: MemoryReading = {
  total: 16 * GIB,
  free: 2 * GIB,
  available: 6 * GIB,
  cached: 3 * GIB,
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

/** Fake readings; `cpuTimes` hands out `cpuSnapshots` in turn, then repeats the last one. */
function fakeReadings(
  os: typeof Deno.build.os,
  cpuSnapshots: CpuTimes[][],
  memory: MemoryReading = LINUX_MEMORY,
) {
  const calls = { cpuTimes: 0, memory: 0, loadAverage: 0, processMemory: 0, uptimeSeconds: 0 };
  const readings: SystemReadings = {
    os,
    cpuTimes: () => cpuSnapshots[Math.min(calls.cpuTimes++, cpuSnapshots.length - 1)]!,
    memory: () => (calls.memory++, memory),
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

Deno.test("A CPU whose counters go backwards or stand still reports 0", async () => {
  const { readings } = fakeReadings("linux", [
    [cpu(5000, 5000), cpu(1000, 1000)],
    [cpu(100, 200), cpu(1000, 1000)], // cpu 0 reset, cpu 1 no time passed
  ]);
  await using t = setUp(readings);
  const points = metric(await t.collect(), "system.cpu.utilization");
  assert.deepEqual(byAttribute(points, "cpu.logical_number"), new Map([[0, 0], [1, 0]]));
});

Deno.test("cpuUtilization keeps every value in 0..1 and reports 0 for a CPU with no baseline", () => {
  const previous = [{ user: 10, nice: 0, sys: 10, idle: 80, irq: 0 }];
  const current = [
    { user: 30, nice: 5, sys: 15, idle: 120, irq: 5 }, // busy +35 of +75
    { user: 1, nice: 0, sys: 1, idle: 1, irq: 0 }, // hot-plugged CPU
  ];
  const [first, second] = cpuUtilization(previous, current);
  assert.ok(Math.abs(first! - 35 / 75) < 1e-12);
  assert.equal(second, 0);
  assert.deepEqual(cpuUtilization(current, previous), [0]); // every counter went backwards
  assert.deepEqual(cpuUtilization([], []), []);
});

Deno.test("Linux memory states used, free, cached and buffers add up to the total", async () => {
  const { readings } = fakeReadings("linux", [[cpu(0, 0)]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  const usage = metric(metrics, "system.memory.usage");
  const utilization = metric(metrics, "system.memory.utilization");
  assert.equal(usage.unit, "By");
  assert.equal(utilization.unit, "1");
  const bytes = byAttribute(usage, "system.memory.state");
  assert.deepEqual(
    bytes,
    new Map([["used", 10 * GIB], ["free", 2 * GIB], ["cached", 3 * GIB], ["buffers", 1 * GIB]]),
  );
  assert.equal(sum(bytes.values()), LINUX_MEMORY.total);
  const fractions = byAttribute(utilization, "system.memory.state");
  assert.deepEqual([...fractions.keys()], ["used", "free", "cached", "buffers"]);
  assert.ok(Math.abs(sum(fractions.values()) - 1) < 1e-9);
  assert.equal(fractions.get("used"), 10 / 16);
});

Deno.test("Without an available figure, used memory is total minus free, buffers and cached", () => {
  const states = memoryStates("darwin", { ...LINUX_MEMORY, available: 0 });
  assert.deepEqual(states.find((s) => s.state === "used"), { state: "used", bytes: 10 * GIB });
  const overcommitted = memoryStates("linux", { ...LINUX_MEMORY, available: 20 * GIB });
  assert.equal(overcommitted.find((s) => s.state === "used")?.bytes, 0);
});

Deno.test("On Windows only used and free memory are reported and no load average exists", async () => {
  const { readings, calls } = fakeReadings(
    "windows",
    [[cpu(0, 0)], [cpu(300, 700)]],
    WINDOWS_MEMORY,
  );
  await using t = setUp(readings);
  const metrics = await t.collect();
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

Deno.test("Process gauges report RSS, heap used and uptime in their units", async () => {
  const { readings } = fakeReadings("linux", [[cpu(0, 0)]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  const expected = [
    ["process.memory.usage", "By", 50_000_000],
    ["v8js.memory.heap.used", "By", 12_000_000],
    ["process.uptime", "s", 42.5],
  ] as const;
  for (const [name, unit, value] of expected) {
    const found = metric(metrics, name);
    assert.equal(found.unit, unit);
    assert.deepEqual(found.points.map((p) => p.value), [value]);
  }
});

Deno.test("Every gauge has a description and one collection reads each source once", async () => {
  const { readings, calls } = fakeReadings("linux", [[cpu(0, 0)]]);
  await using t = setUp(readings);
  const metrics = await t.collect();
  assert.deepEqual([...metrics.keys()].sort(), [
    "process.memory.usage",
    "process.uptime",
    "system.cpu.load_average.15m",
    "system.cpu.load_average.1m",
    "system.cpu.load_average.5m",
    "system.cpu.utilization",
    "system.memory.usage",
    "system.memory.utilization",
    "v8js.memory.heap.used",
  ]);
  for (const [name, { description }] of metrics) {
    assert.ok(description.length > 10 && !description.includes("\n"), name);
  }
  // cpuTimes: the baseline at registration plus one per collection.
  assert.deepEqual(calls, {
    cpuTimes: 2,
    memory: 1,
    loadAverage: 1,
    processMemory: 1,
    uptimeSeconds: 1,
  });
});

Deno.test("A source that cannot be read costs only its own gauges, and the error is reported", async () => {
  const { readings } = fakeReadings("linux", [[cpu(0, 0)]]);
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
  const loads = readings.loadAverage();
  assert.equal(loads.length, 3);
  assert.ok(loads.every((load) => Number.isFinite(load) && load >= 0));
  const process = readings.processMemory();
  assert.ok(process.rss > 0);
  assert.ok(process.heapUsed > 0);
  assert.ok(readings.uptimeSeconds() > 0);
});
