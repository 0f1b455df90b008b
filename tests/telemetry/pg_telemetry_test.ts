/**
 * @module Tests for PostgreSQL statement telemetry against a real throwaway cluster: CLIENT spans
 * named by db.query.summary with the server's address and the query text without values, the
 * duration histogram, and the pool's connection gauges.
 */

import assert from "node:assert/strict";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { type PostgresCluster, startPostgres } from "../../testing/postgres.ts";
import { TELEMETRY, testApp } from "../../testing/test_app.ts";

const cluster: PostgresCluster | undefined = await startPostgres();

function named(spans: ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `a span named ${name} among ${spans.map((s) => s.name).join(", ")}`);
  return span;
}

Deno.test({
  name:
    "PostgreSQL statements become CLIENT spans with postgresql, the database, the server and no values",
  ignore: cluster === undefined,
  fn: async () => {
    await using t = await testApp({
      postgresUrl: await cluster!.freshDatabase(),
      settings: { ...TELEMETRY },
    });
    const token = await t.signUp("alice");
    const created = await t.request("/board", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "secret-title-value", content: "비밀 내용" }),
    });
    assert.equal(created.status, 201);
    const { seq } = await created.json();
    const replaced = await t.request(`/board/posts/${seq}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "secret-title-value", content: "비밀 내용 2" }),
    });
    assert.equal(replaced.status, 200);
    assert.equal((await t.request("/board/5")).status, 200);
    const spans = await t.finishedSpans();
    const server = named(spans, "GET /board/:count");
    const select = named(
      spans.filter((s) => s.spanContext().traceId === server.spanContext().traceId),
      "SELECT board users",
    );
    assert.equal(select.kind, SpanKind.CLIENT);
    assert.equal(select.attributes["db.system.name"], "postgresql");
    assert.equal(select.attributes["db.namespace"], "test_1");
    assert.equal(select.attributes["server.address"], "127.0.0.1");
    assert.equal(select.attributes["server.port"], cluster!.port);
    assert.equal(select.attributes["db.query.summary"], "SELECT board users");
    assert.equal(select.attributes["db.response.returned_rows"], 5);
    assert.equal(select.attributes["db.collection.name"], undefined, "two tables");
    const insert = named(spans, "INSERT board");
    assert.equal(insert.attributes["db.collection.name"], "board");
    const text = String(insert.attributes["db.query.text"]);
    assert.match(
      text,
      /^INSERT INTO board \(.*\) VALUES \(\$1, \$2, \$3, \$4, \$5, \$6\) RETURNING seq$/,
    );
    const put = named(spans, "PUT /board/posts/:seq").spanContext().traceId;
    const inPut = spans.filter((s) => s.spanContext().traceId === put).map((s) => s.name);
    assert.ok(inPut.includes("BEGIN") && inPut.includes("COMMIT"), inPut.join(", "));
    assert.equal(named(spans, "BEGIN").attributes["db.system.name"], "postgresql");
    for (const span of spans) {
      const all = JSON.stringify(span.attributes);
      assert.ok(!all.includes("secret-title-value") && !all.includes("비밀"), span.name);
      assert.ok(!all.includes("alice-password"), span.name);
    }
  },
});

Deno.test({
  name: "The pool reports db.client.connection.count by state and db.client.connection.max",
  ignore: cluster === undefined,
  fn: async () => {
    try {
      await using t = await testApp({
        postgresUrl: await cluster!.freshDatabase(),
        settings: { ...TELEMETRY, DATABASE_POOL_SIZE: "3" },
      });
      assert.equal((await t.request("/board/5")).status, 200);
      const metrics = await t.collectMetrics();
      const max = metrics.get("db.client.connection.max");
      assert.ok(max, "db.client.connection.max");
      assert.equal(max.dataPoints[0]!.value, 3);
      const count = metrics.get("db.client.connection.count");
      assert.ok(count, "db.client.connection.count");
      const byState = Object.fromEntries(
        count.dataPoints.map((p) => [p.attributes["db.client.connection.state"], p.value]),
      );
      assert.deepEqual(Object.keys(byState).sort(), ["idle", "used"]);
      assert.ok(Number(byState.idle) >= 1, "the connection the request used is idle again");
      assert.equal(byState.used, 0);
      const duration = metrics.get("db.client.operation.duration");
      assert.ok(duration, "db.client.operation.duration");
      const point = duration.dataPoints.find((p) =>
        p.attributes["db.query.summary"] === "SELECT board users"
      );
      assert.equal(point?.attributes["db.system.name"], "postgresql");
    } finally {
      await cluster![Symbol.asyncDispose]();
    }
  },
});
