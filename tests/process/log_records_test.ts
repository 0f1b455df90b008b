/**
 * @module Real-process tests of the access record (one log record per request, LOG_ACCESS) and
 * of log records as a trace backend wants them (maps, scope, User-Agent), decoded by the repo's
 * independent OTLP receiver.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { ReceivedLog } from "../../testing/otlp_decode.ts";
import { allSignalsTo, type OtlpReceiver, startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { type ServerProcess, startServer } from "../../testing/server_process.ts";
import { poll } from "../../testing/poll.ts";
import { tempDir } from "../../testing/temp_dir.ts";

function randomTraceId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Sends `path` in a fresh trace of ours; resolves with the status and that trace id. */
async function call(
  server: ServerProcess,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; traceId: string }> {
  const traceId = randomTraceId();
  const headers = new Headers(init.headers);
  headers.set("traceparent", `00-${traceId}-00f067aa0ba902b7-01`);
  const response = await fetch(`${server.baseUrl}${path}`, { ...init, headers });
  await response.body?.cancel();
  return { status: response.status, traceId };
}

/** The access records among `logs` (the ones the call-log middleware writes). */
function accessRecords(logs: readonly ReceivedLog[]): ReceivedLog[] {
  return logs.filter((l) => l.attributes["code.file.path"] === "http/log_api_middleware.ts");
}

/** The access lines among a server's stdout lines (JSON format). */
function accessLines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line))
    .filter((line) => line.scope === "http/log_api_middleware.ts");
}

/** Waits until the receiver holds the SERVER span of `traceId`. */
function serverSpan(receiver: OtlpReceiver, traceId: string) {
  return receiver.waitFor(
    () => receiver.spans().find((s) => s.traceId === traceId && s.kind === "SERVER"),
    { what: `the SERVER span of ${traceId}` },
  );
}

Deno.test("Each request gets one access record, INFO/WARN/ERROR by status class, in its SERVER span's trace and span", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  await using server = await startServer(allSignalsTo(receiver.url), dir.path);
  const ok = await call(server, "/board/5");
  const missing = await call(server, "/nope");
  const invalid = await call(server, "/board/0");
  await call(server, "/healthz");
  // A 5xx: the database held locked by another connection past the 5 s busy timeout → 503.
  // The first admin is created just after the listener is up: sign in once it exists.
  const token = await poll(async () => {
    const login = await fetch(`${server.baseUrl}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "test-admin-password" }),
    });
    return login.ok ? (await login.json()).token as string : void await login.body?.cancel();
  }, { what: "the first admin's sign-in" });
  const other = new DatabaseSync(join(dir.path, "otel-board.db"));
  other.exec("BEGIN IMMEDIATE");
  let locked;
  try {
    locked = await call(server, "/board", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Locked", content: "The database is held by another writer" }),
    });
  } finally {
    other.exec("ROLLBACK");
    other.close();
  }
  const expected = [
    {
      call: ok,
      status: 200,
      severity: "INFO",
      number: 9,
      route: "/board/:count",
      path: "/board/5",
    },
    { call: missing, status: 404, severity: "WARN", number: 13, route: undefined, path: "/nope" },
    {
      call: invalid,
      status: 400,
      severity: "WARN",
      number: 13,
      route: "/board/:count",
      path: "/board/0",
    },
    { call: locked, status: 503, severity: "ERROR", number: 17, route: "/board", path: "/board" },
  ];
  for (const { call, status, severity, number, route, path } of expected) {
    assert.equal(call.status, status, path);
    const span = await serverSpan(receiver, call.traceId);
    const record = await receiver.waitFor(
      () => accessRecords(receiver.logs()).find((l) => l.traceId === call.traceId),
      { what: `the access record of ${path}` },
    );
    assert.equal(record.spanId, span.spanId, `${path}: the record belongs to the SERVER span`);
    assert.equal(record.severityText, severity, path);
    assert.equal(record.severityNumber, number, path);
    const method = path === "/board" ? "POST" : "GET";
    assert.equal(record.body, `${method} ${path} ${status}`);
    assert.equal(record.attributes["http.request.method"], method);
    assert.equal(record.attributes["url.path"], path);
    assert.equal(record.attributes["http.response.status_code"], status);
    assert.equal(record.attributes["http.route"], route, path);
    assert.equal(record.attributes["http.route"], span.attributes["http.route"], path);
    assert.equal(record.attributes["client.address"], "127.0.0.1");
    const durationMs = record.attributes["app.request.duration_ms"];
    assert.equal(typeof durationMs, "number", path);
    const spanMs = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6;
    assert.ok(Number(durationMs) > 0 && Number(durationMs) <= spanMs, `${durationMs} ≤ ${spanMs}`);
  }
  assert.ok(
    Number(
      accessRecords(receiver.logs()).find((l) => l.traceId === locked.traceId)
        ?.attributes["app.request.duration_ms"],
    ) >= 4000,
    "the 503 waited the busy timeout",
  );
  const stopped = await server.stop();
  assert.equal(stopped.code, 0);
  // One record per request, not two (the old debug line is gone), and none for the probe:
  // the four above, and the sign-ins (a 401 for each made before the admin existed).
  const records = accessRecords(receiver.logs());
  const [signIns, others] = [
    records.filter((r) => r.attributes["url.path"] === "/login"),
    records.filter((r) => r.attributes["url.path"] !== "/login"),
  ];
  assert.deepEqual(
    others.map((r) => r.body).sort(),
    ["GET /board/0 400", "GET /board/5 200", "GET /nope 404", "POST /board 503"],
  );
  assert.deepEqual(signIns.at(-1)?.body, "POST /login 200");
  for (const signIn of signIns) {
    const expected = signIn.body === "POST /login 200" ? "INFO" : "WARN";
    assert.equal(signIn.severityText, expected, String(signIn.body));
  }
  const lines = accessLines(stopped.stdout).filter((l) => l["url.path"] !== "/login");
  assert.deepEqual(
    lines.map((l) => [l.msg, l.level, l.trace_id]),
    expected.map((e) => [
      `${e.path === "/board" ? "POST" : "GET"} ${e.path} ${e.status}`,
      e.severity.toLowerCase(),
      e.call.traceId,
    ]),
    "LOG_ACCESS=both: the same records on stdout, with the same trace ids",
  );
});

Deno.test("LOG_ACCESS=off writes no access record, stdout only the line, otlp only the OTLP record", async () => {
  await using dir = await tempDir();
  const run = async (access: string) => {
    await using receiver = await startOtlpReceiver();
    await using server = await startServer(
      allSignalsTo(receiver.url, { LOG_ACCESS: access }),
      join(dir.path, access),
    );
    const { traceId } = await call(server, "/board/3");
    await serverSpan(receiver, traceId);
    // Once its span has arrived, a record written before it would have arrived too (the log
    // batch is as prompt); the "Stopped" record, exported last, makes sure of it.
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, access);
    assert.ok(receiver.logs().some((l) => l.body === "Stopped"), `${access}: logs exported`);
    return {
      records: accessRecords(receiver.logs()).filter((l) => l.traceId === traceId).length,
      lines: accessLines(stopped.stdout).filter((l) => l.trace_id === traceId).length,
    };
  };
  for (const access of ["off", "stdout", "otlp", "both"]) Deno.mkdirSync(join(dir.path, access));
  const [off, stdout, otlp, both] = await Promise.all(["off", "stdout", "otlp", "both"].map(run));
  assert.deepEqual(off, { records: 0, lines: 0 }, "off");
  assert.deepEqual(stdout, { records: 0, lines: 1 }, "stdout");
  assert.deepEqual(otlp, { records: 1, lines: 0 }, "otlp");
  assert.deepEqual(both, { records: 1, lines: 1 }, "both");
});

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
