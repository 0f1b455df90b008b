/** @module Tests of testing/every_counter_traffic.ts against an in-process app. */

import assert from "node:assert/strict";
import { exerciseEveryCounter } from "./every_counter_traffic.ts";
import { TELEMETRY, testApp } from "./test_app.ts";

Deno.test("exerciseEveryCounter moves every business counter, sign-ins of both outcomes included", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  await exerciseEveryCounter((path, init) => t.request(path, init));
  const metrics = await t.collectMetrics();
  for (
    const name of [
      "app.board.posts.created",
      "app.board.posts.updated",
      "app.board.posts.deleted",
      "app.accounts.registrations",
    ]
  ) {
    const points = metrics.get(name)?.dataPoints ?? [];
    assert.equal(points.reduce((n, p) => n + Number(p.value), 0), 1, name);
  }
  const outcomes = (metrics.get("app.accounts.logins")?.dataPoints ?? [])
    .map((p) => p.attributes.outcome).sort();
  assert.deepEqual(outcomes, ["failure", "success"]);
  const beacons = metrics.get("app.rum.beacons")?.dataPoints ?? [];
  assert.deepEqual(beacons.map((p) => [p.attributes.outcome, p.value]), [["accepted", 1]]);
  const spans = await t.finishedSpans();
  assert.ok(spans.some((s) => s.name === "browser.page_load"), "a page's browser span");
});

Deno.test("exerciseEveryCounter names the request that was not answered as expected", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  await exerciseEveryCounter((path, init) => t.request(path, init));
  await assert.rejects(
    exerciseEveryCounter((path, init) => t.request(path, init)),
    /POST \/register answered 409, not 201/,
  );
});
