/**
 * @module Real-process test of `otel-board import-flask` with DATABASE_URL (a real throwaway
 * PostgreSQL): the same Flask file imported into a SQLite file and into PostgreSQL, each started
 * once before, gives byte-identical answers from the two services afterwards.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type PostgresCluster, startPostgres } from "../../testing/postgres.ts";
import { runMain, type ServerProcess, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";
import { fileHash, writeFlaskFile } from "../db/flask_import/_flask_file.ts";

const cluster: PostgresCluster | undefined = await startPostgres();

/** The settings both services and both imports share (retention keeps July 2024's rows). */
const SHARED = { LOG_API_RETENTION_DAYS: "0" };

/** The answers compared between the engines (the call log of July 2024 holds imported rows). */
const PATHS = [
  "/board",
  "/board/posts/1",
  "/board/posts/5",
  `/board/search?q=${encodeURIComponent("게시")}`,
  `/board/search?q=${encodeURIComponent("이전 완료")}`,
  "/log?since=2024-07-01T00:00:00Z&until=2024-08-01T00:00:00Z",
  "/log?user_id=kim",
];

async function answers(server: ServerProcess): Promise<string[]> {
  const texts: string[] = [];
  for (const path of PATHS) {
    const response = await fetch(`${server.baseUrl}${path}`);
    texts.push(`${response.status} ${await response.text()}`);
  }
  return texts;
}

/** Starts the service once on `env` (demo posts, its own calls), then stops it. */
async function startOnce(env: Record<string, string>, cwd: string): Promise<void> {
  const server = await startServer(env, cwd);
  try {
    await (await fetch(`${server.baseUrl}/board/5`)).body?.cancel();
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
}

Deno.test({
  name:
    "import-flask with DATABASE_URL fills PostgreSQL: the service answers as the SQLite one does",
  ignore: cluster === undefined,
  async fn() {
    await using _cluster = cluster!;
    await using dir = await tempDir();
    writeFlaskFile(join(dir.path, "flask.db"));
    const sourceHash = await fileHash(join(dir.path, "flask.db"));
    const sqlite = { ...SHARED, DB_PATH: "otel-board.db" };
    const postgres = { ...SHARED, DATABASE_URL: await cluster!.freshDatabase() };
    await startOnce(sqlite, dir.path);
    await startOnce(postgres, dir.path);

    const command = ["import-flask", "flask.db", "--source-timezone", "Asia/Seoul"];
    const dry = await runMain([...command, "--dry-run"], postgres, dir.path);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Checking against postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:/m);
    assert.match(dry.stdout, /Would remove 6 untouched demo post\(s\)\./);
    assert.match(dry.stdout, /Dry run: would import 4 post\(s\) and 3 log row\(s\)/);
    for (const env of [sqlite, postgres]) {
      const done = await runMain(command, env, dir.path);
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, /^Removed 6 untouched demo post\(s\)\.$/m);
      assert.match(done.stdout, /^Renumbered \d+ log row\(s\) otel-board wrote \(seq \+ 3\)/m);
      assert.match(
        done.stdout,
        /Imported 4 post\(s\) and 3 log row\(s\), 2024-07-01T01:00:00\.000Z/,
      );
    }
    const again = await runMain(command, postgres, dir.path);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /7 row\(s\) or value\(s\) cannot be imported/);
    assert.match(again.stderr, /board seq 1 was imported before/);
    assert.equal(await fileHash(join(dir.path, "flask.db")), sourceHash, "the source is unchanged");

    const fromSqlite = await startServer(sqlite, dir.path);
    let expected;
    try {
      expected = await answers(fromSqlite);
    } finally {
      assert.equal((await fromSqlite.stop()).code, 0);
    }
    assert.match(expected[1]!, /^200 \{"seq":1,"title":"자유게시판 첫 글"/);
    assert.match(expected[5]!, /"seq":3,.*"seq":2,.*"seq":1,/, "the imported calls");
    const fromPostgres = await startServer(postgres, dir.path);
    try {
      assert.deepEqual(await answers(fromPostgres), expected);
      const next = await fetch(`${fromPostgres.baseUrl}/board/posts/6`);
      assert.equal(next.status, 404, "no demo post left at seq 6");
      await next.body?.cancel();
    } finally {
      assert.equal((await fromPostgres.stop()).code, 0);
    }
  },
});
