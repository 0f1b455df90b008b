/** @module The one polling helper of the tests and benchmarks: call a check until it holds. */

import { errorMessage } from "../lib/error_message.ts";

/** How long and how often {@link poll} asks, and what it names when it gives up. */
export interface PollOptions {
  /** What is awaited, for the timeout message ("the retry", "nginx to listen"). */
  readonly what: string;
  /** Gives up after this many milliseconds (default 5000). */
  readonly timeoutMs?: number;
  /** Milliseconds between two checks (default 20). */
  readonly intervalMs?: number;
  /** Errors for which waiting longer cannot help: rethrown at once instead of retried. */
  readonly fatal?: (error: unknown) => boolean;
  /** Extra context for the timeout message, read when it is written. */
  readonly detail?: () => string;
}

/**
 * Calls `check` every `intervalMs` until it answers something other than `undefined` or
 * `false`, and resolves with that answer (`true` for a boolean check). An error `check`
 * throws counts as "not yet" unless `fatal` says otherwise.
 *
 * @throws {Error} "Timed out after N ms waiting for <what>", then `: <detail>` when given and
 * `; last error: <message>` when a check threw (the latest error thrown).
 */
export async function poll<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: PollOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown = undefined;
  let threw = false;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (options.fatal?.(error)) throw error;
      lastError = error;
      threw = true;
    }
    if (performance.now() >= deadline) {
      const detail = options.detail === undefined ? "" : `: ${options.detail()}`;
      const last = threw ? `; last error: ${errorMessage(lastError)}` : "";
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${options.what}${detail}${last}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
