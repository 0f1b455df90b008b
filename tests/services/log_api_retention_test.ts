/** @module Tests for log_api retention: pruning by age and by count, in chunks, on a schedule. */

import assert from "node:assert/strict";
import type { Database } from "../../db/database.ts";
import type { NewLogApiRow } from "../../db/log_api_schema.ts";
import { insertLogApiRows } from "../../db/sqlite/log_api.ts";
import { createSqliteStore } from "../../db/sqlite/sqlite_store.ts";
import {
  type LogApiRetention,
  type LogApiRetentionOptions,
  startLogApiRetention,
} from "../../services/log_api_retention.ts";
import { logApiCount, logApiRow, logApiSeqs } from "../../testing/log_api_rows.ts";
import { capturingLogger, type LogRecord } from "../../testing/loggers.ts";
import { memoryDb } from "../../testing/memory_db.ts";
import { sleep } from "../../testing/sleep.ts";

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0, 0);

/** An in-memory database and a capturing logger, closed on dispose. */
function setup():
  & { db: Database; logs: LogRecord[]; options: Pick<LogApiRetentionOptions, "logger"> }
  & Disposable {
  const { logger, records } = capturingLogger();
  return { ...memoryDb(), logs: records, options: { logger } };
}

/** Starts retention and stops it on dispose. */
function retention(db: Database, options: LogApiRetentionOptions): LogApiRetention & Disposable {
  const running = startRetention(db, options);
  return { ...running, [Symbol.dispose]: () => running.stop() };
}

/** Starts retention over the SQLite store of `db`. */
function startRetention(db: Database, options: LogApiRetentionOptions): LogApiRetention {
  return startLogApiRetention(createSqliteStore(db).logApi, options);
}

/** A log_api row for a call that started at `startMs` and took 3 ms. */
function row(startMs: number): NewLogApiRow {
  return logApiRow({
    start_time: new Date(startMs).toISOString(),
    end_time: new Date(startMs + 3).toISOString(),
    duration_ms: 3,
  });
}

/** Inserts `n` rows (one transaction) whose start times are given by `startOf(i)`. */
function insertRows(db: Database, n: number, startOf: (i: number) => number): Promise<void> {
  return insertLogApiRows(db, Array.from({ length: n }, (_, i) => row(startOf(i))));
}

/** Inserts `n` rows 40 days old, a millisecond apart: all past a 30-day age limit. */
function insertOldRows(db: Database, n: number): Promise<void> {
  return insertRows(db, n, (i) => NOW - 40 * DAY_MS + i);
}

/** Long enough that the schedule never fires during a test (the first run waits ≤ 1 s). */
const MANUAL = 3_600_000;

/** Prunes rows over 30 days old (by the clock NOW), 1,000 a chunk, only when asked. */
const BY_AGE_IN_CHUNKS: Omit<LogApiRetentionOptions, "logger"> = {
  maxAgeDays: 30,
  maxRows: 0,
  intervalMs: MANUAL,
  chunkRows: 1000,
  now: () => NOW,
};

Deno.test({
  name: "rows older than maxAgeDays are pruned and newer ones kept",
  async fn() {
    using t = setup();
    const ages = [45, 31, 30.5, 29.9, 10, 0];
    await insertRows(t.db, ages.length, (i) => NOW - ages[i]! * DAY_MS);
    using r = retention(t.db, {
      ...t.options,
      maxAgeDays: 30,
      maxRows: 0,
      intervalMs: MANUAL,
      now: () => NOW,
    });
    assert.equal(await r.pruneNow(), 3);
    const kept = t.db.prepare("SELECT start_time FROM log_api ORDER BY seq").all();
    assert.deepEqual(
      kept.map((k) => k.start_time),
      ages.slice(3).map((age) => new Date(NOW - age * DAY_MS).toISOString()),
    );
    assert.equal(await r.pruneNow(), 0, "a second prune finds nothing more to delete");
    assert.ok(
      t.logs.some((l) => l.msg === "Pruned log_api" && l.rows === 3),
      "the prune is logged",
    );
  },
});

Deno.test({
  name: "the age cutoff follows the injected clock",
  async fn() {
    using t = setup();
    await insertRows(t.db, 10, (i) => NOW - i * DAY_MS); // ages 0..9 days
    let clock = NOW;
    using r = retention(t.db, {
      ...t.options,
      maxAgeDays: 7,
      maxRows: 0,
      intervalMs: MANUAL,
      now: () => clock,
    });
    assert.equal(await r.pruneNow(), 2); // ages 8 and 9 days
    clock = NOW + 3 * DAY_MS;
    assert.equal(await r.pruneNow(), 3); // now ages 8..10 days: the rows 5, 6 and 7 days old
    assert.equal(logApiCount(t.db), 5);
  },
});

Deno.test({
  name: "maxRows keeps exactly the newest N rows",
  async fn() {
    using t = setup();
    await insertRows(t.db, 100, (i) => NOW - (100 - i) * 1000);
    using r = retention(t.db, {
      ...t.options,
      maxAgeDays: 0,
      maxRows: 30,
      intervalMs: MANUAL,
      chunkRows: 7,
      now: () => NOW,
    });
    assert.equal(await r.pruneNow(), 70);
    assert.deepEqual(logApiSeqs(t.db), Array.from({ length: 30 }, (_, i) => 71 + i));
    assert.equal(await r.pruneNow(), 0);
  },
});

Deno.test({
  name: "maxRows larger than the table deletes nothing",
  async fn() {
    using t = setup();
    await insertRows(t.db, 10, (i) => NOW - i);
    using r = retention(t.db, { ...t.options, maxAgeDays: 0, maxRows: 10, intervalMs: MANUAL });
    assert.equal(await r.pruneNow(), 0);
    assert.equal(logApiCount(t.db), 10);
  },
});

Deno.test({
  name: "age and row limits together keep only rows that satisfy both",
  async fn() {
    using t = setup();
    // 20 rows 40 days old, then 50 rows from the last day.
    await insertRows(t.db, 70, (i) => i < 20 ? NOW - 40 * DAY_MS + i : NOW - DAY_MS + i * 1000);
    using r = retention(t.db, {
      ...t.options,
      maxAgeDays: 30,
      maxRows: 25,
      intervalMs: MANUAL,
      chunkRows: 10,
      now: () => NOW,
    });
    assert.equal(await r.pruneNow(), 45);
    assert.deepEqual(logApiSeqs(t.db), Array.from({ length: 25 }, (_, i) => 46 + i));
  },
});

Deno.test({
  name: "with both limits 0 nothing is deleted and no timer is started",
  async fn() {
    using t = setup();
    await insertRows(t.db, 10, (i) => NOW - 1000 * DAY_MS + i);
    const realSetTimeout = globalThis.setTimeout;
    const realSetInterval = globalThis.setInterval;
    let timersStarted = 0;
    let r: LogApiRetention;
    try {
      globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
        timersStarted++;
        return realSetTimeout(...args);
      }) as typeof setTimeout;
      globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
        timersStarted++;
        return realSetInterval(...args);
      }) as typeof setInterval;
      r = startRetention(t.db, { ...t.options, maxAgeDays: 0, maxRows: 0, intervalMs: 10 });
    } finally {
      globalThis.setTimeout = realSetTimeout;
      globalThis.setInterval = realSetInterval;
    }
    assert.equal(timersStarted, 0);
    assert.equal(await r.pruneNow(), 0);
    r.stop();
    r.stop(); // stopping twice is harmless
    await sleep(30);
    assert.equal(logApiCount(t.db), 10);
  },
});

Deno.test({
  name: "the schedule prunes by itself shortly after start",
  async fn() {
    using t = setup();
    await insertOldRows(t.db, 10);
    await insertRows(t.db, 5, (i) => NOW + i);
    using _r = retention(t.db, {
      ...t.options,
      maxAgeDays: 30,
      maxRows: 0,
      intervalMs: 50,
      now: () => NOW,
    });
    const deadline = Date.now() + 5000;
    while (logApiCount(t.db) !== 5) {
      if (Date.now() > deadline) assert.fail("the schedule did not prune within 5 s");
      await sleep(10);
    }
  },
});

Deno.test({
  name: "pruning 50,000 rows in chunks of 1,000 lets other work run between chunks",
  async fn() {
    using t = setup();
    await insertOldRows(t.db, 50_000);
    using r = retention(t.db, { ...t.options, ...BY_AGE_IN_CHUNKS });
    let pruneDone = false;
    const seenDuringPrune: number[] = [];
    let ticks = 0;
    // Scheduled before pruning starts: it can only run if pruning yields.
    const timeout = setTimeout(() => {
      if (!pruneDone) seenDuringPrune.push(logApiCount(t.db));
    }, 0);
    const interval = setInterval(() => {
      ticks++;
      if (!pruneDone) seenDuringPrune.push(logApiCount(t.db));
    }, 0);
    let deleted: number;
    try {
      deleted = await r.pruneNow().finally(() => pruneDone = true);
    } finally {
      clearTimeout(timeout);
      clearInterval(interval);
    }
    assert.equal(deleted, 50_000);
    assert.equal(logApiCount(t.db), 0);
    assert.ok(seenDuringPrune.length >= 1, "no callback ran while pruning was in progress");
    assert.ok(ticks >= 1);
    assert.ok(
      seenDuringPrune.some((remaining) => remaining > 0 && remaining < 50_000),
      `never saw a partly pruned table: ${seenDuringPrune}`,
    );
    for (const remaining of seenDuringPrune) {
      assert.equal(remaining % 1000, 0, "rows are deleted in whole chunks");
    }
  },
});

Deno.test({
  name: "concurrent pruneNow calls share one run",
  async fn() {
    using t = setup();
    await insertOldRows(t.db, 5000);
    using r = retention(t.db, { ...t.options, ...BY_AGE_IN_CHUNKS });
    const first = r.pruneNow();
    const second = r.pruneNow();
    assert.equal(first, second);
    assert.equal(await first, 5000);
    assert.equal(await r.pruneNow(), 0);
  },
});

Deno.test({
  name: "stop() before a prune prevents it from deleting anything",
  async fn() {
    using t = setup();
    await insertOldRows(t.db, 100);
    const r = startRetention(t.db, {
      ...t.options,
      maxAgeDays: 30,
      maxRows: 10,
      intervalMs: 20,
      now: () => NOW,
    });
    r.stop();
    await sleep(100); // past the first scheduled run and several intervals
    assert.equal(logApiCount(t.db), 100);
    assert.equal(await r.pruneNow(), 0);
    assert.equal(logApiCount(t.db), 100);
  },
});

Deno.test({
  name: "stop() during a prune ends it after the current chunk",
  async fn() {
    using t = setup();
    await insertOldRows(t.db, 50_000);
    const r = startRetention(t.db, { ...t.options, ...BY_AGE_IN_CHUNKS });
    const timer = setTimeout(() => r.stop(), 0);
    let deleted: number;
    try {
      deleted = await r.pruneNow();
    } finally {
      clearTimeout(timer);
      r.stop();
    }
    assert.ok(deleted >= 1000 && deleted < 50_000, `deleted ${deleted}`);
    assert.equal(logApiCount(t.db), 50_000 - deleted);
    assert.equal(await r.pruneNow(), 0, "a stopped retention deletes nothing more");
  },
});

Deno.test({
  name: "a prune that fails logs the error and resolves with 0 instead of rejecting",
  async fn() {
    using t = setup(); // closing the database a second time on dispose is harmless
    const r = startRetention(t.db, {
      ...t.options,
      maxAgeDays: 30,
      maxRows: 0,
      intervalMs: MANUAL,
    });
    try {
      t.db.close();
      assert.equal(await r.pruneNow(), 0);
      assert.ok(
        t.logs.some((l) => l.level === "error" && /prune/i.test(l.msg)),
        JSON.stringify(t.logs),
      );
    } finally {
      r.stop();
    }
  },
});
