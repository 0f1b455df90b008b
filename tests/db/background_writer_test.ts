/** @module Tests for the worker that writes log_api batches on its own connection. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { startBackgroundWriter, withBackgroundWriter } from "../../db/background_writer.ts";
import { type Database, openDatabase } from "../../db/database.ts";
import type { NewLogApiRow } from "../../db/log_api_schema.ts";
import { isRejectedRow } from "../../db/sqlite/errors.ts";
import { insertLogApiRows } from "../../db/sqlite/log_api.ts";
import { createSqliteStore } from "../../db/sqlite/sqlite_store.ts";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { startLogApiRetention } from "../../services/log_api_retention.ts";
import { type ApiCall, createLogApiWriter } from "../../services/log_api_writer.ts";
import { instrumentDatabase } from "../../telemetry/db_telemetry.ts";
import { spanHelpers } from "../../telemetry/traced.ts";
import { installContextManager } from "../../telemetry/tracing.ts";
import { capturingLogger } from "../../testing/loggers.ts";
import { tempDir } from "../../testing/temp_dir.ts";

function row(overrides: Partial<NewLogApiRow> = {}): NewLogApiRow {
  return {
    user_ip: "203.0.113.7",
    user_id: null,
    start_time: "2025-01-02T03:04:05.006Z",
    end_time: "2025-01-02T03:04:05.018Z",
    call_url: "/board/5",
    call_url_parameter: null,
    method: "GET",
    status: 200,
    duration_ms: 12.5,
    trace_id: null,
    ...overrides,
  };
}

/** Rows as another connection sees them: only what is committed. */
function committedUrls(path: string): string[] {
  const reader = new DatabaseSync(path, { readOnly: true });
  try {
    return reader.prepare("SELECT call_url FROM log_api ORDER BY seq").all()
      .map((r) => String(r.call_url));
  } finally {
    reader.close();
  }
}

/** A migrated database file and a started writer, both closed on dispose. */
async function setup() {
  const dir = await tempDir();
  const path = join(dir.path, "board.db");
  const { db } = openDatabase(path, { synchronous: "normal" });
  const writer = startBackgroundWriter(path, { synchronous: "normal" });
  await writer.ready;
  return {
    path,
    db,
    writer,
    async [Symbol.asyncDispose]() {
      await writer.close(1000);
      db.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** `db` with its in-thread background work refused, to tell the worker's answers apart. */
function inThreadRefused(db: Database): Database {
  const refused = () => Promise.reject(new Error("Ran in-thread instead of on the worker"));
  return {
    ...db,
    runBatchInBackground: refused,
    runInBackground: refused,
    getInBackground: refused,
  };
}

Deno.test("a batch sent to the worker is committed, on another connection, when its promise resolves", async () => {
  await using t = await setup();
  // The in-thread fallback refuses, so a commit shows the write happened on the worker.
  const db = withBackgroundWriter(inThreadRefused(t.db), t.writer);
  await insertLogApiRows(db, [row({ call_url: "/a" }), row({ call_url: "/b" })]);
  assert.deepEqual(committedUrls(t.path), ["/a", "/b"]);
});

Deno.test("a batch the table refuses is rolled back whole, and the error keeps SQLite's code", async () => {
  await using t = await setup();
  const db = withBackgroundWriter(t.db, t.writer);
  // NaN is bound as NULL, which the NOT NULL status column refuses.
  const error = await insertLogApiRows(db, [row({ call_url: "/ok" }), row({ status: NaN })])
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof Error, "the promise rejects");
  assert.match(error.message, /NOT NULL/);
  assert.ok(isRejectedRow(error), "errcode survives the thread boundary");
  assert.deepEqual(committedUrls(t.path), [], "all or none");
  await insertLogApiRows(db, [row({ call_url: "/next" })]);
  assert.deepEqual(committedUrls(t.path), ["/next"], "the worker goes on after a refusal");
});

Deno.test("while the worker starts, batches are written in-thread", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "board.db");
  const { db } = openDatabase(path, { synchronous: "normal" });
  const writer = startBackgroundWriter(path, { synchronous: "normal" });
  try {
    assert.equal(writer.alive, false);
    const written = insertLogApiRows(withBackgroundWriter(db, writer), [row()]);
    assert.deepEqual(committedUrls(path), ["/board/5"], "committed before the call returned");
    await written;
    await writer.ready;
    assert.equal(writer.alive, true);
  } finally {
    await writer.close(1000);
    db.close();
  }
});

Deno.test("once the writer is closed, batches are written in-thread instead of being lost", async () => {
  await using t = await setup();
  const db = withBackgroundWriter(t.db, t.writer);
  await t.writer.close(1000);
  assert.equal(t.writer.alive, false);
  await assert.rejects(t.writer.runBatch("SELECT 1", [[]]), /not running/);
  const written = insertLogApiRows(db, [row({ call_url: "/inline" })]);
  assert.deepEqual(committedUrls(t.path), ["/inline"], "committed before the call returned");
  await written;
});

Deno.test("a writer that cannot open its file fails to start with SQLite's reason", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    startBackgroundWriter(join(dir.path, "missing-dir", "board.db"), { synchronous: "normal" })
      .ready,
    /unable to open database file/,
  );
});

Deno.test("the call-log writer over the worker writes every row, keeps rows the table refuses apart, and close() waits for the last batch", async () => {
  await using t = await setup();
  const { logger } = capturingLogger();
  const store = createSqliteStore(withBackgroundWriter(t.db, t.writer));
  const audit = createLogApiWriter(store.logApi, { flushMs: 5, batchRows: 100, logger });
  const call = (path: string, status = 200): ApiCall => ({
    clientIp: "203.0.113.7",
    userId: null,
    startTime: Date.UTC(2025, 0, 2),
    endTime: Date.UTC(2025, 0, 2) + 3,
    durationMs: 3,
    method: "GET",
    path,
    query: "",
    status,
    traceId: null,
  });
  for (let i = 0; i < 750; i++) {
    audit.record(call(`/r/${i}`, i === 420 ? NaN : 200));
    if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await audit.close(5000);
  assert.deepEqual(audit.stats(), { written: 749, failed: 1, queued: 0 });
  const urls = committedUrls(t.path);
  assert.equal(urls.length, 749);
  assert.ok(!urls.includes("/r/420"));
  assert.equal(new Set(urls).size, 749, "no row written twice");
});

Deno.test("single statements run on the worker: a DELETE gives its count, a query its first row", async () => {
  await using t = await setup();
  // The in-thread fallbacks refuse, so every answer below came from the worker.
  const db = withBackgroundWriter(inThreadRefused(t.db), t.writer);
  await insertLogApiRows(db, [row({ call_url: "/a" }), row({ call_url: "/b" })]);
  const first = db.getInBackground("SELECT call_url FROM log_api ORDER BY seq LIMIT 1", []);
  assert.deepEqual({ ...await first }, { call_url: "/a" });
  assert.equal(await db.getInBackground("SELECT seq FROM log_api WHERE seq > ?", [99]), undefined);
  assert.equal(await db.runInBackground("DELETE FROM log_api WHERE call_url = ?", ["/a"]), 1);
  assert.deepEqual(committedUrls(t.path), ["/b"]);
  await assert.rejects(
    Promise.resolve(db.runInBackground("DELETE FROM no_such_table", [])),
    /no such table/,
  );
});

Deno.test("retention prunes through the worker, and each of its statements is a span that ends when the worker is done", async () => {
  await using t = await setup();
  installContextManager();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("test");
  const db = instrumentDatabase(withBackgroundWriter(t.db, t.writer), tracer, {
    databaseDup: false,
  });
  const { logger } = capturingLogger();
  await insertLogApiRows(db, Array.from({ length: 25 }, (_, i) => row({ call_url: `/r/${i}` })));
  const retention = startLogApiRetention(createSqliteStore(db).logApi, {
    maxAgeDays: 0,
    maxRows: 10,
    intervalMs: 3_600_000,
    chunkRows: 4,
    logger,
    spans: spanHelpers(tracer),
  });
  try {
    assert.equal(await retention.pruneNow(), 15);
  } finally {
    retention.stop();
  }
  assert.deepEqual(committedUrls(t.path), Array.from({ length: 10 }, (_, i) => `/r/${i + 15}`));
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const prune = spans.find((s) => s.name === "log_api.prune");
  assert.ok(prune, "the prune's own span");
  const children = spans.filter((s) => s.parentSpanContext?.spanId === prune.spanContext().spanId);
  assert.deepEqual(
    children.map((s) => s.name),
    [
      "SELECT log_api",
      "DELETE log_api",
      "DELETE log_api",
      "DELETE log_api",
      "DELETE log_api",
      "PRAGMA",
    ],
  );
  // The processor exports each span as it ends: every statement's span ended before the prune's.
  for (const child of children) {
    assert.ok(spans.indexOf(child) < spans.indexOf(prune), `${child.name} ended first`);
    assert.equal(child.attributes["db.system.name"], "sqlite");
  }
  await provider.shutdown();
});
