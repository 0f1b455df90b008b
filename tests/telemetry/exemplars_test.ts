/** @module Tests for the bucket-aligned exemplar reservoir. */

import assert from "node:assert/strict";
import {
  BucketExemplars,
  ExemplarReservoirs,
  MAX_EXEMPLAR_SERIES,
  msToHrTime,
} from "../../telemetry/exemplars.ts";

const TRACE = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };
const OTHER = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
const ALWAYS: [[number, number], [number, number]] = [[0, 0], [4_000_000_000, 0]];

Deno.test("Each bucket keeps the last measurement that fell in it; a bound belongs to its own bucket", () => {
  const exemplars = new BucketExemplars([0.1, 1]);
  const attributes = { "http.route": "/board/:count" };
  exemplars.record(0.05, attributes, TRACE, 1000);
  exemplars.record(0.1, attributes, OTHER, 2000);
  exemplars.record(0.5, attributes, TRACE, 3000);
  exemplars.record(7, attributes, OTHER, 4000);
  assert.deepEqual(exemplars.forPoint({ "http.route": "/board/:count" }, ...ALWAYS), [
    { value: 0.1, timeMs: 2000, ...OTHER },
    { value: 0.5, timeMs: 3000, ...TRACE },
    { value: 7, timeMs: 4000, ...OTHER },
  ]);
  assert.equal(exemplars.forPoint({ "http.route": "/other" }, ...ALWAYS), undefined);
});

Deno.test("A point gets only the exemplars measured within its start and end", () => {
  const exemplars = new BucketExemplars([1]);
  exemplars.record(0.5, {}, TRACE, 1_000);
  exemplars.record(5, {}, OTHER, 5_000);
  assert.deepEqual(exemplars.forPoint({}, msToHrTime(2_000), msToHrTime(6_000)), [
    undefined,
    { value: 5, timeMs: 5_000, ...OTHER },
  ]);
  assert.equal(exemplars.forPoint({}, msToHrTime(6_000), msToHrTime(9_000)), undefined);
});

Deno.test(`Past ${MAX_EXEMPLAR_SERIES} attribute sets, new sets get no exemplars (memory stays bounded)`, () => {
  const exemplars = new BucketExemplars([1]);
  for (let i = 0; i <= MAX_EXEMPLAR_SERIES; i++) exemplars.record(0.5, { n: i }, TRACE, 1000);
  assert.ok(exemplars.forPoint({ n: MAX_EXEMPLAR_SERIES - 1 }, ...ALWAYS) !== undefined);
  assert.equal(exemplars.forPoint({ n: MAX_EXEMPLAR_SERIES }, ...ALWAYS), undefined);
});

Deno.test("Reservoirs are found by histogram name", () => {
  const reservoirs = new ExemplarReservoirs();
  const made = reservoirs.histogram("http.server.request.duration", [1]);
  assert.equal(reservoirs.histogram("http.server.request.duration", [1]), made);
  assert.equal(reservoirs.get("http.server.request.duration"), made);
  assert.equal(reservoirs.get("db.client.operation.duration"), undefined);
});

Deno.test("msToHrTime splits epoch milliseconds into seconds and nanoseconds", () => {
  assert.deepEqual(msToHrTime(1_764_740_000_123.5), [1_764_740_000, 123_500_000]);
  assert.deepEqual(msToHrTime(0), [0, 0]);
});
