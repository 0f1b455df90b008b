/**
 * @module Tests for the PostgreSQL call log against a real throwaway cluster: batches past one
 * statement's parameters, the /log filters giving SQLite's rows, retention under its advisory
 * lock (two instances pruning together delete each row once), and which failures are a row's
 * fault.
 */

import assert from "node:assert/strict";
import type { NewLogApiRow } from "../../../db/log_api_schema.ts";
import { PG_LOCKS } from "../../../db/postgres/migrations.ts";
import { openPostgresDatabase } from "../../../db/postgres/open.ts";
import { createPostgresStore } from "../../../db/postgres/postgres_store.ts";
import { createSqliteStore } from "../../../db/sqlite/sqlite_store.ts";
import { memoryDb } from "../../../testing/memory_db.ts";
import { type PostgresCluster, postgresTests, queryOnce } from "../../../testing/postgres.ts";

const { pgTest } = await postgresTests();

function row(i: number): NewLogApiRow {
  const at = Date.UTC(2026, 0, 1) + Math.floor(i / 3) * 1000;
  return {
    user_ip: i % 2 === 0 ? "203.0.113.7" : "2001:db8::1",
    user_id: i % 5 === 0 ? "alice" : null,
    start_time: new Date(at).toISOString(),
    end_time: new Date(at + 2).toISOString(),
    call_url: i % 4 === 0 ? "/board/5" : "/log",
    call_url_parameter: i % 3 === 0 ? `limit=${i}` : null,
    method: i % 7 === 0 ? "POST" : "GET",
    status: i % 6 === 0 ? 404 : 200,
    duration_ms: i / 8 + 0.125,
    trace_id: i % 2 === 0 ? i.toString(16).padStart(32, "0") : null,
  };
}

async function openStore(c: PostgresCluster, poolSize = 4) {
  const { db } = await openPostgresDatabase({ url: await c.freshDatabase(), poolSize });
  return { db, store: createPostgresStore(db) };
}

pgTest(
  "a batch larger than one INSERT's parameters is written whole, and /log filters read as on SQLite",
  async (c) => {
    const { db, store } = await openStore(c);
    using memory = memoryDb();
    const sqlite = createSqliteStore(memory.db);
    try {
      const rows = Array.from({ length: 12_000 }, (_, i) => row(i));
      await store.logApi.insertBatch(rows);
      await sqlite.logApi.insertBatch(rows);
      const [count] = await db.query("SELECT count(*) AS n FROM log_api");
      assert.equal(count!.n, 12_000);
      const filters = [
        {},
        { url: "/board/5" },
        { status: 404, method: "GET" },
        { userId: "alice", since: "2026-01-01T00:10:00.000Z", until: "2026-01-01T00:20:00.000Z" },
        { traceId: (8).toString(16).padStart(32, "0") },
        { beforeSeq: 5000 },
        { beforeSeq: 5000, url: "/log" },
      ];
      for (const filter of filters) {
        assert.equal(
          JSON.stringify(await store.logApi.page(filter, 50)),
          JSON.stringify(await sqlite.logApi.page(filter, 50)),
          JSON.stringify(filter),
        );
      }
      assert.equal(await store.logApi.seqBeyond(100), await sqlite.logApi.seqBeyond(100));
    } finally {
      await store.close();
    }
  },
);

pgTest("retention deletes nothing while another instance holds the retention lock", async (c) => {
  const { db, store } = await openStore(c);
  try {
    await store.logApi.insertBatch([row(0), row(1), row(2)]);
    let release = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => locked = resolve);
    const other = db.withAdvisoryLock(PG_LOCKS.retention, () => {
      locked();
      return held;
    }, true);
    await isLocked;
    assert.equal(await store.logApi.deleteOlderThan("2030-01-01T00:00:00.000Z", 100), 0);
    assert.equal(await store.logApi.deleteUpTo(10, 100), 0);
    release();
    await other;
    assert.equal(await store.logApi.deleteOlderThan("2030-01-01T00:00:00.000Z", 2), 2);
    assert.equal(await store.logApi.deleteUpTo(10, 100), 1);
  } finally {
    await store.close();
  }
});

pgTest("two instances pruning one database at the same time delete each row once", async (c) => {
  const url = await c.freshDatabase();
  const [one, two] = await Promise.all([1, 2].map(async () => {
    const { db } = await openPostgresDatabase({ url, poolSize: 4 });
    return createPostgresStore(db);
  }));
  try {
    const total = 3000;
    await one!.logApi.insertBatch(Array.from({ length: total }, (_, i) => row(i)));
    // Each prunes in small chunks until it sees nothing left; the other may hold the lock.
    const prune = async (store: typeof one) => {
      let deleted = 0;
      let emptyRounds = 0;
      while (emptyRounds < 20) {
        const n = await store!.logApi.deleteOlderThan("2030-01-01T00:00:00.000Z", 100);
        deleted += n;
        emptyRounds = n === 0 ? emptyRounds + 1 : 0;
      }
      return deleted;
    };
    const [byOne, byTwo] = await Promise.all([prune(one), prune(two)]);
    assert.equal(byOne + byTwo, total, `${byOne} + ${byTwo}`);
    const [left] = await queryOnce(url, "SELECT count(*)::int AS n FROM log_api");
    assert.equal(left!.n, 0);
  } finally {
    await Promise.all([one!.close(), two!.close()]);
  }
});

pgTest("a row PostgreSQL refuses is that row's fault; a server that is gone is not", async (c) => {
  const { store } = await openStore(c);
  try {
    const refused = await store.logApi.insertBatch([{ ...row(0), call_url: "/a\u0000b" }]).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(refused !== undefined, "a NUL character is refused");
    assert.equal(store.logApi.isRejectedRow(refused), true);
  } finally {
    await store.close();
  }
  const gone = await store.logApi.insertBatch([row(0)]).then(() => undefined, (e: unknown) => e);
  assert.equal(store.logApi.isRejectedRow(gone), false);
}, true);
