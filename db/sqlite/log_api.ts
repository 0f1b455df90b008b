/**
 * @module SQLite statements for the `log_api` table — batched inserts, filtered reads,
 * retention deletes — and the call-log repository over them.
 */

import type { Database, SqlValue } from "../database.ts";
import type { LogApiFilter, LogApiRow, NewLogApiRow } from "../log_api_schema.ts";
import type { LogApiRepository } from "../store.ts";
import { isRejectedRow } from "./errors.ts";
import type { Run } from "./gate.ts";

/**
 * The call-log repository over `db`; every call goes through `run`. Writes and retention's
 * statements go to the background connection when `db` has one, so that a commit, or
 * deleting a million rows (and finding where to stop), never holds up a request.
 */
export function sqliteLogApi(db: Database, run: Run): LogApiRepository {
  return {
    insertBatch: (rows) => run(() => insertLogApiRows(db, rows)),
    insertBatchNow: (rows) => run(() => db.runBatch(INSERT, parametersOf(rows))),
    isRejectedRow,
    page: (filter, limit) => run(() => selectLogApiRows(db, filter, limit)),
    seqBeyond: (keep) => run(() => selectLogApiSeqBeyond(db, keep)),
    deleteOlderThan: (cutoff, chunk) => run(() => deleteLogApiOlderThan(db, cutoff, chunk)),
    deleteUpTo: (lastSeq, chunk) => run(() => deleteLogApiUpTo(db, lastSeq, chunk)),
    optimize: () => run(() => db.runInBackground("PRAGMA optimize", []).then(() => undefined)),
  };
}

const INSERT = `INSERT INTO log_api (user_ip, user_id, start_time, end_time, call_url,
  call_url_parameter, method, status, duration_ms, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Writes rows in one transaction (all or none): on the background connection when there is
 * one, else at once; the promise settles when they are committed.
 */
export function insertLogApiRows(db: Database, rows: readonly NewLogApiRow[]): Promise<void> {
  return db.runBatchInBackground(INSERT, parametersOf(rows));
}

function parametersOf(rows: readonly NewLogApiRow[]): SqlValue[][] {
  return rows.map((r) => [
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
  ]);
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
  add("trace_id = ?", filter.traceId);
  add("method = ?", filter.method);
  const sql = `SELECT * FROM log_api${where.length ? ` WHERE ${where.join(" AND ")}` : ""}
    ORDER BY start_time DESC, seq DESC LIMIT ?`;
  return db.prepare(sql).all(...params, limit) as unknown as LogApiRow[];
}

/** Deletes up to `chunk` of the oldest rows that started before `cutoff`; gives how many. */
export function deleteLogApiOlderThan(
  db: Database,
  cutoff: string,
  chunk: number,
): Promise<number> {
  const sql = `DELETE FROM log_api WHERE seq IN
    (SELECT seq FROM log_api WHERE start_time < ? ORDER BY start_time LIMIT ?)`;
  return db.runInBackground(sql, [cutoff, chunk]);
}

/** The `seq` of the newest row that falls outside the newest `keep` rows, if any. */
export async function selectLogApiSeqBeyond(
  db: Database,
  keep: number,
): Promise<number | undefined> {
  const sql = "SELECT seq FROM log_api ORDER BY seq DESC LIMIT 1 OFFSET ?";
  const row = await db.getInBackground(sql, [keep]);
  return row === undefined ? undefined : Number(row.seq);
}

/** Deletes up to `chunk` of the oldest rows with `seq <= lastSeq`; gives how many. */
export function deleteLogApiUpTo(
  db: Database,
  lastSeq: number,
  chunk: number,
): Promise<number> {
  const sql = `DELETE FROM log_api WHERE seq IN
    (SELECT seq FROM log_api WHERE seq <= ? ORDER BY seq LIMIT ?)`;
  return db.runInBackground(sql, [lastSeq, chunk]);
}
