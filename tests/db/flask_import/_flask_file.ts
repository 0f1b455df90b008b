/**
 * @module A Flask-shaped SQLite file for the import tests: the exact tables SQLAlchemy created
 * for the Flask app, filled with the value shapes it wrote (naive DATETIME text, NULLs).
 */

import { DatabaseSync, type SQLInputValue } from "node:sqlite";

/** The Flask app's tables, as the issue gives them. */
export const FLASK_DDL = `
CREATE TABLE board (seq INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(30), content VARCHAR(2000),
  create_date DATETIME, update_date DATETIME);
CREATE TABLE log_api (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_ip VARCHAR(15), user_id VARCHAR(30),
  start_time DATETIME, end_time DATETIME, call_url VARCHAR(100), call_url_parameter VARCHAR(300));
`;

/** A Flask `board` row: seq, title, content, create_date, update_date. */
export type FlaskPostValues = readonly [
  number,
  SQLInputValue,
  SQLInputValue,
  SQLInputValue,
  SQLInputValue,
];
/** A Flask `log_api` row: seq, user_ip, user_id, start_time, end_time, call_url, call_url_parameter. */
export type FlaskCallValues = readonly [
  number,
  SQLInputValue,
  SQLInputValue,
  SQLInputValue,
  SQLInputValue,
  SQLInputValue,
  SQLInputValue,
];

/** Posts as the Flask app left them: Korean, emoji, fractions and none, NULL dates. */
export const FLASK_POSTS: readonly FlaskPostValues[] = [
  [
    1,
    "자유게시판 첫 글",
    "안녕하세요 👋 게시판이 열렸습니다",
    "2024-07-01 10:00:00.000000",
    "2024-07-01 10:00:00.000000",
  ],
  [2, "공지사항", "서버 점검은 토요일 02:00", "2024-07-02 09:30:15", null],
  [4, "날짜 없는 글", "create_date가 NULL인 글", null, "2024-07-03 12:00:00.250000"],
  [5, "🎉 이전 완료", "두 날짜 모두 NULL", null, null],
];

/** Calls as the Flask app logged them, out of order in time, one without end_time. */
export const FLASK_CALLS: readonly FlaskCallValues[] = [
  [
    1,
    "127.0.0.1",
    null,
    "2024-07-01 10:00:01.123456",
    "2024-07-01 10:00:01.200000",
    "/board",
    null,
  ],
  [2, "10.0.0.7", "kim", "2024-07-01 10:05:00", "2024-07-01 10:05:00", "/board/5", ""],
  [3, "10.0.0.7", null, "2024-07-02 08:00:00.5", null, "/log", "limit=10"],
];

/** Writes a Flask-shaped file at `path` holding `posts` and `calls`. */
export function writeFlaskFile(
  path: string,
  posts: readonly FlaskPostValues[] = FLASK_POSTS,
  calls: readonly FlaskCallValues[] = FLASK_CALLS,
): void {
  const raw = new DatabaseSync(path);
  try {
    raw.exec(FLASK_DDL);
    const post = raw.prepare("INSERT INTO board VALUES (?, ?, ?, ?, ?)");
    for (const values of posts) post.run(...values);
    const call = raw.prepare("INSERT INTO log_api VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const values of calls) call.run(...values);
  } finally {
    raw.close();
  }
}

/** The SHA-256 of a file's bytes, hex. */
export async function fileHash(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
