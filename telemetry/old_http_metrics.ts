/**
 * @module The pre-stable `http.server.duration` histogram that
 * `OTEL_SEMCONV_STABILITY_OPT_IN=http/dup` sends beside `http.server.request.duration`, in the
 * old shape dashboards were built on: milliseconds, the SDK's default (millisecond) buckets and
 * the old attribute names.
 */

import type { Attributes, Meter } from "@opentelemetry/api";
import { OLD_HTTP } from "./semconv.ts";

/** What one request's old duration point is recorded under. */
export interface OldDurationFacts {
  /** The request method, `_OTHER` for an unknown one (the new metric's rule: bounded). */
  readonly method: string;
  readonly scheme: string;
  readonly statusCode: number;
  /** The route that answered; none for an unmatched request. */
  readonly route: string | undefined;
  readonly port: number;
}

/**
 * Creates `http.server.duration` (unit `ms`, no bucket advice, so the SDK's default
 * boundaries 0, 5, 10, 25 … 10000 apply) on `meter`.
 *
 * @returns a function recording one request's duration in milliseconds
 */
export function oldServerDuration(
  meter: Meter,
): (durationMs: number, facts: OldDurationFacts) => void {
  const histogram = meter.createHistogram("http.server.duration", {
    unit: "ms",
    description: "Duration of inbound HTTP requests (pre-stable semantic conventions).",
  });
  return function recordOldDuration(durationMs, facts) {
    const attributes: Attributes = {
      [OLD_HTTP.method]: facts.method,
      [OLD_HTTP.scheme]: facts.scheme,
      [OLD_HTTP.statusCode]: facts.statusCode,
      [OLD_HTTP.hostPort]: facts.port,
      [OLD_HTTP.flavor]: OLD_HTTP_FLAVOR,
    };
    if (facts.route !== undefined) attributes[OLD_HTTP.route] = facts.route;
    histogram.record(durationMs, attributes);
  };
}

/** `http.flavor`: Deno.serve without TLS speaks HTTP/1.1, the protocol nginx uses upstream. */
export const OLD_HTTP_FLAVOR = "1.1";
