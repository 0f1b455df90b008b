/** @module Reading the byte counts the memory metrics need out of Linux's `/proc/meminfo` text. */

/** The fields of `/proc/meminfo` the memory metrics use, in bytes. */
export interface Meminfo {
  /** `MemTotal`. */
  readonly totalBytes: number;
  /** `MemFree`. */
  readonly freeBytes: number;
  /** `Buffers`. */
  readonly buffersBytes: number;
  /** `Cached` (the page cache, without `SwapCached`). */
  readonly cachedBytes: number;
}

const FIELDS: ReadonlyMap<string, keyof Meminfo> = new Map([
  ["MemTotal", "totalBytes"],
  ["MemFree", "freeBytes"],
  ["Buffers", "buffersBytes"],
  ["Cached", "cachedBytes"],
]);

/**
 * Parses `/proc/meminfo` text (`MemTotal:  24683568 kB` lines; the kernel's kB are KiB).
 *
 * @returns the four fields in bytes, or `undefined` when one of them is missing or not a
 * whole number (a text that is not `/proc/meminfo`).
 */
export function parseMeminfo(text: string): Meminfo | undefined {
  const found: Partial<Record<keyof Meminfo, number>> = {};
  for (const line of text.split("\n")) {
    const match = /^(\w+):\s+(\d+)( kB)?\s*$/.exec(line);
    const field = match === null ? undefined : FIELDS.get(match[1]!);
    if (match === null || field === undefined) continue;
    found[field] = Number(match[2]) * (match[3] === undefined ? 1 : 1024);
  }
  const { totalBytes, freeBytes, buffersBytes, cachedBytes } = found;
  if (
    totalBytes === undefined || freeBytes === undefined || buffersBytes === undefined ||
    cachedBytes === undefined
  ) {
    return undefined;
  }
  return { totalBytes, freeBytes, buffersBytes, cachedBytes };
}
