/** @module The request span's url.scheme, server.address and server.port behind a proxy. */

import { SpanKind } from "@opentelemetry/api";
import assert from "node:assert/strict";
import { testApp } from "../../testing/test_app.ts";

const TRACING = {
  OTEL_TRACES_EXPORTER: "none",
  OTEL_BSP_SCHEDULE_DELAY: "0",
  OTEL_METRICS_EXPORTER: "otlp",
  OTEL_SEMCONV_STABILITY_OPT_IN: "http/dup",
};
const FORWARDED = {
  "x-forwarded-proto": "https",
  "x-forwarded-host": "board.example",
  "x-forwarded-port": "8443",
};

Deno.test("From a trusted proxy, the span and the duration series carry the forwarded scheme, host and port", async () => {
  await using t = await testApp({ settings: TRACING });
  await (await t.request("/board/1", { headers: FORWARDED }, "127.0.0.1")).body?.cancel();
  const [server] = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(server?.attributes["url.scheme"], "https");
  assert.equal(server?.attributes["server.address"], "board.example");
  assert.equal(server?.attributes["server.port"], 8443);
  assert.equal(server?.attributes["http.url"], "https://board.example:8443/board/1");
  const duration = (await t.collectMetrics()).get("http.server.request.duration");
  assert.deepEqual(duration?.dataPoints.map((p) => p.attributes["url.scheme"]), ["https"]);
});

Deno.test("Forwarded comes before X-Forwarded-*, and the session cookie follows its proto", async () => {
  await using t = await testApp({ settings: TRACING });
  await t.signUp("alice");
  const response = await t.request("/login", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      forwarded: 'for=198.51.100.9;proto=https;host="public.example"',
      "x-forwarded-proto": "http",
      "x-forwarded-host": "other.example",
    },
    body: JSON.stringify({ username: "alice", password: "alice-password-1" }),
  }, "127.0.0.1");
  assert.equal(response.status, 200);
  await response.body?.cancel();
  assert.match(response.headers.get("set-cookie") ?? "", /; Secure/);
  const [server] = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(server?.attributes["url.scheme"], "https");
  assert.equal(server?.attributes["server.address"], "public.example");
  assert.equal(server?.attributes["server.port"], 443);
});

Deno.test("An untrusted peer's forwarding headers do not change scheme, host or port", async () => {
  await using t = await testApp({ settings: TRACING });
  const headers = { ...FORWARDED, forwarded: "proto=https;host=evil.example" };
  await (await t.request("/board/1", { headers }, "203.0.113.7")).body?.cancel();
  const [server] = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(server?.attributes["url.scheme"], "http");
  assert.equal(server?.attributes["server.address"], "localhost");
  assert.equal(server?.attributes["server.port"], 80);
  assert.equal(server?.attributes["http.url"], "http://localhost/board/1");
});
