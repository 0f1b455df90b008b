/** @module Per-client request rate limits: a bounded in-memory limiter and its middleware (config/grammars.ts parses "10/1m"). */

import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "./context.ts";
import { ApiError } from "./problem.ts";
import type { RateLimit } from "../config/grammars.ts";

/** The outcome of one request against a limiter. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts requests per key (a client address, or `user:<name>`) and refuses those over the limit. */
export interface RateLimiter {
  /** Counts one request for `key` when it is allowed; refused requests are not counted. */
  take(key: string): RateDecision;
  /**
   * Gives back one request `take` counted for `key`: it turned out not to be the kind of
   * request the limit is for (a refused registration, for one).
   */
  refund(key: string): void;
  /** Forgets everything counted for `key` (a successful sign-in clears its username's count). */
  reset(key: string): void;
  /** How many keys are currently tracked (never more than `maxKeys`). */
  size(): number;
}

/** Counts for one key: requests in its latest fixed window and in the window before it. */
interface Buckets {
  window: number;
  current: number;
  previous: number;
}

/** A limiter that allows everything: a limit set to `off`. */
const UNLIMITED: RateLimiter = Object.freeze({
  take: () => ({ allowed: true }) as const,
  refund: () => {},
  reset: () => {},
  size: () => 0,
});

/**
 * Creates a limiter using the two-bucket approximation of a sliding window (as Cloudflare
 * and nginx-style limiters do): the previous fixed window's count, weighted by how much of
 * it still overlaps the sliding window, plus the current window's count. Each call is O(1)
 * and each key costs three numbers, whatever the limit.
 *
 * Keys live in a `Map` kept in least-recently-used order, so the first entry is always the
 * stalest: when `maxKeys` (default 100,000) are tracked, that entry makes room; it is an
 * expired one whenever any key has expired. A few expired keys are also dropped on every call.
 * @param limit null (a setting of `off`): a limiter that allows everything and tracks nothing.
 * @param options.now milliseconds from a monotonic clock; `performance.now` unless injected.
 */
export function createRateLimiter(
  limit: RateLimit | null,
  options: { maxKeys?: number; now?: () => number } = {},
): RateLimiter {
  if (limit === null) return UNLIMITED;
  const { limit: max, windowMs } = limit;
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? (() => performance.now());
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(`The rate limit must be a whole number of at least 1, got ${max}`);
  }
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
    throw new RangeError(`The rate-limit window must be a positive number of ms, got ${windowMs}`);
  }
  if (!Number.isInteger(maxKeys) || maxKeys < 1) {
    throw new RangeError(`maxKeys must be a whole number of at least 1, got ${maxKeys}`);
  }
  const keys = new Map<string, Buckets>();

  /** A key whose newest window is two or more windows old counts as nothing. */
  function dropExpired(window: number, budget: number): void {
    for (const [key, buckets] of keys) {
      if (budget-- === 0 || buckets.window >= window - 1) return;
      keys.delete(key);
    }
  }

  return {
    take(key) {
      const time = now();
      const window = Math.floor(time / windowMs);
      dropExpired(window, 2);
      let buckets = keys.get(key);
      if (buckets === undefined) {
        if (keys.size >= maxKeys) {
          const stalest = keys.keys().next();
          if (!stalest.done) keys.delete(stalest.value);
        }
        buckets = { window, current: 0, previous: 0 };
      } else {
        keys.delete(key);
        // A clock that steps back keeps the key in its latest window.
        if (window === buckets.window + 1) {
          buckets.previous = buckets.current;
          buckets.current = 0;
        } else if (window > buckets.window + 1) {
          buckets.previous = 0;
          buckets.current = 0;
        }
        buckets.window = Math.max(buckets.window, window);
      }
      keys.set(key, buckets);

      const elapsed = Math.min(Math.max(time - buckets.window * windowMs, 0), windowMs);
      const { current, previous } = buckets;
      // previous * (1 - elapsed / windowMs) + current + 1 <= max, without dividing.
      if (previous * (windowMs - elapsed) + (current + 1) * windowMs <= max * windowMs) {
        buckets.current++;
        return { allowed: true };
      }
      const waitMs = current < max
        // Later in this window, when enough of the previous one has slid out.
        ? windowMs - ((max - 1 - current) * windowMs) / previous - elapsed
        // Next window, when this window's count has slid out far enough.
        : windowMs - elapsed + windowMs - ((max - 1) * windowMs) / current;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1_000)) };
    },
    refund(key) {
      const buckets = keys.get(key);
      if (buckets === undefined) return;
      // Counted in the current window, or in the one before when the window turned since.
      if (buckets.current > 0) buckets.current--;
      else if (buckets.previous > 0) buckets.previous--;
    },
    reset(key) {
      keys.delete(key);
    },
    size() {
      return keys.size;
    },
  };
}

/**
 * Middleware refusing requests over `limiter`'s limit with 429 and `Retry-After`.
 * @param keyOf the key to count the request under (client address, `user:<name>`); null → no limit.
 * @param what names the requests in the refusal, e.g. "sign-in attempts".
 */
export function rateLimited(
  limiter: RateLimiter,
  keyOf: (c: Context<AppEnv>) => string | null,
  what: string,
): MiddlewareHandler<AppEnv> {
  return async function rateLimited(c, next) {
    const key = keyOf(c);
    if (key !== null) {
      const decision = limiter.take(key);
      if (!decision.allowed) {
        const seconds = decision.retryAfterSeconds;
        throw new ApiError(
          "rate_limited",
          `Too many ${what} from this address: try again in ${seconds} s`,
          { "retry-after": String(seconds) },
        );
      }
    }
    await next();
  };
}
