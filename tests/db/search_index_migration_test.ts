/**
 * @module Tests for migration 4 (substring search): a version-3 database with posts gets the
 * trigram and character-pair indexes in place of the word index, backfilled; the triggers keep
 * them in step; the 2- and 3-character search paths read their indexes, never the board.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Database, openDatabase, SCHEMA_VERSION } from "../../db/database.ts";
import { APPLICATION_ID, MIGRATIONS } from "../../db/migrations.ts";
import { registerSearchFunctions } from "../../db/search_functions.ts";
import { searchPostsBefore, searchStatement } from "../../db/sqlite/posts.ts";
import { searchWords } from "../../services/board.ts";
import { memoryDb } from "../../testing/memory_db.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const OLD_POSTS: readonly [title: string, content: string][] = [
  ["자유게시판에 오신 것을", "환영합니다"],
  ["공지사항", "서버 점검은 otel-board 팀이 합니다"],
  ["Café", "게시판입니다".normalize("NFD")],
];

/** Writes a schema-version-3 otel-board file (migration 2's word index) holding OLD_POSTS. */
function writeVersionThreeDatabase(path: string): void {
  const raw = new DatabaseSync(path);
  try {
    for (const migration of MIGRATIONS.slice(0, 3)) raw.exec(migration.sql);
    raw.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    raw.exec("PRAGMA user_version = 3");
    const insert = raw.prepare(
      "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)",
    );
    OLD_POSTS.forEach(([title, content], i) => {
      const date = new Date(Date.UTC(2025, 0, 1 + i)).toISOString();
      insert.run(title, content, date, date);
    });
    const words = raw.prepare("SELECT rowid FROM board_fts WHERE board_fts MATCH ?");
    assert.deepEqual(words.all('"게시판"'), [], "the word index misses 게시판 inside words");
  } finally {
    raw.close();
  }
}

function found(db: Database, query: string): number[] {
  return searchPostsBefore(db, searchWords(query), Number.MAX_SAFE_INTEGER, 10).map((p) => p.seq);
}

function schemaNames(db: Database, type: string): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = ? ORDER BY name").all(type)
    .map((r) => String(r.name));
}

function pairsOf(db: Database, seq: number): string[] {
  return db.prepare("SELECT pair FROM board_pairs WHERE seq = ? ORDER BY pair").all(seq)
    .map((r) => String(r.pair));
}

async function withMigratedVersionThree(body: (db: Database) => void): Promise<void> {
  await using dir = await tempDir();
  const path = join(dir.path, "v3.db");
  writeVersionThreeDatabase(path);
  const opened = openDatabase(path, { synchronous: "normal" });
  try {
    assert.equal(opened.fromVersion, 3);
    assert.equal(opened.version, SCHEMA_VERSION);
    body(opened.db);
  } finally {
    opened.db.close();
  }
}

Deno.test("Migrating a version-3 database replaces the word index and backfills its posts", async () => {
  await withMigratedVersionThree((db) => {
    assert.equal(Number(db.prepare("PRAGMA user_version").get()?.user_version), SCHEMA_VERSION);
    const tables = schemaNames(db, "table");
    assert.ok(!tables.includes("board_fts"), `the unicode61 index is gone: ${tables}`);
    assert.ok(tables.includes("board_trigrams") && tables.includes("board_pairs"), `${tables}`);
    assert.deepEqual(schemaNames(db, "trigger"), [
      "board_search_delete",
      "board_search_insert",
      "board_search_update",
    ]);
    assert.equal(Number(db.prepare("SELECT count(*) AS n FROM board").get()?.n), 3, "posts kept");

    assert.deepEqual(found(db, "게시판"), [3, 1], "inside words; the NFD content too");
    assert.deepEqual(found(db, "공지"), [2], "a 2-character term from the backfilled pairs");
    assert.deepEqual(found(db, "환영"), [1]);
    assert.deepEqual(found(db, "OTEL-BOARD 점검"), [2]);
    assert.deepEqual(found(db, "cafe"), [3], "accents folded in the backfill");
    const pairs = pairsOf(db, 2);
    for (const pair of ["공지", "지사", "사항", "ot", "-b", "팀이"]) {
      assert.ok(pairs.includes(pair), `post 2 holds "${pair}": ${pairs}`);
    }
    assert.equal(pairs.filter((pair) => /\s/u.test(pair)).length, 0, "no pair with a space");
    assert.ok(!pairs.includes("항서"), "no pair across title and content");
    assert.equal(new Set(pairs).size, pairs.length);
    db.prepare("INSERT INTO board_trigrams (board_trigrams) VALUES ('integrity-check')").run();
  });
});

Deno.test("After migration 4 the triggers follow inserts, edits and deletes in both indexes", async () => {
  await withMigratedVersionThree((db) => {
    db.prepare(
      "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)",
    ).run("새 글", "안녕하세요 여러분", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z");
    assert.deepEqual(found(db, "안녕"), [4]);
    assert.deepEqual(found(db, "안녕하세요"), [4]);

    db.prepare("UPDATE board SET title = ?, content = ? WHERE seq = ?").run("수정", "바뀐 내용", 2);
    assert.deepEqual(found(db, "공지"), [], "the old pairs of post 2 are gone");
    assert.deepEqual(found(db, "otel-board"), [], "the old trigrams of post 2 are gone");
    assert.deepEqual(found(db, "바뀐"), [2]);
    assert.deepEqual(pairsOf(db, 2), ["내용", "바뀐", "수정"]);

    db.prepare("UPDATE board SET update_date = ? WHERE seq = ?").run("2026-02-01T00:00:00.000Z", 2);
    assert.deepEqual(found(db, "바뀐"), [2], "a non-text update keeps the entries");

    db.prepare("DELETE FROM board WHERE seq = ?").run(1);
    assert.deepEqual(found(db, "게시판"), [3]);
    assert.deepEqual(pairsOf(db, 1), [], "a deleted post leaves no pairs behind");
    db.prepare("INSERT INTO board_trigrams (board_trigrams) VALUES ('integrity-check')").run();
  });
});

Deno.test("Reopening a database at version 4 applies nothing and keeps both indexes", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "v3.db");
  writeVersionThreeDatabase(path);
  openDatabase(path, { synchronous: "normal" }).db.close();
  const again = openDatabase(path, { synchronous: "normal" });
  try {
    assert.equal(again.fromVersion, SCHEMA_VERSION);
    assert.deepEqual(found(again.db, "게시판"), [3, 1], "no second backfill, no duplicates");
    assert.deepEqual(found(again.db, "공지"), [2]);
  } finally {
    again.db.close();
  }
});

/** The query plan of the statement searchPostsBefore runs for `query`. */
function planOf(db: Database, query: string): string {
  const statements: string[] = [];
  const recording: Database = {
    ...db,
    prepare(sql) {
      statements.push(sql);
      return db.prepare(sql);
    },
  };
  searchPostsBefore(recording, searchWords(query), 1000, 10);
  const { sql, params } = searchStatement(searchWords(query), 1000, 10);
  assert.deepEqual(statements, [sql], "the plan is of the statement that runs");
  return db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => String(r.detail))
    .join("\n");
}

function assertNoBoardScan(plan: string): void {
  assert.doesNotMatch(plan, /\bSCAN (b|board|u|users)\b/, `no full scan:\n${plan}`);
  assert.doesNotMatch(plan, /TEMP B-TREE/, `newest first without a sort:\n${plan}`);
  assert.match(plan, /SEARCH b USING INTEGER PRIMARY KEY/, plan);
}

Deno.test("A 2-character search reads board_pairs by its key, not the board", () => {
  using memory = memoryDb();
  const plan = planOf(memory.db, "공지");
  assert.match(plan, /SEARCH board_pairs USING PRIMARY KEY \(pair=\? AND seq<\?\)/, plan);
  assert.doesNotMatch(plan, /board_trigrams/, plan);
  assertNoBoardScan(plan);

  const two = planOf(memory.db, "공지 안녕");
  assert.match(two, /SEARCH board_pairs USING PRIMARY KEY \(pair=\? AND seq<\?\)/, two);
  assert.match(two, /SEARCH o EXISTS USING PRIMARY KEY \(pair=\? AND seq=\?\)/, two);
  assertNoBoardScan(two);
});

Deno.test("A 3-character search reads the trigram index, not the board", () => {
  using memory = memoryDb();
  const plan = planOf(memory.db, "게시판");
  assert.match(plan, /SCAN board_trigrams VIRTUAL TABLE INDEX/, plan);
  assert.doesNotMatch(plan, /board_pairs/, plan);
  assertNoBoardScan(plan);

  const mixed = planOf(memory.db, "게시판 공지 a");
  assert.match(mixed, /board_trigrams VIRTUAL TABLE INDEX/, mixed);
  assert.match(mixed, /SEARCH board_pairs USING PRIMARY KEY/, mixed);
  assertNoBoardScan(mixed);
});

Deno.test("A connection without the search functions cannot write a post past the index", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "board.db");
  openDatabase(path, { synchronous: "normal" }).db.close();
  const insert = "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)";
  const values = ["공지", "안녕하세요", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"];
  const bare = new DatabaseSync(path);
  try {
    assert.throws(() => bare.prepare(insert).run(...values), /no such function: otel_board_search/);
    assert.equal(Number(bare.prepare("SELECT count(*) AS n FROM board").get()?.n), 0);
    registerSearchFunctions(bare);
    bare.prepare(insert).run(...values);
  } finally {
    bare.close();
  }
  const { db } = openDatabase(path, { synchronous: "normal" });
  try {
    assert.deepEqual(found(db, "공지"), [1], "written through the functions: indexed");
    assert.deepEqual(found(db, "안녕하"), [1]);
  } finally {
    db.close();
  }
});
