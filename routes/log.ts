/** @module `GET /log`: the API-call log, newest first, filtered and paged. */

import { Hono } from "hono";
import type { AppEnv } from "../http/context.ts";
import { requireAdmin } from "../http/auth.ts";
import { beforeCursor, linkNextPage, pageSize } from "../http/paging.ts";
import { ApiError } from "../http/problem.ts";
import { parseTimestamp, parseWholeNumber, readQuery } from "../http/query.ts";
import { clip } from "../lib/clip.ts";
import { LOG_API_LIMITS } from "../db/log_api_schema.ts";
import type { LogApiFilter, LogApiReader } from "../services/log_api_reader.ts";

/** The query parameters of `GET /log` (and of the call-log page). */
export const LOG_PARAMETERS = [
  "limit",
  "before",
  "since",
  "until",
  "url",
  "user_id",
  "status",
  "trace_id",
  "method",
] as const;

/** Routes under `/log`: admins only, unless `open` (LOG_API_PUBLIC, as the original app had it). */
export function logRoutes(apiLog: LogApiReader, open: boolean): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/", async (c) => {
    if (!open) requireAdmin(c);
    const query = readQuery(new URL(c.req.url), LOG_PARAMETERS);
    const limit = pageSize(query);
    const page = await apiLog.page(parseFilter(query), limit);
    linkNextPage(c, query, "before", page.nextBefore);
    return c.json(page.rows);
  });
}

/**
 * The call-log filter the query asks for.
 * @throws {ApiError} `invalid_parameter` saying which parameter is wrong and why.
 */
export function parseFilter(query: ReadonlyMap<string, string>): LogApiFilter {
  const filter: { -readonly [K in keyof LogApiFilter]: LogApiFilter[K] } = {};
  const before = beforeCursor(query);
  if (before !== undefined) filter.beforeSeq = before;
  const since = query.get("since");
  if (since !== undefined) filter.since = parseTimestamp(since, "since");
  const until = query.get("until");
  if (until !== undefined) filter.until = parseTimestamp(until, "until");
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    throw new ApiError("invalid_parameter", "Cannot use since and until: since must be earlier");
  }
  const url = query.get("url");
  if (url !== undefined) filter.url = exactText(url, "url", LOG_API_LIMITS.callUrl);
  const userId = query.get("user_id");
  if (userId !== undefined) filter.userId = exactText(userId, "user_id", LOG_API_LIMITS.userId);
  const status = query.get("status");
  if (status !== undefined) filter.status = parseWholeNumber(status, "status", 100, 599);
  const traceId = query.get("trace_id");
  if (traceId !== undefined) filter.traceId = parseTraceId(traceId);
  const method = query.get("method");
  if (method !== undefined) filter.method = parseMethod(method);
  return filter;
}

/** A trace id as x-trace-id shows it (upper case accepted, as some tools print it). */
function parseTraceId(raw: string): string {
  const id = raw.toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id) || /^0+$/.test(id)) {
    throw new ApiError(
      "invalid_parameter",
      `Cannot filter by trace_id "${
        clip(raw)
      }": expected 32 hexadecimal digits, as x-trace-id shows`,
    );
  }
  return id;
}

/** An HTTP method (a token of at most 16 characters), matched in upper case. */
function parseMethod(raw: string): string {
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,16}$/.test(raw)) {
    throw new ApiError(
      "invalid_parameter",
      `Cannot filter by method "${clip(raw)}": expected an HTTP method such as GET or POST`,
    );
  }
  return raw.toUpperCase();
}

function exactText(raw: string, what: string, max: number): string {
  if (raw === "") throw new ApiError("invalid_parameter", `Cannot filter by ${what}: it is empty`);
  if ([...raw].length > max) {
    throw new ApiError(
      "invalid_parameter",
      `Cannot filter by ${what} "${clip(raw)}": the log stores at most ${max} characters`,
    );
  }
  return raw;
}
