/**
 * @module Tests for db/flask_import/import_flask.ts against real SQLite files: demo posts
 * removed (never a person's post), seqs kept, imported calls before otel-board's own rows,
 * clashes, bad values and retention refused with nothing changed, searchable imported posts.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Database, openDatabase } from "../../../db/database.ts";
import { insertDemoPosts } from "../../../db/demo_posts.ts";
import { openFlaskSource } from "../../../db/flask_import/flask_source.ts";
import {
  type FlaskImportOptions,
  FlaskImportRefused,
  type FlaskImportReport,
} from "../../../db/flask_import/import_flask.ts";
import { importFlask } from "../../../db/flask_import/sqlite_target.ts";
import { insertLogApiRows } from "../../../db/sqlite/log_api.ts";
import { searchPostsBefore } from "../../../db/sqlite/posts.ts";
import { createSqliteStore } from "../../../db/sqlite/sqlite_store.ts";
import { NaiveTimeReader } from "../../../lib/naive_time.ts";
import { searchWords } from "../../../services/board.ts";
import { startLogApiRetention } from "../../../services/log_api_retention.ts";
import { logApiRow, logApiSeqs } from "../../../testing/log_api_rows.ts";
import { capturingLogger } from "../../../testing/loggers.ts";
import { tempDir } from "../../../testing/temp_dir.ts";
import { FLASK_CALLS, FLASK_POSTS, type FlaskCallValues, writeFlaskFile } from "./_flask_file.ts";

const NOW = Date.UTC(2024, 7, 1);
const OPTIONS: FlaskImportOptions = {
  times: new NaiveTimeReader("Asia/Seoul"),
  retentionDays: 0,
  maxRows: 0,
  acceptRetention: false,
  now: () => NOW,
};

/** A target "started once": the demo posts (seq 1-6) and two rows otel-board wrote. */
async function startedOnce(path: string): Promise<Database> {
  const { db } = openDatabase(path, { synchronous: "normal" });
  await insertDemoPosts(createSqliteStore(db).posts, new Date("2024-08-01T00:00:00.000Z"));
  await insertLogApiRows(db, [
    logApiRow({ start_time: "2024-08-01T00:00:00.000Z", call_url: "/board/5" }),
    logApiRow({ start_time: "2024-08-01T00:00:01.000Z", call_url: "/log" }),
  ]);
  return db;
}

async function run(
  db: Database,
  flaskPath: string,
  options: Partial<FlaskImportOptions> = {},
): Promise<FlaskImportReport> {
  using source = openFlaskSource(flaskPath);
  return await importFlask(db, source, { ...OPTIONS, ...options });
}

/** Everything a refused import must leave as it was. */
function snapshot(db: Database): unknown {
  return {
    board: db.prepare("SELECT * FROM board ORDER BY seq").all().map((r) => ({ ...r })),
    log: db.prepare("SELECT * FROM log_api ORDER BY seq").all().map((r) => ({ ...r })),
    counters: db.prepare("SELECT * FROM sqlite_sequence ORDER BY name").all().map((r) => ({
      ...r,
    })),
  };
}

async function withFiles(body: (db: Database, flaskPath: string) => Promise<void> | void) {
  await using dir = await tempDir();
  const flaskPath = join(dir.path, "flask.db");
  const db = await startedOnce(join(dir.path, "otel-board.db"));
  try {
    await body(db, flaskPath);
  } finally {
    db.close();
  }
}

Deno.test("Importing after one start removes the untouched demo posts, keeps post seqs and numbers own calls after the imported ones", async () => {
  await withFiles(async (db, flaskPath) => {
    writeFlaskFile(flaskPath);
    // A person edited demo post 6: it is theirs now and stays.
    db.prepare("UPDATE board SET content = 'edited', update_date = ? WHERE seq = 6")
      .run("2024-08-02T00:00:00.000Z");
    const report = await run(db, flaskPath);
    assert.equal(report.posts, 4);
    assert.equal(report.calls, 3);
    assert.equal(report.demoPostsRemoved, 5);
    assert.deepEqual(report.renumbered, { rows: 2, by: 3 });
    assert.equal(report.first, "2024-07-01T01:00:00.000Z");
    assert.equal(report.last, "2024-07-03T03:00:00.250Z");
    const posts = db.prepare("SELECT seq, title, imported FROM board ORDER BY seq").all()
      .map((r) => [r.seq, r.title, r.imported]);
    assert.deepEqual(posts, [
      [1, "자유게시판 첫 글", 1],
      [2, "공지사항", 1],
      [4, "날짜 없는 글", 1],
      [5, "🎉 이전 완료", 1],
      [6, "Demo data", 0],
    ]);
    const next = db.prepare(
      "INSERT INTO board (title, content, create_date, update_date) VALUES ('new', 'post', ?, ?)",
    ).run("2024-08-03T00:00:00.000Z", "2024-08-03T00:00:00.000Z");
    assert.equal(Number(next.lastInsertRowid), 7, "the sequence continues after the highest");
    const calls = db.prepare("SELECT seq, call_url, method FROM log_api ORDER BY seq").all()
      .map((r) => [r.seq, r.call_url, r.method]);
    assert.deepEqual(calls, [
      [1, "/board", null],
      [2, "/board/5", null],
      [3, "/log", null],
      [4, "/board/5", "GET"],
      [5, "/log", "GET"],
    ]);
    db.runBatch(
      `INSERT INTO log_api (start_time, end_time, call_url, method, status, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [["2024-08-04T00:00:00.000Z", "2024-08-04T00:00:00.001Z", "/healthy", "GET", 200, 1]],
    );
    assert.equal(logApiSeqs(db).at(-1), 6, "new calls come after every row");
  });
});

Deno.test("Imported posts are found by search, Korean two- and three-syllable terms included", async () => {
  await withFiles(async (db, flaskPath) => {
    writeFlaskFile(flaskPath);
    await run(db, flaskPath);
    const found = (q: string) =>
      searchPostsBefore(db, searchWords(q), Number.MAX_SAFE_INTEGER, 10).map((p) => p.seq);
    assert.deepEqual(found("게시"), [1]);
    assert.deepEqual(found("공지"), [2]);
    assert.deepEqual(found("게시판"), [1]);
    assert.deepEqual(found("이전 완료"), [5]);
    assert.deepEqual(found("Welcome"), [], "the removed demo posts left the index");
  });
});

Deno.test("A post written in otel-board with a clashing seq stops the import with nothing changed", async () => {
  await withFiles(async (db, flaskPath) => {
    writeFlaskFile(flaskPath);
    db.prepare("UPDATE board SET title = '내 글', update_date = ? WHERE seq = 2")
      .run("2024-08-02T00:00:00.000Z");
    const before = snapshot(db);
    await assert.rejects(() => run(db, flaskPath), (error: unknown) => {
      assert.ok(error instanceof FlaskImportRefused);
      assert.deepEqual(error.problems, [
        'board seq 2 is taken by a post written in otel-board ("내 글"); delete or move that ' +
        "post, or import into a new DB_PATH",
      ]);
      return true;
    });
    assert.deepEqual(snapshot(db), before);
  });
});

Deno.test("A second import of the same file is refused with nothing changed", async () => {
  await withFiles(async (db, flaskPath) => {
    writeFlaskFile(flaskPath);
    await run(db, flaskPath);
    const before = snapshot(db);
    await assert.rejects(() => run(db, flaskPath), (error: unknown) => {
      assert.ok(error instanceof FlaskImportRefused);
      assert.equal(error.total, 7);
      assert.match(error.problems[0]!, /^board seq 1 was imported before/);
      assert.match(error.problems[4]!, /^log_api seq 1 was imported before/);
      return true;
    });
    assert.deepEqual(snapshot(db), before);
  });
});

Deno.test("A bad date or a call without start_time stops the import before anything is written", async () => {
  await withFiles(async (db, flaskPath) => {
    const calls: FlaskCallValues[] = [
      ...FLASK_CALLS,
      [4, "127.0.0.1", null, "2024-02-30 10:00:00", null, "/board", null],
      [5, "127.0.0.1", null, null, null, "/board", null],
    ];
    writeFlaskFile(flaskPath, [...FLASK_POSTS, [6, "", "빈 제목", null, null]], calls);
    const before = snapshot(db);
    await assert.rejects(() => run(db, flaskPath), (error: unknown) => {
      assert.ok(error instanceof FlaskImportRefused);
      assert.deepEqual(error.problems, [
        "board seq 6, column title: is empty; otel-board needs 1 to 30 characters",
        'log_api seq 4, column start_time: "2024-02-30 10:00:00" is not a time like ' +
        "2024-07-01 10:00:00[.000000]",
        "log_api seq 5, column start_time: is NULL; every call has a start",
      ]);
      return true;
    });
    assert.deepEqual(snapshot(db), before);
  });
});

Deno.test("Retention that would prune imported rows stops the import unless accepted, and the next prune deletes exactly those", async () => {
  await withFiles(async (db, flaskPath) => {
    writeFlaskFile(flaskPath);
    const before = snapshot(db);
    const settings = { retentionDays: 30, maxRows: 4 };
    const later = Date.UTC(2024, 6, 25);
    await assert.rejects(
      () => run(db, flaskPath, { ...settings, now: () => later }),
      (error: unknown) => {
        assert.ok(error instanceof FlaskImportRefused);
        assert.match(error.message, /next prune would delete 1 of the imported log_api rows/);
        assert.match(error.message, /LOG_API_MAX_ROWS=4 deletes 1 of them by count/);
        assert.match(error.message, /LOG_API_MAX_ROWS=0 or at least 5/);
        assert.doesNotMatch(error.message, /RETENTION_DAYS=30 deletes/, "all within 30 days");
        assert.match(error.message, /--accept-retention/);
        return true;
      },
    );
    assert.deepEqual(snapshot(db), before);
    // The cutoff (30 days back) falls between the second and the third imported call.
    const now = Date.UTC(2024, 6, 31, 12);
    await assert.rejects(
      () => run(db, flaskPath, { ...settings, now: () => now }),
      (error: unknown) => {
        assert.ok(error instanceof FlaskImportRefused);
        assert.match(error.message, /delete 2 of the imported/);
        assert.match(error.message, /LOG_API_RETENTION_DAYS=30 deletes 2 of them by age/);
        assert.match(error.message, /LOG_API_RETENTION_DAYS=0 or at least 32\)/);
        return true;
      },
    );
    const report = await run(db, flaskPath, { ...settings, now: () => now, acceptRetention: true });
    assert.deepEqual(
      {
        rows: report.retention.rows,
        byAge: report.retention.byAge,
        byCount: report.retention.byCount,
      },
      { rows: 2, byAge: 2, byCount: 1 },
    );
    const retention = startLogApiRetention(createSqliteStore(db).logApi, {
      maxAgeDays: settings.retentionDays,
      maxRows: settings.maxRows,
      intervalMs: 3_600_000,
      logger: capturingLogger().logger,
      now: () => now,
    });
    try {
      assert.equal(await retention.pruneNow(), 2, "the prune the import predicted");
    } finally {
      await retention.stop();
    }
    assert.deepEqual(logApiSeqs(db), [3, 4, 5]);
  });
});

Deno.test("A dry run against a missing file creates nothing; against an existing one it changes nothing", async () => {
  await using dir = await tempDir();
  const flaskPath = join(dir.path, "flask.db");
  writeFlaskFile(flaskPath);
  const missing = join(dir.path, "missing.db");
  const trial = openDatabase(missing, { synchronous: "normal", trial: true });
  assert.equal((await run(trial.db, flaskPath)).posts, 4);
  trial.db.close();
  assert.equal((await Array.fromAsync(Deno.readDir(dir.path))).length, 1, "only flask.db");

  const path = join(dir.path, "otel-board.db");
  (await startedOnce(path)).close();
  const reopened = openDatabase(path, { synchronous: "normal" });
  const before = snapshot(reopened.db);
  reopened.db.close();
  const existing = openDatabase(path, { synchronous: "normal", trial: true });
  assert.equal((await run(existing.db, flaskPath)).demoPostsRemoved, 6);
  existing.db.close();
  const after = openDatabase(path, { synchronous: "normal" });
  try {
    assert.deepEqual(snapshot(after.db), before);
  } finally {
    after.db.close();
  }
});
