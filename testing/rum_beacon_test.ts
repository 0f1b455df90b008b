/** @module Tests of testing/rum_beacon.ts: it reads a real page's signed context. */

import assert from "node:assert/strict";
import { beaconBody, beaconRequest, issuedPage } from "./rum_beacon.ts";
import { TELEMETRY, testApp } from "./test_app.ts";

Deno.test("issuedPage reads a page's traceparent and signed issue time; a beacon built from it is accepted", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const page = issuedPage(await (await t.request("/signin")).text(), "/signin");
  assert.match(page.traceId, /^[0-9a-f]{32}$/);
  assert.match(page.spanId, /^[0-9a-f]{16}$/);
  assert.ok(Math.abs(page.issuedAtMs - Date.now()) < 60_000);
  assert.equal((await t.request("/rum", beaconRequest(beaconBody(page)))).status, 204);
  assert.throws(() => issuedPage("<html></html>", "/"), /carries no signed trace context/);
});
