/** @module Tests for the bounded sliding-window limiter and its 429 middleware. */

import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "../../http/context.ts";
import { ApiError, problemResponse } from "../../http/problem.ts";
import { parseRateLimit } from "../../config/grammars.ts";
import { createRateLimiter, type RateDecision, rateLimited } from "../../http/rate_limit.ts";

/** A clock the test moves by hand, in milliseconds. */
function manualClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => time += ms };
}

function retryAfter(decision: RateDecision): number | undefined {
  return decision.allowed ? undefined : decision.retryAfterSeconds;
}

Deno.test("A limiter allows the limit, refuses the next, and allows again after Retry-After", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("3/1m"), { now: clock.now });
  for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take("203.0.113.7"), { allowed: true });
  const refused = limiter.take("203.0.113.7");
  assert.equal(refused.allowed, false);
  // Three requests at the start of a window are assumed spread over it: they slide out
  // far enough 20 s into the next window (3 × 40/60 + 1 ≤ 3).
  assert.equal(retryAfter(refused), 80);
  clock.advance(79_000);
  assert.equal(retryAfter(limiter.take("203.0.113.7")), 1);
  clock.advance(1_000);
  assert.deepEqual(limiter.take("203.0.113.7"), { allowed: true });
  assert.equal(limiter.take("203.0.113.7").allowed, false);
});

Deno.test("A limiter forgets a client entirely two windows later", () => {
  const clock = manualClock(5_000);
  const limiter = createRateLimiter(parseRateLimit("2/10s"), { now: clock.now });
  assert.equal(limiter.take("a").allowed, true);
  assert.equal(limiter.take("a").allowed, true);
  assert.equal(limiter.take("a").allowed, false);
  clock.advance(20_000);
  assert.equal(limiter.take("a").allowed, true);
  assert.equal(limiter.take("a").allowed, true);
  assert.equal(limiter.take("a").allowed, false);
});

Deno.test("A limiter does not count refused requests", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("2/1m"), { now: clock.now });
  limiter.take("a");
  limiter.take("a");
  for (let i = 0; i < 1000; i++) assert.equal(limiter.take("a").allowed, false);
  const wait = retryAfter(limiter.take("a"));
  assert.equal(wait, 90);
  clock.advance(90_000);
  assert.equal(limiter.take("a").allowed, true);
});

Deno.test("A limiter counts each key on its own", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("1/1m"), { now: clock.now });
  assert.equal(limiter.take("203.0.113.7").allowed, true);
  assert.equal(limiter.take("203.0.113.7").allowed, false);
  assert.equal(limiter.take("203.0.113.8").allowed, true);
  assert.equal(limiter.take("user:alice").allowed, true);
  assert.equal(limiter.take("user:bob").allowed, true);
  assert.equal(limiter.take("user:alice").allowed, false);
  assert.equal(limiter.take("203.0.113.8").allowed, false);
  assert.equal(limiter.size(), 4);
});

Deno.test("Retry-After waits for the previous window's weight to slide out", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("10/1m"), { now: clock.now });
  for (let i = 0; i < 10; i++) limiter.take("a");
  // 30 s into the next window the previous ten weigh 5: five more fit, the sixth waits
  // until the previous window weighs 4 or less, at 36 s.
  clock.advance(90_000);
  for (let i = 0; i < 5; i++) assert.equal(limiter.take("a").allowed, true, `request ${i}`);
  assert.equal(retryAfter(limiter.take("a")), 6);
  clock.advance(5_500);
  assert.equal(retryAfter(limiter.take("a")), 1);
  clock.advance(500);
  assert.equal(limiter.take("a").allowed, true);
});

Deno.test("Retry-After is a whole number of at least one second", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("1000/1s"), { now: clock.now });
  for (let i = 0; i < 1000; i++) limiter.take("a");
  clock.advance(999.5);
  const wait = retryAfter(limiter.take("a"));
  assert.ok(wait !== undefined && Number.isInteger(wait) && wait >= 1, String(wait));
  for (const setting of ["1/1s", "1/1d", "7/13s", "999/7d"]) {
    const clock = manualClock(123_456_789.25);
    const limiter = createRateLimiter(parseRateLimit(setting), { now: clock.now });
    while (limiter.take("a").allowed);
    const seconds = retryAfter(limiter.take("a"));
    assert.ok(seconds !== undefined && Number.isInteger(seconds) && seconds >= 1, setting);
    clock.advance((seconds - 1) * 1000);
    assert.equal(limiter.take("a").allowed, false, `${setting} before ${seconds} s`);
    clock.advance(1000);
    assert.equal(limiter.take("a").allowed, true, `${setting} after ${seconds} s`);
  }
});

Deno.test("A limiter never tracks more than maxKeys keys", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("5/1m"), { maxKeys: 100, now: clock.now });
  for (let i = 0; i < 10_000; i++) {
    assert.equal(limiter.take(`10.0.${i >> 8}.${i & 255}`).allowed, true);
    assert.ok(limiter.size() <= 100, `size ${limiter.size()} after ${i + 1} keys`);
    if (i % 1000 === 0) clock.advance(7_000);
  }
  assert.equal(limiter.size(), 100);
});

Deno.test("A full limiter evicts the least recently seen key, keeping an active one's count", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("1/1m"), { maxKeys: 2, now: clock.now });
  limiter.take("a");
  limiter.take("b");
  assert.equal(limiter.take("a").allowed, false);
  assert.equal(limiter.take("c").allowed, true);
  assert.equal(limiter.size(), 2);
  assert.equal(limiter.take("a").allowed, false, "a was seen last, so b made room");
  assert.equal(limiter.take("b").allowed, true, "b starts over");
});

Deno.test("A limiter drops expired keys as new requests arrive", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("1/1m"), { maxKeys: 1000, now: clock.now });
  for (let i = 0; i < 6; i++) limiter.take(`old-${i}`);
  clock.advance(60_000);
  limiter.take("recent");
  assert.equal(limiter.size(), 7, "keys of the previous window still count");
  clock.advance(60_000);
  for (let i = 0; i < 3; i++) limiter.take(`new-${i}`);
  assert.deepEqual(limiter.size(), 4, "the six old keys are gone; recent and three new remain");
});

Deno.test("A limiter drops expired keys before it evicts a live one", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("1/1m"), { maxKeys: 3, now: clock.now });
  limiter.take("stale");
  clock.advance(120_000);
  limiter.take("a");
  limiter.take("b");
  assert.equal(limiter.size(), 2, "the stale key was dropped on the way");
  limiter.take("c");
  limiter.take("d");
  assert.equal(limiter.size(), 3);
  assert.equal(limiter.take("b").allowed, false, "b kept its count");
  assert.equal(limiter.take("a").allowed, true, "a, the oldest live key, made room for d");
});

Deno.test("A limiter keeps counting when the injected clock steps back", () => {
  const clock = manualClock(120_000);
  const limiter = createRateLimiter(parseRateLimit("1/1m"), { now: clock.now });
  limiter.take("a");
  clock.advance(-90_000);
  const decision = limiter.take("a");
  assert.equal(decision.allowed, false);
  assert.ok((retryAfter(decision) ?? 0) >= 1);
});

Deno.test("createRateLimiter rejects nonsense options", () => {
  assert.throws(() => createRateLimiter({ limit: 0, windowMs: 1000 }), RangeError);
  assert.throws(() => createRateLimiter({ limit: 1, windowMs: 0 }), RangeError);
  assert.throws(() => createRateLimiter({ limit: 1, windowMs: 1000 }, { maxKeys: 0 }), RangeError);
  assert.throws(
    () => createRateLimiter({ limit: 1, windowMs: 1000 }, { maxKeys: 1.5 }),
    RangeError,
  );
});

function limitedApp(now: () => number): Hono<AppEnv> {
  const limiter = createRateLimiter(parseRateLimit("2/1m"), { now });
  return new Hono<AppEnv>()
    .use(rateLimited(limiter, (c) => c.req.header("x-client") ?? null, "sign-in attempts"))
    .post("/session", (c) => c.text("ok"))
    .onError((error, c) => {
      if (!(error instanceof ApiError)) throw error;
      return problemResponse(error.code, error.message, {
        instance: c.req.path,
        traceId: null,
        headers: error.headers,
      });
    });
}

Deno.test("rateLimited answers 429 with Retry-After once a client is over the limit", async () => {
  const clock = manualClock();
  const app = limitedApp(clock.now);
  const post = (client: string) =>
    app.request("/session", { method: "POST", headers: { "x-client": client } });
  assert.equal((await post("203.0.113.7")).status, 200);
  assert.equal(await (await post("203.0.113.7")).text(), "ok");
  const refused = await post("203.0.113.7");
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "90");
  const problem = await refused.json();
  assert.equal(problem.code, "rate_limited");
  assert.equal(problem.detail, "Too many sign-in attempts from this address: try again in 90 s");
  assert.equal((await post("198.51.100.1")).status, 200, "another client is not affected");
  clock.advance(90_000);
  assert.equal((await post("203.0.113.7")).status, 200);
});

Deno.test("rateLimited does not limit a request without a key", async () => {
  const app = limitedApp(() => 0);
  for (let i = 0; i < 10; i++) {
    const response = await app.request("/session", { method: "POST" });
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
});

Deno.test("A refunded request no longer counts; a reset key starts afresh", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("2/1m"), { now: clock.now });
  limiter.take("a");
  limiter.take("a");
  limiter.refund("a");
  assert.deepEqual(limiter.take("a"), { allowed: true }, "the refund gave one back");
  assert.equal(limiter.take("a").allowed, false);
  limiter.reset("a");
  assert.equal(limiter.size(), 0);
  assert.deepEqual(limiter.take("a"), { allowed: true });
  assert.deepEqual(limiter.take("a"), { allowed: true });
  assert.equal(limiter.take("a").allowed, false);
  // A refund for a key never seen, or with nothing counted, changes nothing.
  limiter.refund("unknown");
  assert.equal(limiter.size(), 1);
});

Deno.test("A refund after the window turned gives back the request counted in the previous one", () => {
  const clock = manualClock();
  const limiter = createRateLimiter(parseRateLimit("1/1m"), { now: clock.now });
  limiter.take("a");
  clock.advance(60_000);
  assert.equal(limiter.take("a").allowed, false, "the previous window still weighs in full");
  limiter.refund("a");
  assert.deepEqual(limiter.take("a"), { allowed: true });
});

Deno.test("A limiter made from off (null) allows everything and tracks nothing", () => {
  const limiter = createRateLimiter(null);
  for (let i = 0; i < 10_000; i++) assert.deepEqual(limiter.take("a"), { allowed: true });
  assert.equal(limiter.size(), 0);
});
