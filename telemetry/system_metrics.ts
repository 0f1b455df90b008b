/**
 * @module Host and process metrics (CPU, memory, load average, RSS, heap, uptime), with every
 * OS reading injected so the Windows branches are testable anywhere.
 *
 * Each source (CPU times, system memory, load average, process memory and uptime) has its own
 * batch callback: one collection reads each source once, and a source that fails (for example
 * `--allow-sys` without `cpus`) costs only its own instruments; the SDK reports the error.
 * CPU lives in cpu_metrics.ts, system memory in memory_metrics.ts.
 */

import type {
  BatchObservableCallback,
  BatchObservableResult,
  Meter,
  Observable,
} from "@opentelemetry/api";
import { ValueType } from "@opentelemetry/api";
import { cpus } from "node:os";
import { type CpuSource, observeCpu } from "./cpu_metrics.ts";
import { type MemorySource, observeSystemMemory } from "./memory_metrics.ts";

/** Process memory in bytes, as `Deno.memoryUsage()` reports it. */
export interface ProcessMemoryReading {
  readonly rss: number;
  readonly heapUsed: number;
}

/** Every OS reading the metrics need; tests pass fakes. */
export interface SystemReadings extends CpuSource, MemorySource {
  loadAverage(): readonly [number, number, number];
  processMemory(): ProcessMemoryReading;
  uptimeSeconds(): number;
}

/** What {@linkcode registerSystemMetrics} returns. */
export interface SystemMetrics {
  /** Removes the callbacks; later collections read nothing. Safe to call twice. */
  stop(): void;
}

/**
 * The readings of this host and process. Nothing is read until a method is called.
 * Needs `--allow-sys=cpus,systemMemoryInfo,loadavg`. The `cached` memory state needs
 * `/proc/meminfo`, which Deno lets only `--allow-all` read; without it that state is left out.
 */
export function currentReadings(): SystemReadings {
  // Deno lets only --allow-all read /proc, so under the service's own permission set this
  // fails; one failure is enough to know.
  let meminfoReadable = Deno.build.os === "linux";
  return {
    os: Deno.build.os,
    cpuTimes: () => cpus().map(({ times }) => times),
    memory: () => Deno.systemMemoryInfo(),
    procMeminfo: () => {
      if (!meminfoReadable) return undefined;
      try {
        return Deno.readTextFileSync("/proc/meminfo");
      } catch {
        meminfoReadable = false;
        return undefined;
      }
    },
    loadAverage: () => {
      const [one = 0, five = 0, fifteen = 0] = Deno.loadavg();
      return [one, five, fifteen];
    },
    processMemory: () => Deno.memoryUsage(),
    uptimeSeconds: () => performance.now() / 1000,
  };
}

/** Whether `Deno.loadavg()` means anything on this OS (on Windows it is always zeros). */
export function hasLoadAverage(os: typeof Deno.build.os): boolean {
  return os !== "windows";
}

type Registration = readonly [BatchObservableCallback, Observable[]];

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

function processMetrics(meter: Meter, readings: SystemReadings): Registration[] {
  // UpDownCounters, as the semantic conventions define these two: sums of their parts.
  const rss = meter.createObservableUpDownCounter("process.memory.usage", {
    description: "Resident set size of this process in bytes.",
    unit: "By",
    valueType: ValueType.INT,
  });
  const heapUsed = meter.createObservableUpDownCounter("v8js.memory.heap.used", {
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

/** Options of {@link registerSystemMetrics}. */
export interface SystemMetricsOptions {
  /** The metric reader whose collection is running, for per-reader CPU utilisation. */
  readonly collectingReader?: () => unknown;
}

/**
 * Registers the host and process metrics of DESIGN §5 on `meter`. The load-average gauges are
 * not registered at all on Windows. A CPU baseline is taken now, so each reader's first
 * utilisation covers the time since registration.
 *
 * @returns a handle whose `stop()` removes the callbacks.
 */
export function registerSystemMetrics(
  meter: Meter,
  readings: SystemReadings,
  options: SystemMetricsOptions = {},
): SystemMetrics {
  const removers = [observeCpu(meter, readings, options), observeSystemMemory(meter, readings)];
  const registrations: Registration[] = [
    ...(hasLoadAverage(readings.os) ? [loadAverageGauges(meter, readings)] : []),
    ...processMetrics(meter, readings),
  ];
  for (const [callback, observables] of registrations) {
    meter.addBatchObservableCallback(callback, observables);
    removers.push(() => meter.removeBatchObservableCallback(callback, observables));
  }
  let stopped = false;
  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      for (const remove of removers) remove();
    },
  };
}
