/**
 * @module Transaction statements (BEGIN IMMEDIATE, COMMIT, ROLLBACK) as CLIENT spans and DB
 * duration points, and a database another connection holds locked past busy_timeout.
 */

import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { problemOf } from "../../testing/problem.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { type TestApp, testApp } from "../../testing/test_app.ts";

const TELEMETRY = {
  OTEL_TRACES_EXPORTER: "none",
  OTEL_BSP_SCHEDULE_DELAY: "0",
  OTEL_METRICS_EXPORTER: "otlp",
};
const BUSY_TIMEOUT_MS = 50;

function jsonRequest(method: string, token: string, body: unknown): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  };
}

/** The CLIENT spans that are children of the span named `parent`, in the order they started. */
function statementsOf(spans: readonly ReadableSpan[], parent: string): ReadableSpan[] {
  const service = spans.find((s) => s.name === parent);
  assert.ok(service, `a ${parent} span among ${spans.map((s) => s.name).join(", ")}`);
  return spans.filter((s) =>
    s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === service.spanContext().spanId
  );
}

/** The db.client.operation.duration points as `{operation} {error.type}` strings. */
async function durationPoints(t: TestApp): Promise<string[]> {
  const metric = (await t.collectMetrics()).get("db.client.operation.duration");
  return (metric?.dataPoints ?? []).map((p) =>
    `${p.attributes["db.operation.name"]} ${p.attributes["error.type"] ?? "-"}`
  );
}

Deno.test("A transaction's BEGIN IMMEDIATE and COMMIT are CLIENT spans inside the request, with duration points", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const token = await t.signUp("alice");
  const created = await t.request(
    "/board",
    jsonRequest("POST", token, { title: "a", content: "b" }),
  );
  assert.equal(created.status, 201);
  const { seq } = await created.json() as { seq: number };
  const response = await t.request(
    `/board/posts/${seq}`,
    jsonRequest("PUT", token, { title: "c", content: "d" }),
  );
  assert.equal(response.status, 200);
  const spans = statementsOf(await t.finishedSpans(), "board.update");
  const names = spans.map((s) => s.name);
  assert.equal(names[0], "BEGIN", names.join(", "));
  assert.equal(names.at(-1), "COMMIT", names.join(", "));
  assert.ok(names.includes("UPDATE board"), names.join(", "));
  const begin = spans[0]!;
  assert.equal(begin.attributes["db.query.text"], "BEGIN IMMEDIATE");
  assert.equal(begin.attributes["db.operation.name"], "BEGIN");
  assert.equal(begin.attributes["db.system.name"], "sqlite");
  assert.equal(begin.spanContext().traceId, response.headers.get("x-trace-id"));
  const points = await durationPoints(t);
  assert.ok(points.includes("BEGIN -"), points.join(", "));
  assert.ok(points.includes("COMMIT -"), points.join(", "));
});

Deno.test("A refused edit rolls back: its ROLLBACK is a CLIENT span too", async () => {
  await using t = await testApp({ settings: TELEMETRY });
  const alice = await t.signUp("alice");
  const bob = await t.signUp("bob");
  const created = await t.request(
    "/board",
    jsonRequest("POST", alice, { title: "a", content: "b" }),
  );
  const { seq } = await created.json() as { seq: number };
  const response = await t.request(
    `/board/posts/${seq}`,
    jsonRequest("PUT", bob, { title: "c", content: "d" }),
  );
  assert.equal(response.status, 403);
  const spans = statementsOf(await t.finishedSpans(), "board.update");
  const names = spans.map((s) => s.name);
  assert.equal(names[0], "BEGIN", names.join(", "));
  assert.equal(names.at(-1), "ROLLBACK", names.join(", "));
  assert.equal(spans.at(-1)!.status.code, SpanStatusCode.UNSET, "the ROLLBACK itself succeeded");
  assert.ok((await durationPoints(t)).includes("ROLLBACK -"));
});

Deno.test("A database another connection holds locked past busy_timeout answers 503 not_ready with Retry-After; the service is unharmed", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "board.db");
  await using t = await testApp({
    settings: TELEMETRY,
    databaseFile: file,
    busyTimeoutMs: BUSY_TIMEOUT_MS,
  });
  const token = await t.signUp("alice");
  const other = new DatabaseSync(file);
  try {
    other.exec("BEGIN IMMEDIATE");
    const started = performance.now();
    const refused = await t.request(
      "/board",
      jsonRequest("POST", token, { title: "a", content: "b" }),
    );
    assert.ok(performance.now() - started >= BUSY_TIMEOUT_MS * 0.9, "it waited busy_timeout first");
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "1");
    const problem = await problemOf(refused);
    assert.equal(problem.code, "not_ready");
    assert.doesNotMatch(String(problem.detail), /SQLITE|locked by|sqlite/i, "no internals");

    const traceId = refused.headers.get("x-trace-id")!;
    const spans = (await t.finishedSpans()).filter((s) => s.spanContext().traceId === traceId);
    const begin = spans.find((s) => s.kind === SpanKind.CLIENT && s.name === "BEGIN");
    assert.ok(begin, `a BEGIN span among ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(begin.status.code, SpanStatusCode.ERROR);
    assert.equal(begin.attributes["error.type"], "SQLITE_BUSY");
    assert.equal(begin.attributes["db.response.status_code"], "SQLITE_BUSY");
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    assert.equal(server.attributes["http.response.status_code"], 503);
    assert.equal(server.attributes["error.type"], "StoreBusyError");
    assert.ok((await durationPoints(t)).includes("BEGIN SQLITE_BUSY"));
  } finally {
    if (other.isTransaction) other.exec("ROLLBACK");
    other.close();
  }
  const accepted = await t.request(
    "/board",
    jsonRequest("POST", token, { title: "a", content: "b" }),
  );
  assert.equal(accepted.status, 201, "writes work again once the other writer is gone");
  assert.equal((await t.request("/readyz")).status, 200);
});
