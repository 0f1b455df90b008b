/** @module Tests for the account routes: register, login, logout, /me, password change, limits. */

import { SpanKind } from "@opentelemetry/api";
import type { MetricData } from "@opentelemetry/sdk-metrics";
import assert from "node:assert/strict";
import { sessionTokenHash } from "../../services/session_tokens.ts";
import { passwordOf, problemOf, sleep, type TestApp, testApp } from "../_helpers.ts";

const TELEMETRY = { OTEL_TRACES_EXPORTER: "none", OTEL_BSP_SCHEDULE_DELAY: "0" };
const PUBLIC_USER_KEYS = ["created_at", "disabled", "role", "username"];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Sends `body` as JSON (a string is sent as it is) with `method` (default POST). */
function sendJson(
  t: TestApp,
  path: string,
  body: unknown,
  options: { method?: string; headers?: Record<string, string>; peer?: string } = {},
): Promise<Response> {
  return t.request(path, {
    method: options.method ?? "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }, options.peer);
}

function register(t: TestApp, username: string, password: string, peer?: string) {
  return sendJson(t, "/register", { username, password }, peer === undefined ? {} : { peer });
}

function login(
  t: TestApp,
  username: string,
  password: string,
  options: { headers?: Record<string, string>; peer?: string } = {},
) {
  return sendJson(t, "/login", { username, password }, options);
}

function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** Another session of a user made by `signUp` (signs in again through the service). */
async function anotherSession(t: TestApp, username: string): Promise<string> {
  return (await t.accounts.login(username, passwordOf(username))).token;
}

/** GET /me with a Bearer token; answers the status (the body is consumed). */
async function meStatus(t: TestApp, token: string): Promise<number> {
  const response = await t.request("/me", bearer(token));
  await response.body?.cancel();
  return response.status;
}

/** The session cookie's value from a Set-Cookie header. */
function cookieValue(setCookie: string | null): string | undefined {
  return /(?:^|,\s*)otel_board_session=([^;]*)/.exec(setCookie ?? "")?.[1];
}

/** The attributes (lower-cased names, `name=value` kept whole) of a Set-Cookie header. */
function cookieAttributes(setCookie: string): string[] {
  return setCookie.split(";").slice(1).map((part) => part.trim().toLowerCase());
}

async function expectProblem(
  response: Response,
  status: number,
  code: string,
  detail?: RegExp,
): Promise<Record<string, unknown>> {
  const problem = await problemOf(response);
  assert.equal(response.status, status, JSON.stringify(problem));
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  if (detail !== undefined) assert.match(String(problem.detail), detail);
  return problem;
}

function userCount(t: TestApp): number {
  return Number(t.db.prepare("SELECT count(*) AS n FROM users").get()?.n);
}

function sumOf(
  metrics: Map<string, MetricData>,
  name: string,
  attrs: Record<string, unknown> = {},
) {
  const metric = metrics.get(name);
  assert.ok(metric, `no metric ${name} among ${[...metrics.keys()].join(", ")}`);
  return metric.dataPoints
    .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
    .reduce((n, p) => n + Number(p.value), 0);
}

// ---------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------
// POST /login, GET /me

Deno.test("POST /login answers a 43-character token, its expiry and an HttpOnly SameSite=Lax cookie", async () => {
  using t = await testApp({ sessionTtlMs: 7_200_000 });
  await register(t, "alice", "a-good-password");
  const before = Date.now();
  const response = await login(t, "alice", "a-good-password");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "no-store");
  const body = await response.json();
  assert.deepEqual(Object.keys(body).sort(), ["expires_at", "token"]);
  assert.match(body.token, TOKEN_SHAPE);
  assert.match(body.expires_at, ISO_TIME);
  const ttl = Date.parse(body.expires_at) - before;
  assert.ok(ttl >= 7_199_000 && ttl <= 7_201_000, `expires in ${ttl} ms`);
  const setCookie = response.headers.get("set-cookie");
  assert.ok(setCookie !== null);
  assert.equal(cookieValue(setCookie), body.token);
  const attributes = cookieAttributes(setCookie);
  assert.ok(attributes.includes("httponly"), setCookie);
  assert.ok(attributes.includes("samesite=lax"), setCookie);
  assert.ok(attributes.includes("path=/"), setCookie);
  assert.ok(attributes.includes("max-age=7200"), setCookie);
  assert.ok(!attributes.includes("secure"), `plain HTTP from a client: ${setCookie}`);
});

Deno.test("The session cookie is Secure only for HTTPS as told by a trusted proxy's X-Forwarded-Proto", async () => {
  using t = await testApp();
  await register(t, "alice", "a-good-password");
  const https = { "x-forwarded-proto": "https" };
  const cases = [
    ["a trusted IPv4 proxy saying https", "127.0.0.1", https, true],
    ["a trusted IPv6 proxy saying https", "::1", https, true],
    ["a trusted proxy saying http", "127.0.0.1", { "x-forwarded-proto": "http" }, false],
    ["an untrusted client claiming https", "203.0.113.7", https, false],
  ] as const;
  for (const [name, peer, headers, secure] of cases) {
    const response = await login(t, "alice", "a-good-password", { headers, peer });
    assert.equal(response.status, 200, name);
    await response.body?.cancel();
    const setCookie = response.headers.get("set-cookie") ?? "";
    assert.equal(cookieAttributes(setCookie).includes("secure"), secure, `${name}: ${setCookie}`);
  }
});

Deno.test("POST /login over a direct HTTPS URL sets a Secure cookie", async () => {
  using t = await testApp();
  await register(t, "alice", "a-good-password");
  const direct = await t.request("https://localhost/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "alice", password: "a-good-password" }),
  });
  assert.equal(direct.status, 200);
  await direct.body?.cancel();
  assert.ok(cookieAttributes(direct.headers.get("set-cookie") ?? "").includes("secure"));
});

Deno.test("A wrong password and an unknown user both answer 401 with the same problem", async () => {
  using t = await testApp();
  await register(t, "alice", "a-good-password");
  const wrong = await login(t, "alice", "not-the-password");
  const unknown = await login(t, "nobody", "not-the-password");
  const invalidName = await login(t, "Nobody!", "not-the-password");
  const problems = [];
  for (const response of [wrong, unknown, invalidName]) {
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("set-cookie"), null);
    problems.push(await expectProblem(response, 401, "unauthenticated"));
  }
  const comparable = problems.map(({ type, title, status, detail, code }) => ({
    type,
    title,
    status,
    detail,
    code,
  }));
  assert.deepEqual(comparable[1], comparable[0]);
  assert.deepEqual(comparable[2], comparable[0]);
  assert.equal(comparable[0]!.detail, "Invalid username or password");
  assert.equal(t.db.prepare("SELECT count(*) AS n FROM sessions").get()?.n, 0);
});

Deno.test("A disabled user cannot sign in (403) and loses the sessions it had", async () => {
  using t = await testApp();
  const adminToken = await t.signUp("root", "admin");
  const aliceToken = await t.signUp("alice");
  const admin = await t.accounts.authenticate(adminToken);
  assert.ok(admin);
  const patched = await t.accounts.update(admin, "alice", { disabled: true });
  assert.equal(patched.disabled, true);
  assert.equal(await meStatus(t, aliceToken), 401, "disabling revokes the sessions");
  const response = await login(t, "alice", passwordOf("alice"));
  await expectProblem(response, 403, "forbidden", /disabled/);
  assert.equal(response.headers.get("set-cookie"), null);
  // Re-enabled, the same password works again.
  await t.accounts.update(admin, "alice", { disabled: false });
  assert.equal((await login(t, "alice", passwordOf("alice"))).status, 200);
});

Deno.test("GET /me with a Bearer token answers the public user, without any hash", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const response = await t.request("/me", bearer(token));
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.doesNotMatch(text, /pbkdf2|hash|password|token/i);
  const me = JSON.parse(text);
  assert.deepEqual(Object.keys(me).sort(), PUBLIC_USER_KEYS);
  assert.deepEqual([me.username, me.role, me.disabled], ["alice", "user", false]);
  assert.match(me.created_at, ISO_TIME);
  const lowerCase = await t.request("/me", { headers: { authorization: `bearer ${token}` } });
  assert.equal(lowerCase.status, 200, "the scheme name is case-insensitive");
  await lowerCase.body?.cancel();
});

Deno.test("GET /me with the session cookie alone answers the user", async () => {
  using t = await testApp();
  await register(t, "alice", "a-good-password");
  const loggedIn = await login(t, "alice", "a-good-password");
  await loggedIn.body?.cancel();
  const value = cookieValue(loggedIn.headers.get("set-cookie"));
  assert.ok(value);
  const response = await t.request("/me", { headers: { cookie: `otel_board_session=${value}` } });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).username, "alice");
  const withOthers = await t.request("/me", {
    headers: { cookie: `theme=dark; otel_board_session=${value}; lang=en` },
  });
  assert.equal(withOthers.status, 200);
  await withOthers.body?.cancel();
});

Deno.test("Authorization: Bearer wins over the session cookie", async () => {
  using t = await testApp();
  const alice = await t.signUp("alice");
  const bob = await t.signUp("bobby");
  const response = await t.request("/me", {
    headers: { authorization: `Bearer ${bob}`, cookie: `otel_board_session=${alice}` },
  });
  assert.equal(response.status, 200);
  assert.equal((await response.json()).username, "bobby");
  // An invalid Bearer is not rescued by a valid cookie.
  const invalid = await t.request("/me", {
    headers: { authorization: "Bearer garbage", cookie: `otel_board_session=${alice}` },
  });
  await expectProblem(invalid, 401, "unauthenticated");
});

for (
  const [name, authorization] of [
    ["a garbage Bearer", "Bearer garbage"],
    ["a well-formed but unknown Bearer", `Bearer ${"A".repeat(43)}`],
    ["a Basic header", "Basic YWxpY2U6cGFzc3dvcmQ="],
    ["Bearer with no token", "Bearer"],
  ] as const
) {
  Deno.test(`GET /me with ${name} answers 401 with WWW-Authenticate`, async () => {
    using t = await testApp();
    await t.signUp("alice");
    const response = await t.request("/me", { headers: { authorization } });
    await expectProblem(response, 401, "unauthenticated", /Sign in first/);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer realm=/);
  });
}

Deno.test("GET /me anonymously answers 401 with WWW-Authenticate", async () => {
  using t = await testApp();
  const response = await t.request("/me");
  await expectProblem(response, 401, "unauthenticated");
  assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer /);
});

// ---------------------------------------------------------------------------------------------
// POST /logout, expiry

Deno.test("POST /logout revokes the token and clears the cookie", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const other = await anotherSession(t, "alice");
  const response = await t.request("/logout", { method: "POST", ...bearer(token) });
  assert.equal(response.status, 204);
  const setCookie = response.headers.get("set-cookie") ?? "";
  assert.equal(cookieValue(setCookie), "", setCookie);
  assert.ok(cookieAttributes(setCookie).includes("max-age=0"), setCookie);
  assert.ok(cookieAttributes(setCookie).includes("path=/"), setCookie);
  assert.equal(await meStatus(t, token), 401, "the same token no longer works");
  assert.equal(await meStatus(t, other), 200, "another session of the user is untouched");
  const again = await t.request("/logout", { method: "POST", ...bearer(token) });
  await expectProblem(again, 401, "unauthenticated");
  const hashes = t.db.prepare("SELECT token_hash FROM sessions").all().map((r) => r.token_hash);
  assert.deepEqual(hashes, [await sessionTokenHash(other)]);
});

Deno.test("POST /logout with the cookie alone revokes that session", async () => {
  using t = await testApp();
  const token = await t.signUp("alice");
  const response = await t.request("/logout", {
    method: "POST",
    headers: { cookie: `otel_board_session=${token}` },
  });
  assert.equal(response.status, 204);
  assert.equal(await meStatus(t, token), 401);
});

Deno.test("POST /logout anonymously answers 401", async () => {
  using t = await testApp();
  const response = await t.request("/logout", { method: "POST" });
  await expectProblem(response, 401, "unauthenticated");
  assert.ok(response.headers.has("www-authenticate"));
});

Deno.test("A session expires after SESSION_TTL", async () => {
  let clock = new Date("2026-01-01T00:00:00.000Z");
  using t = await testApp({ sessionTtlMs: 1000, now: () => clock });
  await register(t, "alice", "a-good-password");
  const response = await login(t, "alice", "a-good-password");
  const { token, expires_at } = await response.json();
  assert.equal(expires_at, "2026-01-01T00:00:01.000Z");
  assert.ok(cookieAttributes(response.headers.get("set-cookie") ?? "").includes("max-age=1"));
  assert.equal(await meStatus(t, token), 200);
  clock = new Date("2026-01-01T00:00:00.999Z");
  assert.equal(await meStatus(t, token), 200, "still valid 1 ms before expiry");
  clock = new Date("2026-01-01T00:00:01.000Z");
  assert.equal(await meStatus(t, token), 401, "expired at its expiry time");
  clock = new Date("2026-01-01T01:00:00.000Z");
  assert.equal(await meStatus(t, token), 401);
  assert.equal(await t.accounts.pruneSessions(), 1, "the expired row is pruned");
  assert.equal(t.db.prepare("SELECT count(*) AS n FROM sessions").get()?.n, 0);
});

Deno.test("POST /login with a SESSION_TTL longer than a cookie may last answers 200, the cookie capped at 400 days", async () => {
  // RFC 6265bis caps cookie lifetimes at 400 days, and Hono's setCookie throws above that.
  const ttlMs = 401 * 86_400_000;
  using t = await testApp({ sessionTtlMs: ttlMs });
  await register(t, "alice", "a-good-password");
  const response = await login(t, "alice", "a-good-password");
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const { token } = JSON.parse(text);
  const maxAge = /max-age=(\d+)/i.exec(response.headers.get("set-cookie") ?? "")?.[1];
  assert.equal(Number(maxAge), 400 * 86_400);
  assert.equal(await meStatus(t, token), 200);
  const sessions = t.db.prepare("SELECT count(*) AS n FROM sessions").get();
  assert.equal(sessions?.n, 1, "no orphan session row");
});

// ---------------------------------------------------------------------------------------------
// PUT /me/password

Deno.test("PUT /me/password changes the password and revokes every other session of the user", async () => {
  using t = await testApp();
  const keep = await t.signUp("alice");
  const other = await anotherSession(t, "alice");
  const bob = await t.signUp("bobby");
  const change = (token: string | undefined, body: unknown) =>
    sendJson(t, "/me/password", body, {
      method: "PUT",
      ...(token === undefined ? {} : bearer(token)),
    });
  const current = passwordOf("alice");
  await expectProblem(
    await change(undefined, { current_password: current, new_password: "a-new-password" }),
    401,
    "unauthenticated",
  );
  await expectProblem(
    await change(keep, { current_password: "not-my-password", new_password: "a-new-password" }),
    403,
    "forbidden",
    /current password is not correct/,
  );
  await expectProblem(
    await change(keep, { current_password: current, new_password: "short" }),
    400,
    "invalid_body",
    /8-256 characters/,
  );
  await expectProblem(
    await change(keep, { current_password: current }),
    400,
    "invalid_body",
    /Missing field "new_password"/,
  );
  await expectProblem(
    await change(keep, { password: current, new_password: "a-new-password" }),
    400,
    "invalid_body",
    /Unknown field "password"/,
  );
  assert.equal(await meStatus(t, other), 200, "failed attempts revoke nothing");

  const done = await change(keep, { current_password: current, new_password: "a-new-password" });
  assert.equal(done.status, 204);
  assert.equal(await done.text(), "");
  assert.equal(await meStatus(t, keep), 200, "the session that made the change keeps working");
  assert.equal(await meStatus(t, other), 401, "another session of the user is revoked");
  assert.equal(await meStatus(t, bob), 200, "someone else's session is untouched");
  await expectProblem(await login(t, "alice", current), 401, "unauthenticated");
  assert.equal((await login(t, "alice", "a-new-password")).status, 200);
});

Deno.test("PUT /me/password through the cookie session keeps that session", async () => {
  using t = await testApp();
  const keep = await t.signUp("alice");
  const other = await anotherSession(t, "alice");
  const response = await sendJson(t, "/me/password", {
    current_password: passwordOf("alice"),
    new_password: "a-new-password",
  }, { method: "PUT", headers: { cookie: `otel_board_session=${keep}` } });
  assert.equal(response.status, 204);
  assert.equal(await meStatus(t, keep), 200);
  assert.equal(await meStatus(t, other), 401);
});

// ---------------------------------------------------------------------------------------------
// Rate limits

Deno.test("POST /login is limited per client address: the 4th attempt answers 429 with Retry-After", async () => {
  using t = await testApp({ rateLimits: { login: "3/1m" } });
  await register(t, "alice", "a-good-password");
  for (let i = 0; i < 3; i++) {
    await expectProblem(await login(t, "alice", "wrong-password"), 401, "unauthenticated");
  }
  const refused = await login(t, "alice", "a-good-password");
  await expectProblem(refused, 429, "rate_limited", /Too many sign-in attempts/);
  const retryAfter = Number(refused.headers.get("retry-after"));
  // The limiter approximates a sliding window from two fixed ones, so the wait may exceed
  // one window, but never two.
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 120, `${retryAfter}`);
  assert.equal(refused.headers.get("set-cookie"), null);
  const elsewhere = await login(t, "alice", "a-good-password", { peer: "198.51.100.20" });
  assert.equal(elsewhere.status, 200, "another address is still allowed");
  await elsewhere.body?.cancel();
  assert.equal((await t.logRows()).filter((r) => r.status === 429).length, 1);
});

Deno.test("POST /login is limited per username across addresses", async () => {
  using t = await testApp({ rateLimits: { loginUser: "2/1m" } });
  await register(t, "alice", "a-good-password");
  await expectProblem(
    await login(t, "alice", "wrong-1", { peer: "198.51.100.1" }),
    401,
    "unauthenticated",
  );
  await expectProblem(
    await login(t, "alice", "wrong-2", { peer: "198.51.100.2" }),
    401,
    "unauthenticated",
  );
  const refused = await login(t, "alice", "a-good-password", { peer: "198.51.100.3" });
  await expectProblem(refused, 429, "rate_limited", /for this user/);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  // Another username from the same address is not affected.
  await expectProblem(
    await login(t, "bobby", "whatever-pw", { peer: "198.51.100.3" }),
    401,
    "unauthenticated",
  );
});

Deno.test("POST /register is limited per client address", async () => {
  using t = await testApp({ rateLimits: { register: "2/1m" } });
  assert.equal((await register(t, "first", "a-good-password")).status, 201);
  await expectProblem(await register(t, "x", "a-good-password"), 400, "invalid_body");
  const refused = await register(t, "third", "a-good-password");
  await expectProblem(refused, 429, "rate_limited", /registrations/);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.equal(await t.accounts.find("third"), undefined, "nothing is created when refused");
  assert.equal((await register(t, "fourth", "a-good-password", "198.51.100.4")).status, 201);
});

Deno.test("Behind a trusted proxy the login limit counts the forwarded client, and spoofing does not dodge it", async () => {
  using t = await testApp({ rateLimits: { login: "2/1m" } });
  const attempt = (peer: string, forwardedFor: string) =>
    sendJson(t, "/login", "{", { peer, headers: { "x-forwarded-for": forwardedFor } });
  // Malformed bodies: the per-address limit is taken before the body is read, and no hash runs.
  for (let i = 0; i < 2; i++) {
    await expectProblem(await attempt("127.0.0.1", "198.51.100.7"), 400, "malformed_json");
  }
  await expectProblem(await attempt("127.0.0.1", "198.51.100.7"), 429, "rate_limited");
  await expectProblem(await attempt("127.0.0.1", "198.51.100.8"), 400, "malformed_json");
  // An untrusted peer's X-Forwarded-For is ignored: the peer itself is counted.
  for (let i = 0; i < 2; i++) {
    await expectProblem(await attempt("203.0.113.50", `10.0.0.${i}`), 400, "malformed_json");
  }
  await expectProblem(await attempt("203.0.113.50", "10.0.0.99"), 429, "rate_limited");
});

Deno.test("A rate limit lets requests through again once Retry-After has passed", async () => {
  using t = await testApp({ rateLimits: { login: "2/1s" } });
  for (let i = 0; i < 2; i++) {
    await expectProblem(await sendJson(t, "/login", "{"), 400, "malformed_json");
  }
  const refused = await sendJson(t, "/login", "{");
  await expectProblem(refused, 429, "rate_limited");
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter} for a 1 s window`);
  await sleep(retryAfter * 1000 + 150);
  await expectProblem(await sendJson(t, "/login", "{"), 400, "malformed_json");
});

// ---------------------------------------------------------------------------------------------
// GET /log access

Deno.test("GET /log is admin-only unless LOG_API_PUBLIC", async () => {
  using t = await testApp({ logApiPublic: false });
  const user = await t.signUp("alice");
  const admin = await t.signUp("root", "admin");
  const anonymous = await t.request("/log");
  await expectProblem(anonymous, 401, "unauthenticated");
  assert.ok(anonymous.headers.has("www-authenticate"));
  await expectProblem(await t.request("/log", bearer(user)), 403, "forbidden");
  assert.equal((await t.logRows()).length, 2, "both refusals are logged");
  const allowed = await t.request("/log", bearer(admin));
  assert.equal(allowed.status, 200);
  const rows = await allowed.json();
  assert.ok(Array.isArray(rows) && rows.length >= 2);

  using open = await testApp({ logApiPublic: true });
  const response = await open.request("/log");
  assert.equal(response.status, 200);
  assert.ok(Array.isArray(await response.json()));
});

// ---------------------------------------------------------------------------------------------
// Audit and telemetry

Deno.test("A request made with a session has its username in log_api.user_id and enduser.id on its span", async () => {
  await using t = await testApp({ telemetry: TELEMETRY });
  const token = await t.signUp("alice");
  await (await t.request("/me", bearer(token))).body?.cancel();
  await (await t.request("/board/1", { headers: { cookie: `otel_board_session=${token}` } }))
    .body?.cancel();
  await (await t.request("/board/1")).body?.cancel();
  await (await t.request("/me", bearer("A".repeat(43)))).body?.cancel();
  const rows = await t.logRows();
  assert.deepEqual(rows.map((r) => [r.call_url, r.status, r.user_id]), [
    ["/me", 200, "alice"],
    ["/board/1", 200, "alice"],
    ["/board/1", 200, null],
    ["/me", 401, null],
  ]);
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.deepEqual(
    servers.map((s) => [s.name, s.attributes["enduser.id"]]),
    [
      ["GET /me", "alice"],
      ["GET /board/:count", "alice"],
      ["GET /board/:count", undefined],
      ["GET /me", undefined],
    ],
  );
  assert.deepEqual(
    rows.map((r) => r.trace_id),
    servers.map((s) => s.spanContext().traceId),
  );
});

Deno.test("password= and token= in a query string are stored as REDACTED in log_api and on the span", async () => {
  await using t = await testApp({ telemetry: TELEMETRY });
  for (const path of ["/board/1", "/nope", "/login"]) {
    const response = await t.request(`${path}?password=hunter2&token=abc&page=2`);
    await response.body?.cancel();
  }
  const rows = await t.logRows();
  assert.deepEqual(rows.map((r) => [r.call_url, r.call_url_parameter]), [
    ["/board/1", "password=REDACTED&token=REDACTED&page=2"],
    ["/nope", "password=REDACTED&token=REDACTED&page=2"],
    ["/login", "password=REDACTED&token=REDACTED&page=2"],
  ]);
  const servers = (await t.finishedSpans()).filter((s) => s.kind === SpanKind.SERVER);
  assert.equal(servers.length, 3);
  for (const span of servers) {
    assert.equal(span.attributes["url.query"], "password=REDACTED&token=REDACTED&page=2");
  }
  const everything = JSON.stringify([
    rows,
    servers.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    t.logLines,
    (await t.finishedLogs()).map((r) => ({ body: r.body, attributes: r.attributes })),
  ]);
  assert.ok(!everything.includes("hunter2"));
  assert.ok(!everything.includes("token=abc"));
});

Deno.test("No password, token or hash of either reaches spans, logs, log_api or the sessions table", async () => {
  await using t = await testApp({ telemetry: TELEMETRY });
  const password = "correct-horse-battery";
  const newPassword = "staple-horse-battery";
  const wrongPassword = "wrong-horse-battery";
  const adminToken = await t.signUp("root", "admin");

  assert.equal((await register(t, "alice", password)).status, 201);
  await expectProblem(await login(t, "alice", wrongPassword), 401, "unauthenticated");
  // A malformed body that contains the password: the parse error goes to the client only.
  await (await sendJson(t, "/login", `{"username":"alice","password":${password}}`)).body
    ?.cancel();
  const first = await login(t, "alice", password);
  const token1: string = (await first.json()).token;
  const token2: string = (await (await login(t, "alice", password)).json()).token;
  assert.equal(await meStatus(t, token1), 200);
  const viaCookie = await t.request("/me", { headers: { cookie: `otel_board_session=${token1}` } });
  assert.equal(viaCookie.status, 200);
  await viaCookie.body?.cancel();
  await (await t.request(`/board/1?password=${password}&token=${token1}`)).body?.cancel();
  const oldHash = String(
    t.db.prepare("SELECT password_hash FROM users WHERE username = 'alice'").get()?.password_hash,
  );
  const changed = await sendJson(t, "/me/password", {
    current_password: password,
    new_password: newPassword,
  }, { method: "PUT", ...bearer(token1) });
  assert.equal(changed.status, 204);
  assert.equal(await meStatus(t, token2), 401);

  // The sessions table holds the SHA-256 of live tokens, never the tokens.
  const sessions = JSON.stringify(t.db.prepare("SELECT * FROM sessions").all());
  for (const token of [token1, adminToken]) {
    assert.ok(!sessions.includes(token), "a token is stored in the clear");
    assert.ok(sessions.includes(await sessionTokenHash(token)), "the token's SHA-256 is stored");
  }
  assert.ok(!sessions.includes(token2));

  const logout = await t.request("/logout", { method: "POST", ...bearer(token1) });
  assert.equal(logout.status, 204);

  const hashes = t.db.prepare("SELECT password_hash FROM users").all()
    .map((r) => String(r.password_hash));
  hashes.push(oldHash);
  const tokens = [token1, token2, adminToken];
  const secrets = new Map<string, string>([
    ["password", password],
    ["new password", newPassword],
    ["wrong password", wrongPassword],
    ["admin password", passwordOf("root")],
  ]);
  for (const [i, token] of tokens.entries()) {
    secrets.set(`token ${i}`, token);
    secrets.set(`token hash ${i}`, await sessionTokenHash(token));
  }
  for (const [i, hash] of hashes.entries()) {
    secrets.set(`password hash ${i}`, hash);
    // The derived key alone, in case only part of the stored form leaks.
    secrets.set(`derived key ${i}`, hash.split("$")[3]!);
  }

  const spans = await t.finishedSpans();
  assert.ok(spans.some((s) => s.name === "accounts.login"), "service spans were recorded");
  assert.ok(spans.some((s) => s.attributes["db.collection.name"] === "sessions"));
  const records = await t.finishedLogs();
  assert.ok(t.logLines.length > 0 && records.length > 0, "log lines were written");
  const places: Record<string, string> = {
    spans: JSON.stringify(spans.map((s) => ({
      name: s.name,
      attributes: s.attributes,
      events: s.events,
      status: s.status,
      links: s.links,
    }))),
    "OTLP log records": JSON.stringify(records.map((r) => ({
      body: r.body,
      attributes: r.attributes,
      severityText: r.severityText,
      eventName: r.eventName,
    }))),
    "stdout log lines": JSON.stringify(t.logLines),
    log_api: JSON.stringify(await t.logRows()),
    metrics: JSON.stringify(
      [...(await t.collectMetrics()).values()].map((m) => m.dataPoints.map((p) => p.attributes)),
    ),
  };
  for (const [where, text] of Object.entries(places)) {
    for (const [what, secret] of secrets) {
      assert.ok(!text.includes(secret), `the ${what} appears in ${where}`);
    }
  }
});

Deno.test("app.accounts.registrations and app.accounts.logins{outcome} count registrations and sign-ins", async () => {
  await using t = await testApp({ telemetry: TELEMETRY });
  assert.equal((await register(t, "alice", "a-good-password")).status, 201);
  assert.equal((await register(t, "bobby", "a-good-password")).status, 201);
  await (await register(t, "alice", "a-good-password")).body?.cancel(); // 409: not counted
  await (await login(t, "alice", "a-good-password")).body?.cancel();
  await (await login(t, "alice", "wrong-password")).body?.cancel();
  await (await login(t, "nobody", "wrong-password")).body?.cancel();
  const metrics = await t.collectMetrics();
  assert.equal(sumOf(metrics, "app.accounts.registrations"), 2);
  assert.equal(sumOf(metrics, "app.accounts.logins", { outcome: "success" }), 1);
  assert.equal(sumOf(metrics, "app.accounts.logins", { outcome: "failure" }), 2);
  await (await login(t, "bobby", "a-good-password")).body?.cancel();
  const later = await t.collectMetrics();
  assert.equal(sumOf(later, "app.accounts.logins", { outcome: "success" }), 2);
  assert.equal(sumOf(later, "app.accounts.registrations"), 2);
});

// ---------------------------------------------------------------------------------------------
// Secure headers and CORS

Deno.test("Every response carries the secure headers and no CORS header by default", async () => {
  using t = await testApp({ rateLimits: { login: "1/1m" } });
  const token = await t.signUp("alice");
  const responses = [
    await register(t, "bobby", "a-good-password"),
    await t.request("/me", bearer(token)),
    await t.request("/me", { headers: { origin: "https://evil.example" } }),
    await sendJson(t, "/login", "{"),
    await sendJson(t, "/login", "{"),
    await t.request("/nope"),
    await t.request("/login"),
    await sendJson(t, "/register", "x".repeat(70_000)),
    await t.request("/board/1", { headers: { origin: "https://evil.example" } }),
  ];
  assert.deepEqual(responses.map((r) => r.status), [201, 200, 401, 400, 429, 404, 405, 413, 200]);
  for (const response of responses) {
    await response.body?.cancel();
    const h = response.headers;
    const where = `${response.status}`;
    assert.equal(h.get("x-content-type-options"), "nosniff", where);
    assert.ok(h.get("x-frame-options"), where);
    assert.ok(h.get("referrer-policy"), where);
    assert.equal(h.get("access-control-allow-origin"), null, where);
    assert.equal(h.get("access-control-allow-credentials"), null, where);
  }
});

Deno.test("With CORS_ALLOWED_ORIGINS, only a listed Origin gets Access-Control-Allow-Origin", async () => {
  using t = await testApp({ corsAllowedOrigins: ["https://app.example"] });
  const listed = await t.request("/board/1", { headers: { origin: "https://app.example" } });
  assert.equal(listed.status, 200);
  await listed.body?.cancel();
  assert.equal(listed.headers.get("access-control-allow-origin"), "https://app.example");
  assert.equal(listed.headers.get("access-control-allow-credentials"), "true");
  for (const origin of ["https://evil.example", "http://app.example", "https://app.example.evil"]) {
    const other = await t.request("/board/1", { headers: { origin } });
    await other.body?.cancel();
    assert.equal(other.headers.get("access-control-allow-origin"), null, origin);
  }
  const preflight = await t.request("/login", {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });
  await preflight.body?.cancel();
  assert.ok(preflight.status === 204 || preflight.status === 200, `${preflight.status}`);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
  const refusedPreflight = await t.request("/login", {
    method: "OPTIONS",
    headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
  });
  await refusedPreflight.body?.cancel();
  assert.equal(refusedPreflight.headers.get("access-control-allow-origin"), null);
});
