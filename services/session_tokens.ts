/**
 * @module Session tokens: making them, the hash stored in their place, and a cheap shape check
 * (SESSION_TTL's duration grammar is in config/grammars.ts).
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
