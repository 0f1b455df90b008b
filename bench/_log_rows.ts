/**
 * @module Reading a running otel-board's `log_api` from the benchmark (WAL lets a second
 * connection read while the server writes): the last `seq`, once batches have settled.
 */

import { DatabaseSync } from "node:sqlite";

/** A read-only view of one server's call log. */
export interface LogRowsReader extends Disposable {
  /** The highest `seq` written so far (AUTOINCREMENT: never reused, even after pruning). */
  lastSeq(): number;
  /**
   * Waits until the server's pending batch is written: at least `flushMs` × 2.5, then until
   * two reads `flushMs` apart agree (at most 50 reads). Returns the settled `lastSeq()`.
   */
  settledSeq(flushMs: number): Promise<number>;
  /** Row counts by status among rows with `from < seq <= to`. */
  statusCounts(from: number, to: number): Map<number, number>;
  /** Row counts by `call_url` among rows with `from < seq <= to`. */
  urlCounts(from: number, to: number): Map<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `path` for reading beside the server that writes it. */
export function openLogRows(path: string): LogRowsReader {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000");
  // sqlite_sequence keeps the last AUTOINCREMENT value even when every row was deleted.
  const last = db.prepare(
    "SELECT coalesce(max(seq), 0) AS n FROM sqlite_sequence WHERE name = 'log_api'",
  );
  const lastSeq = () => Number(last.get()?.n ?? 0);
  return {
    lastSeq,
    async settledSeq(flushMs) {
      await sleep(flushMs * 2.5);
      let previous = lastSeq();
      for (let i = 0; i < 50; i++) {
        await sleep(flushMs);
        const current = lastSeq();
        if (current === previous) return current;
        previous = current;
      }
      return previous;
    },
    statusCounts(from, to) {
      const rows = db.prepare(
        "SELECT status, count(*) AS n FROM log_api WHERE seq > ? AND seq <= ? GROUP BY status",
      ).all(from, to);
      return new Map(rows.map((row) => [Number(row.status), Number(row.n)]));
    },
    urlCounts(from, to) {
      const rows = db.prepare(
        "SELECT call_url, count(*) AS n FROM log_api WHERE seq > ? AND seq <= ? GROUP BY call_url",
      ).all(from, to);
      return new Map(rows.map((row) => [String(row.call_url), Number(row.n)]));
    },
    [Symbol.dispose]: () => db.close(),
  };
}
