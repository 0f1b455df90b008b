/**
 * @module System memory metrics: `system.memory.usage` (an observable UpDownCounter, as the
 * semantic conventions define it) and `system.memory.utilization` (a gauge), by
 * `system.memory.state`, with only the states this OS really reports.
 */

import type { BatchObservableResult, Meter } from "@opentelemetry/api";
import { ValueType } from "@opentelemetry/api";
import { type Meminfo, parseMeminfo } from "../lib/proc_meminfo.ts";

/** `system.memory.state` (incubating semantic convention). */
export const ATTR_SYSTEM_MEMORY_STATE = "system.memory.state";

/** System memory in bytes, as `Deno.systemMemoryInfo()` reports it. */
export interface MemoryReading {
  readonly total: number;
  readonly free: number;
  readonly available: number;
  readonly buffers: number;
  readonly cached: number;
}

/** Where the memory figures come from; tests pass fakes. */
export interface MemorySource {
  readonly os: typeof Deno.build.os;
  /** `Deno.systemMemoryInfo()`. */
  memory(): MemoryReading;
  /** The text of `/proc/meminfo`, or `undefined` where there is none or it cannot be read. */
  procMeminfo(): string | undefined;
}

/** A `system.memory.state` value. */
export type MemoryState = "used" | "free" | "cached" | "buffers";

/** Bytes of system memory in one state. */
export interface MemoryStateBytes {
  readonly state: MemoryState;
  readonly bytes: number;
}

/** The states of one reading and the total they are fractions of. */
export interface MemoryStates {
  readonly totalBytes: number;
  readonly states: readonly MemoryStateBytes[];
}

/**
 * Splits Linux memory as `/proc/meminfo` reports it: `used` = MemTotal − MemFree − Buffers −
 * Cached (the Collector hostmetrics receiver's formula, never below 0), `free`, `cached` and
 * `buffers`; the four add up to the total.
 */
export function meminfoStates(meminfo: Meminfo): MemoryStates {
  const { totalBytes, freeBytes, buffersBytes, cachedBytes } = meminfo;
  return {
    totalBytes,
    states: [
      { state: "used", bytes: Math.max(0, totalBytes - freeBytes - buffersBytes - cachedBytes) },
      { state: "free", bytes: freeBytes },
      { state: "cached", bytes: cachedBytes },
      { state: "buffers", bytes: buffersBytes },
    ],
  };
}

/**
 * Splits a `Deno.systemMemoryInfo()` reading into the states it really gives, leaving out a
 * state rather than sending a made-up 0:
 *
 * - Windows: Deno reports `available`, `cached` and `buffers` as 0, so `used` = total − free,
 *   and `free`.
 * - Elsewhere: `used` = total − available (the kernel's own estimate; total − free when it gives
 *   none) and `free`; on Linux also `buffers`. Never `cached`: Deno reports it as 0 on Linux.
 *
 * No value goes below 0.
 */
export function memoryStates(os: typeof Deno.build.os, memory: MemoryReading): MemoryStates {
  const { total, free, available, buffers } = memory;
  const used = os === "windows" || !(available > 0) ? total - free : total - available;
  const states: MemoryStateBytes[] = [
    { state: "used", bytes: Math.max(0, used) },
    { state: "free", bytes: free },
  ];
  if (os === "linux") states.push({ state: "buffers", bytes: buffers });
  return { totalBytes: total, states };
}

/**
 * One reading of `source`: on Linux `/proc/meminfo` when it can be read and parsed (then
 * `Deno.systemMemoryInfo()` is not called), else `Deno.systemMemoryInfo()`.
 */
export function readMemoryStates(source: MemorySource): MemoryStates {
  const text = source.os === "linux" ? source.procMeminfo() : undefined;
  const meminfo = text === undefined ? undefined : parseMeminfo(text);
  return meminfo === undefined ? memoryStates(source.os, source.memory()) : meminfoStates(meminfo);
}

/**
 * Registers `system.memory.usage` and `system.memory.utilization` on `meter`, read from `source`
 * once per collection.
 *
 * @returns a function that removes the callback.
 */
export function observeSystemMemory(meter: Meter, source: MemorySource): () => void {
  const usage = meter.createObservableUpDownCounter("system.memory.usage", {
    description: "System memory in bytes, by state.",
    unit: "By",
    valueType: ValueType.INT,
  });
  const utilization = meter.createObservableGauge("system.memory.utilization", {
    description: "Fraction of system memory in each state.",
    unit: "1",
  });
  function observeMemory(result: BatchObservableResult): void {
    const { totalBytes, states } = readMemoryStates(source);
    for (const { state, bytes } of states) {
      const attributes = { [ATTR_SYSTEM_MEMORY_STATE]: state };
      result.observe(usage, bytes, attributes);
      result.observe(utilization, totalBytes > 0 ? bytes / totalBytes : 0, attributes);
    }
  }
  meter.addBatchObservableCallback(observeMemory, [usage, utilization]);
  return () => meter.removeBatchObservableCallback(observeMemory, [usage, utilization]);
}
