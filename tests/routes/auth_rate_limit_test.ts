/** @module Tests for the sign-in and registration rate limits. */

import assert from "node:assert/strict";
import { sleep } from "../../testing/sleep.ts";
import { testApp } from "../../testing/test_app.ts";
import { expectProblem, login, register, sendJson } from "./_auth_helpers.ts";

// Rate limits

Deno.test("POST /login is limited per client address: the 4th attempt answers 429 with Retry-After", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN: "3/1m" } });
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
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN_USER: "2/1m" } });
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
  using t = await testApp({ settings: { RATE_LIMIT_REGISTER: "2/1m" } });
  assert.equal((await register(t, "first", "a-good-password")).status, 201);
  // A malformed body counts (a script, not a person); a refused registration would not.
  await expectProblem(await sendJson(t, "/register", "{"), 400, "malformed_json");
  const refused = await register(t, "third", "a-good-password");
  await expectProblem(refused, 429, "rate_limited", /registrations/);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.equal(await t.accounts.find("third"), undefined, "nothing is created when refused");
  assert.equal((await register(t, "fourth", "a-good-password", "198.51.100.4")).status, 201);
});

Deno.test("Behind a trusted proxy the login limit counts the forwarded client, and spoofing does not dodge it", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN: "2/1m" } });
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
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN: "2/1s" } });
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

Deno.test("A refused registration (name taken, rule broken) does not count against the per-address limit", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_REGISTER: "2/1m" } });
  assert.equal((await register(t, "taken", "a-good-password", "198.51.100.9")).status, 201);
  for (let i = 0; i < 5; i++) {
    await expectProblem(await register(t, "taken", "a-good-password"), 409, "conflict");
    await expectProblem(await register(t, `short${i}`, "short"), 400, "invalid_body");
    await expectProblem(await register(t, "x", "a-good-password"), 400, "invalid_body");
  }
  assert.equal((await register(t, "second", "a-good-password")).status, 201);
  assert.equal((await register(t, "third", "a-good-password")).status, 201);
  await expectProblem(await register(t, "fourth", "a-good-password"), 429, "rate_limited");
});

Deno.test("Concurrent registrations from one address cannot get past the limit together", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_REGISTER: "2/1m" } });
  const responses = await Promise.all(
    Array.from({ length: 6 }, (_, i) => register(t, `burst${i}`, "a-good-password")),
  );
  const statuses = responses.map((r) => r.status).sort();
  await Promise.all(responses.map((r) => r.body?.cancel()));
  assert.deepEqual(statuses, [201, 201, 429, 429, 429, 429]);
});

Deno.test("Concurrent wrong guesses for one username cannot get past the per-username limit together", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN_USER: "2/1m" } });
  await register(t, "alice", "a-good-password");
  const responses = await Promise.all(
    Array.from(
      { length: 8 },
      (_, i) => login(t, "alice", `wrong-${i}`, { peer: `198.51.100.${i}` }),
    ),
  );
  const statuses = responses.map((r) => r.status).sort();
  await Promise.all(responses.map((r) => r.body?.cancel()));
  assert.deepEqual(statuses, [401, 401, 429, 429, 429, 429, 429, 429]);
});

Deno.test("Guesses from many addresses do not lock a user out of an address they signed in from", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN_USER: "2/1m" } });
  await register(t, "alice", "a-good-password");
  const home = "198.51.100.200";
  const first = await login(t, "alice", "a-good-password", { peer: home });
  assert.equal(first.status, 200);
  await first.body?.cancel();
  for (let i = 0; i < 2; i++) {
    await expectProblem(
      await login(t, "alice", `wrong-${i}`, { peer: `198.51.100.${i}` }),
      401,
      "unauthenticated",
    );
  }
  // Locked for every other address, the right password included.
  await expectProblem(
    await login(t, "alice", "a-good-password", { peer: "198.51.100.50" }),
    429,
    "rate_limited",
    /for this user/,
  );
  const again = await login(t, "alice", "a-good-password", { peer: home });
  assert.equal(again.status, 200, "the address alice signed in from is not held");
  await again.body?.cancel();
});

Deno.test("A successful sign-in clears the username's count of failed attempts", async () => {
  using t = await testApp({ settings: { RATE_LIMIT_LOGIN_USER: "2/1m" } });
  await register(t, "alice", "a-good-password");
  const attempt = (password: string, peer: string) => login(t, "alice", password, { peer });
  await expectProblem(await attempt("wrong-1", "198.51.100.1"), 401, "unauthenticated");
  const success = await attempt("a-good-password", "198.51.100.2");
  assert.equal(success.status, 200);
  await success.body?.cancel();
  // Without the reset the count would be 2 of 2 here, and the next attempt refused.
  await expectProblem(await attempt("wrong-2", "198.51.100.3"), 401, "unauthenticated");
  await expectProblem(await attempt("wrong-3", "198.51.100.4"), 401, "unauthenticated");
  await expectProblem(await attempt("wrong-4", "198.51.100.5"), 429, "rate_limited");
});

Deno.test("Each RATE_LIMIT_* set to off turns that limiter off", async () => {
  for (const value of ["1/1m", "off"]) {
    using t = await testApp({ settings: allLimitsAt(value) });
    await t.accounts.register("alice", "a-good-password");
    const token = (await t.accounts.login("alice", "a-good-password")).token;
    // Three requests each limiter counts, every one from the same address (login: 203.0.113.7;
    // login per user: from three addresses).
    const requests: Record<string, (i: number) => Promise<Response>> = {
      RATE_LIMIT_LOGIN: () => login(t, "bobby", "wrong-password"),
      RATE_LIMIT_LOGIN_USER: (i) =>
        login(t, "alice", "wrong-password", { peer: `198.51.100.${i}` }),
      RATE_LIMIT_REGISTER: (i) => register(t, `user${i}`, "a-good-password", "198.51.100.99"),
      RATE_LIMIT_POST: (i) =>
        sendJson(t, "/board", { title: `t${i}`, content: "c" }, {
          headers: { authorization: `Bearer ${token}` },
          peer: "198.51.100.98",
        }),
      RATE_LIMIT_SEARCH: () => t.request("/board/search?q=hello", {}, "198.51.100.97"),
    };
    for (const [setting, send] of Object.entries(requests)) {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await send(i);
        statuses.push(response.status);
        await response.body?.cancel();
      }
      const refused = statuses.filter((status) => status === 429).length;
      assert.equal(refused, value === "off" ? 0 : 2, `${setting}=${value}: ${statuses}`);
    }
  }
});

function allLimitsAt(value: string): Record<string, string> {
  return {
    RATE_LIMIT_LOGIN: value,
    RATE_LIMIT_LOGIN_USER: value,
    RATE_LIMIT_REGISTER: value,
    RATE_LIMIT_POST: value,
    RATE_LIMIT_SEARCH: value,
  };
}
