/**
 * @module The real service on a real PostgreSQL (a throwaway cluster), run with the compile
 * task's permissions: start-up with DATABASE_URL, two instances on one database, the database
 * stopping and starting under requests, and the settings that must be refused.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { poll } from "../../testing/poll.ts";
import { POSTGRES_PASSWORD, postgresTests, queryOnce } from "../../testing/postgres.ts";
import { DEMO_POSTS } from "../../db/demo_posts.ts";
import { runMain, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

const { pgTest } = await postgresTests();

pgTest(
  "DATABASE_URL with DB_PATH, or without any admin password source, is refused with exit 2",
  async (c) => {
    await using dir = await tempDir();
    const url = await c.freshDatabase();
    const both = await runMain(
      [],
      { DATABASE_URL: url, DB_PATH: join(dir.path, "x.db") },
      dir.path,
    );
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /DATABASE_URL and DB_PATH are both set/);
    assert.ok(!both.stderr.includes(POSTGRES_PASSWORD), "the password is never shown");
    const noFile = await runMain([], { DATABASE_URL: url, ADMIN_PASSWORD: "" }, dir.path);
    assert.equal(noFile.code, 2, noFile.stderr);
    assert.match(noFile.stderr, /ADMIN_PASSWORD_FILE: required with DATABASE_URL/);
    const badUrl = await runMain([], { DATABASE_URL: "mysql://x@y/z" }, dir.path);
    assert.equal(badUrl.code, 2, badUrl.stderr);
    assert.match(badUrl.stderr, /DATABASE_URL must start with postgres:\/\//);
  },
);

pgTest(
  "the service runs on PostgreSQL: password masked in the start-up line, rows logged",
  async (c) => {
    await using dir = await tempDir();
    const url = await c.freshDatabase();
    const server = await startServer({ DATABASE_URL: url }, dir.path);
    let stopped;
    try {
      const board = await fetch(`${server.baseUrl}/board/5`);
      assert.equal(board.status, 200);
      assert.equal((await board.json()).length, 5, "the demo posts of a fresh database");
      const created = await fetch(`${server.baseUrl}/board/search?q=${encodeURIComponent("otel")}`);
      assert.equal(created.status, 200);
      await created.body?.cancel();
    } finally {
      stopped = await server.stop();
    }
    assert.equal(stopped.code, 0, stopped.stderr);
    const listening = stopped.stdout.split("\n").find((line) => line.includes("Listening on"))!;
    assert.ok(
      listening.includes(`"database_url":"postgres://postgres:***@127.0.0.1:${c.port}/`),
      listening,
    );
    assert.ok(
      !stopped.stdout.includes(POSTGRES_PASSWORD) && !stopped.stderr.includes(POSTGRES_PASSWORD),
    );
    const rows = await queryOnce(url, "SELECT call_url FROM log_api ORDER BY seq");
    assert.deepEqual(rows.map((r) => r.call_url), ["/board/5", "/board/search"]);
  },
);

pgTest(
  "two instances starting together on one database create the first admin once, and share sessions",
  async (c) => {
    await using dir = await tempDir();
    const url = await c.freshDatabase();
    const passwordUrl = new URL(url);
    const password = passwordUrl.password;
    passwordUrl.password = "";
    await Deno.writeTextFile(join(dir.path, "pg-password"), `${password}\n`);
    const files = [join(dir.path, "a.txt"), join(dir.path, "b.txt")];
    const env = (file: string, viaFile: boolean) => ({
      DATABASE_URL: viaFile ? passwordUrl.href : url,
      ...(viaFile ? { DATABASE_PASSWORD_FILE: join(dir.path, "pg-password") } : {}),
      ADMIN_PASSWORD: "",
      ADMIN_PASSWORD_FILE: file,
    });
    // Started together: both migrate and ensure the first admin at the same moment.
    const [first, second] = await Promise.all([
      startServer(env(files[0]!, false), dir.path),
      startServer(env(files[1]!, true), dir.path),
    ]);
    await using a = first;
    await using b = second;
    const exists = (file: string) => {
      try {
        return Deno.statSync(file).isFile;
      } catch {
        return false;
      }
    };
    const file = await poll(() => files.find(exists), {
      what: "a password file",
      timeoutMs: 10_000,
    });
    const text = await Deno.readTextFile(file);
    const generated = /password: (\S+)/.exec(text)?.[1] ?? text.trim().split(/\s+/).at(-1)!;
    const login = await fetch(`${a.baseUrl}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: generated }),
    });
    assert.equal(login.status, 200, `${await login.clone().text()} (file: ${text})`);
    const { token } = await login.json();
    const me = await fetch(`${b.baseUrl}/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, "a session made on one instance works on the other");
    assert.equal((await me.json()).username, "admin");
    const posted = await fetch(`${b.baseUrl}/board`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: "둘", content: "다른 인스턴스" }),
    });
    assert.equal(posted.status, 201);
    const { seq } = await posted.json();
    const read = await fetch(`${a.baseUrl}/board/posts/${seq}`);
    assert.equal((await read.json()).content, "다른 인스턴스");

    // Once both have stopped, both have finished ensuring the admin: one of them created it.
    const stopped = await Promise.all([a.stop(), b.stop()]);
    assert.deepEqual(stopped.map((r) => r.code), [0, 0]);
    assert.equal(files.filter(exists).length, 1, "one instance generated the password");
    const created = stopped.filter((r) => r.stdout.includes("Created the first admin"));
    assert.equal(created.length, 1, "one instance created the first admin");
    const admins = await queryOnce(url, "SELECT username FROM users WHERE role = 'admin'");
    assert.deepEqual(admins.map((r) => r.username), ["admin"]);
    const migrations = await queryOnce(url, "SELECT version FROM schema_migrations");
    assert.equal(migrations.length, 1);
    const posts = await queryOnce(url, "SELECT count(*)::int AS n FROM board");
    assert.equal(posts[0]!.n, DEMO_POSTS.length + 1, "the demo posts were inserted once");
  },
);

pgTest(
  "reset-admin-password works on PostgreSQL and needs ADMIN_PASSWORD_FILE there",
  async (c) => {
    await using dir = await tempDir();
    const url = await c.freshDatabase();
    const server = await startServer({ DATABASE_URL: url }, dir.path);
    assert.equal((await server.stop()).code, 0);
    const hash = async () =>
      (await queryOnce(url, "SELECT password_hash FROM users WHERE username = 'admin'"))[0]!
        .password_hash;
    const before = await hash();
    const noFile = await runMain(["reset-admin-password"], { DATABASE_URL: url }, dir.path);
    assert.equal(noFile.code, 2, noFile.stderr);
    assert.match(noFile.stderr, /ADMIN_PASSWORD_FILE: required with DATABASE_URL/);
    const file = join(dir.path, "reset.txt");
    const reset = await runMain(
      ["reset-admin-password"],
      { DATABASE_URL: url, ADMIN_PASSWORD_FILE: file },
      dir.path,
    );
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /The password of "admin" was reset/);
    assert.ok(!reset.stdout.includes(POSTGRES_PASSWORD));
    assert.ok((await Deno.stat(file)).isFile);
    assert.notEqual(await hash(), before);
  },
);

pgTest(
  "PostgreSQL stopping under requests gives 503 not_ready, never 500; the service recovers and writes the queued rows",
  async (c) => {
    await using dir = await tempDir();
    const url = await c.freshDatabase();
    const server = await startServer({ DATABASE_URL: url }, dir.path);
    let logged = 0;
    const get = async (path: string) => {
      const response = await fetch(`${server.baseUrl}${path}`);
      await response.body?.cancel();
      if (path !== "/readyz") logged++;
      return response;
    };
    // Four clients keep calling through the stop and the start; every answer is counted.
    const statuses = new Map<number, number>();
    let running = true;
    const client = async () => {
      while (running) {
        const { status } = await get("/board/5");
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    let stopped;
    try {
      assert.equal((await get("/board/5")).status, 200);
      const load = Promise.all([client(), client(), client(), client()]);
      try {
        await c.stop();
        try {
          for (const path of ["/board/5", "/readyz", "/board/search?q=otel"]) {
            const response = await get(path);
            assert.equal(response.status, 503, `${path} while PostgreSQL is down`);
            assert.notEqual(response.headers.get("retry-after"), null, path);
          }
        } finally {
          await c.start();
        }
        await poll(async () => (await get("/readyz")).status === 200, {
          what: "/readyz to answer 200 again",
          timeoutMs: 20_000,
          intervalMs: 200,
        });
        assert.equal((await get("/board/5")).status, 200);
      } finally {
        running = false;
        await load;
      }
      assert.deepEqual([...statuses.keys()].sort(), [200, 503], JSON.stringify([...statuses]));
      // The rows of the calls answered while the database was down were kept and are written.
      await poll(
        async () =>
          (await queryOnce(url, "SELECT count(*)::int AS n FROM log_api"))[0]!.n === logged,
        { what: `${logged} log_api rows`, timeoutMs: 20_000, intervalMs: 200 },
      );
    } finally {
      stopped = await server.stop();
    }
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.ok(!stopped.stdout.includes('"status":500'), "no request failed with 500");
  },
  true,
);
