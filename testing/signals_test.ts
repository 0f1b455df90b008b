/** @module Tests for fakeSignals: listeners added and removed, signals fired, the clock moved. */

import assert from "node:assert/strict";
import { fakeSignals } from "./signals.ts";

Deno.test("fakeSignals fires a signal at its listeners until they stop listening", () => {
  const signals = fakeSignals();
  const heard: string[] = [];
  const stop = signals.source.listen("SIGTERM", () => heard.push("term"));
  signals.source.listen("SIGINT", () => heard.push("int"));
  signals.fire("SIGTERM");
  assert.deepEqual(heard, ["term"]);
  assert.equal(signals.listeners("SIGTERM"), 1);
  stop();
  signals.fire("SIGTERM");
  assert.deepEqual(heard, ["term"]);
  assert.equal(signals.listeners("SIGTERM"), 0);
  assert.equal(signals.listeners("SIGINT"), 1);
});

Deno.test("fakeSignals' clock starts at 0 and moves only when advanced", () => {
  const signals = fakeSignals();
  assert.equal(signals.now(), 0);
  signals.advance(999);
  signals.advance(2);
  assert.equal(signals.now(), 1001);
});
