/**
 * @module The browser in the trace, in a real Chromium against a real otel-board exporting to the
 * independent OTLP receiver: a page's load arrives as `browser.page_load` under the page's SERVER
 * span; forged beacons, and a copy of the page's own, are refused and counted.
 */

import assert from "node:assert/strict";
import type { ReceivedMetric, ReceivedSpan } from "../../testing/otlp_decode.ts";
import { launchChromium } from "../../testing/browser.ts";
import { allSignalsTo, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const KEY = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU2Nzg5";

/** The latest cumulative count of `app.rum.beacons` for `outcome`. */
function beacons(metrics: readonly ReceivedMetric[], outcome: string): number {
  const points = metrics.filter((m) =>
    m.name === "app.rum.beacons" && m.attributes.outcome === outcome
  );
  return Number(points.at(-1)?.value ?? 0);
}

Deno.test("In Chromium a page's load reaches the OTLP receiver as browser.page_load under the page's SERVER span; forged beacons are refused and counted", async () => {
  await using browser = await launchChromium();
  if (browser === undefined) return;
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, { RUM_SIGNING_KEY: KEY, LOG_API_PUBLIC: "true" }),
    dir.path,
  );
  const page = await browser.newPage();
  const refusedByCsp: string[] = [];
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) refusedByCsp.push(message.text());
  });
  const beaconSent = page.waitForRequest((request) => request.url().endsWith("/rum"));
  await page.goto(`${server.baseUrl}/posts/1`);
  const traceparent = await page.getAttribute('meta[name="traceparent"]', "content") ?? "";
  const [, traceId, spanId] = traceparent.split("-");
  assert.match(traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  const beacon = await beaconSent;
  assert.equal((await beacon.response())?.status(), 204);

  const [load, serverSpan] = await receiver.waitFor(() => {
    const spans = receiver.spans().filter((s) => s.traceId === traceId);
    const found = spans.find((s) => s.name === "browser.page_load");
    const own = spans.find((s) => s.spanId === spanId);
    return found !== undefined && own !== undefined && [found, own] as const;
  }, { what: "browser.page_load and the page's SERVER span", timeoutMs: 10_000 });
  assert.equal(serverSpan.kind, "SERVER");
  assert.equal(serverSpan.name, "GET /posts/:seq");
  assert.equal(load.parentSpanId, spanId, "a child of the page's SERVER span");
  assert.equal(load.kind, "INTERNAL");
  assert.ok(load.startTimeUnixNano <= serverSpan.startTimeUnixNano, "navigation starts first");
  assert.ok(load.endTimeUnixNano >= load.startTimeUnixNano);
  assert.equal(load.attributes["url.path"], "/posts/1");
  assert.equal(load.attributes["http.response.status_code"], 200);
  assert.match(String(load.attributes["user_agent.original"]), /Chrome/);
  assert.equal(load.attributes["browser.navigation.type"], "navigate");
  for (const name of ["request_ms", "response_ms", "dom_interactive_ms", "dom_complete_ms"]) {
    const value = load.attributes[`browser.timing.${name}`];
    assert.ok(typeof value === "number" && value >= 0, `browser.timing.${name}: ${value}`);
  }
  assert.ok(Number(load.attributes["browser.timing.dom_complete_ms"]) > 0);
  assert.deepEqual(refusedByCsp, [], "the beacon is allowed by the page's CSP");

  // Forged beacons, sent from the page itself: a wrong signature, another trace, too large.
  const signed = await page.getAttribute('meta[name="otel-board-rum"]', "content") ?? "";
  const [issuedAt, signature] = signed.split(".");
  const beaconOfPage = {
    traceparent,
    issued_at: Number(issuedAt),
    signature,
    path: "/posts/1",
    navigation: JSON.parse(
      await page.evaluate('JSON.stringify(performance.getEntriesByType("navigation")[0])'),
    ),
  };
  const forged = [
    { ...beaconOfPage, signature: "A".repeat(43) },
    { ...beaconOfPage, traceparent: `00-${"ab".repeat(16)}-${"cd".repeat(8)}-01` },
    { ...beaconOfPage, padding: "x".repeat(10_000) },
    beaconOfPage,
  ];
  const statuses = await page.evaluate(async (bodies) => {
    const answers = [];
    for (const body of bodies) {
      const answer = await fetch("/rum", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      answers.push(answer.status);
    }
    return answers;
  }, forged);
  assert.deepEqual(statuses, [403, 403, 413, 409], "the page's own beacon is taken only once");
  await receiver.waitFor(() => {
    const metrics = receiver.metrics();
    return beacons(metrics, "bad_signature") === 2 && beacons(metrics, "too_large") === 1 &&
      beacons(metrics, "duplicate") === 1 && beacons(metrics, "accepted") === 1;
  }, { what: "app.rum.beacons by outcome", timeoutMs: 10_000 });
  const forgedTrace = (s: ReceivedSpan) =>
    s.traceId === "ab".repeat(16) && s.name.startsWith("browser.");
  assert.equal(receiver.spans().filter(forgedTrace).length, 0, "nothing joined another trace");

  // Each beacon is a call in the log, as any other.
  const rows = await (await fetch(`${server.baseUrl}/log?url=/rum`)).json() as {
    status: number;
  }[];
  assert.deepEqual(rows.map((row) => row.status).sort(), [204, 403, 403, 409, 413]);
  await page.close();
});
