/** @module Middleware that hands every API call to the call-log writer once its answer is delivered. */

import type { MiddlewareHandler } from "hono";
import type { ApiCall, LogApiWriter } from "../services/log_api_writer.ts";
import { redactQuery } from "../lib/redact.ts";
import type { Logger } from "../telemetry/log.ts";
import type { AppEnv } from "./context.ts";
import { CLIENT_CLOSED_REQUEST } from "./client_gone.ts";

/**
 * Records one row per request (except `skipPaths`), whatever the outcome: 404, 405,
 * 413 and handler failures included. With `Deno.serve` the row is recorded when the
 * response has been delivered, so a client that disconnected is logged as 499.
 */
export function logApiMiddleware(
  writer: LogApiWriter,
  skipPaths: ReadonlySet<string>,
  logger: Logger,
): MiddlewareHandler<AppEnv> {
  const log = logger.scoped(import.meta.url);
  return async function logApiMiddleware(c, next) {
    if (skipPaths.has(c.req.path)) return next();
    const startTime = Date.now();
    const started = performance.now();
    const signal = c.req.raw.signal;
    const url = c.req.url;
    const queryStart = url.indexOf("?");
    try {
      await next();
    } finally {
      // An access line at debug level, written inside the request's trace.
      if (log.enabled("debug")) {
        log.debug("Request served", {
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        });
      }
      // Read what the row needs now, so that nothing holds the request's context (request,
      // response, headers) while the answer is being delivered.
      const clientIp = c.get("clientIp") ?? null;
      const userId = c.get("userId") ?? null;
      const traceId = c.get("traceId") ?? null;
      const method = c.req.method;
      const path = c.req.path;
      const status = c.res.status;
      const finish = (): ApiCall => ({
        clientIp,
        userId,
        startTime,
        endTime: Date.now(),
        durationMs: performance.now() - started,
        method,
        path,
        // Passwords or tokens in a query string never reach the call log.
        query: queryStart === -1 ? "" : redactQuery(url.slice(queryStart + 1)),
        status: signal.aborted ? CLIENT_CLOSED_REQUEST : status,
        traceId,
      });
      const delivered = c.env?.completed;
      if (delivered === undefined) writer.record(finish());
      else writer.recordWhenSettled(delivered, finish);
    }
  };
}
