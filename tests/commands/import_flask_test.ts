/**
 * @module Real-process tests for `otel-board import-flask`: a Flask-shaped file imported by
 * the real command (the compile task's permissions) into the database of a service started
 * once, then the service started on it answers the imported posts, calls and searches; a
 * second import, a bad zone and a file that is not Flask's are refused with nothing changed.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { runMain, type ServerProcess, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { fileHash, writeFlaskFile } from "../db/flask_import/_flask_file.ts";

/** The settings the service and the command share (retention keeps July 2024's rows). */
const SETTINGS = { DB_PATH: "otel-board.db", LOG_API_RETENTION_DAYS: "0", LOG_API_PUBLIC: "false" };

async function getJson(server: ServerProcess, path: string, token?: string): Promise<unknown> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return await response.json();
}

async function adminToken(server: ServerProcess): Promise<string> {
  const response = await fetch(`${server.baseUrl}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "test-admin-password" }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).token;
}

/** Every row of both tables, for "nothing changed". */
function contents(path: string): unknown {
  const raw = new DatabaseSync(path, { readOnly: true });
  try {
    return ["board", "log_api", "sqlite_sequence"].map((table) =>
      raw.prepare(`SELECT * FROM ${table}`).all().map((r) => ({ ...r }))
    );
  } finally {
    raw.close();
  }
}

Deno.test("import-flask into a database started once: the service answers the imported posts, calls and searches", async () => {
  await using dir = await tempDir();
  const flask = join(dir.path, "flask.db");
  writeFlaskFile(flask);
  const sourceHash = await fileHash(flask);

  const first = await startServer(SETTINGS, dir.path);
  try {
    await getJson(first, "/board/5");
  } finally {
    assert.equal((await first.stop()).code, 0);
  }

  const command = ["import-flask", "flask.db", "--source-timezone", "Asia/Seoul"];
  const dry = await runMain([...command, "--dry-run"], SETTINGS, dir.path);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /naive times in Asia\/Seoul \(--source-timezone\)/);
  assert.match(dry.stdout, /Would remove 6 untouched demo post\(s\)\./);
  assert.match(
    dry.stdout,
    /Dry run: would import 4 post\(s\) and 3 log row\(s\), 2024-07-01T01:00:00\.000Z to 2024-07-03T03:00:00\.250Z \(checked in [\d.]+ s\); nothing was written\.\n$/,
  );
  const afterFirstStart = contents(join(dir.path, "otel-board.db"));

  const done = await runMain(command, SETTINGS, dir.path);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /^Removed 6 untouched demo post\(s\)\.$/m);
  assert.match(done.stdout, /^Renumbered \d+ log row\(s\) otel-board wrote \(seq \+ 3\)/m);
  assert.match(
    done.stdout,
    /Imported 4 post\(s\) and 3 log row\(s\), 2024-07-01T01:00:00\.000Z to 2024-07-03T03:00:00\.250Z in [\d.]+ s\.\n$/,
  );
  assert.notDeepEqual(contents(join(dir.path, "otel-board.db")), afterFirstStart);

  const again = await runMain(command, SETTINGS, dir.path);
  assert.equal(again.code, 1);
  assert.match(
    again.stderr,
    /Cannot import flask\.db: 7 row\(s\) or value\(s\) cannot be imported/,
  );
  assert.match(again.stderr, /board seq 1 was imported before/);
  assert.equal(await fileHash(flask), sourceHash, "the source's bytes are unchanged");

  const server = await startServer(SETTINGS, dir.path);
  try {
    assert.deepEqual(await getJson(server, "/board/posts/1"), {
      seq: 1,
      title: "자유게시판 첫 글",
      content: "안녕하세요 👋 게시판이 열렸습니다",
      create_date: "2024-07-01T01:00:00.000Z",
      update_date: "2024-07-01T01:00:00.000Z",
      author: null,
    });
    const undated = await getJson(server, "/board/posts/5") as Record<string, unknown>;
    assert.equal(undated.create_date, null);
    assert.equal(undated.update_date, null);
    // The page of a post without a date says so, in Korean by default, and the board lists it.
    const page = await fetch(`${server.baseUrl}/posts/5`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /날짜 모름/);
    const boardPage = await fetch(`${server.baseUrl}/`);
    assert.equal(boardPage.status, 200);
    assert.match(await boardPage.text(), /날짜 모름/);
    const board = await getJson(server, "/board") as { seq: number; create_date: unknown }[];
    assert.deepEqual(board.map((p) => p.seq), [5, 4, 2, 1], "no demo post left");
    assert.equal(board[1]!.create_date, null);
    const found = await getJson(server, `/board/search?q=${encodeURIComponent("게시")}`) as {
      seq: number;
    }[];
    assert.deepEqual(found.map((p) => p.seq), [1]);

    const token = await adminToken(server);
    const july = "since=2024-07-01T00:00:00Z&until=2024-08-01T00:00:00Z";
    const imported = await getJson(server, `/log?${july}`, token) as Record<string, unknown>[];
    assert.deepEqual(imported, [
      {
        seq: 3,
        user_ip: "10.0.0.7",
        user_id: null,
        start_time: "2024-07-01T23:00:00.500Z",
        end_time: null,
        call_url: "/log",
        call_url_parameter: "limit=10",
        method: null,
        status: null,
        duration_ms: null,
        trace_id: null,
      },
      {
        seq: 2,
        user_ip: "10.0.0.7",
        user_id: "kim",
        start_time: "2024-07-01T01:05:00.000Z",
        end_time: "2024-07-01T01:05:00.000Z",
        call_url: "/board/5",
        call_url_parameter: "",
        method: null,
        status: null,
        duration_ms: null,
        trace_id: null,
      },
      {
        seq: 1,
        user_ip: "127.0.0.1",
        user_id: null,
        start_time: "2024-07-01T01:00:01.123Z",
        end_time: "2024-07-01T01:00:01.200Z",
        call_url: "/board",
        call_url_parameter: null,
        method: null,
        status: null,
        duration_ms: null,
        trace_id: null,
      },
    ]);
    const all = await getJson(server, "/log?limit=1000", token) as {
      seq: number;
      status: number | null;
    }[];
    const own = all.filter((row) => row.seq > 3);
    assert.ok(own.length >= 1, "the first start's own calls are still there, after seq 3");
    const served = await getJson(server, "/log?status=200&limit=1000", token) as unknown[];
    assert.equal(served.length, own.filter((r) => r.status === 200).length);
    const byUser = await getJson(server, "/log?user_id=kim", token) as { seq: number }[];
    assert.deepEqual(byUser.map((r) => r.seq), [2]);

    const edited = await fetch(`${server.baseUrl}/board/posts/5`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "🎉 이전 완료", content: "관리자가 고친 글" }),
    });
    assert.equal(edited.status, 200);
    const post = await edited.json();
    assert.equal(post.create_date, null, "still unknown after an edit");
    assert.match(post.update_date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

Deno.test("import-flask refuses a bad time zone (exit 2) and a source that is not the Flask file (exit 1), creating nothing", async () => {
  await using dir = await tempDir();
  const flask = join(dir.path, "flask.db");
  writeFlaskFile(flask);
  const zone = await runMain(
    ["import-flask", "flask.db", "--source-timezone", "Asia/Nowhere"],
    SETTINGS,
    dir.path,
  );
  assert.equal(zone.code, 2);
  assert.match(zone.stderr, /^otel-board: --source-timezone: "Asia\/Nowhere" is not a time zone/m);

  await Deno.writeTextFile(
    join(dir.path, "notes.db"),
    "not a database at all, just text\n".repeat(9),
  );
  const other = new DatabaseSync(join(dir.path, "other.db"));
  other.exec("CREATE TABLE board (id INTEGER PRIMARY KEY, body TEXT)");
  other.close();
  for (
    const [file, message] of [
      ["notes.db", /Refusing "notes\.db": not a SQLite database/],
      ["other.db", /Refusing "other\.db": it is not the Flask app's database \(no seq, title/],
      ["missing.db", /There is no file "missing\.db"/],
    ] as const
  ) {
    const result = await runMain(["import-flask", file], SETTINGS, dir.path);
    assert.equal(result.code, 1, file);
    assert.match(result.stderr, message);
  }
  assert.ok(!existsSync(join(dir.path, "otel-board.db")), "no database was created");
});

Deno.test("import-flask creates a missing database without demo posts, and the service adds none", async () => {
  await using dir = await tempDir();
  writeFlaskFile(join(dir.path, "flask.db"));
  const done = await runMain(
    ["import-flask", "flask.db", "--source-timezone=Asia/Seoul"],
    SETTINGS,
    dir.path,
  );
  assert.equal(done.code, 0, done.stderr);
  assert.doesNotMatch(done.stdout, /demo|Renumbered/);
  const server = await startServer(SETTINGS, dir.path);
  try {
    const board = await getJson(server, "/board/10") as { seq: number }[];
    assert.deepEqual(board.map((p) => p.seq), [5, 4, 2, 1]);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

Deno.test("import-flask --help names every flag and the exit codes", async () => {
  await using dir = await tempDir();
  const result = await runMain(["import-flask", "--help"], SETTINGS, dir.path);
  assert.equal(result.code, 0, result.stderr);
  for (const flag of ["--source-timezone <zone>", "--dry-run", "--accept-retention", "--db"]) {
    assert.ok(result.stdout.includes(flag), flag);
  }
  assert.match(result.stdout, /Exit codes: 0 imported/);
  const listed = await runMain(["--help"], SETTINGS, dir.path);
  assert.match(listed.stdout, /^ {2}import-flask +Copy the Flask app's posts and call log/m);
});

Deno.test("import-flask reads naive times in the machine's zone by default and says so", async () => {
  await using dir = await tempDir();
  writeFlaskFile(join(dir.path, "flask.db"));
  const result = await runMain(
    ["import-flask", "flask.db", "--dry-run"],
    { ...SETTINGS, TZ: "Europe/Berlin" },
    dir.path,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /naive times in Europe\/Berlin \(this machine's zone; --source-timezone changes it\)/,
  );
  assert.match(result.stdout, /2024-07-01T08:00:00\.000Z to 2024-07-03T10:00:00\.250Z/);
  assert.ok(!existsSync(join(dir.path, "otel-board.db")), "a dry run creates no database");
});

Deno.test("A bad date stops import-flask before anything is written: no database is left behind", async () => {
  await using dir = await tempDir();
  writeFlaskFile(join(dir.path, "flask.db"), [[1, "제목", "내용", "2024-07-01 10:00", null]]);
  const result = await runMain(
    ["import-flask", "flask.db", "--source-timezone", "Asia/Seoul"],
    SETTINGS,
    dir.path,
  );
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /board seq 1, column create_date: "2024-07-01 10:00" is not a time like 2024-07-01 10:00:00\[\.000000\]/,
  );
  assert.ok(!existsSync(join(dir.path, "otel-board.db")));
});
