/**
 * @module Histogram bucket boundaries (seconds) from the semantic conventions, apart from
 * the metrics SDK so that code recording durations does not load it.
 */

/** HTTP request duration buckets (seconds), from the HTTP semantic conventions. */
export const HTTP_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
]);

/** Database operation duration buckets (seconds), from the database semantic conventions. */
export const DB_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.001,
  0.005,
  0.01,
  0.05,
  0.1,
  0.5,
  1,
  5,
  10,
]);
