/**
 * @module Real-process tests of log records as a trace backend wants them (maps, scope,
 * User-Agent), decoded by the repo's independent OTLP receiver.
 */

import assert from "node:assert/strict";
import { type OtlpReceiver, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { type ServerProcess, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

/** Every signal to `url`, exported promptly. */
function allSignalsTo(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_METRIC_EXPORT_INTERVAL: "200",
    OTEL_BSP_SCHEDULE_DELAY: "50",
    OTEL_BLRP_SCHEDULE_DELAY: "50",
    ...extra,
  };
}

function randomTraceId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Sends `path` in a fresh trace of ours; resolves with that trace id. */
async function call(server: ServerProcess, path: string): Promise<{ traceId: string }> {
  const traceId = randomTraceId();
  const response = await fetch(`${server.baseUrl}${path}`, {
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  });
  await response.body?.cancel();
  return { traceId };
}

/** Waits until the receiver holds the SERVER span of `traceId`. */
function serverSpan(receiver: OtlpReceiver, traceId: string) {
  return receiver.waitFor(
    () => receiver.spans().find((s) => s.traceId === traceId && s.kind === "SERVER"),
    { what: `the SERVER span of ${traceId}` },
  );
}

Deno.test("Object log attributes arrive as OTLP maps and arrays; every export names otel-board in User-Agent and scope", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(
    allSignalsTo(receiver.url, { OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=secret" }),
    dir.path,
  );
  const { traceId } = await call(server, "/board/2");
  await serverSpan(receiver, traceId);
  await receiver.waitFor(() => receiver.metrics().length > 0, { what: "a metrics export" });
  const listening = await receiver.waitFor(
    () => receiver.logs().find((l) => String(l.body).startsWith("Listening on")),
    { what: "the start-up record" },
  );
  // describeTelemetry's object: a map a backend can query by field, its header names an array.
  const telemetry = listening.attributes["telemetry"];
  assert.equal(typeof telemetry, "object", `a map, not ${JSON.stringify(telemetry)}`);
  const settings = telemetry as Record<string, unknown>;
  assert.equal(settings["OTEL_LOGS_EXPORTER"], "otlp");
  assert.equal(settings["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"], `${receiver.url}/v1/logs`);
  assert.deepEqual(settings["OTEL_EXPORTER_OTLP_TRACES_HEADERS"], ["x-api-key"]);
  assert.equal(listening.attributes["created_database"], true);
  await server.stop();

  const { version } = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  const scopes = new Set([
    ...receiver.logs(),
    ...receiver.spans(),
    ...receiver.metrics().filter((m) => !m.name.startsWith("otel.sdk.")),
  ].map((item) => `${item.scope.name}@${item.scope.version}`));
  assert.deepEqual([...scopes], [`otel-board@${version}`]);
  const agents = new Set(
    receiver.requests.map((r) => `${r.signal} ${r.headers.get("user-agent")}`),
  );
  assert.deepEqual(
    [...agents].sort(),
    ["logs", "metrics", "traces"].map((signal) =>
      `${signal} otel-board/${version} Deno/${Deno.version.deno}`
    ),
  );
  assert.ok(receiver.requests.every((r) => r.headers.get("x-api-key") === "secret"));
});
