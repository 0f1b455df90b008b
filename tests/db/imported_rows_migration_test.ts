/**
 * @module Tests for migration 5 (unknown values for imported rows): a version-4 database with
 * posts and call-log rows is rebuilt with every row, `seq` counter, index and search trigger
 * kept, and afterwards only imported rows may leave dates, method, status or duration unknown.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Database, openDatabase, SCHEMA_VERSION } from "../../db/database.ts";
import { APPLICATION_ID, MIGRATIONS } from "../../db/migrations.ts";
import { registerSearchFunctions } from "../../db/search_functions.ts";
import { searchPostsBefore } from "../../db/sqlite/posts.ts";
import { searchWords } from "../../services/board.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const LOG_INSERT = `INSERT INTO log_api (user_ip, user_id, start_time, end_time, call_url,
  call_url_parameter, method, status, duration_ms, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A version-4 file: three posts (the third deleted, so the counter is past the highest seq), two log rows. */
function writeVersionFourDatabase(path: string): void {
  const raw = new DatabaseSync(path);
  try {
    registerSearchFunctions(raw);
    for (const migration of MIGRATIONS.slice(0, 4)) raw.exec(migration.sql);
    raw.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    raw.exec("PRAGMA user_version = 4");
    const insert = raw.prepare(
      "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)",
    );
    insert.run("자유게시판", "첫 글입니다", "2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z");
    insert.run("공지", "서버 점검 안내", "2025-01-03T00:00:00.000Z", "2025-01-03T00:00:00.000Z");
    insert.run("지울 글", "곧 지웁니다", "2025-01-04T00:00:00.000Z", "2025-01-04T00:00:00.000Z");
    raw.exec("DELETE FROM board WHERE seq = 3");
    const log = raw.prepare(LOG_INSERT);
    log.run(
      "127.0.0.1",
      null,
      "2025-01-01T00:00:00.000Z",
      "2025-01-01T00:00:00.005Z",
      "/board/5",
      null,
      "GET",
      200,
      5,
      null,
    );
    log.run(
      "::1",
      "admin",
      "2025-01-01T00:00:01.000Z",
      "2025-01-01T00:00:01.002Z",
      "/log",
      "limit=1",
      "GET",
      200,
      2,
      "0123456789abcdef0123456789abcdef",
    );
  } finally {
    raw.close();
  }
}

function names(db: Database, type: string, table: string): string[] {
  return db.prepare(
    "SELECT name FROM sqlite_master WHERE type = ? AND tbl_name = ? AND name NOT LIKE 'sqlite_%' ORDER BY name",
  ).all(type, table).map((r) => String(r.name));
}

function counter(db: Database, table: string): number {
  return Number(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table)?.seq);
}

async function withMigratedVersionFour(body: (db: Database) => void): Promise<void> {
  await using dir = await tempDir();
  const path = join(dir.path, "v4.db");
  writeVersionFourDatabase(path);
  const opened = openDatabase(path, { synchronous: "normal" });
  try {
    assert.equal(opened.fromVersion, 4);
    assert.equal(opened.version, SCHEMA_VERSION);
    body(opened.db);
  } finally {
    opened.db.close();
  }
}

Deno.test("Migrating a version-4 database keeps its posts, log rows, counters, indexes and triggers", async () => {
  await withMigratedVersionFour((db) => {
    const posts = db.prepare(
      "SELECT seq, title, create_date, update_date, author_id, imported FROM board ORDER BY seq",
    ).all().map((r) => ({ ...r }));
    assert.deepEqual(posts, [
      {
        seq: 1,
        title: "자유게시판",
        create_date: "2025-01-01T00:00:00.000Z",
        update_date: "2025-01-02T00:00:00.000Z",
        author_id: null,
        imported: 0,
      },
      {
        seq: 2,
        title: "공지",
        create_date: "2025-01-03T00:00:00.000Z",
        update_date: "2025-01-03T00:00:00.000Z",
        author_id: null,
        imported: 0,
      },
    ]);
    assert.equal(counter(db, "board"), 3, "a deleted post's number is never reused");
    assert.equal(counter(db, "log_api"), 2);
    const log = db.prepare(
      "SELECT seq, call_url, method, status, trace_id FROM log_api ORDER BY seq",
    )
      .all().map((r) => ({ ...r }));
    assert.deepEqual(log, [
      { seq: 1, call_url: "/board/5", method: "GET", status: 200, trace_id: null },
      {
        seq: 2,
        call_url: "/log",
        method: "GET",
        status: 200,
        trace_id: "0123456789abcdef0123456789abcdef",
      },
    ]);
    assert.deepEqual(names(db, "index", "board"), ["board_author_id"]);
    assert.deepEqual(names(db, "index", "log_api"), [
      "log_api_call_url",
      "log_api_method",
      "log_api_start_time",
      "log_api_status",
      "log_api_trace_id",
      "log_api_user_id",
    ]);
    assert.deepEqual(names(db, "trigger", "board"), [
      "board_search_delete",
      "board_search_insert",
      "board_search_update",
    ]);
    assert.equal(
      db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '%_new'")
        .get()?.n,
      0,
    );
    assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
    assert.equal(db.prepare("PRAGMA integrity_check").get()?.integrity_check, "ok");
  });
});

Deno.test("After migration 5 the search finds old and new posts, and a new post continues the counter", async () => {
  await withMigratedVersionFour((db) => {
    const found = (q: string) =>
      searchPostsBefore(db, searchWords(q), Number.MAX_SAFE_INTEGER, 10).map((p) => p.seq);
    assert.deepEqual(found("게시"), [1]);
    assert.deepEqual(found("점검 안내"), [2]);
    const seq = Number(
      db.prepare(
        "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)",
      ).run("새 게시글", "게시판 이전 완료", "2025-02-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z")
        .lastInsertRowid,
    );
    assert.equal(seq, 4);
    assert.deepEqual(found("게시"), [4, 1]);
    db.prepare("DELETE FROM board WHERE seq = 1").run();
    assert.deepEqual(found("게시"), [4]);
  });
});

Deno.test("After migration 5 only imported rows may leave dates, method, status or duration unknown", async () => {
  await withMigratedVersionFour((db) => {
    const post = db.prepare(
      "INSERT INTO board (title, content, create_date, update_date, imported) VALUES ('t', 'c', ?, ?, ?)",
    );
    assert.throws(() => post.run(null, null, 0), /CHECK constraint failed/);
    assert.throws(() => post.run(null, "2025-01-01T00:00:00.000Z", 0), /CHECK constraint/);
    assert.doesNotThrow(() => post.run(null, null, 1));
    const log = db.prepare(LOG_INSERT);
    const row = (method: string | null, status: number | null, end: string | null) =>
      [
        null,
        null,
        "2024-07-01T01:00:00.000Z",
        end,
        "/board",
        null,
        method,
        status,
        method === null ? null : 1,
        null,
      ] as const;
    assert.doesNotThrow(() => log.run(...row(null, null, null)), "an imported call");
    assert.throws(() => log.run(...row("GET", null, "2024-07-01T01:00:00.001Z")), /CHECK/);
    assert.throws(() => log.run(...row("GET", 200, null)), /CHECK/, "a served call has an end");
    assert.throws(() => log.run(...row(null, 200, null)), /CHECK/, "no status without a method");
  });
});
