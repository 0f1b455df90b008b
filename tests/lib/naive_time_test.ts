/**
 * @module Tests for lib/naive_time.ts: SQLAlchemy's naive DATETIME text read in a zone, with
 * and without a fraction, across daylight-saving transitions, and refused when it is no time.
 */

import assert from "node:assert/strict";
import { isTimeZone, localTimeZone, NaiveTimeReader } from "../../lib/naive_time.ts";

const CASES: readonly [zone: string, naive: string, utc: string | undefined, why: string][] = [
  ["Asia/Seoul", "2024-07-01 10:00:00.000000", "2024-07-01T01:00:00.000Z", "six-digit fraction"],
  ["Asia/Seoul", "2024-07-01 10:00:00", "2024-07-01T01:00:00.000Z", "no fraction"],
  ["Asia/Seoul", "2024-07-01 10:00:00.5", "2024-07-01T01:00:00.500Z", "short fraction"],
  ["Asia/Seoul", "2024-07-01 10:00:00.123999", "2024-07-01T01:00:00.123Z", "cut to ms"],
  ["Asia/Seoul", "2024-01-01 00:30:00", "2023-12-31T15:30:00.000Z", "the day before in UTC"],
  ["Asia/Seoul", "2024-07-01T10:00:00", "2024-07-01T01:00:00.000Z", "a T separator"],
  ["Europe/Berlin", "2024-01-15 12:00:00", "2024-01-15T11:00:00.000Z", "winter, +01:00"],
  ["Europe/Berlin", "2024-07-15 12:00:00", "2024-07-15T10:00:00.000Z", "summer, +02:00"],
  ["Europe/Berlin", "2024-03-31 01:59:59", "2024-03-31T00:59:59.000Z", "just before the gap"],
  ["Europe/Berlin", "2024-03-31 02:30:00", "2024-03-31T01:30:00.000Z", "in the gap: 03:30"],
  ["Europe/Berlin", "2024-03-31 03:00:00", "2024-03-31T01:00:00.000Z", "just after the gap"],
  ["Europe/Berlin", "2024-10-27 01:59:59", "2024-10-26T23:59:59.000Z", "before the overlap"],
  ["Europe/Berlin", "2024-10-27 02:30:00", "2024-10-27T00:30:00.000Z", "twice: the first"],
  ["Europe/Berlin", "2024-10-27 03:00:00", "2024-10-27T02:00:00.000Z", "after the overlap"],
  ["UTC", "2024-02-29 23:59:59.999", "2024-02-29T23:59:59.999Z", "a leap day"],
  ["UTC", "2024-02-30 10:00:00", undefined, "no February 30"],
  ["UTC", "2024-07-01 24:00:00", undefined, "no hour 24"],
  ["UTC", "2024-07-01 10:00:60", undefined, "no second 60"],
  ["UTC", "2024-07-01", undefined, "a date alone"],
  ["UTC", "01/07/2024 10:00", undefined, "another format"],
  ["UTC", "2024-07-01 10:00:00.1234567", undefined, "seven fraction digits"],
  ["UTC", "2024-07-01 10:00:00+09:00", undefined, "an offset: not naive"],
  ["UTC", "", undefined, "empty"],
];

Deno.test("Naive times are read in the given zone and written as ISO-8601 UTC with milliseconds", () => {
  for (const [zone, naive, utc, why] of CASES) {
    assert.equal(new NaiveTimeReader(zone).toUtc(naive), utc, `${zone} ${naive} (${why})`);
  }
});

Deno.test("Time zone names are checked: IANA names and UTC pass, anything else does not", () => {
  for (const zone of ["Asia/Seoul", "Europe/Berlin", "UTC", localTimeZone()]) {
    assert.ok(isTimeZone(zone), zone);
  }
  for (const zone of ["Asia/Nowhere", "", "Seoul", "KST+9"]) assert.ok(!isTimeZone(zone), zone);
  assert.throws(() => new NaiveTimeReader("Asia/Nowhere"), RangeError);
});
