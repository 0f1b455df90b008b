/** @module Remembers what was seen once, for a while, in bounded memory: a beacon is taken once. */

/** Tells a key's first sighting from a repeat, until the key's own expiry. */
export class ReplayGuard {
  readonly #expiries = new Map<string, number>();
  readonly #maxKeys: number;

  /** Remembers at most `maxKeys` keys; when full, the oldest sighting is forgotten first. */
  constructor(maxKeys = 100_000) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) {
      throw new RangeError(`maxKeys must be a whole number of at least 1, got ${maxKeys}`);
    }
    this.#maxKeys = maxKeys;
  }

  /**
   * True the first time `key` is seen (it is then remembered until `expiresAtMs`), false for a
   * repeat before that. A few expired keys are forgotten on every call.
   */
  firstSighting(key: string, expiresAtMs: number, nowMs: number): boolean {
    let budget = 2;
    for (const [seen, expiry] of this.#expiries) {
      if (budget-- === 0 || expiry > nowMs) break;
      this.#expiries.delete(seen);
    }
    const known = this.#expiries.get(key);
    if (known !== undefined && known > nowMs) return false;
    this.#expiries.delete(key);
    if (this.#expiries.size >= this.#maxKeys) {
      const oldest = this.#expiries.keys().next();
      if (!oldest.done) this.#expiries.delete(oldest.value);
    }
    this.#expiries.set(key, expiresAtMs);
    return true;
  }

  /** How many keys are remembered (never more than `maxKeys`). */
  size(): number {
    return this.#expiries.size;
  }
}
