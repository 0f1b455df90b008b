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

const PARAMETERS = ["limit", "before", "since", "until", "url", "user_id", "status"] as const;

/** Routes under `/log`: admins only, unless `open` (LOG_API_PUBLIC, as the original app had it). */
export function logRoutes(apiLog: LogApiReader, open: boolean): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/", async (c) => {
    if (!open) requireAdmin(c);
    const query = readQuery(new URL(c.req.url), PARAMETERS);
    const limit = pageSize(query);
    const page = await apiLog.page(parseFilter(query), limit);
    linkNextPage(c, query, "before", page.nextBefore);
    return c.json(page.rows);
  });
}

function parseFilter(query: ReadonlyMap<string, string>): LogApiFilter {
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
  return filter;
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
