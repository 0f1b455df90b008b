/** @module Rate-limited failure reports: a failure that repeats is logged once per interval. */

/**
 * Counts failures and says when one should be reported: the first at once, then at most one
 * per `intervalMs`, with how many failures the report stands for. A collector or a database
 * that stays down thus fills the log with one line per interval, not one per attempt.
 */
export class FailureLogThrottle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastReportAt = -Infinity;
  #sinceReport = 0;

  /** Reports at most once per `intervalMs` as read from `now` (default: `performance.now`). */
  constructor(intervalMs: number, now: () => number = () => performance.now()) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /**
   * Counts one failure.
   * @returns the failures to report (this one and those held back since the last report)
   * when a report is due now; undefined when this one is held back.
   */
  failed(): number | undefined {
    this.#sinceReport++;
    const now = this.#now();
    if (now - this.#lastReportAt < this.#intervalMs) return undefined;
    const failures = this.#sinceReport;
    this.#lastReportAt = now;
    this.#sinceReport = 0;
    return failures;
  }
}
