/**
 * @module Tests for db/copy_to_postgres.ts against a real throwaway PostgreSQL: thousands of rows
 * across many INSERTs copied column for column, and a row PostgreSQL refuses half-way leaving
 * nothing.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { copyToPostgres } from "../../db/copy_to_postgres.ts";
import { type Database, openDatabase } from "../../db/database.ts";
import { openPostgresDatabase } from "../../db/postgres/open.ts";
import { insertPosts } from "../../db/sqlite/posts.ts";
import { insertLogApiRows } from "../../db/sqlite/log_api.ts";
import { logApiRow } from "../../testing/log_api_rows.ts";
import { postgresTests, queryOnce } from "../../testing/postgres.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const { pgTest } = await postgresTests();

const POSTS = 2_345;
const CALLS = 3_456;

/** A SQLite file holding POSTS posts and CALLS call-log rows; resolves with its path. */
async function filledFile(dir: string, extra?: (db: Database) => void): Promise<string> {
  const path = join(dir, "board.db");
  const { db } = openDatabase(path, { synchronous: "normal" });
  try {
    insertPosts(
      db,
      Array.from({ length: POSTS }, (_, i) => ({
        title: `글 ${i}`,
        content: `자유게시판 본문 ${i}`,
        createDate: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
        authorId: null,
      })),
    );
    await insertLogApiRows(
      db,
      Array.from({ length: CALLS }, (_, i) =>
        logApiRow({
          start_time: new Date(Date.UTC(2025, 0, 2, 0, 0, i)).toISOString(),
          duration_ms: i / 8,
          call_url_parameter: i % 3 === 0 ? null : `n=${i}`,
        })),
    );
    extra?.(db);
  } finally {
    db.close();
  }
  return path;
}

async function copy(path: string, url: string) {
  const source = new DatabaseSync(path, { readOnly: true });
  const { db } = await openPostgresDatabase({ url, poolSize: 1 });
  try {
    return await copyToPostgres(source, db);
  } finally {
    source.close();
    await db.close();
  }
}

pgTest(
  "copyToPostgres copies thousands of rows over many INSERTs, every column equal",
  async (c) => {
    await using dir = await tempDir();
    const path = await filledFile(dir.path);
    const url = await c.freshDatabase();
    const report = await copy(path, url);
    assert.deepEqual(report.rows, { users: 0, board: POSTS, sessions: 0, log_api: CALLS });
    assert.deepEqual(report.nextIds, { users: 1, board: POSTS + 1, log_api: CALLS + 1 });
    const raw = new DatabaseSync(path, { readOnly: true });
    try {
      for (
        const [table, columns] of [[
          "board",
          "seq, title, content, create_date, update_date, author_id, imported",
        ], ["log_api", "*"]]
      ) {
        const expected = raw.prepare(`SELECT ${columns} FROM ${table} ORDER BY seq`).all()
          .map((r) => ({ ...r }));
        const actual = (await queryOnce(url, `SELECT ${columns} FROM ${table} ORDER BY seq`))
          .map((r) => ({ ...r, seq: Number(r.seq) }));
        assert.deepEqual(actual, expected, table);
      }
    } finally {
      raw.close();
    }
  },
);

pgTest("a row PostgreSQL refuses half-way stops the copy with nothing written", async (c) => {
  await using dir = await tempDir();
  const path = await filledFile(dir.path);
  const url = await c.freshDatabase();
  // A constraint the file's rows break from the third call-log INSERT on: by then every post
  // and two INSERTs of call-log rows are written.
  await (await openPostgresDatabase({ url, poolSize: 1 })).db.close();
  await queryOnce(url, "ALTER TABLE log_api ADD CONSTRAINT test_refuses CHECK (seq <= 2500)");
  await assert.rejects(() => copy(path, url), /test_refuses/);
  for (const table of ["users", "board", "sessions", "log_api"]) {
    const [row] = await queryOnce(url, `SELECT count(*) AS n FROM ${table}`);
    assert.equal(Number(row!.n), 0, `${table}: all rows or none`);
  }
  const [next] = await queryOnce(
    url,
    "SELECT nextval(pg_get_serial_sequence('board', 'seq')) AS n",
  );
  assert.equal(Number(next!.n), 1, "the sequences did not move");
}, true);
