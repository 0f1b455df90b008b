/**
 * @module Real-process tests for `otel-board copy-to-postgres` on a real PostgreSQL: a SQLite
 * file the service filled is copied, the service started on PostgreSQL answers the same posts,
 * keeps the sessions, and numbers the next post after every id; a non-empty target and
 * missing settings are refused.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { postgresTests, queryOnce } from "../../testing/postgres.ts";
import { runMain, type ServerProcess, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const { pgTest } = await postgresTests();

async function call(
  server: ServerProcess,
  path: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: init.method ?? "GET",
    headers: {
      "content-type": "application/json",
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

const ALICE = { username: "alice", password: "correct horse battery" };

/** Every row of the four tables in the SQLite file, for "the file is unchanged". */
function sqliteRows(path: string): Record<string, unknown[]> {
  const raw = new DatabaseSync(path, { readOnly: true });
  try {
    return Object.fromEntries(
      ["users", "board", "sessions", "log_api", "sqlite_sequence"].map((table) => [
        table,
        raw.prepare(`SELECT * FROM ${table} ORDER BY 1`).all().map((r) => ({ ...r })),
      ]),
    );
  } finally {
    raw.close();
  }
}

pgTest(
  "copy-to-postgres: every row and id copied, sessions kept, the next post numbered after every id",
  async (c) => {
    await using dir = await tempDir();
    const dbPath = join(dir.path, "board.db");
    const url = await c.freshDatabase();

    // The SQLite service: an account, posts (the newest deleted, so the counter is past max).
    const sqlite = await startServer({ DB_PATH: dbPath }, dir.path);
    let token: string;
    let kept: unknown;
    try {
      assert.equal((await call(sqlite, "/register", { method: "POST", body: ALICE })).status, 201);
      const login = await call(sqlite, "/login", { method: "POST", body: ALICE });
      token = (login.body as { token: string }).token;
      const post = (title: string) =>
        call(sqlite, "/board", {
          method: "POST",
          token,
          body: { title, content: `${title}: 자유게시판에 글을 씁니다` },
        });
      const first = await post("First copied");
      assert.equal(first.status, 201);
      const second = await post("Deleted later");
      const deleted = (second.body as { seq: number }).seq;
      const removed = await call(sqlite, `/board/posts/${deleted}`, { method: "DELETE", token });
      assert.equal(removed.status, 204);
      kept = (await call(sqlite, `/board/posts/${(first.body as { seq: number }).seq}`)).body;
    } finally {
      assert.equal((await sqlite.stop()).code, 0);
    }
    const before = sqliteRows(dbPath);
    const highestSeq = Math.max(
      ...(before.sqlite_sequence as { name: string; seq: number }[])
        .filter((r) => r.name === "board").map((r) => r.seq),
    );

    const copy = await runMain(
      ["copy-to-postgres"],
      { DB_PATH: dbPath, DATABASE_URL: url },
      dir.path,
    );
    assert.equal(copy.code, 0, copy.stderr);
    const counts = Object.fromEntries(
      Object.entries(before).filter(([t]) => t !== "sqlite_sequence").map((
        [t, rows],
      ) => [t, rows.length]),
    );
    assert.match(
      copy.stdout,
      new RegExp(
        `: users ${counts.users}, board ${counts.board}, sessions ${counts.sessions}, ` +
          `log_api ${counts.log_api} row\\(s\\); the counts match\\.\\nNext ids: users \\d+, ` +
          `board ${highestSeq + 1}, log_api \\d+\\.`,
      ),
    );
    assert.ok(!copy.stdout.includes("test-password-1"), "the password is masked");
    assert.deepEqual(sqliteRows(dbPath), before, "the SQLite file is unchanged");
    for (const table of ["users", "board", "sessions", "log_api"]) {
      const [row] = await queryOnce(url, `SELECT count(*) AS n FROM ${table}`);
      assert.equal(Number(row!.n), counts[table], table);
    }
    const pgLog = await queryOnce(url, "SELECT * FROM log_api ORDER BY seq");
    assert.deepEqual(
      // queryOnce hands int8 back as text.
      pgLog.map((r) => ({ ...r, seq: Number(r.seq) })),
      before.log_api,
      "log_api rows equal, seq and every column",
    );

    const pg = await startServer({ DATABASE_URL: url }, dir.path);
    try {
      const seq = (kept as { seq: number }).seq;
      assert.deepEqual((await call(pg, `/board/posts/${seq}`)).body, kept);
      const me = await call(pg, "/me", { token: token! });
      assert.equal(me.status, 200, "a session of the SQLite service works on PostgreSQL");
      assert.equal((me.body as { username: string }).username, "alice");
      const found = await call(pg, `/board/search?q=${encodeURIComponent("게시판")}`);
      assert.ok(
        (found.body as { seq: number }[]).some((p) => p.seq === seq),
        "copied posts are found by search",
      );
      const next = await call(pg, "/board", {
        method: "POST",
        token: token!,
        body: { title: "After the copy", content: "written on PostgreSQL" },
      });
      assert.equal(next.status, 201);
      assert.equal(
        (next.body as { seq: number }).seq,
        highestSeq + 1,
        "the next id, past the deleted post's too",
      );
      // reset-admin-password on the copied accounts, while the service runs on PostgreSQL.
      const file = join(dir.path, "alice-password.txt");
      const reset = await runMain(
        ["reset-admin-password", "--username", "alice"],
        { DATABASE_URL: url, ADMIN_PASSWORD_FILE: file },
        dir.path,
      );
      assert.equal(reset.code, 0, reset.stderr);
      assert.match(reset.stdout, /The password of "alice" was reset and 1 session\(s\) signed out/);
      assert.equal(
        (await call(pg, "/me", { token: token! })).status,
        401,
        "the copied session ends",
      );
      const password = /^password: (.+)$/m.exec(await Deno.readTextFile(file))![1]!;
      const login = await call(pg, "/login", {
        method: "POST",
        body: { username: "alice", password },
      });
      assert.equal(login.status, 200, "the new password signs in");
    } finally {
      assert.equal((await pg.stop()).code, 0);
    }

    const again = await runMain(
      ["copy-to-postgres"],
      { DB_PATH: dbPath, DATABASE_URL: url },
      dir.path,
    );
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stderr, /The PostgreSQL database is not empty \(users: \d+ row\(s\), board/);
    const [posts] = await queryOnce(url, "SELECT count(*) AS n FROM board");
    assert.equal(Number(posts!.n), counts.board! + 1, "nothing more written");
  },
);

pgTest(
  "copy-to-postgres refuses without DATABASE_URL (exit 2) and without the file (exit 1); --help",
  async (c) => {
    await using dir = await tempDir();
    const url = await c.freshDatabase();
    const noUrl = await runMain(["copy-to-postgres"], { DB_PATH: "x.db" }, dir.path);
    assert.equal(noUrl.code, 2, noUrl.stderr);
    assert.match(noUrl.stderr, /DATABASE_URL is not set/);
    const noFile = await runMain(
      ["copy-to-postgres"],
      { DB_PATH: "x.db", DATABASE_URL: url },
      dir.path,
    );
    assert.equal(noFile.code, 1, noFile.stderr);
    assert.match(noFile.stderr, /There is no database at ".*x\.db"/);
    const help = await runMain(["copy-to-postgres", "--help"], {}, dir.path);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: otel-board copy-to-postgres/);
    const [tables] = await queryOnce(
      url,
      "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'",
    );
    assert.equal(Number(tables!.n), 0, "a refused copy creates nothing");
  },
  true,
);
