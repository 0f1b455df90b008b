/** @module Reading the API-call log: filtered, newest-first pages. */

import type { Database } from "../db/database.ts";
import { type LogApiFilter, type LogApiRow, selectLogApiRows } from "../db/log_api.ts";
import type { SpanHelpers } from "../telemetry/traced.ts";

export type { LogApiFilter, LogApiRow };

/** One page of log rows and the cursor of the next page, if more rows match. */
export interface LogPage {
  readonly rows: LogApiRow[];
  /** Pass as `before` to read the next page; absent on the last page. */
  readonly nextBefore?: number;
}

/** What the log route asks of the API-call log. */
export interface ApiLogService {
  /** Up to `limit` rows matching `filter`, newest first. */
  page(filter: LogApiFilter, limit: number): LogPage;
}

/** The API-call log reader over a database; each call is a span named `api_log.page`. */
export function createApiLogService(db: Database, spans: SpanHelpers): ApiLogService {
  return {
    page: spans.traced("api_log.page", (filter: LogApiFilter, limit: number): LogPage => {
      const rows = selectLogApiRows(db, filter, limit + 1);
      if (rows.length <= limit) return { rows };
      rows.length = limit;
      return { rows, nextBefore: rows[limit - 1]!.seq };
    }),
  };
}
