/** @module Tests for the log_api queries: batched inserts, filtered reads, chunked deletes. */

import assert from "node:assert/strict";
import type { Database, SqlValue, Statement } from "../../../db/database.ts";
import type { LogApiFilter } from "../../../db/log_api_schema.ts";
import { runNow } from "../../../db/sqlite/gate.ts";
import {
  deleteLogApiOlderThan,
  deleteLogApiUpTo,
  insertLogApiRows,
  selectLogApiRows,
  selectLogApiSeqBeyond,
  sqliteLogApi,
} from "../../../db/sqlite/log_api.ts";
import { logApiCount, logApiRow, logApiSeqs } from "../../../testing/log_api_rows.ts";
import { memoryDb } from "../../../testing/memory_db.ts";

/** The start time that logApiRow() gives by default. */
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0, 0);

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A Database that records every SQL text handed to prepare() and the values bound to it. */
function recording(db: Database): { db: Database; sql: string[]; params: SqlValue[][] } {
  const sql: string[] = [];
  const params: SqlValue[][] = [];
  const spyOn = (statement: Statement): Statement => ({
    all: (...values) => (params.push(values), statement.all(...values)),
    get: (...values) => (params.push(values), statement.get(...values)),
    run: (...values) => (params.push(values), statement.run(...values)),
    iterate: (...values) => (params.push(values), statement.iterate(...values)),
  });
  return {
    sql,
    params,
    db: {
      path: db.path,
      prepare(text) {
        sql.push(text);
        return spyOn(db.prepare(text));
      },
      runBatch: (text, rows) => {
        sql.push(text);
        params.push([]);
        db.runBatch(text, rows);
      },
      runBatchInBackground: (text, rows) => {
        sql.push(text);
        params.push([]);
        return db.runBatchInBackground(text, rows);
      },
      runInBackground: (text, values) => {
        sql.push(text);
        params.push([...values]);
        return db.runInBackground(text, values);
      },
      getInBackground: (text, values) => {
        sql.push(text);
        params.push([...values]);
        return db.getInBackground(text, values);
      },
      control: (statement) => db.control(statement),
      transaction: (fn) => db.transaction(fn),
      transactionAsync: (fn) => db.transactionAsync(fn),
      close: () => db.close(),
    },
  };
}

/** The plan SQLite chooses for the exact SELECT (and values) that selectLogApiRows runs. */
function planFor(db: Database, filter: LogApiFilter): { sql: string; plan: string[] } {
  const spy = recording(db);
  selectLogApiRows(spy.db, filter, 50);
  // The page query itself, not the cursor lookup that may precede it.
  const index = spy.sql.findLastIndex((text) => /^\s*SELECT \*/.test(text));
  const sql = spy.sql[index];
  const values = spy.params[index] ?? [];
  assert.ok(sql !== undefined && /^\s*SELECT\b/i.test(sql), `no SELECT recorded: ${sql}`);
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values).map((r) => String(r.detail));
  return { sql: `${sql.replace(/\s+/g, " ")} ${JSON.stringify(values)}`, plan };
}

function assertUsesIndex(db: Database, filter: LogApiFilter, index: string): void {
  const { sql, plan } = planFor(db, filter);
  const context = `${sql}\n  plan: ${JSON.stringify(plan)}`;
  assert.ok(!plan.some((step) => /^SCAN log_api\b(?!.*INDEX)/.test(step)), `full scan: ${context}`);
  assert.ok(plan.some((step) => step.includes(`INDEX ${index}`)), `not using ${index}: ${context}`);
  assert.ok(!plan.some((step) => step.includes("TEMP B-TREE")), `sorts rows: ${context}`);
}

Deno.test({
  name: "on a fresh database, GET /log filters on url, user and status read through their indexes",
  async fn() {
    using t = memoryDb();
    await insertLogApiRows(t.db, [logApiRow()]);
    assertUsesIndex(t.db, { url: "/board" }, "log_api_call_url");
    assertUsesIndex(t.db, { url: "/board", beforeSeq: 100 }, "log_api_call_url");
    assertUsesIndex(t.db, { userId: "alice" }, "log_api_user_id");
    assertUsesIndex(t.db, { status: 404 }, "log_api_status");
    assertUsesIndex(t.db, { since: iso(T0), until: iso(T0 + 1000) }, "log_api_start_time");
  },
});

const BUSY_ROWS = 20_000;

/**
 * A log like production's: mostly anonymous GET /board answered 200, a few named users,
 * a rare path and a rare 500, one call a second; then the planner statistics the service
 * keeps up to date (LogApiRepository.optimize).
 */
async function busyLog(): Promise<{ db: Database } & Disposable> {
  const t = memoryDb();
  const urls = ["/board", "/board/5", "/log"];
  await insertLogApiRows(
    t.db,
    Array.from({ length: BUSY_ROWS }, (_, i) =>
      logApiRow({
        start_time: iso(T0 + i * 1000),
        end_time: iso(T0 + i * 1000 + 4),
        call_url: i % 500 === 0 ? "/rare" : urls[i % 3]!,
        user_id: i % 100 === 0 ? `user${i % 700}` : null,
        status: i % 400 === 0 ? 500 : i % 7 === 0 ? 404 : 200,
        method: i % 250 === 0 ? "DELETE" : i % 9 === 0 ? "POST" : "GET",
        trace_id: i % 2 === 0 ? (i.toString(16).padStart(32, "0")) : null,
      })),
  );
  await sqliteLogApi(t.db, runNow).optimize();
  return t;
}

Deno.test({
  name: "with statistics, GET /log filtered by a rare url reads through the call_url index",
  async fn() {
    using t = await busyLog();
    assertUsesIndex(t.db, { url: "/rare" }, "log_api_call_url");
  },
});

Deno.test({
  name: "with statistics, GET /log filtered by user reads through the user_id index",
  async fn() {
    using t = await busyLog();
    assertUsesIndex(t.db, { userId: "user100" }, "log_api_user_id");
    assertUsesIndex(t.db, { userId: "nobody" }, "log_api_user_id");
  },
});

Deno.test({
  name: "with statistics, GET /log filtered by a rare status reads through the status index",
  async fn() {
    using t = await busyLog();
    assertUsesIndex(t.db, { status: 500 }, "log_api_status");
  },
});

Deno.test({
  name:
    "with statistics, GET /log filtered by trace id or a rare method reads through their indexes",
  async fn() {
    using t = await busyLog();
    assertUsesIndex(t.db, { traceId: (4242).toString(16).padStart(32, "0") }, "log_api_trace_id");
    assertUsesIndex(t.db, { traceId: "f".repeat(32) }, "log_api_trace_id");
    assertUsesIndex(t.db, { method: "DELETE" }, "log_api_method");
  },
});

Deno.test({
  name: "with statistics, GET /log filtered by a narrow since/until reads through start_time",
  async fn() {
    using t = await busyLog();
    const last = T0 + (BUSY_ROWS - 1) * 1000;
    // A since in the last minute may be answered by the newest-first scan: it stops after
    // `limit` rows because the newest rows match. A since with no match, an old until and
    // a narrow window would read the whole table that way, so they must use the index.
    assertUsesIndex(t.db, { since: iso(last + 86_400_000) }, "log_api_start_time");
    assertUsesIndex(t.db, { until: iso(T0 + 60_000) }, "log_api_start_time");
    assertUsesIndex(
      t.db,
      { since: iso(T0 + 600_000), until: iso(T0 + 660_000) },
      "log_api_start_time",
    );
  },
});

Deno.test({
  name: "retention deletes find their rows through an index, not a full scan",
  async fn() {
    using t = memoryDb();
    const spy = recording(t.db);
    await deleteLogApiOlderThan(spy.db, iso(T0), 10);
    await deleteLogApiUpTo(spy.db, 5, 10);
    assert.equal(spy.sql.length, 2);
    for (const sql of spy.sql) {
      const plan = t.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => String(r.detail));
      assert.ok(!plan.some((step) => /^SCAN log_api\b/.test(step)), `${sql}\n${plan}`);
    }
  },
});

Deno.test({
  name: "insertLogApiRows stores every column as given",
  async fn() {
    using t = memoryDb();
    const rows = [
      logApiRow(),
      logApiRow({
        user_ip: "2001:db8::1",
        user_id: "alice",
        call_url: "/board/5",
        call_url_parameter: "a=1&b=2",
        method: "POST",
        status: 201,
        duration_ms: 0.001,
        trace_id: "0af7651916cd43dd8448eb211c80319c",
      }),
    ];
    await insertLogApiRows(t.db, rows);
    const stored = t.db.prepare("SELECT * FROM log_api ORDER BY seq").all();
    assert.deepEqual(
      stored.map(({ seq: _seq, ...rest }) => rest),
      rows.map((r) => ({ ...r })),
    );
    assert.deepEqual(logApiSeqs(t.db), [1, 2]);
  },
});

Deno.test({
  name: "insertLogApiRows writes all rows or none when one violates a constraint",
  async fn() {
    using t = memoryDb();
    const rows = [
      logApiRow(),
      logApiRow(),
      logApiRow({ call_url: "/" + "x".repeat(100) }),
      logApiRow(),
    ];
    await assert.rejects(insertLogApiRows(t.db, rows), /CHECK constraint failed/);
    assert.equal(logApiCount(t.db), 0);
    // No transaction was left open: the next batch commits.
    await insertLogApiRows(t.db, [logApiRow(), logApiRow()]);
    assert.equal(logApiCount(t.db), 2);
  },
});

Deno.test({
  name: "insertLogApiRows writes 10,000 rows in one call",
  async fn() {
    using t = memoryDb();
    await insertLogApiRows(
      t.db,
      Array.from({ length: 10_000 }, (_, i) => logApiRow({ status: 200 + i % 3 })),
    );
    assert.equal(logApiCount(t.db), 10_000);
  },
});

/** Inserts a varied log: seq i+1 has start time T0 + i seconds. */
async function seedVariedLog(db: Database): Promise<void> {
  const urls = ["/board", "/board/5", "/log"];
  const users = [null, "alice", "bob"];
  const statuses = [200, 404, 500, 200];
  await insertLogApiRows(
    db,
    Array.from({ length: 24 }, (_, i) =>
      logApiRow({
        start_time: iso(T0 + i * 1000),
        end_time: iso(T0 + i * 1000 + 3),
        call_url: urls[i % 3]!,
        user_id: users[i % 3]!,
        status: statuses[i % 4]!,
      })),
  );
}

Deno.test({
  name: "selectLogApiRows returns the newest rows first, at most limit",
  async fn() {
    using t = memoryDb();
    await seedVariedLog(t.db);
    const rows = selectLogApiRows(t.db, {}, 5);
    assert.deepEqual(rows.map((r) => r.seq), [24, 23, 22, 21, 20]);
    assert.equal(selectLogApiRows(t.db, {}, 100).length, 24);
  },
});

Deno.test({
  name: "selectLogApiRows filters by url, user, status and time, combined with AND",
  async fn() {
    using t = memoryDb();
    await seedVariedLog(t.db);
    const all = selectLogApiRows(t.db, {}, 100);
    const check = (filter: LogApiFilter, keep: (r: (typeof all)[number]) => boolean) => {
      const expected = all.filter(keep).map((r) => r.seq);
      assert.ok(expected.length > 0, `filter matches nothing: ${JSON.stringify(filter)}`);
      const actual = selectLogApiRows(t.db, filter, 100).map((r) => r.seq);
      assert.deepEqual(actual, expected, JSON.stringify(filter));
    };
    check({ url: "/board" }, (r) => r.call_url === "/board");
    check({ userId: "alice" }, (r) => r.user_id === "alice");
    check({ status: 200 }, (r) => r.status === 200);
    check({ since: iso(T0 + 10_000) }, (r) => r.start_time >= iso(T0 + 10_000));
    check({ until: iso(T0 + 10_000) }, (r) => r.start_time < iso(T0 + 10_000));
    check({ beforeSeq: 10 }, (r) => r.seq < 10);
    check(
      { url: "/board/5", userId: "alice", status: 200 },
      (r) => r.call_url === "/board/5" && r.user_id === "alice" && r.status === 200,
    );
    check(
      { url: "/log", since: iso(T0 + 5_000), until: iso(T0 + 20_000), beforeSeq: 20 },
      (r) =>
        r.call_url === "/log" && r.start_time >= iso(T0 + 5_000) &&
        r.start_time < iso(T0 + 20_000) && r.seq < 20,
    );
    assert.deepEqual(
      selectLogApiRows(t.db, { url: "/log", status: 404, userId: "nobody" }, 10),
      [],
    );
  },
});

Deno.test({
  name: "selectLogApiRows treats since as inclusive and until as exclusive",
  async fn() {
    using t = memoryDb();
    await seedVariedLog(t.db);
    const at = iso(T0 + 3000); // start time of seq 4
    assert.deepEqual(
      selectLogApiRows(t.db, { since: at, until: iso(T0 + 4000) }, 10).map((r) => r.seq),
      [4],
    );
    assert.deepEqual(selectLogApiRows(t.db, { since: at, until: at }, 10), []);
  },
});

Deno.test({
  name: "selectLogApiRows pages with beforeSeq without gaps or repeats",
  async fn() {
    using t = memoryDb();
    await seedVariedLog(t.db);
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const filter: LogApiFilter = before === undefined ? {} : { beforeSeq: before };
      const page = selectLogApiRows(t.db, filter, 7);
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.seq));
      before = page.at(-1)!.seq;
    }
    assert.deepEqual(seen, Array.from({ length: 24 }, (_, i) => 24 - i));
  },
});

Deno.test({
  name: "deleteLogApiOlderThan deletes the oldest rows in chunks of the given size",
  async fn() {
    using t = memoryDb();
    // 25 rows before the cutoff, 5 after; inserted out of start-time order.
    const old = Array.from(
      { length: 25 },
      (_, i) => logApiRow({ start_time: iso(T0 + (24 - i) * 1000) }),
    );
    const recent = Array.from(
      { length: 5 },
      (_, i) => logApiRow({ start_time: iso(T0 + 60_000 + i) }),
    );
    await insertLogApiRows(t.db, [...recent.slice(0, 2), ...old, ...recent.slice(2)]);
    const cutoff = iso(T0 + 30_000);
    const earliest = () =>
      String(t.db.prepare("SELECT min(start_time) AS t FROM log_api").get()?.t);

    assert.equal(await deleteLogApiOlderThan(t.db, cutoff, 10), 10);
    assert.equal(logApiCount(t.db), 20);
    assert.equal(earliest(), iso(T0 + 10_000)); // the ten oldest went first
    assert.equal(await deleteLogApiOlderThan(t.db, cutoff, 10), 10);
    assert.equal(await deleteLogApiOlderThan(t.db, cutoff, 10), 5);
    assert.equal(await deleteLogApiOlderThan(t.db, cutoff, 10), 0);
    const left = t.db.prepare("SELECT start_time FROM log_api ORDER BY start_time").all();
    assert.deepEqual(left.map((r) => r.start_time), recent.map((r) => r.start_time));
  },
});

Deno.test({
  name: "deleteLogApiOlderThan keeps a row that started exactly at the cutoff",
  async fn() {
    using t = memoryDb();
    await insertLogApiRows(t.db, [
      logApiRow({ start_time: iso(T0 - 1) }),
      logApiRow({ start_time: iso(T0) }),
    ]);
    assert.equal(await deleteLogApiOlderThan(t.db, iso(T0), 100), 1);
    assert.equal(t.db.prepare("SELECT start_time FROM log_api").get()?.start_time, iso(T0));
  },
});

Deno.test({
  name: "selectLogApiSeqBeyond finds the newest row outside the newest N",
  async fn() {
    using t = memoryDb();
    assert.equal(await selectLogApiSeqBeyond(t.db, 0), undefined);
    await insertLogApiRows(t.db, Array.from({ length: 30 }, () => logApiRow()));
    assert.equal(await selectLogApiSeqBeyond(t.db, 10), 20);
    assert.equal(await selectLogApiSeqBeyond(t.db, 0), 30);
    assert.equal(await selectLogApiSeqBeyond(t.db, 29), 1);
    assert.equal(await selectLogApiSeqBeyond(t.db, 30), undefined);
    assert.equal(await selectLogApiSeqBeyond(t.db, 1000), undefined);
  },
});

Deno.test({
  name: "deleteLogApiUpTo deletes the oldest rows up to a seq in chunks of the given size",
  async fn() {
    using t = memoryDb();
    await insertLogApiRows(t.db, Array.from({ length: 30 }, () => logApiRow()));
    const lastSeq = (await selectLogApiSeqBeyond(t.db, 5))!;
    assert.equal(lastSeq, 25);
    assert.equal(await deleteLogApiUpTo(t.db, lastSeq, 10), 10);
    assert.deepEqual(logApiSeqs(t.db).slice(0, 1), [11]); // the oldest ten went first
    assert.equal(await deleteLogApiUpTo(t.db, lastSeq, 10), 10);
    assert.equal(await deleteLogApiUpTo(t.db, lastSeq, 10), 5);
    assert.equal(await deleteLogApiUpTo(t.db, lastSeq, 10), 0);
    assert.deepEqual(logApiSeqs(t.db), [26, 27, 28, 29, 30]);
  },
});
