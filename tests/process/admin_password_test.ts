/**
 * @module Real-process tests for generated admin passwords: handed over in an owner-only file
 * (never on stdout, in a log line or an OTLP record), and `otel-board reset-admin-password`
 * against the database of a running server.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { poll } from "../../testing/poll.ts";
import { runMain, type ServerProcess, startServer } from "../../testing/server_process.ts";
import { sleep } from "../../testing/sleep.ts";
import { tempDir } from "../../testing/temp_dir.ts";

/** The password line of a password file. */
function passwordIn(file: string): string {
  const match = /^password: (\S+)$/m.exec(Deno.readTextFileSync(file));
  assert.ok(match, `no password line in ${file}`);
  return match[1]!;
}

/** On POSIX, the file is readable and writable by its owner only. */
function assertOwnerOnly(file: string): void {
  if (Deno.build.os === "windows") return;
  assert.equal((Deno.statSync(file).mode ?? 0) & 0o777, 0o600, `mode of ${file}`);
}

/** Signs in; answers the status and, on success, the token. */
async function signIn(
  server: ServerProcess,
  username: string,
  password: string,
): Promise<{ status: number; token?: string }> {
  const response = await fetch(`${server.baseUrl}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  return { status: 200, token: (await response.json()).token };
}

async function meStatus(server: ServerProcess, token: string): Promise<number> {
  const response = await fetch(`${server.baseUrl}/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
}

Deno.test("ADMIN_PASSWORD_FILE puts the generated password where it says, not beside the database", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "secrets"));
  const file = join(dir.path, "secrets", "first-admin.txt");
  await using server = await startServer(
    { ADMIN_PASSWORD: "", ADMIN_PASSWORD_FILE: file },
    dir.path,
  );
  await poll(() => {
    try {
      return Deno.statSync(file).isFile;
    } catch {
      return false;
    }
  }, { what: "the password file", timeoutMs: 30_000 });
  assertOwnerOnly(file);
  const password = passwordIn(file);
  assert.equal((await signIn(server, "admin", password)).status, 200);
  const result = await server.stop();
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) => n.endsWith(".txt")),
    [],
    "nothing beside the database",
  );
  const created = jsonLines(result.stdout).find((l) => l.username === "admin" && l.password_file);
  assert.equal(created?.password_file, file, result.stdout);
  assert.ok(!result.stdout.includes(password) && !result.stderr.includes(password));
});

Deno.test("With DB_PATH=:memory: and no ADMIN_PASSWORD no password is generated, and the warning says what to set", async () => {
  await using dir = await tempDir();
  await using server = await startServer({ ADMIN_PASSWORD: "", DB_PATH: ":memory:" }, dir.path);
  // The first admin is settled before a stop request is acted on.
  const result = await server.stop();
  assert.equal(result.code, 0, result.stderr);
  const warning = jsonLines(result.stdout).find((l) =>
    l.level === "warn" && l.username === "admin"
  );
  assert.ok(warning, result.stdout);
  assert.match(String(warning.msg), /ADMIN_PASSWORD/);
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)],
    [],
    "no file anywhere in the working directory",
  );
});

Deno.test("reset-admin-password, while the server runs on the same file, revokes the sessions and hands over a new password", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "otel-board.db.admin-password.txt");
  await using server = await startServer({}, dir.path);
  // The first admin is created once the server listens.
  const before = await poll(async () => {
    const attempt = await signIn(server, "admin", "test-admin-password");
    return attempt.status === 200 ? attempt : undefined;
  }, { what: "the first admin", timeoutMs: 30_000 });
  assert.equal(await meStatus(server, before.token!), 200);

  const reset = await runMain(["reset-admin-password"], {}, dir.path);
  assert.equal(reset.code, 0, reset.stderr);
  assert.ok(reset.stdout.includes(file), reset.stdout);
  assert.match(reset.stdout, /delete/);
  assertOwnerOnly(file);
  const password = passwordIn(file);
  assert.ok([...password].length >= 8);
  assert.ok(!reset.stdout.includes(password) && !reset.stderr.includes(password));

  assert.equal(await meStatus(server, before.token!), 401, "the old session is revoked");
  assert.equal((await signIn(server, "admin", "test-admin-password")).status, 401);
  const after = await signIn(server, "admin", password);
  assert.equal(after.status, 200, "the new password signs in");
  assert.equal(await meStatus(server, after.token!), 200);
  const first = await server.stop();
  assert.equal(first.code, 0, first.stderr);
  assert.ok(!first.stdout.includes(password), "the server never saw the password");

  // ADMIN_PASSWORD (the harness sets one) no longer matches: the start-up says so, and how.
  await using again = await startServer({}, dir.path);
  const second = await again.stop();
  assert.equal(second.code, 0, second.stderr);
  const warning = jsonLines(second.stdout).find((l) => /not applied/.test(String(l.msg)));
  assert.ok(warning, second.stdout);
  assert.equal(warning.level, "warn");
  assert.match(String(warning.msg), /ADMIN_PASSWORD.*reset-admin-password --username admin/);
  assert.ok(!second.stdout.includes("test-admin-password") && !second.stdout.includes(password));
});

Deno.test("reset-admin-password exits 1 for a user or database that is not there, 2 for bad usage, 0 for --help", async () => {
  await using dir = await tempDir();
  const noDatabase = await runMain(["reset-admin-password"], {}, dir.path);
  assert.equal(noDatabase.code, 1, noDatabase.stderr);
  assert.match(noDatabase.stderr, /There is no database at/);
  assert.deepEqual([...Deno.readDirSync(dir.path)], [], "no database is created");

  await using server = await startServer({}, dir.path);
  assert.equal((await server.stop()).code, 0);
  const nobody = await runMain(["reset-admin-password", "--username", "nobody"], {}, dir.path);
  assert.equal(nobody.code, 1, nobody.stderr);
  assert.match(nobody.stderr, /There is no user "nobody"/);
  assert.equal(
    [...Deno.readDirSync(dir.path)].filter((e) => e.name.endsWith(".txt")).length,
    0,
    "no password file for a failed reset",
  );
  for (
    const [args, env, message] of [
      [["--bogus"], {}, /--bogus/],
      [["--username"], {}, /--username needs a value/],
      [["--username", "a", "--username", "b"], {}, /more than once/],
      [["--username", "no spaces!"], {}, /--username/],
      [[], { DB_PATH: ":memory:" }, /:memory:/],
    ] as const
  ) {
    const result = await runMain(["reset-admin-password", ...args], env, dir.path);
    assert.equal(result.code, 2, `${args}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  const help = await runMain(["reset-admin-password", "--help"], {}, dir.path);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: otel-board reset-admin-password \[--username <name>\]/);
  const list = await runMain(["--help"], {}, dir.path);
  assert.match(list.stdout, /^ {2}reset-admin-password/m);
});

Deno.test("reset-admin-password waits out another connection's write lock, and changes nothing before it ends", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "otel-board.db.admin-password.txt");
  await using server = await startServer({}, dir.path);
  await poll(async () => (await signIn(server, "admin", "test-admin-password")).status === 200, {
    what: "the first admin",
    timeoutMs: 30_000,
  });
  assert.equal((await server.stop()).code, 0);

  const lock = new DatabaseSync(join(dir.path, "otel-board.db"));
  try {
    lock.exec("BEGIN IMMEDIATE");
    const reset = runMain(["reset-admin-password"], {}, dir.path);
    // The command stages its file right before its transaction, which then waits for the lock.
    await poll(() => [...Deno.readDirSync(dir.path)].some((e) => e.name.endsWith(".tmp")), {
      what: "the staged password file",
      timeoutMs: 30_000,
    });
    await sleep(500);
    assert.throws(() => Deno.statSync(file), Deno.errors.NotFound, "in place before the commit");
    lock.exec("COMMIT");
    const result = await reset;
    assert.equal(result.code, 0, result.stderr);
  } finally {
    lock.close();
  }
  await using again = await startServer({}, dir.path);
  assert.equal((await signIn(again, "admin", passwordIn(file))).status, 200);
  assert.equal((await again.stop()).code, 0);
});
