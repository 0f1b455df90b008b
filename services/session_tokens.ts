/**
 * @module Session tokens: making them, the hash stored in their place, a cheap shape check,
 * and parsing durations such as SESSION_TTL.
 *
 * A token is 32 random bytes (256 bits), handed to the client once as base64url. The
 * database keeps only its SHA-256: a stolen database does not yield usable tokens. SHA-256
 * rather than PBKDF2 because the hash is computed on every authenticated request, and a
 * 256-bit random token cannot be guessed, so slowing down guessing buys nothing.
 */

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Makes a new session token: 32 random bytes as base64url without padding (43 characters). */
export function newSessionToken(): string {
  return crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))
    .toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * The value stored for a token: the SHA-256 of its UTF-8 bytes.
 *
 * @returns 64 lowercase hexadecimal characters.
 */
export async function sessionTokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return new Uint8Array(digest).toHex();
}

/**
 * Whether `text` has the shape of a session token (exactly 43 base64url characters): a
 * cheap check that lets obviously wrong cookies and headers skip hashing and the lookup.
 */
export function looksLikeSessionToken(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

const UNIT_MS: Readonly<Record<string, number>> = {
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
};

/**
 * Parses a duration setting: a whole number followed by `d`, `h`, `m` or `s` ("7d", "12h",
 * "30m", "3600s"), or a plain whole number of seconds ("3600"). Surrounding whitespace is
 * ignored. The result is not capped, so check it before handing it to a timer.
 *
 * @returns The duration in milliseconds, always positive.
 * @throws {Error} for anything else, zero included.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+)([dhms]?)$/.exec(text.trim());
  if (match === null) {
    throw new Error(
      `Cannot parse duration "${text}": expected a number of seconds or a value such as 7d, 12h, 30m`,
    );
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] || "s"]!;
  if (ms === 0) {
    throw new Error(`Cannot parse duration "${text}": it must be greater than zero`);
  }
  if (!Number.isSafeInteger(ms)) {
    throw new Error(`Cannot parse duration "${text}": it is too large`);
  }
  return ms;
}
