/** @module Tests for stop signals: which signals stop the service, duplicates and forced exits. */

import assert from "node:assert/strict";
import {
  DUPLICATE_SIGNAL_WINDOW_MS,
  StopRequests,
  type StopSignal,
  stopSignals,
} from "../../lib/stop_signals.ts";
import { fakeSignals } from "../../testing/signals.ts";

Deno.test("On Linux and macOS, SIGINT and SIGTERM stop the service; SIGHUP is left alone", () => {
  assert.deepEqual(stopSignals("linux"), ["SIGINT", "SIGTERM"]);
  assert.deepEqual(stopSignals("darwin"), ["SIGINT", "SIGTERM"]);
});

Deno.test("On Windows, Ctrl+C, Ctrl+Break, closing the console and SIGTERM stop the service", () => {
  assert.deepEqual(stopSignals("windows"), ["SIGINT", "SIGBREAK", "SIGHUP", "SIGTERM"]);
});

Deno.test("Two stop signals back to back are one stop request, never a forced exit", async () => {
  const fake = fakeSignals();
  using stops = new StopRequests({ os: "linux", source: fake.source, now: fake.now });
  const forced: StopSignal[] = [];
  stops.onForce((signal) => void forced.push(signal));
  fake.fire("SIGINT");
  fake.advance(0.01);
  fake.fire("SIGINT");
  fake.advance(DUPLICATE_SIGNAL_WINDOW_MS - 1);
  fake.fire("SIGTERM");
  assert.equal(await stops.requested, "SIGINT");
  assert.deepEqual(forced, []);
});

Deno.test("A stop signal later than the duplicate window asks for a forced exit", async () => {
  const fake = fakeSignals();
  using stops = new StopRequests({ os: "linux", source: fake.source, now: fake.now });
  const forced: StopSignal[] = [];
  stops.onForce((signal) => void forced.push(signal));
  fake.fire("SIGTERM");
  fake.advance(DUPLICATE_SIGNAL_WINDOW_MS + 1);
  fake.fire("SIGINT");
  assert.equal(await stops.requested, "SIGTERM");
  assert.deepEqual(forced, ["SIGINT"]);
});

Deno.test("The listeners stay installed from start-up until disposed, one per stop signal", () => {
  const fake = fakeSignals();
  const stops = new StopRequests({ os: "windows", source: fake.source, now: fake.now });
  fake.fire("SIGBREAK");
  fake.advance(5000);
  fake.fire("SIGHUP");
  for (const signal of stopSignals("windows")) assert.equal(fake.listeners(signal), 1);
  stops[Symbol.dispose]();
  for (const signal of stopSignals("windows")) assert.equal(fake.listeners(signal), 0);
});

Deno.test("After a stop signal, exiting waits out the rest of the duplicate window, and only that", async () => {
  const fake = fakeSignals();
  using stops = new StopRequests({
    os: "linux",
    source: fake.source,
    now: fake.now,
    duplicateWindowMs: 40,
  });
  let waited = false;
  await stops.afterDuplicateWindow().then(() => waited = true);
  assert.ok(waited, "no signal yet: nothing to wait for");
  fake.fire("SIGTERM");
  fake.advance(10);
  let over = false;
  const pending = stops.afterDuplicateWindow().then(() => over = true);
  await Promise.resolve();
  assert.equal(over, false, "30 ms of the window remain");
  await pending;
  assert.ok(over);
  fake.advance(30);
  let again = false;
  await stops.afterDuplicateWindow().then(() => again = true);
  assert.ok(again, "the window is over: at once");
});
