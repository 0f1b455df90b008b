/** @module Tests for the one `db.query.summary` summariser. */

import assert from "node:assert/strict";
import { summarizeSql } from "../../lib/sql_summary.ts";

const CASES: readonly (readonly [string, string, string | undefined])[] = [
  // [SQL, db.query.summary, db.collection.name]
  [
    `SELECT b.seq, b.title, u.username AS author
     FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id WHERE b.seq < ? LIMIT ?`,
    "SELECT board users",
    undefined,
  ],
  [
    `SELECT b.seq FROM board AS b LEFT JOIN users AS u ON u.id = b.author_id
     WHERE b.seq IN (SELECT rowid FROM board_fts WHERE board_fts MATCH ?) AND b.seq < ?`,
    "SELECT board users board_fts",
    undefined,
  ],
  ["INSERT INTO log_api (user_ip, status) VALUES (?, ?)", "INSERT log_api", "log_api"],
  ["insert or ignore into Users (name) values (?)", "INSERT Users", "Users"],
  ["UPDATE board SET title = ? WHERE seq = ?", "UPDATE board", "board"],
  ["UPDATE OR ROLLBACK board SET title = ?", "UPDATE board", "board"],
  ["DELETE FROM sessions WHERE expires_at <= ?", "DELETE sessions", "sessions"],
  [
    "DELETE FROM log_api WHERE seq IN (SELECT seq FROM log_api ORDER BY seq LIMIT ?)",
    "DELETE log_api",
    "log_api",
  ],
  ["SELECT count(*) FROM sqlite_schema", "SELECT sqlite_schema", "sqlite_schema"],
  ['SELECT * FROM main."board" AS b, [users] u WHERE 1', "SELECT board users", undefined],
  ["INSERT INTO archive SELECT * FROM log_api", "INSERT archive log_api", undefined],
  ["-- a comment FROM nowhere\nSELECT 'FROM x' FROM y /* JOIN z */", "SELECT y", "y"],
  ["BEGIN IMMEDIATE", "BEGIN", undefined],
  ["COMMIT", "COMMIT", undefined],
  ["PRAGMA optimize", "PRAGMA", undefined],
  ["SELECT 1", "SELECT", undefined],
  ["", "SQL", undefined],
];

Deno.test("summarizeSql gives {OPERATION} {table} for one table and every table, in order, for several", () => {
  for (const [sql, summary, collection] of CASES) {
    const result = summarizeSql(sql);
    assert.equal(result.summary, summary, sql);
    assert.equal(result.collection, collection, sql);
    assert.equal(result.operation, summary.split(" ")[0], sql);
  }
});

Deno.test("summarizeSql keeps the summary within semconv's 255 characters", () => {
  const tables = Array.from({ length: 60 }, (_, i) => `table_number_${i}`);
  const { summary } = summarizeSql(`SELECT * FROM ${tables.join(", ")}`);
  assert.ok(summary.length <= 255, String(summary.length));
  assert.ok(summary.startsWith("SELECT table_number_0 table_number_1 "));
});
