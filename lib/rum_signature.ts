/**
 * @module The proof that a page's trace context was issued by otel-board: an HMAC-SHA-256 over
 * the page's traceparent, its path and the time it was issued, with a key every instance shares.
 */

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The smallest signing key accepted, in bytes (the size of the HMAC-SHA-256 output). */
export const MIN_SIGNING_KEY_BYTES = 32;

/** What a page's signature covers. */
export interface IssuedContext {
  /** The page's SERVER span as a W3C traceparent (`00-{trace id}-{span id}-{flags}`). */
  readonly traceparent: string;
  /** The page's path, as the browser's `location.pathname` shows it. */
  readonly path: string;
  /** When the context was issued: the SERVER span's start, in milliseconds since the epoch. */
  readonly issuedAtMs: number;
}

/** Why a signed context was refused. */
export type SignatureRefusal = "bad_signature" | "expired";

/** Signs page contexts and checks the ones beacons bring back. */
export class RumSigner {
  readonly #key: Uint8Array;
  /** True when the key was made up at start-up (RUM_SIGNING_KEY unset). */
  readonly generated: boolean;

  /** `key` is RUM_SIGNING_KEY's bytes; without one, a random key for this process only. */
  constructor(key?: Uint8Array) {
    if (key !== undefined && key.byteLength < MIN_SIGNING_KEY_BYTES) {
      throw new RangeError(`A signing key must have at least ${MIN_SIGNING_KEY_BYTES} bytes`);
    }
    this.generated = key === undefined;
    this.#key = key ?? new Uint8Array(randomBytes(MIN_SIGNING_KEY_BYTES));
  }

  /** The signature of `issued`, base64url (43 characters). */
  sign(issued: IssuedContext): string {
    return createHmac("sha256", this.#key).update(signedText(issued)).digest("base64url");
  }

  /**
   * Checks `signature` over `issued`, then its age: issued at most `maxAgeMs` before `nowMs`
   * and not more than a minute after it (clocks of two instances differ a little).
   * @returns undefined when accepted, else why not.
   */
  verify(
    issued: IssuedContext,
    signature: string,
    options: { readonly maxAgeMs: number; readonly nowMs: number },
  ): SignatureRefusal | undefined {
    const expected = new TextEncoder().encode(this.sign(issued));
    const given = new TextEncoder().encode(signature);
    if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
      return "bad_signature";
    }
    const age = options.nowMs - issued.issuedAtMs;
    if (age > options.maxAgeMs || age < -CLOCK_SKEW_MS) return "expired";
    return undefined;
  }
}

/** How far in the future an issue time may lie: another instance's clock may be ahead. */
const CLOCK_SKEW_MS = 60_000;

/** One line per part, so no part can borrow characters from its neighbour. */
function signedText(issued: IssuedContext): string {
  return `otel-board rum v1\n${issued.traceparent}\n${issued.issuedAtMs}\n${issued.path}`;
}
