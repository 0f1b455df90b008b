/** @module Tests for reading /proc/meminfo. */

import assert from "node:assert/strict";
import { parseMeminfo } from "../../lib/proc_meminfo.ts";

const KIB = 1024;

Deno.test("parseMeminfo reads MemTotal, MemFree, Buffers and Cached as bytes (the kernel's kB are KiB)", () => {
  const text = [
    "MemTotal:       24683568 kB",
    "MemFree:        23737884 kB",
    "MemAvailable:   24175548 kB",
    "Buffers:            9676 kB",
    "Cached:           626524 kB",
    "SwapCached:            0 kB",
    "HugePages_Total:       0",
    "",
  ].join("\n");
  assert.deepEqual(parseMeminfo(text), {
    totalBytes: 24683568 * KIB,
    freeBytes: 23737884 * KIB,
    buffersBytes: 9676 * KIB,
    cachedBytes: 626524 * KIB,
  });
});

Deno.test("parseMeminfo answers undefined for a text missing one of its fields or not meminfo at all", () => {
  assert.equal(parseMeminfo(""), undefined);
  assert.equal(parseMeminfo("MemTotal: 10 kB\nMemFree: 5 kB\nBuffers: 1 kB\n"), undefined);
  assert.equal(
    parseMeminfo("MemTotal: ten kB\nMemFree: 5 kB\nBuffers: 1 kB\nCached: 1 kB"),
    undefined,
  );
  assert.equal(parseMeminfo("constructor: 1 kB\ntoString: 2 kB"), undefined);
});

Deno.test("parseMeminfo reads this machine's /proc/meminfo where there is one", () => {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/meminfo");
  } catch {
    return; // Not Linux: nothing to read.
  }
  const meminfo = parseMeminfo(text);
  assert.ok(meminfo);
  const denoTotal = Deno.systemMemoryInfo().total;
  assert.ok(Math.abs(meminfo.totalBytes - denoTotal) <= denoTotal / 100, "the same MemTotal");
  assert.ok(meminfo.freeBytes + meminfo.buffersBytes + meminfo.cachedBytes <= meminfo.totalBytes);
});
