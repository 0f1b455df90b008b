/**
 * @module The per-username sign-in limit (RATE_LIMIT_LOGIN_USER): failed guesses from any
 * address lock a username for a while, but never for an address that signed into it before,
 * and a success clears the count.
 */

import { validateUsername } from "../lib/account_rules.ts";
import { ApiError } from "./problem.ts";
import type { RateLimiter } from "./rate_limit.ts";

/**
 * Counts sign-in attempts per username, whatever the address, so guesses spread over many
 * addresses stay limited. So that such guesses cannot lock the owner out for as long as they
 * go on, an address that signed into the account since the service started is not held by
 * this limit (only by the per-address one), and a successful sign-in clears the count.
 */
export class SignInLimit {
  readonly #limiter: RateLimiter;
  readonly #maxKnown: number;
  /** `username\naddress` pairs that signed in, least recently used first. */
  readonly #known = new Map<string, true>();

  /** @param options.maxKnownAddresses how many (username, address) pairs are remembered. */
  constructor(limiter: RateLimiter, options: { readonly maxKnownAddresses?: number } = {}) {
    this.#limiter = limiter;
    this.#maxKnown = options.maxKnownAddresses ?? 100_000;
  }

  /**
   * Counts one attempt to sign in as `username` from `address` (counted before the password
   * is checked, so concurrent guesses cannot all slip through). Names that cannot exist are
   * not counted: nothing to protect, and no room for huge keys in the limiter.
   * @throws {ApiError} `rate_limited` (429) while the username is locked for this address.
   */
  attempt(username: string, address: string | null): void {
    if (validateUsername(username) !== undefined || this.#isKnown(username, address)) return;
    const decision = this.#limiter.take(`user:${username}`);
    if (!decision.allowed) {
      throw new ApiError(
        "rate_limited",
        `Too many sign-in attempts for this user: try again in ${decision.retryAfterSeconds} s`,
        { "retry-after": String(decision.retryAfterSeconds) },
      );
    }
  }

  /** The password was right: clears the username's count and remembers the address. */
  succeeded(username: string, address: string | null): void {
    this.#limiter.reset(`user:${username}`);
    if (address === null) return;
    const pair = `${username}\n${address}`;
    this.#known.delete(pair);
    if (this.#known.size >= this.#maxKnown) {
      const oldest = this.#known.keys().next();
      if (!oldest.done) this.#known.delete(oldest.value);
    }
    this.#known.set(pair, true);
  }

  #isKnown(username: string, address: string | null): boolean {
    return address !== null && this.#known.has(`${username}\n${address}`);
  }
}
