/**
 * @module import-flask into PostgreSQL (a real throwaway cluster) with the Flask fixture the
 * SQLite tests use: the same posts, seqs, renumbered calls, counters, search and refusals.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { insertDemoPosts } from "../../../db/demo_posts.ts";
import { openFlaskSource } from "../../../db/flask_import/flask_source.ts";
import {
  type FlaskImportOptions,
  FlaskImportRefused,
  type FlaskImportReport,
} from "../../../db/flask_import/import_flask.ts";
import { importFlaskIntoPostgres } from "../../../db/flask_import/postgres_target.ts";
import type { PgDatabase } from "../../../db/postgres/client.ts";
import { insertLogApiRows } from "../../../db/postgres/log_api.ts";
import { openPostgresDatabase } from "../../../db/postgres/open.ts";
import { createPostgresStore } from "../../../db/postgres/postgres_store.ts";
import { NaiveTimeReader } from "../../../lib/naive_time.ts";
import { searchWords } from "../../../services/board.ts";
import { logApiRow } from "../../../testing/log_api_rows.ts";
import { type PostgresCluster, postgresTests } from "../../../testing/postgres.ts";
import { tempDir } from "../../../testing/temp_dir.ts";
import { writeFlaskFile } from "./_flask_file.ts";

const { pgTest } = await postgresTests();

const OPTIONS: FlaskImportOptions & { dryRun: boolean } = {
  times: new NaiveTimeReader("Asia/Seoul"),
  retentionDays: 0,
  maxRows: 0,
  acceptRetention: false,
  now: () => Date.UTC(2024, 7, 1),
  dryRun: false,
};

/** A database "started once": the demo posts (seq 1-6) and two rows otel-board wrote. */
async function startedOnce(c: PostgresCluster): Promise<PgDatabase & AsyncDisposable> {
  const { db } = await openPostgresDatabase({ url: await c.freshDatabase(), poolSize: 2 });
  await insertDemoPosts(createPostgresStore(db).posts, new Date("2024-08-01T00:00:00.000Z"));
  await insertLogApiRows(db, [
    logApiRow({ start_time: "2024-08-01T00:00:00.000Z", call_url: "/board/5" }),
    logApiRow({ start_time: "2024-08-01T00:00:01.000Z", call_url: "/log" }),
  ]);
  return { ...db, [Symbol.asyncDispose]: () => db.close() };
}

async function run(
  db: PgDatabase,
  flaskPath: string,
  options: Partial<typeof OPTIONS> = {},
): Promise<FlaskImportReport> {
  using source = openFlaskSource(flaskPath);
  return await importFlaskIntoPostgres(db, source, { ...OPTIONS, ...options });
}

/** Everything a refused or dry-run import must leave as it was. */
async function snapshot(db: PgDatabase): Promise<unknown> {
  return {
    board: await db.query("SELECT * FROM board ORDER BY seq"),
    log: await db.query("SELECT * FROM log_api ORDER BY seq"),
    counters: await db.query(
      `SELECT pg_sequence_last_value(pg_get_serial_sequence('board', 'seq')::regclass) AS board,
       pg_sequence_last_value(pg_get_serial_sequence('log_api', 'seq')::regclass) AS log_api`,
    ),
  };
}

pgTest(
  "PostgreSQL: the import removes untouched demo posts, keeps post seqs, numbers own calls after the imported ones, and new rows come after",
  async (c) => {
    await using dir = await tempDir();
    const flaskPath = join(dir.path, "flask.db");
    writeFlaskFile(flaskPath);
    await using db = await startedOnce(c);
    // A person edited demo post 6: it is theirs now and stays.
    await db.execute("UPDATE board SET content = 'edited', update_date = $1 WHERE seq = 6", [
      "2024-08-02T00:00:00.000Z",
    ]);
    const report = await run(db, flaskPath);
    assert.equal(report.posts, 4);
    assert.equal(report.calls, 3);
    assert.equal(report.demoPostsRemoved, 5);
    assert.deepEqual(report.renumbered, { rows: 2, by: 3 });
    assert.equal(report.first, "2024-07-01T01:00:00.000Z");
    assert.equal(report.last, "2024-07-03T03:00:00.250Z");
    const posts = (await db.query("SELECT seq, title, imported FROM board ORDER BY seq"))
      .map((r) => [r.seq, r.title, r.imported]);
    assert.deepEqual(posts, [
      [1, "자유게시판 첫 글", 1],
      [2, "공지사항", 1],
      [4, "날짜 없는 글", 1],
      [5, "🎉 이전 완료", 1],
      [6, "Demo data", 0],
    ]);
    const store = createPostgresStore(db);
    const [next] = await store.posts.insert([{
      title: "new",
      content: "post",
      createDate: "2024-08-03T00:00:00.000Z",
      authorId: null,
    }]);
    assert.equal(next, 7, "the sequence continues after the highest");
    const calls = (await db.query("SELECT seq, call_url, method FROM log_api ORDER BY seq"))
      .map((r) => [r.seq, r.call_url, r.method]);
    assert.deepEqual(calls, [
      [1, "/board", null],
      [2, "/board/5", null],
      [3, "/log", null],
      [4, "/board/5", "GET"],
      [5, "/log", "GET"],
    ]);
    await insertLogApiRows(db, [logApiRow({ call_url: "/healthy" })]);
    const [last] = await db.query("SELECT max(seq) AS seq FROM log_api");
    assert.equal(last?.seq, 6, "new calls come after every row");
    const found = async (q: string) =>
      (await store.posts.search(searchWords(q), 10)).map((p) => p.seq);
    assert.deepEqual(await found("게시"), [1]);
    assert.deepEqual(await found("게시판"), [1]);
    assert.deepEqual(await found("이전 완료"), [5]);
    assert.deepEqual(await found("Welcome"), [], "the removed demo posts are not found");
  },
);

pgTest("PostgreSQL: a second import, a clashing post and a dry run change nothing", async (c) => {
  await using dir = await tempDir();
  const flaskPath = join(dir.path, "flask.db");
  writeFlaskFile(flaskPath);
  await using db = await startedOnce(c);

  const beforeDry = await snapshot(db);
  const dry = await run(db, flaskPath, { dryRun: true });
  assert.equal(dry.posts, 4);
  assert.equal(dry.demoPostsRemoved, 6);
  assert.deepEqual(await snapshot(db), beforeDry, "a dry run rolls back");

  await db.execute("UPDATE board SET title = '내 글', update_date = $1 WHERE seq = 2", [
    "2024-08-02T00:00:00.000Z",
  ]);
  const beforeClash = await snapshot(db);
  await assert.rejects(() => run(db, flaskPath), (error: unknown) => {
    assert.ok(error instanceof FlaskImportRefused);
    assert.deepEqual(error.problems, [
      'board seq 2 is taken by a post written in otel-board ("내 글"); delete or move that ' +
      "post, or import into a new DB_PATH",
    ]);
    return true;
  });
  assert.deepEqual(await snapshot(db), beforeClash);

  await db.execute("DELETE FROM board WHERE seq = 2");
  await run(db, flaskPath);
  const beforeAgain = await snapshot(db);
  await assert.rejects(() => run(db, flaskPath), (error: unknown) => {
    assert.ok(error instanceof FlaskImportRefused);
    assert.equal(error.total, 7);
    assert.match(error.problems[0]!, /^board seq 1 was imported before/);
    assert.match(error.problems[4]!, /^log_api seq 1 was imported before/);
    return true;
  });
  assert.deepEqual(await snapshot(db), beforeAgain);
});

pgTest(
  "PostgreSQL: retention that would prune imported rows stops the import unless accepted",
  async (c) => {
    await using dir = await tempDir();
    const flaskPath = join(dir.path, "flask.db");
    writeFlaskFile(flaskPath);
    await using db = await startedOnce(c);
    const before = await snapshot(db);
    const settings = { retentionDays: 30, maxRows: 4, now: () => Date.UTC(2024, 6, 31, 12) };
    await assert.rejects(() => run(db, flaskPath, settings), (error: unknown) => {
      assert.ok(error instanceof FlaskImportRefused);
      assert.match(error.message, /delete 2 of the imported/);
      assert.match(error.message, /LOG_API_RETENTION_DAYS=30 deletes 2 of them by age/);
      assert.match(error.message, /LOG_API_RETENTION_DAYS=0 or at least 32\)/);
      return true;
    });
    assert.deepEqual(await snapshot(db), before);
    const report = await run(db, flaskPath, { ...settings, acceptRetention: true });
    assert.deepEqual(
      {
        rows: report.retention.rows,
        byAge: report.retention.byAge,
        byCount: report.retention.byCount,
      },
      { rows: 2, byAge: 2, byCount: 1 },
      "the counts the SQLite import gives for the same rows",
    );
  },
  true,
);
