/** @module Tests for opening the SQLite file: safety checks, pragmas, migrations, the wrapper. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import {
  type Database,
  DatabaseOpenError,
  openDatabase,
  type OpenedDatabase,
  type OpenOptions,
  SCHEMA_VERSION,
} from "../../db/database.ts";
import { APPLICATION_ID, MIGRATIONS } from "../../db/migrations.ts";
import { memoryDb } from "../../testing/memory_db.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const NORMAL: OpenOptions = { synchronous: "normal" };

/** Opens a database that is closed when disposed. */
function open(path: string, options: OpenOptions = NORMAL): OpenedDatabase & Disposable {
  const opened = openDatabase(path, options);
  return { ...opened, [Symbol.dispose]: () => opened.db.close() };
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

function pragma(db: Database, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get();
  assert.ok(row !== undefined, `PRAGMA ${name} returned no row`);
  return Object.values(row)[0];
}

function columns(db: Database, table: string): string[] {
  return db.prepare(`PRAGMA table_info(${table})`).all().map((row) => String(row.name));
}

/** Asserts that `fn` throws a DatabaseOpenError and returns its message. */
function openError(fn: () => unknown): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof DatabaseOpenError, `expected DatabaseOpenError, got ${caught}`);
  assert.equal(caught.name, "DatabaseOpenError");
  return caught.message;
}

const BOARD_INSERT =
  "INSERT INTO board (title, content, create_date, update_date, author_id) VALUES (?, ?, ?, ?, ?)";
const NOW = "2025-01-02T03:04:05.678Z";

Deno.test({
  name: "openDatabase sets WAL, synchronous NORMAL, foreign keys and a 5 s busy timeout",
  async fn() {
    await using dir = await tempDir();
    using opened = open(join(dir.path, "board.db"));
    const { db } = opened;
    assert.equal(pragma(db, "journal_mode"), "wal");
    assert.equal(pragma(db, "synchronous"), 1);
    assert.equal(pragma(db, "foreign_keys"), 1);
    assert.equal(pragma(db, "busy_timeout"), 5000);
  },
});

Deno.test({
  name: "openDatabase with synchronous full sets PRAGMA synchronous to FULL",
  async fn() {
    await using dir = await tempDir();
    using opened = open(join(dir.path, "board.db"), { synchronous: "full" });
    assert.equal(pragma(opened.db, "synchronous"), 2);
    assert.equal(pragma(opened.db, "journal_mode"), "wal");
  },
});

Deno.test({
  name: "openDatabase honours a custom busy timeout",
  async fn() {
    await using dir = await tempDir();
    using opened = open(join(dir.path, "board.db"), { synchronous: "normal", busyTimeoutMs: 250 });
    assert.equal(pragma(opened.db, "busy_timeout"), 250);
  },
});

Deno.test({
  name: "a fresh file is created, migrated and stamped as an otel-board database",
  async fn() {
    await using dir = await tempDir();
    const path = join(dir.path, "board.db");
    using opened = open(path);
    assert.equal(opened.created, true);
    assert.equal(opened.fromVersion, 0);
    assert.equal(opened.version, SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
    assert.equal(opened.db.path, path);
    assert.equal(pragma(opened.db, "user_version"), SCHEMA_VERSION);
    assert.equal(pragma(opened.db, "application_id"), APPLICATION_ID);
    assert.ok((await Deno.stat(path)).isFile);
  },
});

Deno.test({
  name: "a fresh database has the users, board and log_api columns of the design",
  async fn() {
    await using dir = await tempDir();
    using opened = open(join(dir.path, "board.db"));
    const { db } = opened;
    assert.deepEqual(columns(db, "users"), [
      "id",
      "username",
      "password_hash",
      "role",
      "disabled",
      "created_at",
    ]);
    assert.deepEqual(columns(db, "board"), [
      "seq",
      "title",
      "content",
      "create_date",
      "update_date",
      "author_id",
      "imported",
    ]);
    assert.deepEqual(columns(db, "log_api"), [
      "seq",
      "user_ip",
      "user_id",
      "start_time",
      "end_time",
      "call_url",
      "call_url_parameter",
      "method",
      "status",
      "duration_ms",
      "trace_id",
    ]);
  },
});

Deno.test({
  name: "log_api has an index for each /log filter column",
  async fn() {
    await using dir = await tempDir();
    using opened = open(join(dir.path, "board.db"));
    const indexed = new Set<string>();
    for (const index of opened.db.prepare("PRAGMA index_list(log_api)").all()) {
      const first = opened.db.prepare(`PRAGMA index_info(${String(index.name)})`).all()[0];
      if (first !== undefined) indexed.add(String(first.name));
    }
    for (const column of ["start_time", "call_url", "user_id", "status"]) {
      assert.ok(indexed.has(column), `no index leads with log_api.${column}`);
    }
  },
});

Deno.test({
  name: "reopening a database keeps its data and applies no migration twice",
  async fn() {
    await using dir = await tempDir();
    const path = join(dir.path, "board.db");
    {
      using first = open(path);
      assert.equal(first.created, true);
      first.db.prepare(BOARD_INSERT).run("hello", "world", NOW, NOW, null);
    }
    {
      using second = open(path);
      assert.equal(second.created, false);
      assert.equal(second.fromVersion, SCHEMA_VERSION);
      assert.equal(second.version, SCHEMA_VERSION);
      assert.equal(pragma(second.db, "user_version"), SCHEMA_VERSION);
      assert.equal(pragma(second.db, "application_id"), APPLICATION_ID);
      const rows = second.db.prepare("SELECT title, content FROM board").all();
      assert.deepEqual(rows.map((r) => ({ ...r })), [{ title: "hello", content: "world" }]);
      const tables = second.db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (?, ?, ?)")
        .all("users", "board", "log_api");
      assert.equal(tables.length, 3);
    }
    // Closed cleanly: the WAL was checkpointed and removed.
    assert.deepEqual(await listDir(dir.path), ["board.db"]);
  },
});

Deno.test({
  name: "an existing empty file is treated as a fresh database",
  async fn() {
    await using dir = await tempDir();
    const path = join(dir.path, "empty.db");
    await Deno.writeFile(path, new Uint8Array(0));
    using opened = open(path);
    assert.equal(opened.created, true);
    assert.equal(pragma(opened.db, "user_version"), SCHEMA_VERSION);
  },
});

Deno.test({
  name: "openDatabase refuses a file that is not SQLite and leaves it byte-for-byte untouched",
  async fn() {
    await using dir = await tempDir();
    const path = join(dir.path, "notes.txt");
    await Deno.writeTextFile(
      path,
      "These are my notes, not a database.\n".repeat(114).slice(0, 4096),
    );
    assert.equal((await Deno.stat(path)).size, 4096);
    const before = await sha256(path);
    const message = openError(() => openDatabase(path, NORMAL));
    assert.match(message, /not a SQLite database/);
    assert.ok(message.includes(path), message);
    assert.equal(await sha256(path), before);
    assert.deepEqual(await listDir(dir.path), ["notes.txt"]);
  },
});

Deno.test({
  name: "openDatabase refuses another application's SQLite database and leaves it untouched",
  async fn() {
    await using dir = await tempDir();
    const path = join(dir.path, "other.db");
    const other = new DatabaseSync(path);
    other.exec(
      "CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO foo VALUES (1, 'x')",
    );
    other.close();
    const before = await sha256(path);
    const message = openError(() => openDatabase(path, NORMAL));
    assert.match(message, /another application/);
    assert.ok(message.includes(path), message);
    assert.equal(await sha256(path), before);
    assert.deepEqual(await listDir(dir.path), ["other.db"]);
  },
});

/** Creates an otel-board database whose schema version is newer than this build's. */
async function newerDatabase(dir: string): Promise<string> {
  const path = join(dir, "future.db");
  openDatabase(path, NORMAL).db.close();
  const raw = new DatabaseSync(path);
  raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  assert.deepEqual(await listDir(dir), ["future.db"]);
  return path;
}

Deno.test({
  name: "openDatabase refuses a database with a newer schema and leaves the file untouched",
  async fn() {
    await using dir = await tempDir();
    const path = await newerDatabase(dir.path);
    const before = await sha256(path);
    const message = openError(() => openDatabase(path, NORMAL));
    const version = /schema version (\d+) is newer/.exec(message)?.[1];
    assert.equal(version, String(SCHEMA_VERSION + 1), message);
    assert.equal(await sha256(path), before);
    const check = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal(check.prepare("PRAGMA user_version").get()?.user_version, SCHEMA_VERSION + 1);
    } finally {
      check.close();
    }
  },
});

Deno.test({
  name: "openDatabase refuses a newer schema that is still only in the -wal of a crashed process",
  async fn() {
    await using dir = await tempDir();
    const source = join(dir.path, "live.db");
    const crashed = join(dir.path, "crashed.db");
    openDatabase(source, NORMAL).db.close();
    const live = new DatabaseSync(source);
    try {
      live.exec("PRAGMA wal_autocheckpoint = 0");
      live.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
      // Copy the file and its -wal while the writer is still open, as a crash would leave them.
      await Deno.copyFile(source, crashed);
      await Deno.copyFile(`${source}-wal`, `${crashed}-wal`);
    } finally {
      live.close();
    }
    const message = openError(() => openDatabase(crashed, NORMAL));
    assert.match(message, /schema version \d+ is newer/);
    const check = new DatabaseSync(crashed, { readOnly: true });
    try {
      assert.equal(check.prepare("PRAGMA user_version").get()?.user_version, SCHEMA_VERSION + 1);
      assert.equal(check.prepare("SELECT count(*) AS n FROM board").get()?.n, 0);
    } finally {
      check.close();
    }
  },
});

Deno.test({
  name: "refusing a database with a newer schema leaves no -wal or -shm file behind",
  async fn() {
    await using dir = await tempDir();
    const path = await newerDatabase(dir.path);
    openError(() => openDatabase(path, NORMAL));
    assert.deepEqual(await listDir(dir.path), ["future.db"]);
  },
});

Deno.test({
  name: "openDatabase names the missing directory and creates nothing",
  async fn() {
    await using dir = await tempDir();
    const missing = join(dir.path, "no-such-dir");
    const message = openError(() => openDatabase(join(missing, "board.db"), NORMAL));
    assert.ok(message.includes(`"${missing}"`), message);
    assert.match(message, /does not exist/);
    assert.deepEqual(await listDir(dir.path), []);
  },
});

Deno.test({
  name: "openDatabase refuses a path that is a directory",
  async fn() {
    await using dir = await tempDir();
    const sub = join(dir.path, "sub");
    await Deno.mkdir(sub);
    assert.match(openError(() => openDatabase(sub, NORMAL)), /not a regular file/);
  },
});

Deno.test({
  name: "openDatabase(':memory:') gives a migrated, working database",
  fn() {
    using opened = open(":memory:");
    assert.equal(opened.created, true);
    assert.equal(opened.db.path, ":memory:");
    assert.equal(pragma(opened.db, "user_version"), SCHEMA_VERSION);
    assert.equal(pragma(opened.db, "foreign_keys"), 1);
    opened.db.prepare(BOARD_INSERT).run("t", "c", NOW, NOW, null);
    assert.equal(opened.db.prepare("SELECT count(*) AS n FROM board").get()?.n, 1);
  },
});

Deno.test({
  name: "db.transaction commits what the function wrote and returns its result",
  fn() {
    using t = memoryDb();
    const { db } = t;
    const result = db.transaction(() => {
      db.prepare(BOARD_INSERT).run("one", "c", NOW, NOW, null);
      db.prepare(BOARD_INSERT).run("two", "c", NOW, NOW, null);
      return "done";
    });
    assert.equal(result, "done");
    assert.equal(db.prepare("SELECT count(*) AS n FROM board").get()?.n, 2);
  },
});

Deno.test({
  name: "db.transaction rolls back everything when the function throws, and rethrows",
  fn() {
    using t = memoryDb();
    const { db } = t;
    const failure = new Error("stop here");
    assert.throws(
      () =>
        db.transaction(() => {
          db.prepare(BOARD_INSERT).run("one", "c", NOW, NOW, null);
          throw failure;
        }),
      (error) => error === failure,
    );
    assert.equal(db.prepare("SELECT count(*) AS n FROM board").get()?.n, 0);
    // The connection is usable again: a later transaction commits.
    db.transaction(() => db.prepare(BOARD_INSERT).run("two", "c", NOW, NOW, null));
    assert.equal(db.prepare("SELECT count(*) AS n FROM board").get()?.n, 1);
  },
});

Deno.test({
  name: "db.transaction rolls back when a statement inside violates a constraint",
  fn() {
    using t = memoryDb();
    const { db } = t;
    assert.throws(() =>
      db.transaction(() => {
        db.prepare(BOARD_INSERT).run("fine", "c", NOW, NOW, null);
        db.prepare(BOARD_INSERT).run("", "c", NOW, NOW, null);
      }), /CHECK constraint failed/);
    assert.equal(db.prepare("SELECT count(*) AS n FROM board").get()?.n, 0);
  },
});

Deno.test({
  name: "a nested db.transaction joins the outer one and is rolled back with it",
  fn() {
    using t = memoryDb();
    const { db } = t;
    assert.throws(() =>
      db.transaction(() => {
        db.transaction(() => db.prepare(BOARD_INSERT).run("inner", "c", NOW, NOW, null));
        throw new Error("outer fails");
      }), /outer fails/);
    assert.equal(db.prepare("SELECT count(*) AS n FROM board").get()?.n, 0);
  },
});

Deno.test({
  name: "the board title check rejects 31 characters but accepts 30 emoji",
  fn() {
    using t = memoryDb();
    const insert = t.db.prepare(BOARD_INSERT);
    const emoji30 = "😀".repeat(30);
    assert.equal(emoji30.length, 60); // 60 UTF-16 code units, 30 characters
    insert.run(emoji30, "c", NOW, NOW, null);
    assert.throws(() => insert.run("a".repeat(31), "c", NOW, NOW, null), /CHECK constraint/);
    assert.throws(() => insert.run("😀".repeat(31), "c", NOW, NOW, null), /CHECK constraint/);
    insert.run("a".repeat(30), "c", NOW, NOW, null);
    const titles = t.db.prepare("SELECT title FROM board ORDER BY seq").all();
    assert.deepEqual(titles.map((r) => r.title), [emoji30, "a".repeat(30)]);
  },
});

Deno.test({
  name: "the board content check allows 2000 characters and rejects 2001",
  fn() {
    using t = memoryDb();
    const insert = t.db.prepare(BOARD_INSERT);
    insert.run("t", "é".repeat(2000), NOW, NOW, null);
    assert.throws(() => insert.run("t", "x".repeat(2001), NOW, NOW, null), /CHECK constraint/);
  },
});

Deno.test({
  name: "foreign keys are enforced: a post cannot name an author that does not exist",
  fn() {
    using t = memoryDb();
    assert.throws(
      () => t.db.prepare(BOARD_INSERT).run("t", "c", NOW, NOW, 999),
      /FOREIGN KEY constraint failed/,
    );
  },
});

Deno.test({
  name: "db.prepare returns the same cached statement for the same SQL",
  fn() {
    using t = memoryDb();
    const { db } = t;
    const sql = "SELECT count(*) AS n FROM board";
    assert.equal(db.prepare(sql), db.prepare(sql));
    assert.notEqual(db.prepare(sql), db.prepare("SELECT count(*) AS n FROM log_api"));
  },
});

Deno.test({
  name: "after close the database refuses queries and a second close is harmless",
  fn() {
    const { db } = openDatabase(":memory:", NORMAL);
    db.close();
    assert.throws(() => db.prepare("SELECT 1").get());
    db.close();
  },
});
