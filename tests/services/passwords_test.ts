/**
 * @module Tests for password hashing and verification and the dummy check for unknown users
 * (the username/password rules are tested in tests/lib/account_rules_test.ts).
 *
 * PBKDF2 at 600,000 iterations costs about 0.1 s here, so these tests derive at full cost
 * about fifteen times; where only the number and shape of derivations matter, a spy on
 * `crypto.subtle.deriveBits` records the calls and answers with zeros.
 */

import assert from "node:assert/strict";
import {
  constantTimeEqual,
  hashPassword,
  MIN_PBKDF2_ITERATIONS,
  PBKDF2_ITERATIONS,
  verifyPassword,
} from "../../services/passwords.ts";

const COMPOSED_E = "\u00e9"; // é as one code point
const DECOMPOSED_E = "e\u0301"; // e + combining acute accent

/** One `crypto.subtle.deriveBits` call as the spy saw it. */
interface DeriveCall {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly lengthBits: number;
}

/**
 * Records every PBKDF2 derivation until disposed; with `fakeByte`, answers with bytes all
 * equal to it instead of doing the work (for tests that only look at the derivations).
 */
function spyDeriveBits(
  options: { fakeByte?: number } = {},
): { calls: DeriveCall[] } & Disposable {
  const subtle = crypto.subtle;
  const hadOwn = Object.hasOwn(subtle, "deriveBits");
  const original = subtle.deriveBits;
  const calls: DeriveCall[] = [];
  subtle.deriveBits = function deriveBitsSpy(algorithm, key, length) {
    const params = algorithm as Pbkdf2Params;
    calls.push({
      iterations: params.iterations,
      salt: new Uint8Array(params.salt as Uint8Array),
      lengthBits: length ?? 0,
    });
    return options.fakeByte === undefined
      ? original.call(subtle, algorithm, key, length)
      : Promise.resolve(new Uint8Array((length ?? 0) / 8).fill(options.fakeByte).buffer);
  };
  return {
    calls,
    [Symbol.dispose]() {
      if (hadOwn) subtle.deriveBits = original;
      else delete (subtle as { deriveBits?: unknown }).deriveBits;
    },
  };
}

function base64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

function fromBase64Url(text: string): Uint8Array {
  return Uint8Array.fromBase64(text, { alphabet: "base64url" });
}

/** Builds a stored hash by hand, bypassing hashPassword's iteration floor. */
async function handMadeHash(
  password: string,
  iterations: number,
  options: { hashBytes?: number } = {},
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
  const hash = new Uint8Array(bits).subarray(0, options.hashBytes ?? 32);
  return `pbkdf2-sha256$${iterations}$${base64Url(salt)}$${base64Url(hash)}`;
}

Deno.test("the iteration constants are 600,000", () => {
  assert.equal(PBKDF2_ITERATIONS, 600_000);
  assert.equal(MIN_PBKDF2_ITERATIONS, 600_000);
});

Deno.test("hashPassword writes pbkdf2-sha256$600000$<16-byte salt>$<32-byte hash>", async () => {
  const stored = await hashPassword("correct horse battery staple");
  const match = /^pbkdf2-sha256\$600000\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  assert.ok(match, stored);
  assert.equal(match[1]!.length, 22); // 16 bytes, no padding
  assert.equal(match[2]!.length, 43); // 32 bytes, no padding
  assert.equal(fromBase64Url(match[1]!).length, 16);
  assert.equal(fromBase64Url(match[2]!).length, 32);
});

Deno.test("hashPassword salts each hash afresh, and a given salt reproduces the hash", async () => {
  const first = await hashPassword("same password");
  const second = await hashPassword("same password");
  assert.notEqual(first, second);
  const [, , firstSalt, firstHash] = first.split("$");
  const [, , secondSalt, secondHash] = second.split("$");
  assert.notEqual(firstSalt, secondSalt);
  assert.notEqual(firstHash, secondHash);

  const again = await hashPassword("same password", { salt: fromBase64Url(firstSalt!) });
  assert.equal(again, first);
});

Deno.test("hashPassword refuses fewer than 600,000 iterations and short salts", async () => {
  using spy = spyDeriveBits({ fakeByte: 0 });
  for (const iterations of [1, 1_000, 599_999, 0, -1, 600_000.5, Number.NaN, Infinity]) {
    await assert.rejects(hashPassword("password123", { iterations }), RangeError, `${iterations}`);
  }
  await assert.rejects(hashPassword("password123", { salt: new Uint8Array(15) }), RangeError);
  assert.equal(spy.calls.length, 0, "refused before any derivation");

  const stored = await hashPassword("password123", { iterations: 700_000 });
  assert.match(stored, /^pbkdf2-sha256\$700000\$/);
  assert.equal(spy.calls[0]!.iterations, 700_000);
});

Deno.test("verifyPassword accepts the right password and rejects a wrong or empty one", async () => {
  const stored = await hashPassword("correct horse battery staple");
  assert.deepEqual(await verifyPassword("correct horse battery staple", stored), {
    ok: true,
    needsRehash: false,
  });
  assert.deepEqual(await verifyPassword("correct horse battery stapl", stored), {
    ok: false,
    needsRehash: false,
  });
  assert.deepEqual(await verifyPassword("", stored), { ok: false, needsRehash: false });
});

Deno.test("verifyPassword answers ok: false for malformed stored hashes, after the usual work", async () => {
  const salt = base64Url(new Uint8Array(16).fill(7));
  const hash = base64Url(new Uint8Array(32).fill(9));
  const malformed = [
    "",
    "not a hash",
    "$$$",
    `pbkdf2-sha256$600000$${salt}`,
    `pbkdf2-sha256$600000$${salt}$${hash}$extra`,
    `pbkdf2-sha512$600000$${salt}$${hash}`,
    `PBKDF2-SHA256$600000$${salt}$${hash}`,
    `pbkdf2-sha256$$${salt}$${hash}`,
    `pbkdf2-sha256$0$${salt}$${hash}`,
    `pbkdf2-sha256$-600000$${salt}$${hash}`,
    `pbkdf2-sha256$0600000$${salt}$${hash}`,
    `pbkdf2-sha256$6e5$${salt}$${hash}`,
    `pbkdf2-sha256$600000.0$${salt}$${hash}`,
    `pbkdf2-sha256$99999999999$${salt}$${hash}`, // would cost minutes
    `pbkdf2-sha256$600000$$${hash}`,
    `pbkdf2-sha256$600000$${salt}$`,
    `pbkdf2-sha256$600000$${salt}=$${hash}`, // padding
    `pbkdf2-sha256$600000$${salt}$${hash.slice(0, 10)} ${hash.slice(10)}`, // whitespace
    `pbkdf2-sha256$600000$${salt.slice(0, -2)}+/$${hash}`, // base64, not base64url
    `pbkdf2-sha256$600000$${salt}$${hash.slice(0, -1)}B`, // stray bits in the last character
  ];
  // The fake derivation matches `hash`, so a string parsed by mistake would answer ok: true.
  using spy = spyDeriveBits({ fakeByte: 9 });
  assert.deepEqual(await verifyPassword("password123", `pbkdf2-sha256$600000$${salt}$${hash}`), {
    ok: true,
    needsRehash: false,
  });
  spy.calls.length = 0;
  for (const stored of malformed) {
    assert.deepEqual(await verifyPassword("password123", stored), {
      ok: false,
      needsRehash: false,
    }, stored);
  }
  // Each one still cost one full derivation, like a real check, against the dummy hash.
  assert.equal(spy.calls.length, malformed.length);
  for (const call of spy.calls) {
    assert.equal(call.iterations, PBKDF2_ITERATIONS);
    assert.equal(call.lengthBits, 256);
    assert.notDeepEqual(call.salt, new Uint8Array(16).fill(7));
  }
});

Deno.test("verifyPassword uses the stored iterations and asks for a rehash below 600,000", async () => {
  const stored = await handMadeHash("old password", 1_000);
  assert.deepEqual(await verifyPassword("old password", stored), { ok: true, needsRehash: true });
  assert.deepEqual(await verifyPassword("wrong password", stored), {
    ok: false,
    needsRehash: false,
  });
});

Deno.test("verifyPassword rejects a stored hash of the wrong length, even if it is a prefix", async () => {
  const short = await handMadeHash("old password", 1_000, { hashBytes: 16 });
  assert.deepEqual(await verifyPassword("old password", short), { ok: false, needsRehash: false });
});

Deno.test("a password with é verifies whether é was typed composed or decomposed", async () => {
  const stored = await hashPassword(`caf${COMPOSED_E} au lait`);
  assert.deepEqual(await verifyPassword(`caf${DECOMPOSED_E} au lait`, stored), {
    ok: true,
    needsRehash: false,
  });
  assert.equal((await verifyPassword("cafe au lait", stored)).ok, false);
});

Deno.test("constantTimeEqual compares bytes, and unequal lengths are never equal", () => {
  const bytes = (...values: number[]) => new Uint8Array(values);
  assert.equal(constantTimeEqual(bytes(), bytes()), true);
  assert.equal(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3)), true);
  assert.equal(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 4)), false);
  assert.equal(constantTimeEqual(bytes(0, 2, 3), bytes(1, 2, 3)), false);
  assert.equal(constantTimeEqual(bytes(255), bytes(127)), false);
  assert.equal(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2)), false);
  assert.equal(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3)), false);
  assert.equal(constantTimeEqual(bytes(), bytes(0)), false);
  assert.equal(constantTimeEqual(bytes(0), bytes()), false);
});

Deno.test("burnPasswordCheck does the work of a real check, with its dummy made on first use", async () => {
  using spy = spyDeriveBits();
  // A fresh copy of the module: importing it derives nothing.
  const fresh: typeof import("../../services/passwords.ts") = await import(
    "../../services/passwords.ts?burn-test"
  );
  assert.equal(spy.calls.length, 0);

  await fresh.burnPasswordCheck("no such user's password");
  await fresh.burnPasswordCheck("another guess");
  assert.equal(spy.calls.length, 2, "one derivation per call, the first call included");
  const [first, second] = spy.calls as [DeriveCall, DeriveCall];
  assert.deepEqual(second.salt, first.salt, "the same dummy hash both times");

  const stored = await fresh.hashPassword("real password");
  spy.calls.length = 0;
  assert.equal((await fresh.verifyPassword("wrong password", stored)).ok, false);
  assert.equal(spy.calls.length, 1);
  assert.equal(first.iterations, spy.calls[0]!.iterations);
  assert.equal(first.lengthBits, spy.calls[0]!.lengthBits);
  assert.equal(first.salt.length, spy.calls[0]!.salt.length);
});
