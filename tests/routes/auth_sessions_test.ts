/** @module Tests for sessions: POST /login, GET /me, cookies, POST /logout and expiry. */

import assert from "node:assert/strict";
import { sessionTokenHash } from "../../services/session_tokens.ts";
import { passwordOf, testApp } from "../../testing/test_app.ts";
import {
  anotherSession,
  bearer,
  cookieAttributes,
  cookieValue,
  expectProblem,
  ISO_TIME,
  login,
  meStatus,
  PUBLIC_USER_KEYS,
  register,
  TOKEN_SHAPE,
} from "./_auth_helpers.ts";

// POST /login, GET /me

Deno.test("POST /login answers a 43-character token, its expiry and an HttpOnly SameSite=Lax cookie", async () => {
  using t = await testApp({ settings: { SESSION_TTL: "2h" } });
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
  using t = await testApp({ settings: { SESSION_TTL: "1" }, now: () => clock });
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
  using t = await testApp({ sessionTtlMsPastCap: ttlMs });
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
