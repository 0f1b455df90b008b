/**
 * @module PostgreSQL statements for the `log_api` table — batched inserts, filtered reads,
 * retention deletes under an advisory lock — and the call-log repository over them.
 */

import {
  type LogApiFilter,
  type LogApiRow,
  NEW_LOG_API_COLUMNS,
  type NewLogApiRow,
} from "../log_api_schema.ts";
import type { LogApiRepository } from "../store.ts";
import { holdsNul, type PgDatabase, type PgSession, type PgValue } from "./client.ts";
import { PG_LOCKS } from "./migrations.ts";

const COLUMNS = NEW_LOG_API_COLUMNS;

/** Rows per INSERT: PostgreSQL binds at most 65535 parameters to one statement. */
export const MAX_ROWS_PER_INSERT = 5000;

/**
 * The call-log repository over the pool. The pool's I/O is asynchronous, so writes need no
 * worker; retention's deletes run only while this instance holds the retention lock (another
 * instance pruning makes them delete nothing this round).
 */
export function postgresLogApi(db: PgDatabase): LogApiRepository {
  const insertBatch = (rows: readonly NewLogApiRow[]) => insertLogApiRows(db, rows);
  const underRetentionLock = async (sql: string, params: PgValue[]) =>
    await db.withAdvisoryLock(PG_LOCKS.retention, () => db.execute(sql, params), false) ?? 0;
  return {
    insertBatch,
    insertBatchNow: insertBatch,
    isRejectedRow,
    page: (filter, limit) => selectLogApiRows(db, filter, limit),
    seqBeyond: async (keep) => {
      const [row] = await db.query("SELECT seq FROM log_api ORDER BY seq DESC LIMIT 1 OFFSET $1", [
        keep,
      ]);
      return row === undefined ? undefined : Number(row.seq);
    },
    deleteOlderThan: (cutoff, chunk) =>
      underRetentionLock(
        `DELETE FROM log_api WHERE seq IN
        (SELECT seq FROM log_api WHERE start_time < $1 ORDER BY start_time LIMIT $2)`,
        [cutoff, chunk],
      ),
    deleteUpTo: (lastSeq, chunk) =>
      underRetentionLock(
        `DELETE FROM log_api WHERE seq IN
        (SELECT seq FROM log_api WHERE seq <= $1 ORDER BY seq LIMIT $2)`,
        [lastSeq, chunk],
      ),
    // Autovacuum's analyze keeps the planner's statistics; nothing to do by hand.
    optimize: () => Promise.resolve(),
  };
}

/**
 * True when PostgreSQL refused the values of a row (SQLSTATE class 22 data exception, such as a
 * NUL character, or 23 integrity constraint violation): other rows may still be written.
 */
export function isRejectedRow(error: unknown): boolean {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (typeof cause !== "object" || cause === null || !("code" in cause)) return false;
  const code = String(cause.code);
  return /^2[23][0-9A-Z]{3}$/.test(code);
}

/** The INSERT of `count` rows: one VALUES tuple per row. */
function insertSql(count: number): string {
  const tuples = Array.from({ length: count }, (_, row) => {
    const at = row * COLUMNS.length;
    return `(${COLUMNS.map((_, i) => `$${at + i + 1}`).join(", ")})`;
  });
  return `INSERT INTO log_api (${COLUMNS.join(", ")}) VALUES ${tuples.join(", ")}`;
}

/**
 * Writes rows all together (all or none): one multi-row INSERT, or — past
 * MAX_ROWS_PER_INSERT — several in one transaction.
 */
export async function insertLogApiRows(
  db: PgDatabase,
  rows: readonly NewLogApiRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const write = async (session: PgSession) => {
    for (let at = 0; at < rows.length; at += MAX_ROWS_PER_INSERT) {
      const chunk = rows.slice(at, at + MAX_ROWS_PER_INSERT);
      await session.execute(
        insertSql(chunk.length),
        chunk.flatMap((r) => COLUMNS.map((c) => r[c])),
      );
    }
  };
  if (rows.length <= MAX_ROWS_PER_INSERT) await write(db);
  else await db.transaction(write);
}

/**
 * At most `limit` rows matching `filter`, newest first: by `start_time`, then `seq`.
 * `beforeSeq` continues after that row in this order (or, if retention removed it, from
 * the nearest older `seq`), so pages never overlap or skip.
 */
export async function selectLogApiRows(
  db: PgSession,
  filter: LogApiFilter,
  limit: number,
): Promise<LogApiRow[]> {
  if (holdsNul(filter.url, filter.userId, filter.method, filter.traceId)) return [];
  const where: string[] = [];
  const params: PgValue[] = [];
  const add = (clause: (...at: string[]) => string, ...values: (PgValue | undefined)[]) => {
    if (values.some((v) => v === undefined)) return;
    const at = values.map((_, i) => `$${params.length + i + 1}`);
    where.push(clause(...at));
    params.push(...values as PgValue[]);
  };
  if (filter.beforeSeq !== undefined) {
    const [anchor] = await db.query(
      "SELECT seq, start_time FROM log_api WHERE seq <= $1 ORDER BY seq DESC LIMIT 1",
      [filter.beforeSeq],
    );
    if (anchor === undefined) return [];
    const inclusive = Number(anchor.seq) !== filter.beforeSeq;
    add(
      (time, seq) => `(start_time, seq) ${inclusive ? "<=" : "<"} (${time}, ${seq})`,
      anchor.start_time as string,
      Number(anchor.seq),
    );
  }
  add((at) => `start_time >= ${at}`, filter.since);
  add((at) => `start_time < ${at}`, filter.until);
  add((at) => `call_url = ${at}`, filter.url);
  add((at) => `user_id = ${at}`, filter.userId);
  add((at) => `status = ${at}`, filter.status);
  add((at) => `trace_id = ${at}`, filter.traceId);
  add((at) => `method = ${at}`, filter.method);
  params.push(limit);
  const sql = `SELECT * FROM log_api${where.length ? ` WHERE ${where.join(" AND ")}` : ""}
    ORDER BY start_time DESC, seq DESC LIMIT $${params.length}`;
  return await db.query(sql, params) as unknown as LogApiRow[];
}
