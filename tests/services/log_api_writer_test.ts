/** @module Tests for the call-log writer: queueing, batching, truncation, failure handling. */

import assert from "node:assert/strict";
import type { Database } from "../../db/database.ts";
import { poll } from "../../testing/poll.ts";
import { LOG_API_LIMITS } from "../../db/log_api_schema.ts";
import { createSqliteStore } from "../../db/sqlite/sqlite_store.ts";
import {
  type ApiCall,
  createLogApiWriter,
  type LogApiWriter,
  type LogApiWriterOptions,
} from "../../services/log_api_writer.ts";
import { logApiCount } from "../../testing/log_api_rows.ts";
import { capturingLogger, type LogRecord } from "../../testing/loggers.ts";
import { memoryDb } from "../../testing/memory_db.ts";
import { sleep } from "../../testing/sleep.ts";

/** An in-memory database, a capturing logger, and a writer closed (then the db) on dispose. */
function setup(
  options: Partial<Omit<LogApiWriterOptions, "logger">> = {},
): { db: Database; audit: LogApiWriter; logs: LogRecord[] } & AsyncDisposable {
  const { db } = memoryDb();
  const { logger, records: logs } = capturingLogger();
  const audit = createLogApiWriter(createSqliteStore(db).logApi, {
    flushMs: 60_000,
    ...options,
    logger,
  });
  return {
    db,
    audit,
    logs,
    async [Symbol.asyncDispose]() {
      await audit.close(1000);
      db.close();
    },
  };
}

const START = Date.UTC(2025, 0, 2, 3, 4, 5, 6);

function call(overrides: Partial<ApiCall> = {}): ApiCall {
  return {
    clientIp: "203.0.113.7",
    userId: null,
    startTime: START,
    endTime: START + 12,
    durationMs: 12.3456789,
    method: "GET",
    path: "/board/5",
    query: "",
    status: 200,
    traceId: null,
    ...overrides,
  };
}

function stored(db: Database): Record<string, unknown>[] {
  return db.prepare("SELECT * FROM log_api ORDER BY seq").all().map((r) => ({ ...r }));
}

/** A promise with its resolve/reject exposed. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The whole database refuses writes (SQLITE_READONLY), as a full disk or a lock would. */
function refuseWrites(db: Database): void {
  db.prepare("PRAGMA query_only = ON").run();
}

function acceptWrites(db: Database): void {
  db.prepare("PRAGMA query_only = OFF").run();
}

Deno.test({
  name: "a recorded call is not written at once but is after flush()",
  async fn() {
    await using t = setup();
    t.audit.record(call());
    assert.equal(logApiCount(t.db), 0);
    assert.deepEqual(t.audit.stats(), { written: 0, failed: 0, queued: 1 });
    await t.audit.flush();
    assert.equal(logApiCount(t.db), 1);
    assert.deepEqual(t.audit.stats(), { written: 1, failed: 0, queued: 0 });
  },
});

Deno.test({
  name: "a recorded call reaches log_api by itself within the flush interval",
  async fn() {
    await using t = setup({ flushMs: 20 });
    t.audit.record(call());
    t.audit.record(call());
    assert.equal(logApiCount(t.db), 0);
    await poll(() => logApiCount(t.db) === 2, { what: "the timed flush", intervalMs: 10 });
    assert.equal(t.audit.stats().written, 2);
  },
});

Deno.test({
  name: "a full batch is written without waiting for the flush interval",
  async fn() {
    await using t = setup({ flushMs: 60_000, batchRows: 1000 });
    for (let i = 0; i < 999; i++) t.audit.record(call());
    await sleep(50);
    assert.equal(logApiCount(t.db), 0, "below batchRows, rows wait for the interval");
    t.audit.record(call());
    await poll(() => logApiCount(t.db) === 1000, {
      what: "the batch to be written",
      intervalMs: 10,
    });
  },
});

Deno.test({
  name: "2,500 calls recorded with batchRows 1000 are all in log_api after close",
  async fn() {
    await using t = setup({ batchRows: 1000 });
    for (let i = 0; i < 2500; i++) t.audit.record(call({ path: `/board/${i}` }));
    await t.audit.close(1000);
    assert.equal(logApiCount(t.db), 2500);
    assert.deepEqual(t.audit.stats(), { written: 2500, failed: 0, queued: 0 });
    const urls = t.db.prepare("SELECT call_url FROM log_api ORDER BY seq").all();
    assert.deepEqual(
      urls.map((r) => r.call_url),
      Array.from({ length: 2500 }, (_, i) => `/board/${i}`),
      "rows are stored in the order they were recorded",
    );
  },
});

Deno.test({
  name: "an API call maps to the log_api columns",
  async fn() {
    await using t = setup();
    t.audit.record(call({
      clientIp: "2001:db8::1",
      userId: "alice",
      startTime: START,
      endTime: START + 1500,
      durationMs: 1499.9876543,
      method: "POST",
      path: "/board",
      query: "a=1&b=%20x",
      status: 201,
      traceId: "0af7651916cd43dd8448eb211c80319c",
    }));
    t.audit.record(call({ query: "", durationMs: 0.0004 }));
    await t.audit.flush();
    const [first, second] = stored(t.db);
    assert.deepEqual(first, {
      seq: 1,
      user_ip: "2001:db8::1",
      user_id: "alice",
      start_time: "2025-01-02T03:04:05.006Z",
      end_time: "2025-01-02T03:04:06.506Z",
      call_url: "/board",
      call_url_parameter: "a=1&b=%20x",
      method: "POST",
      status: 201,
      duration_ms: 1499.988,
      trace_id: "0af7651916cd43dd8448eb211c80319c",
    });
    assert.equal(second?.call_url_parameter, null, "an empty query is stored as NULL");
    assert.equal(second?.duration_ms, 0, "durations are rounded to microseconds");
    assert.equal(second?.user_id, null);
    assert.equal(second?.trace_id, null);
    for (const r of [first, second]) {
      assert.match(String(r?.start_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(String(r?.end_time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  },
});

Deno.test({
  name: "over-long values are truncated to the column sizes, never rejected",
  async fn() {
    await using t = setup();
    const query = "q=" + "x".repeat(498);
    const path = "/" + "p".repeat(149);
    const ip = "2001:0db8:0000:0000:0000:ff00:0042:8329:dead:beef:cafe:f00d:12";
    const userId = "u".repeat(40);
    const method = "M".repeat(20);
    assert.equal(query.length, 500);
    assert.equal(path.length, 150);
    assert.ok(ip.length >= 60);
    t.audit.record(call({ query, path, clientIp: ip, userId, method }));
    await t.audit.flush();
    const [r] = stored(t.db);
    assert.equal(r?.call_url_parameter, query.slice(0, 300));
    assert.equal(r?.call_url, path.slice(0, 100));
    assert.equal(r?.user_ip, ip.slice(0, 45));
    assert.equal(r?.user_id, userId.slice(0, 30));
    assert.equal(r?.method, method.slice(0, 16));
    assert.deepEqual(LOG_API_LIMITS, {
      userIp: 45,
      userId: 30,
      callUrl: 100,
      callUrlParameter: 300,
      method: 16,
    });
  },
});

Deno.test({
  name: "an emoji-heavy query string is cut by code points without splitting a surrogate pair",
  async fn() {
    await using t = setup();
    const query = "a😀".repeat(200); // 400 code points, 600 UTF-16 units
    const path = "/" + "😀".repeat(120);
    t.audit.record(call({ query, path }));
    await t.audit.flush();
    const [r] = stored(t.db);
    const storedQuery = String(r?.call_url_parameter);
    assert.equal([...storedQuery].length, 300);
    assert.equal(storedQuery, "a😀".repeat(150));
    assert.ok(storedQuery.isWellFormed(), "no lone surrogate");
    const storedPath = String(r?.call_url);
    assert.equal([...storedPath].length, 100);
    assert.equal(storedPath, "/" + "😀".repeat(99));
    assert.ok(storedPath.isWellFormed(), "no lone surrogate");
  },
});

Deno.test({
  name: "when log_api refuses writes, rows are kept and written once it accepts them again",
  async fn() {
    await using t = setup();
    refuseWrites(t.db);
    t.audit.record(call({ path: "/a" }));
    t.audit.record(call({ path: "/b" }));
    t.audit.record(call({ path: "/c" }));
    await t.audit.flush(); // must not throw
    assert.deepEqual(t.audit.stats(), { written: 0, failed: 0, queued: 3 });
    await t.audit.flush();
    assert.deepEqual(t.audit.stats(), { written: 0, failed: 0, queued: 3 });
    acceptWrites(t.db);
    await t.audit.flush();
    assert.deepEqual(t.audit.stats(), { written: 3, failed: 0, queued: 0 });
    assert.deepEqual(stored(t.db).map((r) => r.call_url), ["/a", "/b", "/c"]);
  },
});

Deno.test({
  name: "a failed write is retried by itself later",
  async fn() {
    await using t = setup({ flushMs: 10 });
    refuseWrites(t.db);
    t.audit.record(call());
    await poll(() => t.logs.some((l) => l.level === "error"), {
      what: "the failed write",
      intervalMs: 10,
    });
    acceptWrites(t.db);
    // The retry waits at least 1 s after a failure; allow plenty.
    await poll(() => logApiCount(t.db) === 1, {
      what: "the retry",
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    assert.deepEqual(t.audit.stats(), { written: 1, failed: 0, queued: 0 });
  },
});

Deno.test({
  name: "a failing database is reported once, not once per attempt",
  async fn() {
    await using t = setup();
    refuseWrites(t.db);
    for (let attempt = 0; attempt < 20; attempt++) {
      t.audit.record(call());
      await t.audit.flush();
    }
    const errors = t.logs.filter((l) => l.level === "error");
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]!.msg, /log_api/);
    assert.match(JSON.stringify(errors[0]), /readonly/);
    acceptWrites(t.db);
    await t.audit.flush();
    assert.equal(logApiCount(t.db), 20);
  },
});

Deno.test({
  name: "rows waiting for a refusing database are bounded by maxQueuedRows, oldest dropped",
  async fn() {
    await using t = setup({ maxQueuedRows: 5 });
    refuseWrites(t.db);
    for (let i = 0; i < 8; i++) {
      t.audit.record(call({ path: `/${i}` }));
      await t.audit.flush();
    }
    assert.deepEqual(t.audit.stats(), { written: 0, failed: 3, queued: 5 });
    acceptWrites(t.db);
    await t.audit.flush();
    assert.deepEqual(t.audit.stats(), { written: 5, failed: 3, queued: 0 });
    assert.deepEqual(stored(t.db).map((r) => r.call_url), ["/3", "/4", "/5", "/6", "/7"]);
  },
});

Deno.test({
  name: "rows that cannot be written at shutdown are counted as failed and logged",
  async fn() {
    await using t = setup(); // closing the audit log and the database again is harmless
    t.db.close();
    t.audit.record(call());
    t.audit.record(call());
    await t.audit.flush(); // the closed database refuses; nothing throws
    assert.deepEqual(t.audit.stats(), { written: 0, failed: 0, queued: 2 });
    await t.audit.close(100);
    assert.deepEqual(t.audit.stats(), { written: 0, failed: 2, queued: 0 });
    assert.ok(
      t.logs.some((l) => l.level === "error" && /lost/.test(l.msg)),
      JSON.stringify(t.logs),
    );
  },
});

Deno.test({
  name: "recordWhenSettled writes the row only after the response settles",
  async fn() {
    await using t = setup();
    const delivered = deferred();
    let finished = 0;
    t.audit.recordWhenSettled(delivered.promise, () => {
      finished++;
      return call({ status: 200 });
    });
    await sleep(10);
    await t.audit.flush();
    assert.equal(finished, 0);
    assert.equal(logApiCount(t.db), 0);
    delivered.resolve();
    await delivered.promise;
    await sleep(0);
    await t.audit.flush();
    assert.equal(finished, 1);
    assert.equal(logApiCount(t.db), 1);
  },
});

Deno.test({
  name: "recordWhenSettled also records a call whose response failed",
  async fn() {
    await using t = setup();
    const delivered = deferred();
    t.audit.recordWhenSettled(delivered.promise, () => call({ status: 499 }));
    delivered.reject(new Error("client went away"));
    await sleep(10);
    await t.audit.flush();
    assert.deepEqual(stored(t.db).map((r) => r.status), [499]);
  },
});

Deno.test({
  name: "close waits for responses still being delivered, then writes their rows",
  async fn() {
    await using t = setup();
    const delivered = deferred();
    const timer = setTimeout(delivered.resolve, 50);
    t.audit.recordWhenSettled(delivered.promise, () => call());
    t.audit.record(call());
    try {
      await t.audit.close(10_000);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(logApiCount(t.db), 2);
    assert.equal(t.audit.stats().written, logApiCount(t.db));
  },
});

Deno.test({
  name: "close gives up on a response that never settles after its timeout",
  async fn() {
    await using t = setup();
    t.audit.recordWhenSettled(new Promise(() => {}), () => call({ path: "/never" }));
    t.audit.record(call({ path: "/done" }));
    const started = Date.now();
    await t.audit.close(100);
    const tookMs = Date.now() - started;
    assert.ok(tookMs >= 50, `close returned too early (${tookMs} ms)`);
    assert.ok(tookMs < 5000, `close hung for ${tookMs} ms`);
    assert.deepEqual(stored(t.db).map((r) => r.call_url), ["/done"]);
    assert.ok(t.logs.some((l) => l.level === "warn"), "the abandoned response is logged");
  },
});

Deno.test({
  name: "after close, stats().written equals the rows in log_api",
  async fn() {
    await using t = setup({ flushMs: 5, batchRows: 100 });
    for (let i = 0; i < 350; i++) {
      t.audit.record(call());
      if (i % 50 === 0) await sleep(1);
    }
    const settled = Array.from({ length: 20 }, () => Promise.resolve());
    for (const p of settled) t.audit.recordWhenSettled(p, () => call());
    await t.audit.close(1000);
    assert.equal(t.audit.stats().written, 370);
    assert.equal(t.audit.stats().written, logApiCount(t.db));
    assert.equal(t.audit.stats().queued, 0);
    assert.equal(t.audit.stats().failed, 0);
  },
});

Deno.test({
  name: "recordWhenSettled does not cause an unhandled rejection when building the row fails",
  async fn() {
    await using t = setup();
    const unhandled: unknown[] = [];
    const onUnhandled = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      unhandled.push(event.reason);
    };
    globalThis.addEventListener("unhandledrejection", onUnhandled);
    try {
      t.audit.recordWhenSettled(Promise.resolve(), () => {
        throw new Error("cannot build the row");
      });
      await sleep(50);
    } finally {
      globalThis.removeEventListener("unhandledrejection", onUnhandled);
    }
    assert.deepEqual(unhandled.map(String), []);
  },
});

Deno.test({
  name: "one call the table rejects does not hold back the calls recorded with it",
  async fn() {
    await using t = setup();
    t.audit.record(call({ path: "/before" }));
    // SQLite binds NaN as NULL, which the NOT NULL status column refuses.
    t.audit.record(call({ path: "/bad", status: NaN }));
    t.audit.record(call({ path: "/after" }));
    await t.audit.flush();
    assert.deepEqual(stored(t.db).map((r) => r.call_url), ["/before", "/after"]);
    assert.deepEqual(t.audit.stats(), { written: 2, failed: 1, queued: 0 });
    // The operator reads that the row is gone, not that it waits for a retry.
    const said = t.logs.map((r) => r.msg);
    assert.ok(
      said.includes("Cannot write a log_api row the table refuses: it is lost"),
      said.join(),
    );
    assert.ok(!said.some((m) => m.includes("keeping them to retry")), said.join());
  },
});

Deno.test({
  name: "a call delivered after close() gave up waiting is counted as failed, not kept forever",
  async fn() {
    await using t = setup();
    const late = deferred();
    t.audit.recordWhenSettled(late.promise, () => call());
    await t.audit.close(10);
    late.resolve();
    await sleep(0);
    assert.deepEqual(t.audit.stats(), { written: 0, failed: 1, queued: 0 });
  },
});

Deno.test({
  name: "rows dropped past maxQueuedRows are logged once per interval, not once per row",
  async fn() {
    await using t = setup({ maxQueuedRows: 2 });
    refuseWrites(t.db);
    for (let i = 0; i < 6; i++) t.audit.record(call({ path: `/${i}` }));
    assert.equal(t.audit.stats().failed, 4);
    const drops = t.logs.filter((l) => /queue full/.test(l.msg));
    assert.equal(drops.length, 1, JSON.stringify(drops));
    assert.equal(drops[0]!.level, "error");
    assert.equal(drops[0]!.max_queued_rows, 2);
    acceptWrites(t.db);
  },
});
