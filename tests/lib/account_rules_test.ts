/** @module Tests for the username and password rules. */

import assert from "node:assert/strict";
import { validatePassword, validateUsername } from "../../lib/account_rules.ts";

const DECOMPOSED_E = "e\u0301"; // e + combining acute accent

Deno.test("validatePassword wants 8-256 code points, so an emoji counts once", () => {
  const emoji = "\u{1F600}"; // two UTF-16 code units
  assert.match(validatePassword(emoji.repeat(7))!, /^Password must be 8-256 characters long/);
  assert.equal(validatePassword(emoji.repeat(8)), undefined);
  assert.equal(validatePassword(emoji.repeat(256)), undefined);
  assert.match(validatePassword(emoji.repeat(257))!, /got 257$/);
  assert.match(validatePassword("")!, /got 0$/);
  assert.equal(validatePassword("12345678"), undefined);
  // Counted as it is hashed, after NFC: a decomposed é is one character.
  assert.equal(validatePassword(DECOMPOSED_E.repeat(8)), undefined);
  assert.match(validatePassword(DECOMPOSED_E.repeat(7))!, /got 7$/);
});

Deno.test("validateUsername wants 3-30 lowercase letters, digits, '_', '.' or '-'", () => {
  assert.match(validateUsername("ab")!, /^Username must be 3-30 characters long, got 2$/);
  assert.match(validateUsername("")!, /got 0$/);
  assert.equal(validateUsername("abc"), undefined);
  assert.equal(validateUsername("a".repeat(30)), undefined);
  assert.match(validateUsername("a".repeat(31))!, /got 31$/);
  assert.equal(validateUsername("a.b-c_d"), undefined);
  assert.equal(validateUsername("0.9"), undefined);
  const uppercase = validateUsername("Alice");
  assert.match(uppercase!, /lowercase/);
  assert.match(uppercase!, /uppercase letters are not allowed/);
  for (const name of ["al ice", "al/ice", "caf\u00e9", "\uff41\uff42\uff43", "bob\n", "a+b"]) {
    assert.match(validateUsername(name)!, /^Username may contain only lowercase letters a-z/, name);
  }
});
