/**
 * @module CPU metrics from `node:os` cumulative CPU times: `system.cpu.time` (a counter, so
 * backends compute their own rates) and `system.cpu.utilization` (a gauge), the latter over each
 * metric reader's own collection interval.
 *
 * The SDK runs observable callbacks once per collection of *any* reader and does not tell them
 * which reader asked; the meter provider (telemetry/metrics.ts) runs each reader's collections
 * inside an async context naming the reader, and `collectingReader` reads it. So the OTLP
 * reader's utilisation covers the time since its previous export, and a `/metrics` scrape's the
 * time since the previous scrape, however the two interleave.
 */

import type { BatchObservableResult, Meter } from "@opentelemetry/api";

/** `cpu.logical_number` (incubating semantic convention). */
export const ATTR_CPU_LOGICAL_NUMBER = "cpu.logical_number";
/** `cpu.mode` (incubating semantic convention). */
export const ATTR_CPU_MODE = "cpu.mode";

/** Cumulative CPU times of one logical CPU in milliseconds, as `node:os` `cpus()[i].times`. */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly sys: number;
  readonly idle: number;
  readonly irq: number;
}

/** Where the CPU figures come from; tests pass fakes. */
export interface CpuSource {
  readonly os: typeof Deno.build.os;
  /** Per logical CPU, cumulative milliseconds. */
  cpuTimes(): readonly CpuTimes[];
}

/**
 * The CPU time (busy + idle, of that CPU) a reader's window must span before it gives a new
 * utilisation: `node:os` counts in 10 ms ticks, so a shorter window could only read 0 or 1.
 */
export const MIN_CPU_WINDOW_MS = 100;

const SINCE_BOOT: CpuTimes = { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };

function busyMs(times: CpuTimes): number {
  return times.user + times.nice + times.sys + times.irq;
}

function totalMs(times: CpuTimes): number {
  return busyMs(times) + times.idle;
}

function wentBackwards(previous: CpuTimes, current: CpuTimes): boolean {
  return current.user < previous.user || current.nice < previous.nice ||
    current.sys < previous.sys || current.idle < previous.idle || current.irq < previous.irq;
}

/** Busy-time delta over total-time delta, clamped to 0..1; `undefined` when no time passed. */
function busyFraction(start: CpuTimes, end: CpuTimes): number | undefined {
  const total = totalMs(end) - totalMs(start);
  if (!(total > 0) || !Number.isFinite(total)) return undefined;
  return Math.min(1, Math.max(0, (busyMs(end) - busyMs(start)) / total));
}

interface ReaderWindow {
  /** Per CPU, the snapshot the reader's current window started at. */
  readonly start: CpuTimes[];
  /** Per CPU, the utilisation of the reader's last complete window. */
  readonly last: (number | undefined)[];
}

/**
 * CPU utilisation per metric reader: each reader's window runs from its previous complete window
 * to its current collection, busy being user + nice + sys + irq.
 *
 * - A reader's first window starts at the baseline (the snapshot at registration).
 * - A window shorter than {@link MIN_CPU_WINDOW_MS} does not end: the reader gets its last
 *   value again (or, before it has one, the average since boot).
 * - A CPU whose counters went backwards (a reset) or that appeared later counts from zero.
 */
export class CpuUtilizationWindows {
  readonly #baseline: readonly CpuTimes[];
  readonly #windows = new Map<unknown, ReaderWindow>();

  /** @param baseline the snapshot every reader's first window starts at */
  constructor(baseline: readonly CpuTimes[]) {
    this.#baseline = baseline;
  }

  /**
   * The utilisation of each CPU of `current` for `reader` (any value naming it; `undefined` for
   * readers that are not told apart), by index; `undefined` for a CPU with no time measured.
   */
  next(reader: unknown, current: readonly CpuTimes[]): (number | undefined)[] {
    let window = this.#windows.get(reader);
    if (window === undefined) {
      window = { start: [...this.#baseline], last: [] };
      this.#windows.set(reader, window);
    }
    const { start, last } = window;
    return current.map((now, cpu) => {
      let from = start[cpu] ?? SINCE_BOOT;
      if (wentBackwards(from, now)) from = SINCE_BOOT;
      if (totalMs(now) - totalMs(from) >= MIN_CPU_WINDOW_MS) {
        start[cpu] = now;
        last[cpu] = busyFraction(from, now);
        return last[cpu];
      }
      return last[cpu] ?? busyFraction(SINCE_BOOT, now);
    });
  }
}

/** `cpu.mode` per `node:os` field; `nice` only where it exists (not on Windows). */
function cpuModes(os: typeof Deno.build.os): readonly (readonly [string, keyof CpuTimes])[] {
  const modes = [
    ["user", "user"],
    ["system", "sys"],
    ["idle", "idle"],
    ["interrupt", "irq"],
  ] as const;
  return os === "windows" ? modes : [...modes, ["nice", "nice"]];
}

/** Options of {@link observeCpu}. */
export interface CpuObserveOptions {
  /** The metric reader whose collection is running (`undefined`: readers are not told apart). */
  readonly collectingReader?: () => unknown;
}

/**
 * Registers `system.cpu.time` and `system.cpu.utilization` on `meter`, reading `source` once per
 * collection. A CPU baseline is taken now, so a reader's first utilisation covers the time since
 * registration.
 *
 * @returns a function that removes the callback.
 */
export function observeCpu(
  meter: Meter,
  source: CpuSource,
  options: CpuObserveOptions = {},
): () => void {
  const time = meter.createObservableCounter("system.cpu.time", {
    description: "Seconds each logical CPU spent in each mode.",
    unit: "s",
  });
  const utilization = meter.createObservableGauge("system.cpu.utilization", {
    description: "Fraction of time each logical CPU was busy over the reader's interval.",
    unit: "1",
  });
  let baseline: readonly CpuTimes[] = [];
  try {
    baseline = source.cpuTimes();
  } catch {
    // No baseline: first windows count from boot (and the SDK reports the error at collection).
  }
  const windows = new CpuUtilizationWindows(baseline);
  const modes = cpuModes(source.os);
  const collectingReader = options.collectingReader ?? (() => undefined);
  function observeCpuTimes(result: BatchObservableResult): void {
    const current = source.cpuTimes();
    current.forEach((times, cpu) => {
      for (const [mode, field] of modes) {
        const attributes = { [ATTR_CPU_LOGICAL_NUMBER]: cpu, [ATTR_CPU_MODE]: mode };
        result.observe(time, times[field] / 1000, attributes);
      }
    });
    windows.next(collectingReader(), current).forEach((fraction, cpu) => {
      if (fraction !== undefined) {
        result.observe(utilization, fraction, { [ATTR_CPU_LOGICAL_NUMBER]: cpu });
      }
    });
  }
  meter.addBatchObservableCallback(observeCpuTimes, [time, utilization]);
  return () => meter.removeBatchObservableCallback(observeCpuTimes, [time, utilization]);
}
