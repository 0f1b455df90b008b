/**
 * @module Host and process gauges (CPU, memory, load average, RSS, heap, uptime), with every
 * OS reading injected so the Windows branches are testable anywhere.
 *
 * Each source (CPU times, system memory, load average, process memory and uptime) has its own
 * batch callback: one collection reads each source once, and a source that fails (for example
 * `--allow-sys` without `cpus`) costs only its own gauges; the SDK reports the error.
 *
 * CPU utilisation is measured between consecutive collections. With several metric readers
 * (OTLP push plus Prometheus pull) each collection by any reader starts a new interval.
 */

import type {
  BatchObservableCallback,
  BatchObservableResult,
  Meter,
  Observable,
} from "@opentelemetry/api";
import { ValueType } from "@opentelemetry/api";
import { cpus } from "node:os";

/** `cpu.logical_number` (incubating semantic convention). */
export const ATTR_CPU_LOGICAL_NUMBER = "cpu.logical_number";
/** `system.memory.state` (incubating semantic convention). */
export const ATTR_SYSTEM_MEMORY_STATE = "system.memory.state";

/** Cumulative CPU times of one logical CPU in milliseconds, as `node:os` `cpus()[i].times`. */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly sys: number;
  readonly idle: number;
  readonly irq: number;
}

/** System memory in bytes, as `Deno.systemMemoryInfo()` reports it. */
export interface MemoryReading {
  readonly total: number;
  readonly free: number;
  readonly available: number;
  readonly buffers: number;
  readonly cached: number;
}

/** Process memory in bytes, as `Deno.memoryUsage()` reports it. */
export interface ProcessMemoryReading {
  readonly rss: number;
  readonly heapUsed: number;
}

/** Every OS reading the gauges need; tests pass fakes. */
export interface SystemReadings {
  readonly os: typeof Deno.build.os;
  /** Per logical CPU, cumulative milliseconds. */
  cpuTimes(): readonly CpuTimes[];
  memory(): MemoryReading;
  loadAverage(): readonly [number, number, number];
  processMemory(): ProcessMemoryReading;
  uptimeSeconds(): number;
}

/** A `system.memory.state` value. */
export type MemoryState = "used" | "free" | "cached" | "buffers";

/** Bytes of system memory in one state. */
export interface MemoryStateBytes {
  readonly state: MemoryState;
  readonly bytes: number;
}

/** What {@linkcode registerSystemMetrics} returns. */
export interface SystemMetrics {
  /** Removes the callbacks; later collections read nothing. Safe to call twice. */
  stop(): void;
}

/**
 * The readings of this host and process. Nothing is read until a method is called.
 * Needs `--allow-sys=cpus,systemMemoryInfo,loadavg`.
 */
export function currentReadings(): SystemReadings {
  return {
    os: Deno.build.os,
    cpuTimes: () => cpus().map(({ times }) => times),
    memory: () => Deno.systemMemoryInfo(),
    loadAverage: () => {
      const [one = 0, five = 0, fifteen = 0] = Deno.loadavg();
      return [one, five, fifteen];
    },
    processMemory: () => Deno.memoryUsage(),
    uptimeSeconds: () => performance.now() / 1000,
  };
}

function busyMs(times: CpuTimes): number {
  return times.user + times.nice + times.sys + times.irq;
}

function wentBackwards(previous: CpuTimes, current: CpuTimes): boolean {
  return current.user < previous.user || current.nice < previous.nice ||
    current.sys < previous.sys || current.idle < previous.idle || current.irq < previous.irq;
}

/**
 * The busy fraction (0..1) of each logical CPU between two snapshots: busy-time delta over
 * total-time delta, busy being user + nice + sys + irq.
 *
 * A CPU reports 0 when it has no earlier snapshot, when no time passed, or when a counter went
 * backwards (a reset).
 *
 * @returns one value per CPU of `current`, by index.
 */
export function cpuUtilization(
  previous: readonly CpuTimes[],
  current: readonly CpuTimes[],
): number[] {
  return current.map((now, cpu) => {
    const before = previous[cpu];
    if (before === undefined || wentBackwards(before, now)) return 0;
    const busy = busyMs(now) - busyMs(before);
    const total = busy + now.idle - before.idle;
    if (!(total > 0) || !Number.isFinite(busy)) return 0;
    return Math.min(1, Math.max(0, busy / total));
  });
}

/**
 * Splits system memory into `system.memory.state` values.
 *
 * On Windows Deno reports `available`, `cached` and `buffers` as 0, so only `used`
 * (total − free) and `free` are given. Elsewhere `used` is total − available, or
 * total − free − buffers − cached when `available` is 0; never below 0.
 */
export function memoryStates(
  os: typeof Deno.build.os,
  memory: MemoryReading,
): MemoryStateBytes[] {
  const { total, free, available, buffers, cached } = memory;
  if (os === "windows") {
    return [
      { state: "used", bytes: Math.max(0, total - free) },
      { state: "free", bytes: free },
    ];
  }
  const used = available > 0 ? total - available : total - free - buffers - cached;
  return [
    { state: "used", bytes: Math.max(0, used) },
    { state: "free", bytes: free },
    { state: "cached", bytes: cached },
    { state: "buffers", bytes: buffers },
  ];
}

/** Whether `Deno.loadavg()` means anything on this OS (on Windows it is always zeros). */
export function hasLoadAverage(os: typeof Deno.build.os): boolean {
  return os !== "windows";
}

type Registration = readonly [BatchObservableCallback, Observable[]];

function cpuGauges(meter: Meter, readings: SystemReadings): Registration {
  const utilization = meter.createObservableGauge("system.cpu.utilization", {
    description: "Fraction of time each logical CPU was busy since the previous collection.",
    unit: "1",
  });
  let previous: readonly CpuTimes[] = [];
  try {
    previous = readings.cpuTimes();
  } catch {
    // No baseline: the first collection reads again (and the SDK reports that error).
  }
  function observeCpu(result: BatchObservableResult): void {
    const current = readings.cpuTimes();
    const fractions = cpuUtilization(previous, current);
    previous = current;
    fractions.forEach((fraction, cpu) => {
      result.observe(utilization, fraction, { [ATTR_CPU_LOGICAL_NUMBER]: cpu });
    });
  }
  return [observeCpu, [utilization]];
}

function memoryGauges(meter: Meter, readings: SystemReadings): Registration {
  const usage = meter.createObservableGauge("system.memory.usage", {
    description: "System memory in bytes, by state.",
    unit: "By",
    valueType: ValueType.INT,
  });
  const utilization = meter.createObservableGauge("system.memory.utilization", {
    description: "Fraction of system memory in each state.",
    unit: "1",
  });
  function observeMemory(result: BatchObservableResult): void {
    const memory = readings.memory();
    for (const { state, bytes } of memoryStates(readings.os, memory)) {
      const attributes = { [ATTR_SYSTEM_MEMORY_STATE]: state };
      result.observe(usage, bytes, attributes);
      result.observe(utilization, memory.total > 0 ? bytes / memory.total : 0, attributes);
    }
  }
  return [observeMemory, [usage, utilization]];
}

function loadAverageGauges(meter: Meter, readings: SystemReadings): Registration {
  const windows = [["1m", "minute"], ["5m", "5 minutes"], ["15m", "15 minutes"]] as const;
  const gauges = windows.map(([suffix, span]) =>
    meter.createObservableGauge(`system.cpu.load_average.${suffix}`, {
      description: `Average number of runnable threads over the last ${span}.`,
      unit: "{thread}",
    })
  );
  function observeLoadAverage(result: BatchObservableResult): void {
    const averages = readings.loadAverage();
    gauges.forEach((gauge, i) => result.observe(gauge, averages[i] ?? 0));
  }
  return [observeLoadAverage, gauges];
}

function processGauges(meter: Meter, readings: SystemReadings): Registration[] {
  const rss = meter.createObservableGauge("process.memory.usage", {
    description: "Resident set size of this process in bytes.",
    unit: "By",
    valueType: ValueType.INT,
  });
  const heapUsed = meter.createObservableGauge("v8js.memory.heap.used", {
    description: "V8 heap memory in use by this process in bytes.",
    unit: "By",
    valueType: ValueType.INT,
  });
  const uptime = meter.createObservableGauge("process.uptime", {
    description: "Time since this process started.",
    unit: "s",
  });
  function observeProcessMemory(result: BatchObservableResult): void {
    const memory = readings.processMemory();
    result.observe(rss, memory.rss);
    result.observe(heapUsed, memory.heapUsed);
  }
  function observeUptime(result: BatchObservableResult): void {
    result.observe(uptime, readings.uptimeSeconds());
  }
  // Two callbacks so a failing memory reading does not hide the uptime.
  return [[observeProcessMemory, [rss, heapUsed]], [observeUptime, [uptime]]];
}

/**
 * Registers the host and process gauges of DESIGN §5 on `meter`. The load-average gauges are
 * not registered at all on Windows. A CPU baseline is taken now, so the first collection
 * reports utilisation since registration.
 *
 * @returns a handle whose `stop()` removes the callbacks.
 */
export function registerSystemMetrics(meter: Meter, readings: SystemReadings): SystemMetrics {
  const registrations: Registration[] = [
    cpuGauges(meter, readings),
    memoryGauges(meter, readings),
    ...(hasLoadAverage(readings.os) ? [loadAverageGauges(meter, readings)] : []),
    ...processGauges(meter, readings),
  ];
  for (const [callback, observables] of registrations) {
    meter.addBatchObservableCallback(callback, observables);
  }
  let stopped = false;
  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      for (const [callback, observables] of registrations) {
        meter.removeBatchObservableCallback(callback, observables);
      }
    },
  };
}
