/** @module Tests for session tokens, their stored hash, the shape check, and parseDuration. */

import assert from "node:assert/strict";
import {
  looksLikeSessionToken,
  newSessionToken,
  parseDuration,
  sessionTokenHash,
} from "../../services/session_tokens.ts";

Deno.test("newSessionToken gives 43 base64url characters that decode to 32 bytes", () => {
  const token = newSessionToken();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Uint8Array.fromBase64(token, { alphabet: "base64url" }).length, 32);
});

Deno.test("newSessionToken never repeats over 1000 tokens", () => {
  const tokens = new Set(Array.from({ length: 1000 }, () => newSessionToken()));
  assert.equal(tokens.size, 1000);
  for (const token of tokens) assert.equal(looksLikeSessionToken(token), true, token);
});

Deno.test("sessionTokenHash is the lowercase hex SHA-256 of the token", async () => {
  assert.equal(
    await sessionTokenHash("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const token = newSessionToken();
  const hash = await sessionTokenHash(token);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(await sessionTokenHash(token), hash, "deterministic");
  assert.notEqual(await sessionTokenHash(newSessionToken()), hash);
});

Deno.test("looksLikeSessionToken accepts exactly 43 base64url characters", () => {
  const token = newSessionToken();
  assert.equal(looksLikeSessionToken(token), true);
  assert.equal(looksLikeSessionToken("A".repeat(43)), true);
  assert.equal(looksLikeSessionToken("-_".repeat(21) + "a"), true);
  for (
    const text of [
      "",
      token.slice(0, 42),
      token + "A",
      token + "=",
      token + "\n",
      " " + token.slice(1),
      "+" + token.slice(1),
      "/" + token.slice(1),
      "=" + token.slice(1),
      "\u00e9" + token.slice(1),
      `Bearer ${token}`,
    ]
  ) {
    assert.equal(looksLikeSessionToken(text), false, JSON.stringify(text));
  }
});

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
