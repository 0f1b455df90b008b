/**
 * @module Real-process tracing tests: the server exports to the repo's OTLP receiver, which
 * decodes the protobuf independently of the SDK.
 */

import assert from "node:assert/strict";
import { type ReceivedSpan } from "../../testing/otlp_decode.ts";
import { startOtlpReceiver, TEST_CA_PATH } from "../../testing/otlp_receiver.ts";
import { runMain, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN = "00f067aa0ba902b7";

/** Settings that make the server export promptly to `url`. */
function exportTo(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_BSP_SCHEDULE_DELAY: "50",
    ...extra,
  };
}

function byName(spans: ReceivedSpan[], traceId: string, name: string): ReceivedSpan | undefined {
  return spans.find((s) => s.traceId === traceId && s.name === name);
}

function traceparent(traceId: string, sampled = true): string {
  return `00-${traceId}-${PARENT_SPAN}-${sampled ? "01" : "00"}`;
}

function randomTraceId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("curl /board/5 with a traceparent reaches the collector as a SERVER span with a SELECT board child in the caller's trace", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    exportTo(receiver.url, { OTEL_RESOURCE_ATTRIBUTES: "job=otel-board-job" }),
    dir.path,
  );
  const response = await fetch(`${server.baseUrl}/board/5`, {
    headers: { traceparent: traceparent(PARENT_TRACE), "user-agent": "curl/8.5.0" },
  });
  assert.equal(response.status, 200);
  await response.body?.cancel();
  assert.equal(response.headers.get("x-trace-id"), PARENT_TRACE);
  const select = await receiver.waitFor(
    () => byName(receiver.spans(), PARENT_TRACE, "SELECT board users"),
    { what: "the SELECT board users span" },
  );
  const spans = receiver.spans();
  const request = byName(spans, PARENT_TRACE, "GET /board/:count")!;
  const service = byName(spans, PARENT_TRACE, "board.latest")!;
  assert.equal(request.kind, "SERVER");
  assert.equal(request.parentSpanId, PARENT_SPAN);
  assert.equal(service.kind, "INTERNAL");
  assert.equal(service.parentSpanId, request.spanId);
  assert.equal(select.kind, "CLIENT");
  assert.equal(select.parentSpanId, service.spanId);
  assert.deepEqual(
    {
      method: request.attributes["http.request.method"],
      route: request.attributes["http.route"],
      path: request.attributes["url.path"],
      status: request.attributes["http.response.status_code"],
      client: request.attributes["client.address"],
      agent: request.attributes["user_agent.original"],
      port: request.attributes["server.port"],
    },
    {
      method: "GET",
      route: "/board/:count",
      path: "/board/5",
      status: 200,
      client: "127.0.0.1",
      agent: "curl/8.5.0",
      port: server.port,
    },
  );
  assert.equal(select.attributes["db.system.name"], "sqlite");
  // Issue 13 item 6: the posts query joins users, so no db.collection.name, and a summary.
  assert.equal(select.attributes["db.collection.name"], undefined);
  assert.equal(select.attributes["db.query.summary"], "SELECT board users");
  assert.equal(select.attributes["db.response.returned_rows"], 5);
  assert.match(String(select.attributes["db.namespace"]), /otel-board\.db$/);
  assert.equal(request.resource["service.name"], "otel-board");
  assert.equal(request.resource["service.version"], "0.1.0");
  assert.equal(request.resource["job"], "otel-board-job");
  assert.equal(request.resource["process.pid"], server.pid);
  assert.equal(request.resource["process.runtime.name"], "deno");
  assert.equal(request.resource["host.name"], Deno.hostname());
  assert.match(String(request.resource["service.instance.id"]), /^[0-9a-f-]{36}$/);
  assert.equal(request.resource["telemetry.sdk.name"], "opentelemetry");
  assert.equal(request.resource["telemetry.sdk.language"], "nodejs");
  assert.match(String(request.resource["telemetry.sdk.version"]), /^\d+\.\d+\.\d+$/);
  assert.equal(request.scope.name, "otel-board");
  const stopped = await server.stop();
  assert.equal(stopped.code, 0, stopped.stderr);
});

Deno.test("Export sends the configured headers, gzip, and the old attribute names under http/dup", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    exportTo(receiver.url, {
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=s3cret%20key,x-tenant=board",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_SEMCONV_STABILITY_OPT_IN: "http/dup",
    }),
    dir.path,
  );
  const traceId = randomTraceId();
  await (await fetch(`${server.baseUrl}/board/1`, {
    headers: { traceparent: traceparent(traceId) },
  })).body?.cancel();
  const span = await receiver.waitFor(() => byName(receiver.spans(), traceId, "GET /board/:count"));
  const request = receiver.requests.find((r) => r.accepted)!;
  assert.equal(request.headers.get("x-api-key"), "s3cret key");
  assert.equal(request.headers.get("x-tenant"), "board");
  assert.equal(request.contentType, "application/x-protobuf");
  assert.equal(request.contentEncoding, "gzip");
  assert.equal(span.attributes["http.method"], "GET");
  assert.equal(span.attributes["http.status_code"], 200);
  const stopped = await server.stop();
  assert.equal(stopped.code, 0);
  assert.doesNotMatch(stopped.stdout, /s3cret/, "header values are never logged");
});

Deno.test("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as given, without /v1/traces appended", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer({
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    OTEL_BSP_SCHEDULE_DELAY: "50",
  }, dir.path);
  await (await fetch(`${server.baseUrl}/board/1`)).body?.cancel();
  await receiver.waitFor(() => receiver.spans().length > 0, { what: "any span" });
  assert.ok(receiver.requests.every((r) => r.path === "/v1/traces"));
  assert.equal((await server.stop()).code, 0);
});

Deno.test("HTTPS export to a collector with a private CA works with OTEL_EXPORTER_OTLP_CERTIFICATE", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver({ tls: true });
  await using server = await startServer(
    exportTo(`https://localhost:${receiver.port}`, {
      OTEL_EXPORTER_OTLP_CERTIFICATE: TEST_CA_PATH,
    }),
    dir.path,
  );
  const traceId = randomTraceId();
  await (await fetch(`${server.baseUrl}/board/1`, {
    headers: { traceparent: traceparent(traceId) },
  })).body?.cancel();
  await receiver.waitFor(() => byName(receiver.spans(), traceId, "GET /board/:count"), {
    what: "the request span over HTTPS",
  });
  assert.equal((await server.stop()).code, 0);
});

Deno.test("With the collector down, requests succeed and the failure is logged once, not per export", async () => {
  await using dir = await tempDir();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = closed.addr.port;
  closed.close();
  await using server = await startServer(exportTo(`http://127.0.0.1:${deadPort}`), dir.path);
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${server.baseUrl}/board/1`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  const stopped = await server.stop();
  assert.equal(stopped.code, 0, stopped.stderr);
  const warnings = stopped.stdout.split("\n").filter((line) =>
    line.includes("Cannot export traces to the collector")
  );
  assert.equal(warnings.length, 1, stopped.stdout);
  const stoppedLine = JSON.parse(stopped.stdout.trim().split("\n").at(-1)!);
  assert.equal(stoppedLine.msg, "Stopped");
  assert.ok(stoppedLine.telemetry_export.traces.failedRequests >= 2, "failures are counted");
});

Deno.test("While the collector hangs, every request still answers within 1 s; the stop is bounded", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  receiver.setMode({ kind: "hang" });
  await using server = await startServer(
    exportTo(receiver.url, {
      OTEL_EXPORTER_OTLP_TIMEOUT: "30000",
      TELEMETRY_FLUSH_TIMEOUT_MS: "500",
    }),
    dir.path,
  );
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const response = await fetch(`${server.baseUrl}/board/1`);
    await response.body?.cancel();
    assert.equal(response.status, 200);
    assert.ok(performance.now() - started < 1000, `request ${i} waited on the collector`);
  }
  await receiver.waitFor(() => receiver.requests.length > 0, { what: "a hanging export" });
  const started = performance.now();
  const stopped = await server.stop();
  assert.equal(stopped.code, 0);
  assert.ok(performance.now() - started < 10_000, "the stop did not wait for the collector");
  assert.match(
    stopped.stdout,
    /traces not exported within TELEMETRY_FLUSH_TIMEOUT_MS were dropped/,
  );
});

Deno.test("A collector answering 503 loses no requests, and export resumes when it recovers", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  receiver.setMode({ kind: "status", status: 503 });
  await using server = await startServer(
    exportTo(receiver.url, { OTEL_EXPORTER_OTLP_TIMEOUT: "300" }),
    dir.path,
  );
  for (let i = 0; i < 10; i++) {
    const response = await fetch(`${server.baseUrl}/board/1`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
  await receiver.waitFor(() => receiver.requests.length > 0, { what: "a refused export" });
  receiver.setMode({ kind: "ok" });
  const traceId = randomTraceId();
  await (await fetch(`${server.baseUrl}/board/1`, {
    headers: { traceparent: traceparent(traceId) },
  })).body?.cancel();
  await receiver.waitFor(() => byName(receiver.spans(), traceId, "GET /board/:count"), {
    what: "a span after the collector recovered",
  });
  assert.equal((await server.stop()).code, 0);
});

Deno.test("The span queue stays bounded while the collector hangs: at most OTEL_BSP_MAX_QUEUE_SIZE wait", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  receiver.setMode({ kind: "hang" });
  await using server = await startServer(
    exportTo(receiver.url, {
      OTEL_BSP_MAX_QUEUE_SIZE: "40",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "10",
      OTEL_EXPORTER_OTLP_TIMEOUT: "60000",
    }),
    dir.path,
  );
  await receiver.waitFor(() => true);
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${server.baseUrl}/board/1`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
  // 100 requests made ≥ 300 spans; the collector now answers and gets what was kept.
  receiver.setMode({ kind: "ok" });
  await (await fetch(`${server.baseUrl}/board/1`)).body?.cancel();
  await server.stop();
  const received = receiver.spans({ includeRejected: true });
  assert.ok(received.length >= 10, `some spans were kept: ${received.length}`);
  assert.ok(received.length <= 40 + 10 + 10 + 6, `queue was bounded: ${received.length} spans`);
});

Deno.test("Sampling: ratio 0 exports no root requests, a sampled caller is followed, ratio 1 exports all", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    exportTo(receiver.url, {
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0",
    }),
    dir.path,
  );
  for (let i = 0; i < 5; i++) await (await fetch(`${server.baseUrl}/board/1`)).body?.cancel();
  const followed = randomTraceId();
  await (await fetch(`${server.baseUrl}/board/1`, {
    headers: { traceparent: traceparent(followed) },
  })).body?.cancel();
  await receiver.waitFor(() => byName(receiver.spans(), followed, "GET /board/:count"));
  await server.stop();
  const traces = new Set(receiver.spans().map((s) => s.traceId));
  assert.deepEqual([...traces], [followed], "only the sampled caller's trace was exported");

  await using dir2 = await tempDir();
  await using receiver2 = await startOtlpReceiver();
  await using all = await startServer(
    exportTo(receiver2.url, { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1" }),
    dir2.path,
  );
  for (let i = 0; i < 5; i++) await (await fetch(`${all.baseUrl}/board/1`)).body?.cancel();
  await receiver2.waitFor(() =>
    receiver2.spans().filter((s) => s.kind === "SERVER").length === 5 || undefined
  );
  await all.stop();
});

Deno.test("SIGTERM flushes queued spans before the process exits", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    exportTo(receiver.url, { OTEL_BSP_SCHEDULE_DELAY: "600000" }),
    dir.path,
  );
  const traceId = randomTraceId();
  await (await fetch(`${server.baseUrl}/board/1`, {
    headers: { traceparent: traceparent(traceId) },
  })).body?.cancel();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(receiver.spans().length, 0, "nothing is exported before the stop");
  const stopped = await server.stop("SIGTERM");
  assert.equal(stopped.code, 0);
  assert.ok(byName(receiver.spans(), traceId, "GET /board/:count"), "the request span arrived");
  assert.ok(
    receiver.spans().some((s) => s.name === "BATCH INSERT log_api"),
    "the last audit batch, written during the stop, was traced and exported too",
  );
});

Deno.test("OTEL_DENO=true stops start-up with an explanation and exit code 2", async () => {
  await using dir = await tempDir();
  const result = await runMain([], { OTEL_DENO: "true" }, dir.path);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^otel-board: OTEL_DENO/m);
});

Deno.test("An invalid OTEL_* value stops start-up with one line naming it and exit code 2", async () => {
  await using dir = await tempDir();
  for (
    const [env, expected] of [
      [
        { OTEL_TRACES_SAMPLER_ARG: "2", OTEL_TRACES_SAMPLER: "traceidratio" },
        /OTEL_TRACES_SAMPLER_ARG/,
      ],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, /OTEL_EXPORTER_OTLP_PROTOCOL/],
      [{ OTEL_PROPAGATORS: "b3" }, /OTEL_PROPAGATORS/],
      [{ OTEL_EXPORTER_OTLP_CERTIFICATE: "/nonexistent/ca.pem" }, /OTEL_EXPORTER_OTLP_CERTIFICATE/],
    ] as const
  ) {
    const result = await runMain([], { OTEL_TRACES_EXPORTER: "otlp", ...env }, dir.path);
    assert.equal(result.code, 2, JSON.stringify(env));
    assert.match(result.stderr, new RegExp(`^otel-board: .*${expected.source}`, "m"));
  }
});
