/** @module Tests of the replay guard: first sightings, repeats, expiry and its bound. */

import assert from "node:assert/strict";
import { ReplayGuard } from "../../lib/replay_guard.ts";

Deno.test("A key is new once, a repeat is refused until the key expires", () => {
  const guard = new ReplayGuard();
  assert.equal(guard.firstSighting("a", 1000, 0), true);
  assert.equal(guard.firstSighting("a", 1000, 999), false);
  assert.equal(guard.firstSighting("b", 1000, 999), true, "another key is apart");
  assert.equal(guard.firstSighting("a", 2000, 1000), true, "expired: new again");
  assert.equal(guard.firstSighting("a", 2000, 1500), false);
});

Deno.test("The guard holds at most maxKeys keys, forgetting the oldest first, and drops expired ones", () => {
  const guard = new ReplayGuard(3);
  for (const key of ["a", "b", "c", "d"]) assert.equal(guard.firstSighting(key, 10_000, 0), true);
  assert.equal(guard.size(), 3);
  assert.equal(guard.firstSighting("a", 10_000, 1), true, "the oldest was forgotten");
  assert.equal(guard.firstSighting("d", 10_000, 1), false);
  const expiring = new ReplayGuard();
  expiring.firstSighting("x", 10, 0);
  expiring.firstSighting("y", 10, 0);
  expiring.firstSighting("z", 100, 50);
  assert.equal(expiring.size(), 1, "x and y expired and were dropped");
  assert.throws(() => new ReplayGuard(0), /at least 1/);
});
