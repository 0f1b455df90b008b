/** @module Tests for request, service and database spans, in process with an in-memory exporter. */

import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import assert from "node:assert/strict";
import { join } from "node:path";
import { problemOf } from "../../testing/problem.ts";
import { ROOT } from "../../testing/root.ts";
import { TELEMETRY, testApp } from "../../testing/test_app.ts";

const PARENT_TRACE = "0af7651916cd43dd8448eb211c80319c";
const PARENT_SPAN = "b7ad6b7169203331";

function named(spans: ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `no span "${name}" among ${spans.map((s) => s.name).join(", ")}`);
  return span;
}

/** The version deno.json pins for the npm package `name`. */
function pinnedVersion(name: string): string | undefined {
  const { imports } = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))) as {
    imports: Record<string, string>;
  };
  return imports[name]?.split("@").at(-1);
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

Deno.test("GET /board/5 gives a SERVER span with a board.latest child and a SELECT board users grandchild", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const response = await t.request("/board/5?", { headers: { "user-agent": "curl/8.5.0" } });
  assert.equal(response.status, 200);
  const spans = await t.finishedSpans();
  const server = named(spans, "GET /board/:count");
  const service = named(spans, "board.latest");
  const select = named(spans, "SELECT board users");
  assert.equal(server.kind, SpanKind.SERVER);
  assert.equal(service.kind, SpanKind.INTERNAL);
  assert.equal(select.kind, SpanKind.CLIENT);
  assert.equal(parentOf(server), undefined);
  assert.equal(parentOf(service), server.spanContext().spanId);
  assert.equal(parentOf(select), service.spanContext().spanId);
  const traceId = server.spanContext().traceId;
  assert.ok([service, select].every((s) => s.spanContext().traceId === traceId));
  assert.equal(response.headers.get("x-trace-id"), traceId);
  assert.deepEqual(server.attributes, {
    "http.request.method": "GET",
    "url.path": "/board/5",
    "url.scheme": "http",
    "server.address": "localhost",
    "server.port": 80,
    "network.protocol.version": "1.1",
    "user_agent.original": "curl/8.5.0",
    "client.address": "203.0.113.7",
    "http.route": "/board/:count",
    "http.response.status_code": 200,
  });
  assert.equal(server.status.code, SpanStatusCode.UNSET);
  assert.equal(select.attributes["db.system.name"], "sqlite");
  assert.equal(select.attributes["db.namespace"], ":memory:");
  assert.equal(select.attributes["db.operation.name"], "SELECT");
  // Issue 13 item 6: a JOIN names no db.collection.name; the name is the query summary.
  assert.equal(select.attributes["db.collection.name"], undefined);
  assert.equal(select.attributes["db.query.summary"], "SELECT board users");
  assert.equal(select.attributes["db.response.returned_rows"], 5);
  assert.match(String(select.attributes["db.query.text"]), /^SELECT b\.seq, .* LIMIT \?$/);
  assert.equal((await t.logRows())[0]?.trace_id, traceId);
});

Deno.test("An incoming traceparent makes the request span a child in the caller's trace", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const response = await t.request("/board/1", {
    headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` },
  });
  const server = named(await t.finishedSpans(), "GET /board/:count");
  assert.equal(server.spanContext().traceId, PARENT_TRACE);
  assert.equal(parentOf(server), PARENT_SPAN);
  assert.equal(response.headers.get("x-trace-id"), PARENT_TRACE);
});

Deno.test("An unknown path is a span named by the method alone, without http.route", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const response = await t.request("/nope");
  const problem = await problemOf(response);
  const [server] = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(server?.name, "GET");
  assert.equal(server?.attributes["http.route"], undefined);
  assert.equal(server?.attributes["http.response.status_code"], 404);
  assert.equal(server?.status.code, SpanStatusCode.UNSET, "a 4xx is not a server error");
  assert.equal(problem.trace_id, server?.spanContext().traceId);
  assert.equal(response.headers.get("x-trace-id"), problem.trace_id);
});

Deno.test("A failing handler marks the span ERROR with an exception event; the problem body has its trace id", async () => {
  await using t = await testApp({
    settings: TELEMETRY,
    board: {
      latest: () => {
        throw new RangeError("boom");
      },
    },
  });
  const problem = await problemOf(await t.request("/board/5"));
  const server = named(await t.finishedSpans(), "GET /board/:count");
  assert.equal(server.status.code, SpanStatusCode.ERROR);
  assert.equal(server.attributes["http.response.status_code"], 500);
  assert.equal(server.attributes["error.type"], "RangeError");
  const exception = server.events.find((e) => e.name === "exception");
  assert.equal(exception?.attributes?.["exception.type"], "RangeError");
  assert.equal(exception?.attributes?.["exception.message"], "boom");
  assert.match(String(exception?.attributes?.["exception.stacktrace"]), /RangeError: boom/);
  assert.equal(problem.trace_id, server.spanContext().traceId);
  const logged = t.logLines.map((l) => JSON.parse(l)).find((r) => r.msg === "Request failed");
  assert.equal(logged.trace_id, server.spanContext().traceId, "the log line is correlated");
  assert.equal(logged.span_id, server.spanContext().spanId);
});

Deno.test("A 5xx without an exception gets error.type set to its status code", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  t.startDraining();
  const response = await t.request("/board/5", { method: "POST", body: "x" });
  assert.equal(response.status, 405);
  const probe = await t.request("/readyz");
  assert.equal(probe.status, 503);
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(servers.length, 1, "probes are not traced");
  assert.equal(servers[0]?.name, "POST /board/:count");
});

Deno.test("With OTEL_SEMCONV_STABILITY_OPT_IN=http/dup,database/dup the old names are sent too", async () => {
  await using t = await testApp({
    settings: { ...TELEMETRY, OTEL_SEMCONV_STABILITY_OPT_IN: "http/dup,database/dup" },
  });
  await t.request("/board/2", { headers: { "user-agent": "test-agent" } });
  await (await t.request("/log")).body?.cancel();
  const spans = await t.finishedSpans();
  const server = named(spans, "GET /board/:count");
  assert.equal(server.attributes["http.method"], "GET");
  assert.equal(server.attributes["http.url"], "http://localhost/board/2");
  assert.equal(server.attributes["http.target"], "/board/2");
  assert.equal(server.attributes["http.status_code"], 200);
  assert.equal(server.attributes["http.user_agent"], "test-agent");
  assert.equal(server.attributes["http.route"], "/board/:count");
  assert.equal(server.attributes["net.peer.ip"], "203.0.113.7");
  assert.equal(server.attributes["http.scheme"], "http");
  assert.equal(server.attributes["net.host.port"], 80);
  assert.equal(server.attributes["http.flavor"], "1.1");
  assert.equal(server.attributes["http.request.method"], "GET", "stable names stay");
  const select = named(spans, "SELECT board users");
  assert.equal(select.attributes["db.name"], select.attributes["db.namespace"]);
  assert.equal(select.attributes["db.system"], "sqlite");
  assert.equal(select.attributes["db.operation"], "SELECT");
  assert.equal(select.attributes["db.sql.table"], undefined, "no table for a JOIN (issue 13)");
  const lookup = named(spans, "SELECT log_api");
  assert.equal(lookup.attributes["db.sql.table"], "log_api", "one table: db.sql.table is sent");
  assert.equal(select.attributes["db.statement"], select.attributes["db.query.text"]);
});

Deno.test("Without the opt-in, no old attribute names and no http.server.duration are sent", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  await t.request("/board/2");
  for (const span of await t.finishedSpans()) {
    const old = ["http.method", "http.status_code", "http.scheme", "http.flavor", "net.host.port"];
    for (const key of [...old, "db.statement", "db.system", "db.name"]) {
      assert.equal(span.attributes[key], undefined, `${span.name} ${key}`);
    }
  }
  const metrics = await t.collectMetrics();
  assert.ok(metrics.has("http.server.request.duration"));
  assert.ok(!metrics.has("http.server.duration"));
});

Deno.test("With http/dup the old http.server.duration histogram is in milliseconds, by the old names, and an unknown method is _OTHER", async () => {
  await using t = await testApp({
    settings: { ...TELEMETRY, OTEL_SEMCONV_STABILITY_OPT_IN: "http/dup" },
  });
  await (await t.request("/board/2")).body?.cancel();
  await (await t.request("/nope")).body?.cancel();
  await (await t.request("/board/2", { method: "BREW" })).body?.cancel();
  const metric = (await t.collectMetrics()).get("http.server.duration");
  assert.ok(metric, "http.server.duration is recorded");
  assert.equal(metric.descriptor.unit, "ms");
  const points = metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[];
  const ok = points.find((p) => p.attributes["http.status_code"] === 200);
  assert.deepEqual(ok?.attributes, {
    "http.method": "GET",
    "http.scheme": "http",
    "http.status_code": 200,
    "http.route": "/board/:count",
    "net.host.port": 80,
    "http.flavor": "1.1",
  });
  const missing = points.find((p) => p.attributes["http.status_code"] === 404);
  assert.equal(missing?.attributes["http.route"], undefined, "no route for a 404");
  const brewed = points.find((p) => p.attributes["http.method"] !== "GET");
  assert.equal(brewed?.attributes["http.method"], "_OTHER");
});

Deno.test("Database spans carry the parameterised SQL, never the bound values", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  await t.request("/log?url=/very-secret-value&user_id=s3cr3t-user");
  const spans = await t.finishedSpans();
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
  assert.ok(clients.length >= 1);
  for (const span of clients) {
    assert.doesNotMatch(JSON.stringify(span.attributes), /very-secret-value|s3cr3t-user/);
  }
  assert.match(String(named(spans, "SELECT log_api").attributes["db.query.text"]), /call_url = \?/);
});

Deno.test("Audit rows are written as BATCH INSERT log_api spans, one per batch, outside request traces", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  await Promise.all(Array.from({ length: 25 }, () => t.request("/board/1")));
  await new Promise((resolve) => setTimeout(resolve, 50)); // the 5 ms flush timer fires
  const spans = await t.finishedSpans();
  const batches = spans.filter((s) => s.name === "BATCH INSERT log_api");
  const rows = batches.reduce((n, b) => n + Number(b.attributes["db.operation.batch.size"]), 0);
  assert.equal(rows, 25, "every row is in exactly one batch span");
  assert.ok(batches.length < 25, `rows were batched, not one span each: ${batches.length}`);
  assert.equal(spans.filter((s) => s.name === "INSERT log_api").length, 0);
  for (const batch of batches) {
    assert.equal(batch.attributes["db.operation.name"], "BATCH INSERT");
    assert.equal(batch.kind, SpanKind.CLIENT);
    assert.equal(parentOf(batch), undefined, "a batch is background work, not a request's");
  }
});

Deno.test("Sampling off: no spans are exported, yet the response still carries a trace id", async () => {
  await using t = await testApp({ settings: { ...TELEMETRY, OTEL_TRACES_SAMPLER: "always_off" } });
  const response = await t.request("/board/1");
  assert.match(response.headers.get("x-trace-id") ?? "", /^[0-9a-f]{32}$/);
  assert.deepEqual(await t.finishedSpans(), []);
});

Deno.test("traceidratio 0 drops root requests; parent-based keeps a sampled caller's trace", async () => {
  await using t = await testApp({
    settings: {
      ...TELEMETRY,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0",
    },
  });
  await t.request("/board/1");
  assert.deepEqual(await t.finishedSpans(), []);
  await t.request("/board/1", { headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` } });
  const spans = await t.finishedSpans();
  assert.ok(spans.length >= 3);
  assert.ok(spans.every((s) => s.spanContext().traceId === PARENT_TRACE));
  await t.request("/board/1", { headers: { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-00` } });
  assert.equal(
    (await t.finishedSpans()).length,
    spans.length,
    "an unsampled caller stays unsampled",
  );
});

Deno.test("traceidratio 1 samples every request", async () => {
  await using t = await testApp({
    settings: { ...TELEMETRY, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1" },
  });
  for (let i = 0; i < 5; i++) await t.request("/board/1");
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(servers.length, 5);
});

Deno.test("With telemetry off there is no x-trace-id, and trace_id stays null everywhere", async () => {
  using t = await testApp();
  const response = await t.request("/nope");
  assert.equal(response.headers.get("x-trace-id"), null);
  assert.equal((await problemOf(response)).trace_id, null);
  assert.equal((await t.logRows())[0]?.trace_id, null);
});

Deno.test("The resource names the service, its version, instance, host and process", async () => {
  await using t = await testApp({
    settings: {
      ...TELEMETRY,
      OTEL_SERVICE_NAME: "board-eu",
      OTEL_RESOURCE_ATTRIBUTES: "job=otel-board-job,deployment.environment.name=staging",
    },
  });
  await t.request("/board/1");
  const [span] = await t.finishedSpans();
  const attributes = span!.resource.attributes;
  assert.equal(attributes["service.name"], "board-eu");
  assert.equal(attributes["service.version"], "test");
  assert.equal(attributes["service.instance.id"], "test-instance");
  assert.equal(attributes["job"], "otel-board-job");
  assert.equal(attributes["deployment.environment.name"], "staging");
  assert.equal(attributes["host.name"], "test-host");
  assert.equal(attributes["host.arch"], "amd64");
  assert.equal(attributes["os.type"], "linux");
  assert.equal(attributes["process.pid"], 4242);
  assert.equal(attributes["process.runtime.name"], "deno");
});

Deno.test("The resource carries the SDK's telemetry.sdk.name, language and the pinned SDK version", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  await t.request("/board/1");
  const [span] = await t.finishedSpans();
  const attributes = span!.resource.attributes;
  assert.equal(attributes["telemetry.sdk.name"], "opentelemetry");
  assert.equal(attributes["telemetry.sdk.language"], "nodejs", "the SDK is opentelemetry-js");
  assert.equal(attributes["telemetry.sdk.version"], pinnedVersion("@opentelemetry/core"));
  assert.equal(attributes["service.name"], "otel-board", "the SDK's unknown_service is replaced");
});

Deno.test("A CORS preflight answers 204 with CORS headers and gets its SERVER span and its log_api row", async () => {
  await using t = await testApp({
    settings: { ...TELEMETRY, CORS_ALLOWED_ORIGINS: "https://app.example" },
  });
  const preflight = await t.request("/board/posts/1", {
    method: "OPTIONS",
    headers: { origin: "https://app.example", "access-control-request-method": "PUT" },
  });
  await preflight.body?.cancel();
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /PUT/);
  const spans = await t.finishedSpans();
  const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
  assert.deepEqual(servers.map((s) => s.name), ["OPTIONS /board/posts/:seq"]);
  const server = servers[0]!;
  assert.equal(server.attributes["http.request.method"], "OPTIONS");
  assert.equal(server.attributes["http.response.status_code"], 204);
  assert.equal(preflight.headers.get("x-trace-id"), server.spanContext().traceId);
  const rows = await t.logRows();
  assert.deepEqual(
    rows.map((r) => [r.method, r.call_url, r.status, r.trace_id]),
    [["OPTIONS", "/board/posts/1", 204, server.spanContext().traceId]],
  );
});
