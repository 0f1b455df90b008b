/** @module Reading the call log: filtered, newest-first pages. */

import type { LogApiFilter, LogApiRow } from "../db/log_api_schema.ts";
import type { LogApiRepository } from "../db/store.ts";
import type { SpanHelpers } from "../telemetry/traced.ts";

export type { LogApiFilter, LogApiRow };

/** One page of log rows and the cursor of the next page, if more rows match. */
export interface LogPage {
  readonly rows: LogApiRow[];
  /** Pass as `before` to read the next page; absent on the last page. */
  readonly nextBefore?: number;
}

/** What the log route asks of the call log. */
export interface LogApiReader {
  /** Up to `limit` rows matching `filter`, newest first. */
  page(filter: LogApiFilter, limit: number): Promise<LogPage>;
}

/** The call-log reader over `logApi`; each call is a span named `api_log.page`. */
export function createLogApiReader(logApi: LogApiRepository, spans: SpanHelpers): LogApiReader {
  return {
    page: spans.traced(
      "api_log.page",
      async (filter: LogApiFilter, limit: number): Promise<LogPage> => {
        const rows = await logApi.page(filter, limit + 1);
        if (rows.length <= limit) return { rows };
        rows.length = limit;
        return { rows, nextBefore: rows[limit - 1]!.seq };
      },
    ),
  };
}
