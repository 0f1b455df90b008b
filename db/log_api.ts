/** @module SQL for the `log_api` table: batched inserts, filtered reads, retention deletes. */

import type { Database, SqlValue } from "./database.ts";

/** One API call as stored, column for column. */
export interface LogApiRow {
  readonly seq: number;
  readonly user_ip: string | null;
  readonly user_id: string | null;
  readonly start_time: string;
  readonly end_time: string;
  readonly call_url: string;
  readonly call_url_parameter: string | null;
  readonly method: string;
  readonly status: number;
  readonly duration_ms: number;
  readonly trace_id: string | null;
}

/** A row to insert (everything but `seq`). */
export type NewLogApiRow = Omit<LogApiRow, "seq">;

/** Filters for reading the log; every field is optional and they combine with AND. */
export interface LogApiFilter {
  readonly beforeSeq?: number;
  readonly since?: string;
  readonly until?: string;
  readonly url?: string;
  readonly userId?: string;
  readonly status?: number;
}

const INSERT = `INSERT INTO log_api (user_ip, user_id, start_time, end_time, call_url,
  call_url_parameter, method, status, duration_ms, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Writes rows in one transaction (all or none): at once, or — when the database has a
 * background writer — on the worker, settling the returned promise when committed.
 */
export function insertLogApiRows(
  db: Database,
  rows: readonly NewLogApiRow[],
): void | Promise<void> {
  return db.runBatchInBackground(
    INSERT,
    rows.map((r) => [
      r.user_ip,
      r.user_id,
      r.start_time,
      r.end_time,
      r.call_url,
      r.call_url_parameter,
      r.method,
      r.status,
      r.duration_ms,
      r.trace_id,
    ]),
  );
}

/**
 * At most `limit` rows matching `filter`, newest first: by `start_time`, then `seq`.
 * `beforeSeq` continues after that row in this order (or, if retention removed it, from
 * the nearest older `seq`), so pages never overlap or skip.
 */
export function selectLogApiRows(db: Database, filter: LogApiFilter, limit: number): LogApiRow[] {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const add = (clause: string, ...values: (SqlValue | undefined)[]) => {
    if (values.some((v) => v === undefined)) return;
    where.push(clause);
    params.push(...values as SqlValue[]);
  };
  if (filter.beforeSeq !== undefined) {
    const anchor = db.prepare(
      "SELECT seq, start_time FROM log_api WHERE seq <= ? ORDER BY seq DESC LIMIT 1",
    ).get(filter.beforeSeq);
    if (anchor === undefined) return [];
    const inclusive = Number(anchor.seq) !== filter.beforeSeq;
    add(`(start_time, seq) ${inclusive ? "<=" : "<"} (?, ?)`, anchor.start_time, anchor.seq);
  }
  add("start_time >= ?", filter.since);
  add("start_time < ?", filter.until);
  add("call_url = ?", filter.url);
  add("user_id = ?", filter.userId);
  add("status = ?", filter.status);
  const sql = `SELECT * FROM log_api${where.length ? ` WHERE ${where.join(" AND ")}` : ""}
    ORDER BY start_time DESC, seq DESC LIMIT ?`;
  return db.prepare(sql).all(...params, limit) as unknown as LogApiRow[];
}

// Retention's statements run on the background connection when there is one, so that
// deleting a million rows (and finding where to stop) never holds up a request.

/** Deletes up to `chunk` of the oldest rows that started before `cutoff`; gives how many. */
export function deleteLogApiOlderThan(
  db: Database,
  cutoff: string,
  chunk: number,
): number | Promise<number> {
  const sql = `DELETE FROM log_api WHERE seq IN
    (SELECT seq FROM log_api WHERE start_time < ? ORDER BY start_time LIMIT ?)`;
  return db.runInBackground(sql, [cutoff, chunk]);
}

/** The `seq` of the newest row that falls outside the newest `keep` rows, if any. */
export function selectLogApiSeqBeyond(
  db: Database,
  keep: number,
): number | undefined | Promise<number | undefined> {
  const sql = "SELECT seq FROM log_api ORDER BY seq DESC LIMIT 1 OFFSET ?";
  const seqOf = (row: Record<string, SqlValue> | undefined) =>
    row === undefined ? undefined : Number(row.seq);
  const row = db.getInBackground(sql, [keep]);
  return row instanceof Promise ? row.then(seqOf) : seqOf(row);
}

/** Deletes up to `chunk` of the oldest rows with `seq <= lastSeq`; gives how many. */
export function deleteLogApiUpTo(
  db: Database,
  lastSeq: number,
  chunk: number,
): number | Promise<number> {
  const sql = `DELETE FROM log_api WHERE seq IN
    (SELECT seq FROM log_api WHERE seq <= ? ORDER BY seq LIMIT ?)`;
  return db.runInBackground(sql, [lastSeq, chunk]);
}
