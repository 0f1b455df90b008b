/**
 * @module Real-process account tests: sign-in latency against the real server, and the first
 * admin created at start-up (a generated password in a file, or ADMIN_PASSWORD).
 */

import assert from "node:assert/strict";
import { poll } from "../../testing/poll.ts";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { startOtlpReceiver } from "../../testing/otlp_receiver.ts";
import { type ServerProcess, startServer } from "../../testing/server_process.ts";
import { tempDir } from "../../testing/temp_dir.ts";

async function postJson(server: ServerProcess, path: string, body: unknown): Promise<Response> {
  return await fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Signs in; answers the status and, on success, the token. */
async function signIn(
  server: ServerProcess,
  username: string,
  password: string,
): Promise<{ status: number; token?: string }> {
  const response = await postJson(server, "/login", { username, password });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  return { status: 200, token: (await response.json()).token };
}

/** The role of `username` in the database file, read while the server runs (WAL allows it). */
function roleInFile(dbPath: string, username: string): string | undefined {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const row = db.prepare("SELECT role FROM users WHERE username = ?").get(username);
    return row === undefined ? undefined : String(row.role);
  } finally {
    db.close();
  }
}

/** Waits until `username` has `role` in the database (the first admin is made after listening). */
async function waitForRole(dbPath: string, username: string, role: string): Promise<void> {
  await poll(() => roleInFile(dbPath, username) === role, {
    what: `"${username}" to become ${role}`,
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
}

Deno.test("Twenty sign-ins against the real server all answer 200 (median latency printed)", async () => {
  await using dir = await tempDir();
  await using server = await startServer({
    RATE_LIMIT_LOGIN: "1000/1m",
    RATE_LIMIT_LOGIN_USER: "1000/1m",
  }, dir.path);
  const registered = await postJson(server, "/register", {
    username: "alice",
    password: "a-good-password",
  });
  assert.equal(registered.status, 201);
  await registered.body?.cancel();
  const latenciesMs: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const response = await postJson(server, "/login", {
      username: "alice",
      password: "a-good-password",
    });
    await response.arrayBuffer();
    latenciesMs.push(performance.now() - started);
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, new Array(20).fill(200));
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const median = (sorted[9]! + sorted[10]!) / 2;
  Deno.stderr.writeSync(new TextEncoder().encode(
    `login latency median: ${median.toFixed(1)} ms ` +
      `(min ${sorted[0]!.toFixed(1)} ms, max ${sorted[19]!.toFixed(1)} ms, 20 sign-ins)\n`,
  ));
  assert.equal((await server.stop()).code, 0);
});

Deno.test("Without ADMIN_PASSWORD the first start writes a generated admin password to a 0600 file beside the database, and prints only its path", async () => {
  await using dir = await tempDir();
  await using receiver = await startOtlpReceiver();
  const dbPath = join(dir.path, "otel-board.db");
  const passwordFile = `${dbPath}.admin-password.txt`;
  const env = {
    ADMIN_PASSWORD: "",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_BLRP_SCHEDULE_DELAY: "100",
  };
  await using first = await startServer(env, dir.path);
  await waitForRole(dbPath, "admin", "admin");
  const firstResult = await first.stop();
  assert.equal(firstResult.code, 0, firstResult.stderr);
  if (Deno.build.os !== "windows") {
    assert.equal((Deno.statSync(passwordFile).mode ?? 0) & 0o777, 0o600, "owner-only");
  }
  const match = /^password: (\S+)$/m.exec(Deno.readTextFileSync(passwordFile));
  assert.ok(match, Deno.readTextFileSync(passwordFile));
  const password = match[1]!;
  assert.ok([...password].length >= 8, "the generated password passes the password rule");
  // Only the path is printed, once, with the advice to delete the file.
  const mentions = firstResult.stdout.split("\n").filter((line) => line.includes(passwordFile));
  assert.equal(mentions.length, 1, firstResult.stdout);
  const created = jsonLines(firstResult.stdout).find((line) => line.password_file !== undefined);
  assert.ok(created, firstResult.stdout);
  assert.equal(created.password_file, passwordFile);
  assert.match(String(created.msg), /^Created the first admin.*delete that file/);
  assert.ok(!firstResult.stdout.includes(password), "the password is on stdout");
  assert.ok(!firstResult.stderr.includes(password), "the password is on stderr");
  const exported = JSON.stringify(
    [receiver.logs(), receiver.spans()],
    (_key, value) => (typeof value === "bigint" ? String(value) : value),
  );
  assert.ok(receiver.logs().length > 0, "log records were exported");
  assert.ok(exported.includes(passwordFile), "the path line was exported");
  assert.ok(!exported.includes(password), "the password reached OTLP");

  // A second start on the same database writes nothing of the sort; the password still works.
  const written = Deno.readTextFileSync(passwordFile);
  await using second = await startServer({ ADMIN_PASSWORD: "" }, dir.path);
  const signedIn = await signIn(second, "admin", password);
  assert.equal(signedIn.status, 200, "the password in the file signs in");
  const me = await fetch(`${second.baseUrl}/me`, {
    headers: { authorization: `Bearer ${signedIn.token}` },
  });
  assert.equal((await me.json()).role, "admin");
  const secondResult = await second.stop();
  assert.equal(secondResult.code, 0, secondResult.stderr);
  assert.equal(Deno.readTextFileSync(passwordFile), written, "the file is not rewritten");
  assert.ok(!secondResult.stdout.includes(password));
  assert.ok(!jsonLines(secondResult.stdout).some((l) => /first admin/.test(String(l.msg))));
});

Deno.test("With ADMIN_PASSWORD set, an existing user named by ADMIN_USERNAME becomes admin and keeps its password", async () => {
  await using dir = await tempDir();
  const dbPath = join(dir.path, "otel-board.db");
  await using first = await startServer({}, dir.path);
  const registered = await postJson(first, "/register", {
    username: "boss",
    password: "boss-own-password",
  });
  assert.equal(registered.status, 201);
  assert.equal((await registered.json()).role, "user");
  assert.equal((await first.stop()).code, 0);
  assert.equal(roleInFile(dbPath, "boss"), "user");

  await using second = await startServer({
    ADMIN_USERNAME: "boss",
    ADMIN_PASSWORD: "a-different-password",
  }, dir.path);
  await waitForRole(dbPath, "boss", "admin");
  const own = await signIn(second, "boss", "a-different-password");
  assert.equal(own.status, 401, "ADMIN_PASSWORD does not overwrite the existing password");
  const kept = await signIn(second, "boss", "boss-own-password");
  assert.equal(kept.status, 200);
  const users = await fetch(`${second.baseUrl}/admin/users`, {
    headers: { authorization: `Bearer ${kept.token}` },
  });
  assert.equal(users.status, 200, "boss now has admin rights");
  const list: { username: string; role: string }[] = await users.json();
  // The default first admin is created after the listener is up, so it may
  // come before or after "boss" in id order; compare by name.
  assert.deepEqual(
    list.map((u) => [u.username, u.role]).sort(),
    [["admin", "admin"], ["boss", "admin"]],
  );
  const result = await second.stop();
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /First admin|created with the password/);
  assert.ok(!result.stdout.includes("a-different-password"));
  const notApplied = jsonLines(result.stdout).filter((l) => /not applied/.test(String(l.msg)));
  assert.equal(notApplied.length, 1, result.stdout);
  assert.equal(notApplied[0]!.level, "warn");
  assert.match(String(notApplied[0]!.msg), /reset-admin-password --username boss/);
});
