/**
 * @module Tests for a version-1 database (no search index) migrated to the current one:
 * backfill of existing posts, triggers, query plan.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type Database, openDatabase, SCHEMA_VERSION } from "../../db/database.ts";
import { INITIAL_SCHEMA } from "../../db/migrations/001_initial.ts";
import { APPLICATION_ID } from "../../db/migrations.ts";
import { searchPostsBefore, trigramMatch } from "../../db/sqlite/posts.ts";
import { searchWords } from "../../services/board.ts";
import { memoryDb } from "../../testing/memory_db.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const OLD_POSTS: readonly [title: string, content: string][] = [
  ["Welcome back", "Written before search existed"],
  ["Café au lait", "Breakfast notes"],
  ["Third post", "Quarterly numbers and a welcome"],
];

/** Writes a schema-version-1 otel-board file holding OLD_POSTS (seq 1..3). */
function writeVersionOneDatabase(path: string): void {
  const raw = new DatabaseSync(path);
  try {
    raw.exec(INITIAL_SCHEMA);
    raw.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    raw.exec("PRAGMA user_version = 1");
    const insert = raw.prepare(
      "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)",
    );
    OLD_POSTS.forEach(([title, content], i) => {
      const date = new Date(Date.UTC(2025, 0, 1 + i)).toISOString();
      insert.run(title, content, date, date);
    });
  } finally {
    raw.close();
  }
}

function ftsRowids(db: Database, words: string): number[] {
  return db.prepare(
    "SELECT rowid FROM board_trigrams WHERE board_trigrams MATCH ? ORDER BY rowid",
  ).all(trigramMatch(searchWords(words))!).map((r) => Number(r.rowid));
}

Deno.test("Migrating a version-1 database indexes the posts it already holds", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "old.db");
  writeVersionOneDatabase(path);

  const opened = openDatabase(path, { synchronous: "normal" });
  using _ = { [Symbol.dispose]: () => opened.db.close() };
  assert.equal(opened.fromVersion, 1);
  assert.equal(opened.version, SCHEMA_VERSION);
  assert.equal(opened.created, false);
  const { db } = opened;
  assert.equal(Number(db.prepare("PRAGMA user_version").get()?.user_version), SCHEMA_VERSION);
  assert.equal(Number(db.prepare("SELECT count(*) AS n FROM board").get()?.n), 3, "posts kept");

  const all = db.prepare(
    "SELECT rowid FROM board_trigrams WHERE board_trigrams MATCH ? ORDER BY rowid",
  ).all('"welcome"').map((r) => Number(r.rowid));
  assert.deepEqual(all, [1, 3], "title and content of existing posts are indexed");
  assert.deepEqual(ftsRowids(db, "cafe"), [2], "diacritics folded in the backfill");
  assert.deepEqual(ftsRowids(db, "quarterly numbers"), [3]);
  assert.deepEqual(ftsRowids(db, "breakfast"), [2]);
  db.prepare("INSERT INTO board_trigrams (board_trigrams) VALUES ('integrity-check')").run();

  const found = searchPostsBefore(db, searchWords("welcome"), Number.MAX_SAFE_INTEGER, 10);
  assert.deepEqual(found.map((p) => p.seq), [3, 1], "newest first");
  assert.deepEqual(found.map((p) => p.author), [null, null]);
});

Deno.test("The migrated index follows inserts, updates and deletes through its triggers", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "old.db");
  writeVersionOneDatabase(path);
  const { db } = openDatabase(path, { synchronous: "normal" });
  using _ = { [Symbol.dispose]: () => db.close() };

  db.prepare(
    "INSERT INTO board (title, content, create_date, update_date) VALUES (?, ?, ?, ?)",
  ).run(
    "Fresh",
    "Added after the migration",
    "2026-01-01T00:00:00.000Z",
    "2026-01-01T00:00:00.000Z",
  );
  assert.deepEqual(ftsRowids(db, "fresh"), [4]);

  db.prepare("UPDATE board SET title = ?, content = ? WHERE seq = ?").run("Renamed", "Other", 1);
  assert.deepEqual(ftsRowids(db, "welcome"), [3], "the old words of post 1 are gone");
  assert.deepEqual(ftsRowids(db, "renamed"), [1]);

  db.prepare("UPDATE board SET update_date = ? WHERE seq = ?").run("2026-02-01T00:00:00.000Z", 1);
  assert.deepEqual(ftsRowids(db, "renamed"), [1], "a non-text update keeps the entry");

  db.prepare("DELETE FROM board WHERE seq = ?").run(3);
  assert.deepEqual(ftsRowids(db, "quarterly"), []);
  assert.deepEqual(ftsRowids(db, "welcome"), []);
  db.prepare("INSERT INTO board_trigrams (board_trigrams) VALUES ('integrity-check')").run();
});

Deno.test("Reopening a migrated database applies nothing and keeps the index", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "old.db");
  writeVersionOneDatabase(path);
  openDatabase(path, { synchronous: "normal" }).db.close();
  const again = openDatabase(path, { synchronous: "normal" });
  using _ = { [Symbol.dispose]: () => again.db.close() };
  assert.equal(again.fromVersion, SCHEMA_VERSION);
  assert.equal(again.version, SCHEMA_VERSION);
  assert.deepEqual(ftsRowids(again.db, "welcome"), [1, 3], "no second backfill, no duplicates");
  again.db.prepare("INSERT INTO board_trigrams (board_trigrams) VALUES ('integrity-check')").run();
});

Deno.test("The search query reads the trigram index, not the whole board", () => {
  using memory = memoryDb();
  const statements: string[] = [];
  const recording: Database = {
    ...memory.db,
    prepare(sql) {
      statements.push(sql);
      return memory.db.prepare(sql);
    },
  };
  searchPostsBefore(recording, searchWords("welcome"), Number.MAX_SAFE_INTEGER, 10);
  assert.equal(statements.length, 1);
  const plan = memory.db.prepare(`EXPLAIN QUERY PLAN ${statements[0]}`)
    .all(trigramMatch(searchWords("welcome"))!, Number.MAX_SAFE_INTEGER, 10)
    .map((r) => String(r.detail));
  const text = plan.join("\n");
  assert.match(text, /VIRTUAL TABLE INDEX/, text);
  assert.match(text, /board_trigrams/, text);
  assert.doesNotMatch(text, /^SCAN b\b|SCAN board\b/m, `no full scan of board:\n${text}`);
});
