/**
 * @module Password hashing (PBKDF2-SHA-256 via WebCrypto), verification in constant time,
 * a dummy check for unknown users, and generated passwords (the username/password rules live
 * in lib/account_rules.ts).
 *
 * Stored form: `pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>` (no padding),
 * with a 16-byte random salt and a 32-byte derived key. The iteration count travels with
 * the hash, so raising {@link PBKDF2_ITERATIONS} later keeps old hashes verifiable and
 * flags them for rehashing at the next successful login.
 *
 * Passwords are NFC-normalized, then encoded as UTF-8 before hashing: "é" typed as one
 * code point (U+00E9) or as "e" + combining acute accent (U+0065 U+0301) is the same
 * password, whatever keyboard or operating system produced it.
 */

/** Iterations used for new hashes (OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256). */
export const PBKDF2_ITERATIONS = 600_000;

/** Fewest iterations {@link hashPassword} accepts; there is no way to ask for fewer. */
export const MIN_PBKDF2_ITERATIONS = 600_000;

/**
 * Most iterations accepted on either side: a corrupt or hostile stored string must not make
 * one login cost seconds of CPU. About 15x the current cost.
 */
const MAX_PBKDF2_ITERATIONS = 10_000_000;

const SCHEME = "pbkdf2-sha256";
const SALT_BYTES = 16;
const MAX_SALT_BYTES = 64;
const HASH_BYTES = 32;

/** A random password to hand an operator: 24 base64url characters (144 random bits). */
export function newGeneratedPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

/** Outcome of {@link verifyPassword}. */
export interface PasswordCheck {
  /** The password matches the stored hash. */
  readonly ok: boolean;
  /** The password matched but the hash uses fewer iterations than today's; store a new one. */
  readonly needsRehash: boolean;
}

/** A parsed stored hash. */
interface StoredHash {
  readonly iterations: number;
  readonly salt: Uint8Array<ArrayBuffer>;
  readonly hash: Uint8Array<ArrayBuffer>;
}

/**
 * Hashes a password for storage.
 *
 * @param password Any string; `validatePassword` (lib/account_rules.ts) decides what is acceptable.
 * @param options `iterations` (default {@link PBKDF2_ITERATIONS}, never below
 *   {@link MIN_PBKDF2_ITERATIONS}) and `salt` (default 16 random bytes; at least 16 bytes).
 * @returns `pbkdf2-sha256$<iterations>$<salt>$<hash>`, base64url without padding.
 * @throws {RangeError} for too few (or absurdly many) iterations or a short salt.
 */
export async function hashPassword(
  password: string,
  options: { iterations?: number; salt?: Uint8Array } = {},
): Promise<string> {
  const iterations = options.iterations ?? PBKDF2_ITERATIONS;
  if (
    !Number.isSafeInteger(iterations) || iterations < MIN_PBKDF2_ITERATIONS ||
    iterations > MAX_PBKDF2_ITERATIONS
  ) {
    throw new RangeError(
      `Cannot hash password: iterations must be an integer from ${MIN_PBKDF2_ITERATIONS} to ${MAX_PBKDF2_ITERATIONS}, got ${iterations}`,
    );
  }
  // Copied so the caller cannot change it under us (and to get an ArrayBuffer-backed view).
  const salt = options.salt === undefined
    ? crypto.getRandomValues(new Uint8Array(SALT_BYTES))
    : new Uint8Array(options.salt);
  if (salt.length < SALT_BYTES || salt.length > MAX_SALT_BYTES) {
    throw new RangeError(
      `Cannot hash password: the salt must be ${SALT_BYTES}-${MAX_SALT_BYTES} bytes, got ${salt.length}`,
    );
  }
  const hash = await derive(password, salt, iterations);
  return [SCHEME, String(iterations), toBase64Url(salt), toBase64Url(hash)].join("$");
}

/**
 * Checks a password against a stored hash, using the stored iteration count and salt.
 *
 * Never throws: a malformed stored string answers `ok: false`, after the same derivation
 * work as a real check, so a corrupt row does not stand out by its timing either.
 *
 * @returns `ok`, and `needsRehash` when it matched with fewer than {@link PBKDF2_ITERATIONS}.
 */
export async function verifyPassword(password: string, stored: string): Promise<PasswordCheck> {
  const parsed = parseStoredHash(stored);
  if (parsed === undefined) {
    await burnPasswordCheck(password);
    return { ok: false, needsRehash: false };
  }
  const derived = await derive(password, parsed.salt, parsed.iterations);
  const ok = constantTimeEqual(derived, parsed.hash);
  return { ok, needsRehash: ok && parsed.iterations < PBKDF2_ITERATIONS };
}

let dummyHash: string | undefined;

/**
 * Does the work of a real {@link verifyPassword} against a dummy hash that no password
 * matches, so "no such user" takes as long as "wrong password".
 *
 * The dummy (a random salt and a random 32-byte "hash" at {@link PBKDF2_ITERATIONS}) is made
 * on the first call, not at import time; making it costs no derivation, so the first call
 * costs the same as every later one.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= [
    SCHEME,
    String(PBKDF2_ITERATIONS),
    toBase64Url(crypto.getRandomValues(new Uint8Array(SALT_BYTES))),
    toBase64Url(crypto.getRandomValues(new Uint8Array(HASH_BYTES))),
  ].join("$");
  // Not verifyPassword(): its malformed-hash path calls back here.
  const parsed = parseStoredHash(dummyHash)!;
  const derived = await derive(password, parsed.salt, parsed.iterations);
  constantTimeEqual(derived, parsed.hash);
}

/**
 * Compares two byte arrays in time that depends only on the length of `a`: every byte is
 * XOR-ed and OR-accumulated, with no early exit. When the lengths differ the answer is
 * false, but `a` is still compared (with itself) byte by byte.
 *
 * @param a The bytes whose length sets the work (the freshly derived key).
 * @param b The bytes to compare with (the stored key).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const sameLength = a.length === b.length;
  const other = sameLength ? b : a;
  let difference = sameLength ? 0 : 1;
  for (let i = 0; i < a.length; i++) {
    difference |= a[i]! ^ other[i]!;
  }
  return difference === 0;
}

/** Derives the 32-byte PBKDF2-SHA-256 key of the NFC-normalized, UTF-8 encoded password. */
async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password.normalize("NFC")),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/** Parses `pbkdf2-sha256$<iterations>$<salt>$<hash>`; undefined for anything else. */
function parseStoredHash(stored: string): StoredHash | undefined {
  if (typeof stored !== "string") return undefined;
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== SCHEME) return undefined;
  const [, iterationsText, saltText, hashText] = parts as [string, string, string, string];
  if (!/^[1-9][0-9]{0,9}$/.test(iterationsText)) return undefined;
  const iterations = Number(iterationsText);
  if (iterations > MAX_PBKDF2_ITERATIONS) return undefined;
  const salt = fromBase64Url(saltText);
  const hash = fromBase64Url(hashText);
  if (salt === undefined || salt.length === 0 || salt.length > MAX_SALT_BYTES) return undefined;
  if (hash === undefined || hash.length === 0) return undefined;
  return { iterations, salt, hash };
}

function toBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/** Decodes canonical unpadded base64url (no whitespace, no stray bits); undefined otherwise. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const bytes = Uint8Array.fromBase64(text, { alphabet: "base64url" });
    return toBase64Url(bytes) === text ? bytes : undefined;
  } catch {
    return undefined;
  }
}
