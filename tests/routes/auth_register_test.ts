/** @module Tests for POST /register: validation, conflicts, media types, body limits. */

import assert from "node:assert/strict";
import { testApp } from "../../testing/test_app.ts";
import {
  expectProblem,
  ISO_TIME,
  login,
  PUBLIC_USER_KEYS,
  register,
  sendJson,
  userCount,
} from "./_auth_helpers.ts";

// POST /register

Deno.test("POST /register answers 201 with the public user and a Location, never the hash", async () => {
  using t = await testApp();
  const before = Date.now();
  const response = await register(t, "alice", "12345678");
  assert.equal(response.status, 201);
  assert.equal(response.headers.get("location"), "/me");
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const text = await response.text();
  assert.doesNotMatch(text, /pbkdf2|hash|password/i);
  const user = JSON.parse(text);
  assert.deepEqual(Object.keys(user).sort(), PUBLIC_USER_KEYS);
  assert.equal(user.username, "alice");
  assert.equal(user.role, "user");
  assert.equal(user.disabled, false);
  assert.match(user.created_at, ISO_TIME);
  assert.ok(
    Date.parse(user.created_at) >= before - 1000 && Date.parse(user.created_at) <= Date.now(),
  );
  const stored = t.db.prepare("SELECT role, disabled, password_hash FROM users WHERE username = ?")
    .get("alice");
  assert.equal(stored?.role, "user");
  assert.equal(stored?.disabled, 0);
  assert.match(String(stored?.password_hash), /^pbkdf2-sha256\$600000\$/);
  assert.equal((await login(t, "alice", "12345678")).status, 200, "the 8-character password works");
});

for (
  const [username, detail] of [
    ["ab", /Username must be 3-30 characters long, got 2/],
    ["a".repeat(31), /Username must be 3-30 characters long, got 31/],
    ["Alice", /lowercase.*uppercase letters are not allowed/],
    ["al ice", /Username may contain only lowercase letters a-z, digits 0-9/],
    ["", /got 0/],
    ["bob!", /may contain only/],
    ["élise", /may contain only/],
  ] as const
) {
  Deno.test(`POST /register with username ${JSON.stringify(username)} answers 400 invalid_body saying why`, async () => {
    using t = await testApp();
    const response = await register(t, username, "a-good-password");
    await expectProblem(response, 400, "invalid_body", detail);
    assert.equal(userCount(t), 0);
  });
}

Deno.test("POST /register accepts usernames of 3 and 30 characters from [a-z0-9_.-]", async () => {
  using t = await testApp();
  assert.equal((await register(t, "a.b", "a-good-password")).status, 201);
  assert.equal((await register(t, "z9_.-".repeat(6), "a-good-password")).status, 201);
});

for (
  const [name, password, detail] of [
    ["7 characters", "1234567", /Password must be 8-256 characters long, got 7/],
    ["257 characters", "p".repeat(257), /Password must be 8-256 characters long, got 257/],
    ["4 emoji (8 UTF-16 units, 4 code points)", "😀".repeat(4), /got 4/],
    ["an empty string", "", /got 0/],
  ] as const
) {
  Deno.test(`POST /register with a password of ${name} answers 400 invalid_body`, async () => {
    using t = await testApp();
    const response = await register(t, "alice", password);
    const problem = await expectProblem(response, 400, "invalid_body", detail);
    if (password.length > 0) assert.ok(!JSON.stringify(problem).includes(password));
    assert.equal(userCount(t), 0);
  });
}

Deno.test("POST /register counts the password in code points: 256 emoji are accepted", async () => {
  using t = await testApp();
  const password = "😀".repeat(256);
  assert.equal(password.length, 512);
  assert.equal((await register(t, "emoji", password)).status, 201);
  assert.equal((await login(t, "emoji", password)).status, 200);
});

Deno.test("POST /register with a taken username answers 409 conflict", async () => {
  using t = await testApp();
  assert.equal((await register(t, "alice", "first-password")).status, 201);
  await expectProblem(
    await register(t, "alice", "second-password"),
    409,
    "conflict",
    /"alice" is taken/,
  );
  assert.equal(userCount(t), 1);
  assert.equal((await login(t, "alice", "first-password")).status, 200, "the first one stays");
});

for (
  const [name, headers] of [
    ["text/plain", { "content-type": "text/plain" }],
    ["form data", { "content-type": "application/x-www-form-urlencoded" }],
    ["a Latin-1 charset", { "content-type": "application/json; charset=iso-8859-1" }],
  ] as const
) {
  Deno.test(`POST /register sent as ${name} answers 415 unsupported_media_type`, async () => {
    using t = await testApp();
    const response = await sendJson(t, "/register", {
      username: "alice",
      password: "a-good-password",
    }, { headers });
    await expectProblem(response, 415, "unsupported_media_type", /application\/json/);
    assert.equal(userCount(t), 0);
  });
}

Deno.test("POST /register without a Content-Type answers 415", async () => {
  using t = await testApp();
  const response = await t.request("/register", {
    method: "POST",
    body: new TextEncoder().encode('{"username":"alice","password":"a-good-password"}'),
  });
  await expectProblem(response, 415, "unsupported_media_type");
});

Deno.test("POST /register with malformed JSON answers 400 malformed_json", async () => {
  using t = await testApp();
  for (const body of ['{"username":"alice",', "", "{username: alice}"]) {
    const response = await sendJson(t, "/register", body);
    await expectProblem(response, 400, "malformed_json", /^Cannot parse the request body/);
  }
  assert.equal(userCount(t), 0);
});

Deno.test("POST /register with a missing or mistyped field answers 400 invalid_body naming it", async () => {
  using t = await testApp();
  await expectProblem(
    await sendJson(t, "/register", { username: "alice" }),
    400,
    "invalid_body",
    /Missing field "password"/,
  );
  await expectProblem(
    await sendJson(t, "/register", { username: "alice", password: 12345678 }),
    400,
    "invalid_body",
    /"password" must be a string/,
  );
  await expectProblem(
    await sendJson(t, "/register", ["alice", "a-good-password"]),
    400,
    "invalid_body",
    /must be a JSON object/,
  );
  assert.equal(userCount(t), 0);
});

Deno.test("POST /register with role: admin (mass assignment) answers 400 and creates no one", async () => {
  using t = await testApp();
  for (
    const extra of [{ role: "admin" }, { disabled: false }, { id: 1 }, { password_hash: "x" }]
  ) {
    const response = await sendJson(t, "/register", {
      username: "mallory",
      password: "a-good-password",
      ...extra,
    });
    const key = Object.keys(extra)[0]!;
    await expectProblem(response, 400, "invalid_body", new RegExp(`Unknown field "${key}"`));
  }
  assert.equal(await t.accounts.find("mallory"), undefined);
  assert.equal(userCount(t), 0);
  const admins = t.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin'").get();
  assert.equal(admins?.n, 0);
});

Deno.test("POST /register with a body over MAX_BODY_BYTES answers 413 and creates no one", async () => {
  using t = await testApp();
  const body = JSON.stringify({ username: "alice", password: "p".repeat(70_000) });
  const response = await sendJson(t, "/register", body);
  await expectProblem(response, 413, "payload_too_large", /65536 bytes/);
  assert.equal(userCount(t), 0);
  assert.equal((await t.logRows()).at(-1)?.status, 413, "the refusal is in the call log");
});
