/** @module Tests for isoTime: exactly Date#toISOString, whatever the cache holds. */

import assert from "node:assert/strict";
import { isoTime } from "../../lib/iso_time.ts";

Deno.test("isoTime gives Date#toISOString for every millisecond around second, day and era boundaries", () => {
  const anchors = [
    0,
    Date.UTC(2026, 11, 1, 11, 5, 23),
    Date.UTC(2026, 11, 31, 23, 59, 59),
    Date.UTC(1969, 11, 31, 23, 59, 59),
    Date.UTC(9999, 11, 31, 23, 59, 59),
    Date.UTC(10000, 0, 1),
    -62198755200000, // year -0001
    8.64e15, // the last valid time
  ];
  for (const anchor of anchors) {
    for (let offset = -1500; offset <= 1500; offset += 7) {
      const ms = anchor + offset;
      if (Math.abs(ms) > 8.64e15) continue;
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
  }
});

Deno.test("isoTime truncates fractions like Date does, and refuses an invalid time like it", () => {
  for (const ms of [1.9, -1.9, 1764587123456.75, -0.5]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  }
  assert.throws(() => isoTime(NaN), RangeError);
  assert.throws(() => isoTime(8.64e15 + 1), RangeError);
});
