/** @module Tests for session tokens, their stored hash and the shape check. */

import assert from "node:assert/strict";
import {
  looksLikeSessionToken,
  newSessionToken,
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
