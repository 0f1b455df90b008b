/** @module Tests of the timing beacon's shape: what is taken, clipped, defaulted and refused. */

import assert from "node:assert/strict";
import { BeaconShapeError, MAX_PATH_CHARS, parseBeacon } from "../../routes/rum_beacon.ts";
import { beaconBody, type IssuedPage, SAMPLE_NAVIGATION } from "../../testing/rum_beacon.ts";

const PAGE: IssuedPage = {
  traceparent: `00-${"4b".repeat(16)}-00f067aa0ba902b7-01`,
  traceId: "4b".repeat(16),
  spanId: "00f067aa0ba902b7",
  issuedAtMs: 1_800_000_000_000,
  signature: "s".repeat(43),
  path: "/",
};

function refused(changes: Record<string, unknown>, message: RegExp): void {
  assert.throws(() => parseBeacon(beaconBody(PAGE, changes)), BeaconShapeError);
  assert.throws(() => parseBeacon(beaconBody(PAGE, changes)), message);
}

Deno.test("A well-formed beacon is taken with its ids, flags and timings", () => {
  const beacon = parseBeacon(beaconBody(PAGE, { unknown_field: "ignored" }));
  assert.equal(beacon.traceId, PAGE.traceId);
  assert.equal(beacon.spanId, PAGE.spanId);
  assert.equal(beacon.sampled, true);
  assert.equal(beacon.issuedAtMs, PAGE.issuedAtMs);
  assert.deepEqual(beacon.navigation, SAMPLE_NAVIGATION);
  assert.deepEqual(beacon.fetches, []);
  const unsampled = parseBeacon(
    beaconBody(PAGE, { traceparent: PAGE.traceparent.replace(/01$/, "00") }),
  );
  assert.equal(unsampled.sampled, false);
});

Deno.test("Sizes and statuses the browser did not give are 0; a long path is clipped", () => {
  const { transferSize: _size, responseStatus: _status, type: _type, ...times } = SAMPLE_NAVIGATION;
  const beacon = parseBeacon(beaconBody(PAGE, {
    navigation: times,
    path: `/${"가".repeat(400)}`,
    fetches: [{ path: "/board", startTime: 1, requestStart: 2, responseStart: 3, responseEnd: 4 }],
  }));
  assert.equal(beacon.navigation.transferSize, 0);
  assert.equal(beacon.navigation.responseStatus, 0);
  assert.equal(beacon.navigation.type, "navigate");
  assert.equal([...beacon.path].length, MAX_PATH_CHARS);
  assert.deepEqual(beacon.fetches[0], {
    path: "/board",
    startTime: 1,
    requestStart: 2,
    responseStart: 3,
    responseEnd: 4,
    transferSize: 0,
    responseStatus: 0,
  });
});

Deno.test("A beacon with a wrong or missing field is refused, naming it", () => {
  const nav = (changes: Record<string, unknown>) => ({
    navigation: { ...SAMPLE_NAVIGATION, ...changes },
  });
  refused({ traceparent: undefined }, /traceparent/);
  refused({ traceparent: `01-${"4b".repeat(16)}-00f067aa0ba902b7-01` }, /traceparent/);
  refused({ traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` }, /traceparent/);
  refused({ issued_at: "1800000000000" }, /issued_at/);
  refused({ issued_at: 1.5 }, /issued_at/);
  refused({ signature: "s".repeat(65) }, /signature/);
  refused({ path: "https://elsewhere.example/" }, /path/);
  refused({ path: "//elsewhere.example/" }, /path/);
  refused({ navigation: [] }, /navigation must be a JSON object/);
  refused(nav({ requestStart: undefined }), /navigation\.requestStart/);
  refused(nav({ requestStart: -1 }), /at least 0/);
  refused(nav({ domComplete: Number.POSITIVE_INFINITY }), /finite/);
  refused(nav({ loadEventEnd: 3_600_000 }), /under an hour/);
  refused(nav({ transferSize: 1.5 }), /transferSize/);
  refused(nav({ responseStatus: 99 }), /responseStatus/);
  refused(nav({ type: "teleport" }), /navigation\.type/);
  refused({ fetches: {} }, /fetches must be an array/);
  refused({ fetches: Array(21).fill({}) }, /at most 20/);
  refused({ fetches: [{ path: "/x", startTime: 1 }] }, /fetches\[0\]\.requestStart/);
  assert.throws(() => parseBeacon([]), /the body must be a JSON object/);
  assert.throws(() => parseBeacon(null), BeaconShapeError);
});
