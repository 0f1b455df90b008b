/** @module Tests for the value grammars: durations, rate limits, booleans, choices. */

import assert from "node:assert/strict";
import {
  boolean,
  choice,
  parseDuration,
  parseRateLimit,
  rate,
  secretKey,
} from "../../config/grammars.ts";
import { ConfigError } from "../../config/types.ts";

Deno.test("parseDuration reads 7d, 12h, 30m, 3600s and plain seconds as milliseconds", () => {
  assert.equal(parseDuration("7d"), 7 * 24 * 60 * 60 * 1000);
  assert.equal(parseDuration("12h"), 12 * 60 * 60 * 1000);
  assert.equal(parseDuration("30m"), 30 * 60 * 1000);
  assert.equal(parseDuration("3600s"), 3_600_000);
  assert.equal(parseDuration("3600"), 3_600_000);
  assert.equal(parseDuration("1"), 1000);
  assert.equal(parseDuration("090m"), 90 * 60 * 1000);
  assert.equal(parseDuration(" 7d\n"), 7 * 24 * 60 * 60 * 1000);
});

Deno.test("parseDuration rejects anything else with a message naming the value", () => {
  for (const text of ["", " ", "d", "7w", "7D", "7 d", "1.5h", "-5", "+5", "1e3", "7d12h", "abc"]) {
    assert.throws(() => parseDuration(text), {
      name: "Error",
      message:
        `Cannot parse duration "${text}": expected a number of seconds or a value such as 7d, 12h, 30m`,
    });
  }
  for (const text of ["0", "0s", "00d"]) {
    assert.throws(() => parseDuration(text), {
      message: `Cannot parse duration "${text}": it must be greater than zero`,
    });
  }
  for (const text of ["9".repeat(20) + "d", "9".repeat(400)]) {
    assert.throws(() => parseDuration(text), {
      message: `Cannot parse duration "${text}": it is too large`,
    });
  }
});
Deno.test("parseRateLimit reads requests per window in s, m, h and d", () => {
  assert.deepEqual(parseRateLimit("10/1m"), { limit: 10, windowMs: 60_000 });
  assert.deepEqual(parseRateLimit("5/30s"), { limit: 5, windowMs: 30_000 });
  assert.deepEqual(parseRateLimit("100/1h"), { limit: 100, windowMs: 3_600_000 });
  assert.deepEqual(parseRateLimit("1000/1d"), { limit: 1000, windowMs: 86_400_000 });
  assert.deepEqual(parseRateLimit("1/1s"), { limit: 1, windowMs: 1_000 });
  assert.deepEqual(parseRateLimit("1000000/7d"), { limit: 1_000_000, windowMs: 604_800_000 });
  assert.deepEqual(parseRateLimit(" 20/15m "), { limit: 20, windowMs: 900_000 });
  assert.ok(Object.isFrozen(parseRateLimit("10/1m")));
});

Deno.test("parseRateLimit rejects malformed settings with the expected shape", () => {
  for (
    const text of [
      "",
      "10",
      "10/",
      "/1m",
      "10/m",
      "10/1",
      "10/1M",
      "10/1w",
      "10 /1m",
      "10/ 1m",
      "-1/1m",
      "1.5/1m",
      "10/1.5m",
      "10/1m/2",
      "ten/1m",
      "10/1min",
      "0x10/1m",
    ]
  ) {
    assert.throws(() => parseRateLimit(text), {
      name: "Error",
      message: `Cannot parse rate limit "${text}": expected <requests>/<window> such as 10/1m`,
    }, text);
  }
});

Deno.test("parseRateLimit rejects request counts and windows out of range", () => {
  for (const text of ["0/1m", "1000001/1m", "99999999999999999999/1m"]) {
    assert.throws(() => parseRateLimit(text), {
      message: `Cannot parse rate limit "${text}": expected 1 to 1000000 requests per window`,
    }, text);
  }
  for (const text of ["10/0s", "10/0d", "10/8d", "10/169h", "10/99999999999s"]) {
    assert.throws(() => parseRateLimit(text), {
      message: `Cannot parse rate limit "${text}": expected a window from 1s to 7d`,
    }, text);
  }
});

Deno.test("parseRateLimit clips a long setting in its message", () => {
  const text = `${"9".repeat(100)}/1m`;
  assert.throws(() => parseRateLimit(text), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.ok(error.message.includes(`"${"9".repeat(40)}…"`), error.message);
    assert.ok(!error.message.includes("9".repeat(41)));
    return true;
  });
});

Deno.test("The boolean grammar reads true, false, 1 and 0, trimmed and in any case", () => {
  const cases: [string, boolean][] = [
    ["true", true],
    [" TRUE ", true],
    ["1", true],
    ["\t1\n", true],
    ["False", false],
    [" 0 ", false],
    ["0", false],
  ];
  for (const [raw, expected] of cases) assert.equal(boolean(raw, "X"), expected, raw);
});

Deno.test("The boolean grammar refuses anything else, naming the setting and the value", () => {
  for (const raw of ["yes", "on", "2", "", "t", "01"]) {
    assert.throws(() => boolean(raw, "DEMO_DATA"), {
      name: "ConfigError",
      message: `DEMO_DATA must be true or false, got "${raw}"`,
    }, raw);
  }
});

Deno.test("The choice grammar trims, ignores case and names unsupported values", () => {
  const pick = choice(["normal", "full"] as const, ["off"]);
  assert.equal(pick(" FULL ", "S"), "full");
  assert.throws(() => pick("off", "S"), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(
      error.message,
      `S must be one of normal, full, got "off": off is not supported here`,
    );
    return true;
  });
});

Deno.test("A rate setting of off (any case, spaces trimmed) means no limit; other words are refused", () => {
  for (const text of ["off", "OFF", " Off "]) assert.equal(rate(text, "RATE_LIMIT_LOGIN"), null);
  assert.deepEqual(rate("10/1m", "RATE_LIMIT_LOGIN"), { limit: 10, windowMs: 60_000 });
  for (const text of ["none", "0", "false", "of"]) {
    assert.throws(() => rate(text, "RATE_LIMIT_LOGIN"), {
      name: "ConfigError",
      message: new RegExp(`^RATE_LIMIT_LOGIN: Cannot parse rate limit "${text}"`),
    });
  }
});

Deno.test("A secret key is read from hex or base64 and must hold enough bytes; its value is never shown", () => {
  const key = secretKey(32);
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const base64 = btoa(String.fromCharCode(...bytes));
  assert.deepEqual(key(hex, "RUM_SIGNING_KEY"), bytes);
  assert.deepEqual(key(hex.toUpperCase(), "RUM_SIGNING_KEY"), bytes);
  assert.deepEqual(key(base64, "RUM_SIGNING_KEY"), bytes);
  const urlSafe = base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  assert.deepEqual(key(` ${urlSafe} `, "RUM_SIGNING_KEY"), bytes);
  for (const raw of ["too-short-secret-value", "not base64 at all!", hex.slice(0, 62)]) {
    assert.throws(() => key(raw, "RUM_SIGNING_KEY"), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^RUM_SIGNING_KEY must /);
      assert.ok(!error.message.includes(raw), "the message does not echo the value");
      return true;
    });
  }
});
