/** @module log_api rows for tests: a valid row to insert, and readers of what a database holds. */

import { DatabaseSync } from "node:sqlite";
import type { Database } from "../db/database.ts";
import type { LogApiRow, NewLogApiRow } from "../db/log_api_schema.ts";

/** A valid log_api row (GET /board answered 200 at 2025-01-01T12:00Z) with `overrides` applied. */
export function logApiRow(overrides: Partial<NewLogApiRow> = {}): NewLogApiRow {
  return {
    user_ip: "203.0.113.7",
    user_id: null,
    start_time: "2025-01-01T12:00:00.000Z",
    end_time: "2025-01-01T12:00:00.005Z",
    call_url: "/board",
    call_url_parameter: null,
    method: "GET",
    status: 200,
    duration_ms: 5.125,
    trace_id: null,
    ...overrides,
  };
}

/** How many rows log_api holds. */
export function logApiCount(db: Database): number {
  return Number(db.prepare("SELECT count(*) AS n FROM log_api").get()?.n);
}

/** The seq of every log_api row, in ascending order. */
export function logApiSeqs(db: Database): number[] {
  return db.prepare("SELECT seq FROM log_api ORDER BY seq").all().map((r) => Number(r.seq));
}

/** Reads every log_api row of a database file (after the server has stopped). */
export function logRowsInFile(path: string): LogApiRow[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT * FROM log_api ORDER BY seq").all() as unknown as LogApiRow[];
  } finally {
    db.close();
  }
}
