/** @module Tests for the OTLP side of log records: attribute values as OTLP AnyValues. */

import assert from "node:assert/strict";
import { toLogAttributes } from "../../telemetry/otel_logs.ts";

Deno.test("Object attributes become maps and arrays stay arrays, nested, not JSON strings", () => {
  const bytes = new Uint8Array([1, 2]);
  assert.deepEqual(
    toLogAttributes({
      telemetry: { OTEL_TRACES_EXPORTER: "otlp", headers: ["x-api-key"], nested: { n: 1 } },
      list: [1, "two", true, { three: 3 }, undefined],
      bytes,
      count: 7,
      gone: undefined,
      none: null,
    }),
    {
      telemetry: { OTEL_TRACES_EXPORTER: "otlp", headers: ["x-api-key"], nested: { n: 1 } },
      list: [1, "two", true, { three: 3 }, null],
      bytes,
      count: 7,
    },
  );
});

Deno.test("Values JSON would rewrite are written as JSON would: bigint, Date, Map, Set, Error", () => {
  const nested = new RangeError("too far");
  const out = toLogAttributes({
    big: 12345678901234567890n,
    at: new Date("2026-11-23T10:00:00.123Z"),
    map: new Map<string, unknown>([["a", 1], ["f", () => 1]]),
    set: new Set(["x", "y"]),
    wrapped: { cause: nested },
  });
  assert.equal(out["big"], "12345678901234567890");
  assert.equal(out["at"], "2026-11-23T10:00:00.123Z");
  assert.deepEqual(out["map"], { a: 1 });
  assert.deepEqual(out["set"], ["x", "y"]);
  assert.deepEqual(out["wrapped"], {
    cause: { name: "RangeError", message: "too far", stack: nested.stack },
  });
});

Deno.test("A top-level error becomes exception.*; a cycle is cut, not a stack overflow", () => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic["self"] = cyclic;
  const error = new TypeError("boom");
  const out = toLogAttributes({ error, cyclic });
  assert.equal(out["exception.type"], "TypeError");
  assert.equal(out["exception.message"], "boom");
  assert.equal(out["exception.stacktrace"], error.stack);
  assert.equal(out["error"], undefined);
  assert.deepEqual(out["cyclic"], { name: "loop", self: "[Circular]" });
  // A value seen twice side by side is no cycle: both copies are written.
  const shared = { k: 1 };
  assert.deepEqual(toLogAttributes({ pair: [shared, shared] })["pair"], [{ k: 1 }, { k: 1 }]);
});
