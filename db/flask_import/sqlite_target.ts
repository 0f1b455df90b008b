/**
 * @module import-flask into the SQLite file: the import target in SQLite's SQL (its search
 * triggers index the posts, `sqlite_sequence` holds the counters), all in one transaction.
 */

import type { Database, SqlValue } from "../database.ts";
import type { FlaskSource } from "./flask_source.ts";
import {
  type FlaskImportOptions,
  type FlaskImportReport,
  importFlaskInto,
} from "./import_flask.ts";
import type { ExistingPost, FlaskImportTarget } from "./target.ts";

/**
 * Imports `source` into the SQLite database `db` in one transaction (BEGIN IMMEDIATE): all rows
 * or none. A database opened as a trial (`--dry-run`) never commits it.
 * @throws {FlaskImportRefused} having written nothing.
 */
export function importFlask(
  db: Database,
  source: FlaskSource,
  options: FlaskImportOptions,
): Promise<FlaskImportReport> {
  return db.transactionAsync(() => importFlaskInto(sqliteImportTarget(db), source, options));
}

const EXISTING_POST = `SELECT seq, imported, author_id, title, content,
  create_date = update_date AS unedited FROM board`;

function existingPost(row: Record<string, SqlValue>): ExistingPost {
  return {
    seq: Number(row.seq),
    imported: row.imported === 1 ? 1 : 0,
    authorId: row.author_id === null ? null : Number(row.author_id),
    title: String(row.title),
    content: String(row.content),
    unedited: row.unedited === 1,
  };
}

/** The import target over `db`, whose transaction the caller holds open. */
export function sqliteImportTarget(db: Database): FlaskImportTarget {
  const count = (sql: string, ...params: SqlValue[]) =>
    Number(db.prepare(sql).get(...params)?.n ?? 0);
  const inList = "(SELECT value FROM json_each(?))";
  return {
    postsAt: (seqs) =>
      Promise.resolve(
        db.prepare(`${EXISTING_POST} WHERE seq IN ${inList}`).all(JSON.stringify(seqs))
          .map(existingPost),
      ),
    importedCallsAt: (seqs) =>
      Promise.resolve(
        db.prepare(`SELECT seq FROM log_api WHERE method IS NULL AND seq IN ${inList}`)
          .all(JSON.stringify(seqs)).map((row) => Number(row.seq)),
      ),
    unauthoredPosts: () =>
      Promise.resolve(
        db.prepare(`${EXISTING_POST} WHERE imported = 0 AND author_id IS NULL`).all()
          .map(existingPost),
      ),
    removePosts: (seqs) => {
      const remove = db.prepare("DELETE FROM board WHERE seq = ?");
      for (const seq of seqs) remove.run(seq);
      return Promise.resolve();
    },
    ownCalls: () => {
      const own = db.prepare(
        "SELECT min(seq) AS low, count(*) AS n FROM log_api WHERE method IS NOT NULL",
      ).get();
      const high = db.prepare("SELECT max(seq) AS high FROM log_api WHERE method IS NULL").get();
      return Promise.resolve({
        low: own?.low === null || own?.low === undefined ? undefined : Number(own.low),
        rows: Number(own?.n ?? 0),
        importedHigh: Number(high?.high ?? 0),
      });
    },
    moveOwnCalls: (by) => {
      // Through negative numbers, so no two rows ever hold the same `seq` on the way.
      db.prepare("UPDATE log_api SET seq = -seq WHERE method IS NOT NULL").run();
      db.prepare("UPDATE log_api SET seq = ? - seq WHERE seq < 0").run(by);
      raiseCounter(db, "log_api");
      return Promise.resolve();
    },
    insertPosts: (posts) => {
      const insert = db.prepare(
        `INSERT INTO board (seq, title, content, create_date, update_date, author_id, imported)
         VALUES (?, ?, ?, ?, ?, NULL, 1)`,
      );
      for (const p of posts) insert.run(p.seq, p.title, p.content, p.create_date, p.update_date);
      return Promise.resolve();
    },
    insertCalls: (calls) => {
      const insert = db.prepare(
        `INSERT INTO log_api (seq, user_ip, user_id, start_time, end_time, call_url,
         call_url_parameter) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const c of calls) {
        insert.run(
          c.seq,
          c.user_ip,
          c.user_id,
          c.start_time,
          c.end_time,
          c.call_url,
          c.call_url_parameter,
        );
      }
      return Promise.resolve();
    },
    // AUTOINCREMENT follows inserted posts by itself; the moved call-log rows need raising.
    advanceCounters: () => Promise.resolve(raiseCounter(db, "log_api")),
    retentionCounts: (cutoff, maxRows) => {
      const beyond = maxRows > 0
        ? db.prepare("SELECT seq FROM log_api ORDER BY seq DESC LIMIT 1 OFFSET ?").get(maxRows)
        : undefined;
      const lastSeq = beyond === undefined ? 0 : Number(beyond.seq);
      const imported = "SELECT count(*) AS n FROM log_api WHERE method IS NULL AND";
      const oldest = db.prepare("SELECT min(start_time) AS t FROM log_api WHERE method IS NULL")
        .get()?.t;
      return Promise.resolve({
        either: count(`${imported} (start_time < ? OR seq <= ?)`, cutoff, lastSeq),
        byAge: count(`${imported} start_time < ?`, cutoff),
        byCount: count(`${imported} seq <= ?`, lastSeq),
        oldestStart: typeof oldest === "string" ? oldest : undefined,
        total: count("SELECT count(*) AS n FROM log_api"),
      });
    },
  };
}

/** AUTOINCREMENT's counter at least the highest `seq`, so new rows come after every row. */
function raiseCounter(db: Database, table: "log_api"): void {
  const high = Number(db.prepare(`SELECT max(seq) AS high FROM ${table}`).get()?.high ?? 0);
  if (high === 0) return;
  const counter = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").get(table);
  if (counter === undefined) {
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(table, high);
  } else if (Number(counter.seq) < high) {
    db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = ?").run(high, table);
  }
}
