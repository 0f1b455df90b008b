/**
 * @module POST /rum in process: a page's beacon becomes browser spans under the page's SERVER
 * span; every refusal is answered as a problem and counted; a shared RUM_SIGNING_KEY lets another
 * instance accept it.
 */

import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import assert from "node:assert/strict";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { beaconBody, beaconRequest, issuedPage } from "../../testing/rum_beacon.ts";
import { TELEMETRY, type TestApp, testApp } from "../../testing/test_app.ts";
import { sumOf } from "./_auth_helpers.ts";

const KEY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const OTHER_KEY = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
const WITH_METRICS = { ...TELEMETRY, OTEL_METRICS_EXPORTER: "otlp" };
const UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36";

async function pageOf(t: TestApp, path = "/") {
  const response = await t.request(path);
  assert.equal(response.status, 200);
  return issuedPage(await response.text(), path);
}

function browserSpans(spans: readonly ReadableSpan[]): ReadableSpan[] {
  return spans.filter((span) => span.name.startsWith("browser."));
}

async function beacons(t: TestApp, outcome: string): Promise<number> {
  const metrics = await t.collectMetrics();
  if (!metrics.has("app.rum.beacons")) return 0;
  return sumOf(metrics, "app.rum.beacons", { outcome });
}

Deno.test("A page's beacon becomes browser.page_load and browser.fetch, children of the page's SERVER span", async () => {
  await using t = await testApp({ settings: WITH_METRICS });
  const page = await pageOf(t, "/posts/1");
  const server = (await t.finishedSpans()).find((s) => s.kind === SpanKind.SERVER)!;
  assert.equal(page.spanId, server.spanContext().spanId, "the page carries its SERVER span");
  assert.equal(page.issuedAtMs, Math.floor(hrTimeToMilliseconds(server.startTime)));
  const fetches = [{
    path: "/board/search",
    startTime: 200,
    requestStart: 201,
    responseStart: 220,
    responseEnd: 230,
    transferSize: 900,
    responseStatus: 200,
  }];
  const answer = await t.request(
    "/rum",
    beaconRequest(beaconBody(page, { fetches }), { "user-agent": UA }),
  );
  assert.equal(answer.status, 204, await answer.text());

  const spans = await t.finishedSpans();
  const load = spans.find((s) => s.name === "browser.page_load")!;
  assert.ok(load, "a browser.page_load span");
  assert.equal(load.kind, SpanKind.INTERNAL);
  assert.equal(load.spanContext().traceId, page.traceId);
  assert.equal(load.parentSpanContext?.spanId, page.spanId);
  // Navigation started requestStart (10 ms) before the SERVER span; it loaded at 95 ms.
  assert.equal(Math.round(hrTimeToMilliseconds(load.startTime)), page.issuedAtMs - 10);
  assert.equal(Math.round(hrTimeToMilliseconds(load.endTime)), page.issuedAtMs - 10 + 95);
  assert.deepEqual(load.attributes, {
    "url.path": "/posts/1",
    "user_agent.original": UA,
    "http.response.status_code": 200,
    "browser.timing.dns_ms": 2,
    "browser.timing.connect_ms": 6,
    "browser.timing.tls_ms": 4,
    "browser.timing.request_ms": 20,
    "browser.timing.response_ms": 5,
    "browser.timing.dom_interactive_ms": 60,
    "browser.timing.dom_complete_ms": 90,
    "browser.timing.load_event_ms": 4,
    "browser.transfer_size": 4321,
    "browser.navigation.type": "navigate",
  });
  const fetch = spans.find((s) => s.name === "browser.fetch")!;
  assert.equal(fetch.kind, SpanKind.CLIENT);
  assert.equal(fetch.parentSpanContext?.spanId, page.spanId);
  assert.equal(Math.round(hrTimeToMilliseconds(fetch.startTime)), page.issuedAtMs - 10 + 200);
  assert.equal(fetch.attributes["url.path"], "/board/search");
  assert.equal(fetch.attributes["browser.timing.request_ms"], 19);
  assert.equal(await beacons(t, "accepted"), 1);

  // The beacon is a call like any other: its row and its own SERVER span.
  const row = (await t.logRows()).find((r) => r.call_url === "/rum");
  assert.equal(row?.status, 204);
  assert.equal(row?.method, "POST");
  assert.ok(spans.some((s) => s.name === "POST /rum" && s.kind === SpanKind.SERVER));
});

Deno.test("POST /rum refuses a forged, stale, oversized, malformed or too frequent beacon, and counts each", async () => {
  await using t = await testApp({
    settings: { ...WITH_METRICS, RATE_LIMIT_RUM: "20/1m", RUM_CONTEXT_MAX_AGE: "10m" },
  });
  const page = await pageOf(t);
  const send = (body: unknown, peer?: string) => t.request("/rum", beaconRequest(body), peer);
  const refusals: [string, unknown, number, string][] = [
    ["bad_signature", beaconBody(page, { signature: "A".repeat(43) }), 403, "forbidden"],
    [
      "bad_signature",
      beaconBody(page, { traceparent: `00-${"ab".repeat(16)}-${page.spanId}-01` }),
      403,
      "forbidden",
    ],
    ["bad_signature", beaconBody(page, { path: "/signin" }), 403, "forbidden"],
    ["bad_signature", beaconBody(page, { issued_at: page.issuedAtMs + 1 }), 403, "forbidden"],
    [
      "bad_signature",
      beaconBody(page, { traceparent: page.traceparent.replace(/-01$/, "-00") }),
      403,
      "forbidden",
    ],
    ["too_large", beaconBody(page, { padding: "x".repeat(9000) }), 413, "payload_too_large"],
    ["invalid", "{not json", 400, "malformed_json"],
    ["invalid", beaconBody(page, { navigation: { requestStart: -1 } }), 400, "invalid_body"],
    [
      "invalid",
      beaconBody(page, {
        navigation: { ...beaconBody(page).navigation as object, domComplete: 4e6 },
      }),
      400,
      "invalid_body",
    ],
    ["invalid", beaconBody(page, { fetches: Array(21).fill({}) }), 400, "invalid_body"],
    ["invalid", beaconBody(page, { traceparent: "00-xyz" }), 400, "invalid_body"],
  ];
  for (const [outcome, body, status, code] of refusals) {
    const answer = await send(body);
    assert.equal(answer.status, status, `${outcome}: ${JSON.stringify(body).slice(0, 120)}`);
    assert.match(answer.headers.get("content-type")!, /^application\/problem\+json/);
    assert.equal((await answer.json()).code, code);
  }
  const wrongType = await t.request("/rum", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify(beaconBody(page)),
  });
  assert.equal(wrongType.status, 415);
  assert.equal(await beacons(t, "bad_signature"), 5);
  assert.equal(await beacons(t, "too_large"), 1);
  assert.equal(await beacons(t, "invalid"), 6, "five shapes and the wrong media type");
  assert.equal(browserSpans(await t.finishedSpans()).length, 0, "no refused beacon made a span");

  // Rate: 20 a minute from one address (the 12 refusals above counted), another address is apart.
  const other = "198.51.100.9";
  for (let i = 0; i < 9; i++) {
    const answer = await send(beaconBody(await pageOf(t)), other);
    assert.equal(answer.status, 204, "the other address has its own count");
  }
  for (let i = 0; i < 8; i++) await send(beaconBody(await pageOf(t)));
  const refused = await send(beaconBody(await pageOf(t)));
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.equal(await beacons(t, "rate_limited"), 1);
  assert.equal(await beacons(t, "accepted"), 17);
  assert.equal((await t.logRows()).filter((r) => r.call_url === "/rum").length, 12 + 9 + 9);
});

Deno.test("A page's beacon is taken once: a copy of it is refused as a duplicate", async () => {
  await using t = await testApp({ settings: WITH_METRICS });
  const page = await pageOf(t);
  assert.equal((await t.request("/rum", beaconRequest(beaconBody(page)))).status, 204);
  const again = await t.request("/rum", beaconRequest(beaconBody(page)));
  assert.equal(again.status, 409);
  assert.equal((await again.json()).code, "conflict");
  assert.equal(await beacons(t, "duplicate"), 1);
  const loads = (await t.finishedSpans()).filter((s) => s.name === "browser.page_load");
  assert.equal(loads.length, 1, "one page load, not two");
  // A forged copy is refused for its signature, and leaves the page's place untouched.
  const next = await pageOf(t);
  const forged = beaconBody(next, { signature: "A".repeat(43) });
  assert.equal((await t.request("/rum", beaconRequest(forged))).status, 403);
  assert.equal((await t.request("/rum", beaconRequest(beaconBody(next)))).status, 204);
});

Deno.test("A context older than RUM_CONTEXT_MAX_AGE is refused as expired", async () => {
  await using t = await testApp({ settings: { ...WITH_METRICS, RUM_CONTEXT_MAX_AGE: "1s" } });
  const page = await pageOf(t);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const answer = await t.request("/rum", beaconRequest(beaconBody(page)));
  assert.equal(answer.status, 403);
  assert.match((await answer.json()).detail, /older than 1 s/);
  assert.equal(await beacons(t, "expired"), 1);
  assert.equal(browserSpans(await t.finishedSpans()).length, 0);
});

Deno.test("An unsampled page's beacon is accepted and makes no span", async () => {
  await using t = await testApp({
    settings: { ...WITH_METRICS, OTEL_TRACES_SAMPLER: "always_off" },
  });
  const page = await pageOf(t);
  assert.match(page.traceparent, /-00$/);
  assert.equal((await t.request("/rum", beaconRequest(beaconBody(page)))).status, 204);
  assert.equal((await t.finishedSpans()).length, 0);
  assert.equal(await beacons(t, "accepted"), 1);
});

Deno.test("A beacon for a page of instance A is accepted by instance B with the same RUM_SIGNING_KEY, refused with another", async () => {
  await using a = await testApp({ settings: { ...TELEMETRY, RUM_SIGNING_KEY: KEY } });
  await using b = await testApp({ settings: { ...TELEMETRY, RUM_SIGNING_KEY: KEY } });
  await using c = await testApp({ settings: { ...WITH_METRICS, RUM_SIGNING_KEY: OTHER_KEY } });
  const page = await pageOf(a);
  assert.equal((await b.request("/rum", beaconRequest(beaconBody(page)))).status, 204);
  const load = (await b.finishedSpans()).find((s) => s.name === "browser.page_load");
  assert.equal(load?.parentSpanContext?.spanId, page.spanId);
  assert.equal((await c.request("/rum", beaconRequest(beaconBody(page)))).status, 403);
  assert.equal(await beacons(c, "bad_signature"), 1);
  // The same key in base64 is the same key.
  const base64 = btoa(String.fromCharCode(...KEY.match(/../g)!.map((h) => parseInt(h, 16))));
  await using d = await testApp({ settings: { ...TELEMETRY, RUM_SIGNING_KEY: base64 } });
  assert.equal((await d.request("/rum", beaconRequest(beaconBody(page)))).status, 204);
});

Deno.test("Without RUM_SIGNING_KEY each instance signs with its own key", async () => {
  await using a = await testApp({ settings: TELEMETRY });
  await using b = await testApp({ settings: TELEMETRY });
  const page = await pageOf(a);
  assert.equal((await a.request("/rum", beaconRequest(beaconBody(page)))).status, 204);
  assert.equal((await b.request("/rum", beaconRequest(beaconBody(page)))).status, 403);
});

Deno.test("Without telemetry a page carries no context to sign; RATE_LIMIT_RUM=off checks every beacon", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_RUM: "off" } });
  // Telemetry off: no traceparent, so a beacon of a page of another service is refused.
  const html = await (await t.request("/")).text();
  assert.ok(!html.includes('name="otel-board-rum"'), "no context to sign without telemetry");
  const forged = {
    traceparent: `00-${"ab".repeat(16)}-${"cd".repeat(8)}-01`,
    issued_at: Date.now(),
    signature: "A".repeat(43),
    path: "/",
    navigation: beaconBody({
      traceparent: "",
      traceId: "",
      spanId: "",
      issuedAtMs: 0,
      signature: "",
      path: "/",
    }).navigation,
  };
  for (let i = 0; i < 80; i++) {
    assert.equal((await t.request("/rum", beaconRequest(forged))).status, 403);
  }
});
