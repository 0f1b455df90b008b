/** @module Tests for testApp: settings as the README writes them, and when telemetry is on. */

import assert from "node:assert/strict";
import { TELEMETRY, testApp } from "./test_app.ts";

Deno.test("testApp keeps telemetry off unless its settings name an OTEL_* variable", async () => {
  await using t = await testApp();
  const response = await t.request("/board/1");
  await response.body?.cancel();
  assert.equal(response.headers.get("x-trace-id"), null);
  assert.deepEqual(await t.finishedSpans(), []);
  assert.equal((await t.collectMetrics()).size, 0);
});

Deno.test("OTEL_SDK_DISABLED=false alone switches the in-memory telemetry on", async () => {
  await using t = await testApp({ settings: { OTEL_SDK_DISABLED: "false" } });
  const response = await t.request("/board/1");
  await response.body?.cancel();
  assert.match(response.headers.get("x-trace-id") ?? "", /^[0-9a-f]{32}$/);
  const spans = await t.finishedSpans();
  assert.ok(spans.some((span) => span.name === "GET /board/:count"), "the server span");
});

Deno.test("OTEL_SDK_DISABLED=true among OTEL_* settings keeps telemetry off", async () => {
  await using t = await testApp({ settings: { ...TELEMETRY, OTEL_SDK_DISABLED: "true" } });
  await (await t.request("/board/1")).body?.cancel();
  assert.deepEqual(await t.finishedSpans(), []);
});

Deno.test("testApp applies the service's own settings over its defaults", async () => {
  using t = await testApp({ settings: { MAX_BODY_BYTES: "10", LOG_API_PUBLIC: "false" } });
  const tooLarge = await t.request("/board", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: "more than ten bytes" }),
  });
  await tooLarge.body?.cancel();
  assert.equal(tooLarge.status, 413);
  const log = await t.request("/log");
  await log.body?.cancel();
  assert.equal(log.status, 401, "GET /log closed by LOG_API_PUBLIC=false");
});
