/**
 * @module Real-process tests: main.ts runs as its own process, spawned with Deno.execPath()
 * and exactly the permission flags the compile task bakes in.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { logRowsInFile } from "../../testing/log_api_rows.ts";
import { ROOT } from "../../testing/root.ts";
import { compilePermissionFlags, runMain, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

Deno.test("The compile tasks, start task and tests share one narrow permission set", () => {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const flags = compilePermissionFlags();
  assert.deepEqual(flags, ["-P=server", "--no-prompt"]);
  for (const task of ["start", "dev", "compile", "compile:windows"]) {
    const text: string = config.tasks[task];
    assert.ok(flags.every((flag) => text.split(/\s+/).includes(flag)), `${task}: ${text}`);
    assert.doesNotMatch(text, /(^|\s)(-A|--allow-all)(\s|$)/, task);
  }
  assert.match(config.tasks["compile:windows"], /--target x86_64-pc-windows-msvc/);
  const granted = Object.keys(config.permissions.server).sort();
  assert.deepEqual(granted, ["env", "net", "read", "sys", "write"]);
  assert.deepEqual(config.permissions.server.sys, [
    "hostname",
    "cpus",
    "systemMemoryInfo",
    "loadavg",
  ]);
});

Deno.test("The server starts, answers the seed routes and stops cleanly on SIGTERM", async () => {
  await using dir = await tempDir();
  await using server = await startServer({}, dir.path);
  const board = await fetch(`${server.baseUrl}/board/5`);
  assert.equal(board.status, 200);
  const posts = await board.json();
  assert.equal(posts.length, 5);
  const missing = await fetch(`${server.baseUrl}/nope`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const all = await fetch(`${server.baseUrl}/board`);
  assert.equal((await all.json()).length, 6);
  // Rows are written in batches, within LOG_API_FLUSH_MS (20 ms here) of the answer.
  let logged: { call_url: string; status: number }[] = [];
  for (let i = 0; i < 100 && logged.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    logged = await (await fetch(`${server.baseUrl}/log?url=/nope`)).json();
  }
  assert.deepEqual(logged.map((r) => [r.call_url, r.status]), [["/nope", 404]]);
  const result = await server.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.msg).slice(-2), [
    "Stopping: draining in-flight requests",
    "Stopped",
  ]);
  assert.equal(lines.at(-2).signal, "SIGTERM");
  const rows = logRowsInFile(join(dir.path, "otel-board.db"));
  assert.deepEqual(rows.slice(0, 3).map((r) => r.call_url), ["/board/5", "/nope", "/board"]);
  assert.ok(rows.slice(3).every((r) => r.call_url === "/log"));
  assert.ok(rows.every((r) => r.user_ip === "127.0.0.1"));
});

Deno.test("SIGINT stops the server cleanly too, and a restart keeps the data", async () => {
  await using dir = await tempDir();
  await using first = await startServer({}, dir.path);
  await (await fetch(`${first.baseUrl}/board/1`)).body?.cancel();
  assert.equal((await first.stop("SIGINT")).code, 0);
  await using second = await startServer({}, dir.path);
  const posts = await (await fetch(`${second.baseUrl}/board/100`)).json();
  assert.equal(posts.length, 6, "demo posts are inserted once, not on every start");
  const stopped = await second.stop("SIGINT");
  assert.equal(stopped.code, 0);
  assert.equal(logRowsInFile(join(dir.path, "otel-board.db")).length, 2);
});

Deno.test("DEMO_DATA=false starts with an empty board", async () => {
  await using dir = await tempDir();
  await using server = await startServer({ DEMO_DATA: "false" }, dir.path);
  assert.deepEqual(await (await fetch(`${server.baseUrl}/board/5`)).json(), []);
  assert.equal((await server.stop()).code, 0);
});

for (
  const [name, env, args, expected] of [
    [
      "PORT=abc",
      { PORT: "abc" },
      [],
      /^otel-board: PORT must be an integer from 0 to 65535, got "abc"$/,
    ],
    ["PORT=70000", { PORT: "70000" }, [], /^otel-board: PORT must be .* got "70000"$/],
    ["--port x", {}, ["--port", "x"], /^otel-board: --port must be an integer .* got "x"$/],
    ["an unknown flag", {}, ["--bogus"], /^otel-board: Unknown argument "--bogus"/],
    [
      "an unknown flag after run",
      {},
      ["run", "--bogus"],
      /^otel-board: Unknown argument "--bogus"/,
    ],
    [
      "an unknown command",
      {},
      ["frobnicate", "--port", "1"],
      /^otel-board: Unknown command "frobnicate": the commands are run, import-flask, reset-admin-password, copy-to-postgres, check-telemetry$/,
    ],
    ["LOG_LEVEL=loud", { LOG_LEVEL: "loud" }, [], /^otel-board: LOG_LEVEL must be one of/],
    [
      "TRUSTED_PROXIES=nonsense",
      { TRUSTED_PROXIES: "nonsense" },
      [],
      /^otel-board: TRUSTED_PROXIES: /,
    ],
    [
      "DB_PATH in a missing directory",
      { DB_PATH: "/nonexistent-dir/x.db" },
      [],
      /^otel-board: DB_PATH: .*directory "\/nonexistent-dir" does not exist$/,
    ],
    [
      "DB_PATH under a file",
      { DB_PATH: "/etc/hostname/x.db" },
      [],
      /^otel-board: DB_PATH: .*is not a directory$/,
    ],
  ] as const
) {
  Deno.test(`${name} stops start-up with one clear line and exit code 2`, async () => {
    await using dir = await tempDir();
    const result = await runMain(args, env, dir.path);
    assert.equal(result.code, 2);
    const lines = ourLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, expected);
    assert.deepEqual(otherLines(result.stderr), [], "nothing else is printed");
    assert.equal(result.stdout, "");
  });
}

Deno.test("A DB_PATH that is not a database is refused with exit code 2 and left untouched", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "notes.txt");
  const content = "These are my notes, not a database.\n".repeat(200);
  await Deno.writeTextFile(path, content);
  const result = await runMain([], { DB_PATH: path }, dir.path);
  assert.equal(result.code, 2);
  assert.match(
    ourLines(result.stderr)[0]!,
    /^otel-board: DB_PATH: Refusing .*not a SQLite database/,
  );
  assert.equal(await Deno.readTextFile(path), content);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["notes.txt"]);
});

Deno.test("--help lists every setting with its default; --version prints the version", async () => {
  await using dir = await tempDir();
  const help = await runMain(["--help"], {}, dir.path);
  assert.equal(help.code, 0);
  for (
    const name of ["PORT", "HOST", "DB_PATH", "TRUSTED_PROXIES", "MAX_BODY_BYTES", "DEMO_DATA"]
  ) {
    assert.match(help.stdout, new RegExp(`^  ${name}=`, "m"));
  }
  assert.match(help.stdout, /--port <port>/);
  assert.match(help.stdout, /Default: 5000/);
  const version = await runMain(["--version"], {}, dir.path);
  assert.equal(version.code, 0);
  const { version: expected } = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  assert.equal(version.stdout.trim(), `otel-board ${expected} (deno ${Deno.version.deno})`);
});

Deno.test("--help lists the commands; `run` is the default and takes the same flags", async () => {
  await using dir = await tempDir();
  const help = await runMain(["run", "--help"], {}, dir.path);
  assert.equal(help.code, 0);
  assert.match(
    help.stdout,
    /^Commands:\n {2}run +Serve the board until a stop signal \(the default\)$/m,
  );
  assert.match(help.stdout, /^ {2}PORT=/m);
  await using server = await startServer({}, dir.path, ["run", "--db", "named.db"]);
  assert.equal((await fetch(`${server.baseUrl}/board/1`)).status, 200);
  assert.equal((await server.stop()).code, 0);
  assert.equal(logRowsInFile(join(dir.path, "named.db")).length, 1);
});

Deno.test("A port already in use stops start-up with a clear line and exit code 1", async () => {
  await using dir = await tempDir();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const result = await runMain([], { PORT: String(listener.addr.port) }, dir.path);
  assert.equal(result.code, 1);
  assert.match(ourLines(result.stderr)[0]!, /Cannot listen on 127\.0\.0\.1:\d+: .*already in use/);
});

Deno.test("2,000 requests over 50 connections leave exactly 2,000 log_api rows", async () => {
  await using dir = await tempDir();
  await using server = await startServer({}, dir.path);
  const statuses = new Map<number, number>();
  let answered = 0;
  const paths = ["/board/3", "/board?limit=2", "/board/0", "/nope", "/log?limit=1"];
  await Promise.all(Array.from({ length: 50 }, async (_, worker) => {
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${server.baseUrl}${paths[(worker + i) % paths.length]}`);
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      answered++;
    }
  }));
  assert.equal(answered, 2000);
  const stopped = await server.stop("SIGTERM");
  assert.equal(stopped.code, 0, stopped.stderr);
  const rows = logRowsInFile(join(dir.path, "otel-board.db"));
  assert.equal(rows.length, 2000);
  const rowStatuses = new Map<number | null, number>();
  for (const row of rows) rowStatuses.set(row.status, (rowStatuses.get(row.status) ?? 0) + 1);
  assert.deepEqual(rowStatuses, statuses);
});

Deno.test("SIGTERM under load: every answered request has its log_api row after the stop", async () => {
  await using dir = await tempDir();
  await using server = await startServer({}, dir.path);
  const answered: number[] = [];
  let next = 1;
  let stopping: Promise<{ code: number }> | undefined;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (;;) {
      const id = next++;
      try {
        const response = await fetch(`${server.baseUrl}/board?limit=1&before=${id}`);
        await response.arrayBuffer();
        answered.push(id);
      } catch {
        return; // The listener is closed: this request was never answered.
      }
      if (answered.length === 400) stopping = server.stop("SIGTERM");
      if (next > 20_000) return;
    }
  }));
  const result = await (stopping ?? server.stop("SIGTERM"));
  assert.equal(result.code, 0);
  assert.ok(answered.length >= 400);
  const logged = new Set(
    logRowsInFile(join(dir.path, "otel-board.db")).map((r) => r.call_url_parameter),
  );
  const missing = answered.filter((id) => !logged.has(`limit=1&before=${id}`));
  assert.deepEqual(missing, []);
  assert.ok(logged.size <= answered.length + 16, "no rows for requests nobody sent");
});

/** stderr lines that neither the service nor Deno's config-permissions notice printed. */
function otherLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) =>
    line.trim() !== "" && !line.startsWith("otel-board: ") &&
    !/Permissions in the config file is an experimental feature/.test(line)
  );
}

/** stderr lines that the service printed (Deno's own notices filtered out). */
function ourLines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.startsWith("otel-board: "));
}

Deno.test("A client that disconnects before its answer is logged as 499", async () => {
  await using dir = await tempDir();
  await using server = await startServer({}, dir.path);
  // Headers and the first chunk of a body, then the client goes away mid-request.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  await conn.write(new TextEncoder().encode(
    "POST /board?gone=1 HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
  ));
  await new Promise((resolve) => setTimeout(resolve, 100));
  conn.close();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const complete = await fetch(`${server.baseUrl}/board?limit=1`);
  assert.equal((await complete.json()).length, 1);
  const result = await server.stop();
  assert.equal(result.code, 0);
  assert.doesNotMatch(result.stdout, /"level":"error"/, "a client leaving is not a server error");
  const rows = logRowsInFile(join(dir.path, "otel-board.db"));
  assert.deepEqual(rows.map((r) => [r.method, r.call_url_parameter, r.status]), [
    ["POST", "gone=1", 499],
    ["GET", "limit=1", 200],
  ]);
});
