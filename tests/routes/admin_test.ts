/**
 * @module Tests for the admin routes: GET /admin/users, GET /admin/users/{username}/posts and
 * PATCH /admin/users/{username} (roles, disabling, the last admin).
 */

import assert from "node:assert/strict";
import { problemOf } from "../../testing/problem.ts";
import { passwordOf, type TestApp, testApp } from "../../testing/test_app.ts";

const USER_KEYS = ["created_at", "disabled", "role", "username"];

interface PublicUser {
  username: string;
  role: "user" | "admin";
  disabled: boolean;
  created_at: string;
}

function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

function get(t: TestApp, path: string, token?: string) {
  return t.request(path, { headers: bearer(token) });
}

function patch(t: TestApp, username: string, token: string | undefined, body: unknown) {
  return t.request(`/admin/users/${encodeURIComponent(username)}`, {
    method: "PATCH",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function login(t: TestApp, username: string, password = passwordOf(username)) {
  return t.request("/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
}

async function expectProblem(response: Response, status: number, code: string) {
  assert.equal(response.status, status, `expected ${status} ${code}`);
  const problem = await problemOf(response);
  assert.equal(problem.code, code);
  assert.equal(typeof problem.detail, "string");
  assert.ok(String(problem.detail).length > 10, "a readable detail");
  return problem;
}

async function post(t: TestApp, token: string, title: string): Promise<number> {
  const response = await t.request("/board", {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: JSON.stringify({ title, content: `${title} content` }),
  });
  assert.equal(response.status, 201);
  return (await response.json()).seq;
}

// --- Who may read the admin views --------------------------------------------------------

Deno.test("The admin routes answer 401 anonymous, 403 to a user and serve an admin", async (ctx) => {
  using t = await testApp();
  const user = await t.signUp("alice");
  const admin = await t.signUp("boss", "admin");
  const routes: [string, (token?: string) => Promise<Response>, number][] = [
    ["GET /admin/users", (token) => get(t, "/admin/users", token), 200],
    ["GET /admin/users/alice/posts", (token) => get(t, "/admin/users/alice/posts", token), 200],
    ["PATCH /admin/users/alice", (token) => patch(t, "alice", token, { role: "user" }), 200],
  ];
  for (const [name, send, ok] of routes) {
    await ctx.step(`${name}: anonymous → 401`, async () => {
      await expectProblem(await send(), 401, "unauthenticated");
    });
    await ctx.step(`${name}: a user → 403`, async () => {
      await expectProblem(await send(user), 403, "forbidden");
    });
    await ctx.step(`${name}: an invalid token → 401`, async () => {
      await expectProblem(await send("x".repeat(43)), 401, "unauthenticated");
    });
    await ctx.step(`${name}: an admin → ${ok}`, async () => {
      const response = await send(admin);
      assert.equal(response.status, ok);
      await response.body?.cancel();
    });
  }
  const me = await (await get(t, "/me", user)).json();
  assert.equal(me.role, "user", "the user's own PATCH attempt changed nothing");
});

// --- GET /admin/users ---------------------------------------------------------------------

Deno.test("GET /admin/users lists users without password hashes, in creation order", async () => {
  using t = await testApp();
  const admin = await t.signUp("boss", "admin");
  await t.accounts.register("alice", passwordOf("alice"));
  await t.accounts.register("bob", passwordOf("bob"));
  const response = await get(t, "/admin/users", admin);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  const raw = await response.text();
  assert.ok(!raw.includes("password"), `no password field: ${raw}`);
  assert.ok(!raw.includes("pbkdf2"), `no hash: ${raw}`);
  assert.ok(!/"id"/.test(raw), "no internal ids");
  const users: PublicUser[] = JSON.parse(raw);
  assert.deepEqual(users.map((u) => u.username), ["boss", "alice", "bob"]);
  for (const user of users) assert.deepEqual(Object.keys(user).sort(), USER_KEYS);
  assert.deepEqual(users.map((u) => u.role), ["admin", "user", "user"]);
  assert.deepEqual(users.map((u) => u.disabled), [false, false, false]);
  assert.equal(response.headers.get("link"), null);
});

Deno.test("GET /admin/users pages with limit and a Link carrying after=", async () => {
  using t = await testApp();
  const admin = await t.signUp("boss", "admin");
  for (const name of ["alice", "bob", "carol"]) {
    await t.accounts.register(name, passwordOf(name));
  }
  const first = await get(t, "/admin/users?limit=2", admin);
  assert.equal(first.status, 200);
  assert.deepEqual((await first.json()).map((u: PublicUser) => u.username), ["boss", "alice"]);
  assert.equal(first.headers.get("link"), '</admin/users?limit=2&after=alice>; rel="next"');

  const seen: string[] = [];
  let next: string | undefined = "/admin/users?limit=2";
  let pages = 0;
  while (next !== undefined) {
    const response = await get(t, next, admin);
    assert.equal(response.status, 200);
    seen.push(...(await response.json()).map((u: PublicUser) => u.username));
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
    pages++;
  }
  assert.equal(pages, 2);
  assert.deepEqual(seen, ["boss", "alice", "bob", "carol"]);
  const unknown = await get(t, "/admin/users?after=nobody", admin);
  assert.ok(unknown.status === 400 || unknown.status === 404, `after=nobody → ${unknown.status}`);
  await unknown.body?.cancel();
  for (const bad of ["limit=0", "limit=1001", "limit=x", "limit=1&limit=2"]) {
    await expectProblem(await get(t, `/admin/users?${bad}`, admin), 400, "invalid_parameter");
  }
  const ignored = await get(t, "/admin/users?page=2", admin);
  assert.equal(ignored.status, 200, "an unknown parameter is ignored");
  assert.equal((await ignored.json()).length, 4);
});

// --- GET /admin/users/{username}/posts ---------------------------------------------------

Deno.test("GET /admin/users/{username}/posts lists only that user's posts, newest first", async () => {
  using t = await testApp();
  const admin = await t.signUp("boss", "admin");
  const alice = await t.signUp("alice");
  const a1 = await post(t, alice, "Alice one");
  await post(t, admin, "Boss post");
  const a2 = await post(t, alice, "Alice two");
  const a3 = await post(t, alice, "Alice three");

  const response = await get(t, "/admin/users/alice/posts", admin);
  assert.equal(response.status, 200);
  const posts = await response.json();
  assert.deepEqual(posts.map((p: { seq: number }) => p.seq), [a3, a2, a1]);
  assert.ok(posts.every((p: { author: string }) => p.author === "alice"));

  const paged = await get(t, "/admin/users/alice/posts?limit=2", admin);
  assert.deepEqual((await paged.json()).map((p: { seq: number }) => p.seq), [a3, a2]);
  assert.equal(
    paged.headers.get("link"),
    `</admin/users/alice/posts?limit=2&before=${a2}>; rel="next"`,
  );
  const rest = await get(t, `/admin/users/alice/posts?limit=2&before=${a2}`, admin);
  assert.deepEqual((await rest.json()).map((p: { seq: number }) => p.seq), [a1]);
  assert.equal(rest.headers.get("link"), null);

  const none = await get(t, "/admin/users/boss/posts", admin);
  assert.equal((await none.json()).length, 1);
  const missing = await expectProblem(
    await get(t, "/admin/users/nobody/posts", admin),
    404,
    "not_found",
  );
  assert.match(String(missing.detail), /nobody/);
  await expectProblem(
    await get(t, `/admin/users/${encodeURIComponent("'; DROP TABLE users; --")}/posts`, admin),
    404,
    "not_found",
  );
  await expectProblem(
    await get(t, "/admin/users/alice/posts?before=abc", admin),
    400,
    "invalid_parameter",
  );
});

// --- PATCH /admin/users/{username} --------------------------------------------------------

Deno.test("PATCH /admin/users/{username} {role:admin} promotes a user to admin", async () => {
  using t = await testApp();
  const admin = await t.signUp("boss", "admin");
  const alice = await t.signUp("alice");
  await expectProblem(await get(t, "/admin/users", alice), 403, "forbidden");
  const response = await patch(t, "alice", admin, { role: "admin" });
  assert.equal(response.status, 200);
  const user: PublicUser = await response.json();
  assert.deepEqual(Object.keys(user).sort(), USER_KEYS);
  assert.equal(user.username, "alice");
  assert.equal(user.role, "admin");
  assert.equal(user.disabled, false);
  const now = await get(t, "/admin/users", alice);
  assert.equal(now.status, 200, "the existing session now has admin rights");
  await now.body?.cancel();
  const back = await patch(t, "alice", admin, { role: "user" });
  assert.equal((await back.json()).role, "user");
  await expectProblem(await get(t, "/admin/users", alice), 403, "forbidden");
});

Deno.test("PATCH /admin/users/{username} {disabled:true} revokes sessions and blocks sign-in", async () => {
  using t = await testApp();
  const admin = await t.signUp("boss", "admin");
  const alice = await t.signUp("alice");
  const second = (await t.accounts.login("alice", passwordOf("alice"))).token;
  assert.equal((await get(t, "/me", alice)).status, 200);

  const response = await patch(t, "alice", admin, { disabled: true });
  assert.equal(response.status, 200);
  const user: PublicUser = await response.json();
  assert.equal(user.disabled, true);
  assert.equal(user.role, "user");
  const sessions = t.db.prepare(
    "SELECT count(*) AS n FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)",
  ).get("alice");
  assert.equal(Number(sessions?.n), 0, "every session of the user is deleted");

  await expectProblem(await get(t, "/me", alice), 401, "unauthenticated");
  await expectProblem(await get(t, "/me", second), 401, "unauthenticated");
  const write = await t.request("/board", {
    method: "POST",
    headers: { ...bearer(alice), "content-type": "application/json" },
    body: JSON.stringify({ title: "Still here?", content: "x" }),
  });
  await expectProblem(write, 401, "unauthenticated");
  const signIn = await expectProblem(await login(t, "alice"), 403, "forbidden");
  assert.match(String(signIn.detail), /disabled/);
  await expectProblem(await login(t, "alice", "wrong-password-1"), 401, "unauthenticated");

  const listed: PublicUser[] = await (await get(t, "/admin/users", admin)).json();
  assert.equal(listed.find((u) => u.username === "alice")?.disabled, true);

  const enabled = await patch(t, "alice", admin, { disabled: false });
  assert.equal(enabled.status, 200);
  assert.equal((await enabled.json()).disabled, false);
  const again = await login(t, "alice");
  assert.equal(again.status, 200, "re-enabled: sign-in works again");
  await again.body?.cancel();
  assert.equal((await get(t, "/me", alice)).status, 401, "the old sessions stay revoked");
});

Deno.test("PATCH /admin/users/{username} refuses unknown fields, {} and wrong types with 400", async (ctx) => {
  using t = await testApp();
  const admin = await t.signUp("boss", "admin");
  await t.accounts.register("alice", passwordOf("alice"));
  const cases: [string, unknown, number, string][] = [
    ["{}", {}, 400, "invalid_body"],
    ["an unknown field", { role: "admin", username: "mallory" }, 400, "invalid_body"],
    ["password_hash", { password_hash: "x" }, 400, "invalid_body"],
    ["id", { id: 1 }, 400, "invalid_body"],
    ["a numeric role", { role: 1 }, 400, "invalid_body"],
    ["an unknown role", { role: "root" }, 400, "invalid_body"],
    ["an uppercase role", { role: "ADMIN" }, 400, "invalid_body"],
    ["a null role", { role: null }, 400, "invalid_body"],
    ["a string disabled", { disabled: "true" }, 400, "invalid_body"],
    ["a numeric disabled", { disabled: 1 }, 400, "invalid_body"],
    ["a null disabled", { disabled: null }, 400, "invalid_body"],
    ["an array", [{ role: "admin" }], 400, "invalid_body"],
    ["malformed JSON", '{"role": ', 400, "malformed_json"],
  ];
  for (const [name, body, status, code] of cases) {
    await ctx.step(`${name} → ${status}`, async () => {
      await expectProblem(await patch(t, "alice", admin, body), status, code);
      const alice: PublicUser[] = await (await get(t, "/admin/users", admin)).json();
      assert.deepEqual(
        alice.map((u) => [u.username, u.role, u.disabled]),
        [["boss", "admin", false], ["alice", "user", false]],
        "nothing changed",
      );
    });
  }
  await ctx.step("text/plain → 415", async () => {
    const response = await t.request("/admin/users/alice", {
      method: "PATCH",
      headers: { ...bearer(admin), "content-type": "text/plain" },
      body: '{"role":"admin"}',
    });
    await expectProblem(response, 415, "unsupported_media_type");
  });
  await ctx.step("an unknown user → 404", async () => {
    await expectProblem(await patch(t, "nobody", admin, { role: "admin" }), 404, "not_found");
  });
});

Deno.test("The last admin cannot demote or disable itself", async () => {
  using t = await testApp();
  const admin = await t.signUp("boss", "admin");
  for (const body of [{ role: "user" }, { disabled: true }, { role: "user", disabled: true }]) {
    const response = await patch(t, "boss", admin, body);
    assert.ok(
      response.status === 409 || response.status === 403,
      `${JSON.stringify(body)} → ${response.status}`,
    );
    const problem = await problemOf(response);
    assert.ok(problem.code === "conflict" || problem.code === "forbidden");
    assert.match(String(problem.detail), /admin|own account/);
  }
  const me = await (await get(t, "/me", admin)).json();
  assert.equal(me.role, "admin");
  assert.equal(me.disabled, false);
  const still = await get(t, "/admin/users", admin);
  assert.equal(still.status, 200, "the admin keeps its rights and session");
  await still.body?.cancel();
  const same = await patch(t, "boss", admin, { role: "admin" });
  assert.equal(same.status, 200, "keeping the admin role is fine");
  await same.body?.cancel();
});

Deno.test("With two admins one can demote the other, then is the last and cannot step down", async () => {
  using t = await testApp();
  const boss = await t.signUp("boss", "admin");
  const alice = await t.signUp("alice");
  const promoted = await patch(t, "alice", boss, { role: "admin" });
  assert.equal(promoted.status, 200);
  await promoted.body?.cancel();

  const demoted = await patch(t, "boss", alice, { role: "user" });
  assert.equal(demoted.status, 200, "alice demotes boss");
  assert.equal((await demoted.json()).role, "user");
  await expectProblem(await get(t, "/admin/users", boss), 403, "forbidden");
  await expectProblem(await patch(t, "alice", boss, { role: "user" }), 403, "forbidden");

  const last = await patch(t, "alice", alice, { role: "user" });
  assert.ok(last.status === 409 || last.status === 403, `${last.status}`);
  await last.body?.cancel();
  const list: PublicUser[] = await (await get(t, "/admin/users", alice)).json();
  assert.deepEqual(list.map((u) => [u.username, u.role]), [["boss", "user"], ["alice", "admin"]]);
});

Deno.test("An admin with another admin present still cannot disable its own account", async () => {
  using t = await testApp();
  const boss = await t.signUp("boss", "admin");
  const alice = await t.signUp("alice");
  const promoted = await patch(t, "alice", boss, { role: "admin" });
  assert.equal(promoted.status, 200);
  await promoted.body?.cancel();
  await expectProblem(await patch(t, "boss", boss, { disabled: true }), 403, "forbidden");
  assert.equal((await get(t, "/me", boss)).status, 200);
  const disabled = await patch(t, "alice", boss, { disabled: true });
  assert.equal(disabled.status, 200, "disabling the other admin is allowed");
  await disabled.body?.cancel();
  await expectProblem(await get(t, "/me", alice), 401, "unauthenticated");
  // alice was an enabled admin; now boss is the only active one.
  const last = await patch(t, "boss", boss, { role: "user" });
  assert.equal(last.status, 409);
  await last.body?.cancel();
});
