/**
 * @module Middleware that writes each request's access record (through the logger, inside the
 * request's span) and hands every API call to the call-log writer once its answer is delivered.
 */

import type { Context, MiddlewareHandler } from "hono";
import type { ApiCall, LogApiWriter } from "../services/log_api_writer.ts";
import { redactQuery } from "../lib/redact.ts";
import type { Logger } from "../telemetry/log.ts";
import type { LogLevel } from "../lib/log_levels.ts";
import { answeringRoute, KNOWN_METHODS } from "./answering_route.ts";
import type { AppEnv } from "./context.ts";
import { CLIENT_CLOSED_REQUEST } from "./client_gone.ts";

/**
 * Records one row per request (except `skipPaths`), whatever the outcome: 404, 405,
 * 413 and handler failures included. With `Deno.serve` the row is recorded when the
 * response has been delivered, so a client that disconnected is logged as 499.
 *
 * Each of those requests also gets one access record once it is answered (LOG_ACCESS says
 * where it goes): INFO below 400, WARN for 4xx, ERROR for 5xx, written while the telemetry
 * middleware's SERVER span is still the active one, so it carries that span's ids.
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
      accessRecord(c, log, performance.now() - started);
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

// The access record's attribute names: the stable HTTP semconv ones (spelt out: http/ imports
// no OpenTelemetry package), and the duration in the call log's unit under our own app.*.
const ATTR_HTTP_REQUEST_METHOD = "http.request.method";
const ATTR_HTTP_REQUEST_METHOD_ORIGINAL = "http.request.method_original";
const ATTR_URL_PATH = "url.path";
const ATTR_HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
const ATTR_HTTP_ROUTE = "http.route";
const ATTR_CLIENT_ADDRESS = "client.address";
const ATTR_ACCESS_DURATION_MS = "app.request.duration_ms";

/** The severity of a request's access record: by its status class. */
function accessLevel(status: number): LogLevel {
  return status >= 500 ? "error" : status >= 400 ? "warn" : "info";
}

/** Writes the access record of the request `c` has answered, `durationMs` after it began. */
function accessRecord(c: Context<AppEnv>, log: Logger, durationMs: number): void {
  const status = c.res.status;
  const level = accessLevel(status);
  if (!log.accessEnabled(level)) return;
  const method = c.req.method;
  const known = KNOWN_METHODS.has(method);
  const attributes: Record<string, string | number> = {
    [ATTR_HTTP_REQUEST_METHOD]: known ? method : "_OTHER",
    [ATTR_URL_PATH]: c.req.path,
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
  };
  if (!known) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  const route = answeringRoute(c);
  if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
  const clientIp = c.get("clientIp");
  if (clientIp !== null) attributes[ATTR_CLIENT_ADDRESS] = clientIp;
  attributes[ATTR_ACCESS_DURATION_MS] = Math.round(durationMs * 1000) / 1000;
  log.access(level, `${method} ${c.req.path} ${status}`, attributes);
}
