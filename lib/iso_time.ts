/**
 * @module ISO-8601 UTC timestamps (`new Date(ms).toISOString()`) for epoch milliseconds,
 * cheaper on a hot path: the date-and-second part is reused while the second lasts.
 */

/** The largest distance from the epoch a Date can hold, in milliseconds. */
const MAX_TIME = 8.64e15;

let cachedSecond = NaN;
let cachedPrefix = "";

/** The same string as `new Date(epochMs).toISOString()`; throws RangeError for an invalid time. */
export function isoTime(epochMs: number): string {
  const ms = Math.trunc(epochMs);
  if (!(Math.abs(ms) <= MAX_TIME)) throw new RangeError("Invalid time value");
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    // "2026-12-01T11:05:23.000Z" without "000Z".
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4);
    cachedSecond = second;
  }
  const milli = ms - second * 1000;
  return cachedPrefix + (milli < 10 ? "00" : milli < 100 ? "0" : "") + milli + "Z";
}
