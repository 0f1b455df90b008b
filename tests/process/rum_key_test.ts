/**
 * @module RUM_SIGNING_KEY across real processes: a page served by one instance has its beacon
 * accepted by another with the same key, refused by one without; the key is checked at start.
 */

import assert from "node:assert/strict";
import { beaconBody, beaconRequest, issuedPage } from "../../testing/rum_beacon.ts";
import { runMain, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
/** Telemetry on (the pages carry their context), nothing exported. */
const QUIET = {
  OTEL_TRACES_EXPORTER: "none",
  OTEL_METRICS_EXPORTER: "none",
  OTEL_LOGS_EXPORTER: "none",
};
const NOTICE = "RUM_SIGNING_KEY is not set";

Deno.test("Two instances with the same RUM_SIGNING_KEY accept each other's page beacons; one without it refuses them and says why at start", async () => {
  await using dirA = await tempDir();
  await using dirB = await tempDir();
  await using dirC = await tempDir();
  await using a = await startServer({ ...QUIET, RUM_SIGNING_KEY: KEY }, dirA.path);
  await using b = await startServer({ ...QUIET, RUM_SIGNING_KEY: KEY }, dirB.path);
  await using c = await startServer(QUIET, dirC.path);
  const html = await (await fetch(`${a.baseUrl}/posts/1`)).text();
  const page = issuedPage(html, "/posts/1");
  const toB = await fetch(`${b.baseUrl}/rum`, beaconRequest(beaconBody(page)));
  assert.equal(toB.status, 204, await toB.text());
  const toC = await fetch(`${c.baseUrl}/rum`, beaconRequest(beaconBody(page)));
  assert.equal(toC.status, 403);
  assert.equal((await toC.json()).code, "forbidden");

  const [stoppedA, stoppedC] = [await a.stop(), await c.stop()];
  assert.equal(stoppedA.code, 0);
  assert.ok(!stoppedA.stdout.includes(NOTICE), "a configured key is not mentioned");
  assert.ok(!stoppedA.stdout.includes(KEY), "nor ever shown");
  assert.ok(stoppedC.stdout.includes(NOTICE), stoppedC.stdout);
});

Deno.test("A RUM_SIGNING_KEY that is too short stops start-up with exit code 2, without showing it", async () => {
  await using dir = await tempDir();
  const short = "c2hvcnQtc2VjcmV0LWtleQ";
  const result = await runMain([], { ...QUIET, RUM_SIGNING_KEY: short }, dir.path);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /RUM_SIGNING_KEY must hold at least 32 bytes/);
  assert.ok(!result.stderr.includes(short) && !result.stdout.includes(short));
});
