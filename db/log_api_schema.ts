/**
 * @module The `log_api` table's shape, whatever the engine: its row, its read filters, its
 * column sizes, and how one API call becomes a row that fits them (truncated, never refused).
 */

import { isoTime } from "../lib/iso_time.ts";

/**
 * One API call as stored, column for column. A row imported from the Flask app
 * (`import-flask`) has `method`, `status`, `duration_ms` and `trace_id` null, and may have no
 * `end_time`: the old app did not record them, and nothing is invented.
 */
export interface LogApiRow {
  readonly seq: number;
  readonly user_ip: string | null;
  readonly user_id: string | null;
  readonly start_time: string;
  readonly end_time: string | null;
  readonly call_url: string;
  readonly call_url_parameter: string | null;
  readonly method: string | null;
  readonly status: number | null;
  readonly duration_ms: number | null;
  readonly trace_id: string | null;
}

/** A row otel-board writes for a call it served (everything but `seq`): every fact known. */
export interface NewLogApiRow
  extends Omit<LogApiRow, "seq" | "end_time" | "method" | "status" | "duration_ms"> {
  readonly end_time: string;
  readonly method: string;
  readonly status: number;
  readonly duration_ms: number;
}

/** The columns of a row otel-board writes (every column but `seq`), in table order. */
export const NEW_LOG_API_COLUMNS = [
  "user_ip",
  "user_id",
  "start_time",
  "end_time",
  "call_url",
  "call_url_parameter",
  "method",
  "status",
  "duration_ms",
  "trace_id",
] as const satisfies readonly (keyof NewLogApiRow)[];

/** Filters for reading the log; every field is optional and they combine with AND. */
export interface LogApiFilter {
  readonly beforeSeq?: number;
  readonly since?: string;
  readonly until?: string;
  readonly url?: string;
  readonly userId?: string;
  readonly status?: number;
  /** 32 lowercase hex digits. */
  readonly traceId?: string;
  /** An HTTP method in upper case, as the rows store it. */
  readonly method?: string;
}

/** One answered (or abandoned) API call, as the HTTP layer saw it. */
export interface ApiCall {
  readonly clientIp: string | null;
  readonly userId: string | null;
  /** Wall-clock start, epoch milliseconds. */
  readonly startTime: number;
  /** Wall-clock end, epoch milliseconds. */
  readonly endTime: number;
  readonly durationMs: number;
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  /** The raw query string without `?` (empty when none). */
  readonly query: string;
  readonly status: number;
  readonly traceId: string | null;
}

/** Column sizes of log_api; longer values are truncated, never rejected. */
export const LOG_API_LIMITS = Object.freeze({
  userIp: 45,
  userId: 30,
  callUrl: 100,
  callUrlParameter: 300,
  method: 16,
});

const TRACE_ID = /^[0-9a-f]{32}$/;

/** The row `call` leaves in the log, every value cut to its column's size. */
export function logApiRowOf(call: ApiCall): NewLogApiRow {
  return {
    user_ip: truncate(call.clientIp, LOG_API_LIMITS.userIp),
    user_id: truncate(call.userId, LOG_API_LIMITS.userId),
    start_time: isoTime(call.startTime),
    end_time: isoTime(call.endTime),
    call_url: truncate(call.path, LOG_API_LIMITS.callUrl),
    call_url_parameter: call.query === ""
      ? null
      : truncate(call.query, LOG_API_LIMITS.callUrlParameter),
    method: truncate(call.method, LOG_API_LIMITS.method),
    status: Math.trunc(call.status),
    duration_ms: Number.isFinite(call.durationMs) ? Math.round(call.durationMs * 1000) / 1000 : 0,
    trace_id: call.traceId !== null && TRACE_ID.test(call.traceId) ? call.traceId : null,
  };
}

/** Cuts `text` to at most `max` code points (never splitting a surrogate pair). */
export function truncate<T extends string | null>(text: T, max: number): T {
  if (text === null || text.length <= max) return text;
  let out = "";
  let count = 0;
  for (const ch of text as string) {
    if (count++ === max) break;
    out += ch;
  }
  return out as T;
}
