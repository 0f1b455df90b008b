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
  await expectProblem(await register(t, "x", "a-good-password"), 400, "invalid_body");
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
