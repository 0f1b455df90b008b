/** @module Tests for the rate-limited failure reports. */

import assert from "node:assert/strict";
import { FailureLogThrottle } from "../../lib/failure_log_throttle.ts";

Deno.test("The first failure is reported at once, later ones once per interval with their count", () => {
  let now = 1_000;
  const throttle = new FailureLogThrottle(10_000, () => now);
  assert.equal(throttle.failed(), 1);
  now += 4_000;
  assert.equal(throttle.failed(), undefined);
  now += 5_999;
  assert.equal(throttle.failed(), undefined);
  now += 1;
  assert.equal(throttle.failed(), 3, "the two held back and this one");
  assert.equal(throttle.failed(), undefined);
  now += 60_000;
  assert.equal(throttle.failed(), 2);
});
