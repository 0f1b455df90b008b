/**
 * @module import-flask into PostgreSQL: the import target in PostgreSQL's SQL (each post's
 * `search_body` written with it, the identity sequences moved past the imported ids), all in one
 * transaction that holds the two tables against the instances' writes until it ends.
 */

import type { PgDatabase, PgRow, PgSession, PgValue } from "../postgres/client.ts";
import { searchBody } from "../postgres/search_body.ts";
import type { FlaskSource } from "./flask_source.ts";
import {
  type FlaskImportOptions,
  type FlaskImportReport,
  importFlaskInto,
} from "./import_flask.ts";
import type { ExistingPost, FlaskImportTarget } from "./target.ts";

/** How to import into PostgreSQL. */
export interface PostgresImportOptions extends FlaskImportOptions {
  /** Check and report, then roll everything back. */
  readonly dryRun: boolean;
}

/** Thrown through the transaction to roll a dry run back; carries its report. */
class DryRunDone extends Error {
  readonly report: FlaskImportReport;

  constructor(report: FlaskImportReport) {
    super("dry run");
    this.report = report;
  }
}

/**
 * Imports `source` into the PostgreSQL database `db` in one transaction: all rows or none (a
 * dry run rolls back what it did). Instances writing meanwhile wait for it to end.
 * @throws {FlaskImportRefused} having written nothing.
 */
export async function importFlaskIntoPostgres(
  db: PgDatabase,
  source: FlaskSource,
  options: PostgresImportOptions,
): Promise<FlaskImportReport> {
  try {
    return await db.transaction(async (tx) => {
      // Posts and call-log rows written meanwhile would race the renumbering and the counters.
      await tx.execute("LOCK TABLE board, log_api IN EXCLUSIVE MODE");
      const target = postgresImportTarget(tx, { moveSequences: !options.dryRun });
      const report = await importFlaskInto(target, source, options);
      if (options.dryRun) throw new DryRunDone(report);
      return report;
    });
  } catch (error) {
    if (error instanceof DryRunDone) return error.report;
    throw error;
  }
}

const EXISTING_POST = `SELECT seq, imported, author_id, title, content,
  (create_date = update_date) AS unedited FROM board`;

function existingPost(row: PgRow): ExistingPost {
  return {
    seq: Number(row.seq),
    imported: row.imported === 1 ? 1 : 0,
    authorId: row.author_id === null ? null : Number(row.author_id),
    title: String(row.title),
    content: String(row.content),
    unedited: row.unedited === true,
  };
}

/** `$n` as a bigint array, from the ids joined by commas (the client binds text). */
const ids = (at: number) => `ANY(string_to_array($${at}, ',')::bigint[])`;

/** One multi-row INSERT of `rows` into `table`'s `columns`. */
async function insertRows(
  tx: PgSession,
  table: string,
  columns: readonly string[],
  rows: readonly PgValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  const tuples = rows.map((_, row) =>
    `(${columns.map((_, i) => `$${row * columns.length + i + 1}`).join(", ")})`
  );
  await tx.execute(
    `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`,
    rows.flat(),
  );
}

/**
 * The import target over one open transaction. With `moveSequences: false` (a dry run) the
 * sequences stay: setval is not undone by a rollback.
 */
export function postgresImportTarget(
  tx: PgSession,
  options: { readonly moveSequences: boolean },
): FlaskImportTarget {
  const count = async (sql: string, params: PgValue[] = []) =>
    Number((await tx.query(sql, params))[0]?.n ?? 0);
  return {
    postsAt: async (seqs) =>
      seqs.length === 0
        ? []
        : (await tx.query(`${EXISTING_POST} WHERE seq = ${ids(1)}`, [seqs.join(",")]))
          .map(existingPost),
    importedCallsAt: async (seqs) =>
      seqs.length === 0 ? [] : (await tx.query(
        `SELECT seq FROM log_api WHERE method IS NULL AND seq = ${ids(1)}`,
        [seqs.join(",")],
      )).map((row) => Number(row.seq)),
    unauthoredPosts: async () =>
      (await tx.query(`${EXISTING_POST} WHERE imported = 0 AND author_id IS NULL`))
        .map(existingPost),
    removePosts: async (seqs) => {
      if (seqs.length === 0) return;
      await tx.execute(`DELETE FROM board WHERE seq = ${ids(1)}`, [seqs.join(",")]);
    },
    ownCalls: async () => {
      const [own] = await tx.query(
        "SELECT min(seq) AS low, count(*) AS n FROM log_api WHERE method IS NOT NULL",
      );
      const [high] = await tx.query(
        "SELECT max(seq) AS high FROM log_api WHERE method IS NULL",
      );
      return {
        low: own?.low === null || own?.low === undefined ? undefined : Number(own.low),
        rows: Number(own?.n ?? 0),
        importedHigh: Number(high?.high ?? 0),
      };
    },
    moveOwnCalls: async (by) => {
      // Through negative numbers, so no two rows ever hold the same `seq` on the way.
      await tx.execute("UPDATE log_api SET seq = -seq WHERE method IS NOT NULL");
      await tx.execute("UPDATE log_api SET seq = $1 - seq WHERE seq < 0", [by]);
    },
    insertPosts: (posts) =>
      insertRows(
        tx,
        "board",
        ["seq", "title", "content", "create_date", "update_date", "imported", "search_body"],
        posts.map((p) => [
          p.seq,
          p.title,
          p.content,
          p.create_date,
          p.update_date,
          1,
          searchBody(p.title, p.content),
        ]),
      ),
    insertCalls: (calls) =>
      insertRows(
        tx,
        "log_api",
        [
          "seq",
          "user_ip",
          "user_id",
          "start_time",
          "end_time",
          "call_url",
          "call_url_parameter",
        ],
        calls.map((c) => [
          c.seq,
          c.user_ip,
          c.user_id,
          c.start_time,
          c.end_time,
          c.call_url,
          c.call_url_parameter,
        ]),
      ),
    advanceCounters: async () => {
      if (!options.moveSequences) return;
      // Explicit ids do not move an identity sequence: past the highest row, never backwards.
      for (const table of ["board", "log_api"]) {
        await tx.query(
          `SELECT setval(s, m) FROM (SELECT pg_get_serial_sequence('${table}', 'seq') AS s,
           (SELECT max(seq) FROM ${table}) AS m) AS t
           WHERE m > coalesce(pg_sequence_last_value(s::regclass), 0)`,
        );
      }
    },
    retentionCounts: async (cutoff, maxRows) => {
      const [beyond] = maxRows > 0
        ? await tx.query("SELECT seq FROM log_api ORDER BY seq DESC LIMIT 1 OFFSET $1", [
          maxRows,
        ])
        : [];
      const lastSeq = beyond === undefined ? 0 : Number(beyond.seq);
      const imported = "SELECT count(*) AS n FROM log_api WHERE method IS NULL AND";
      const [oldest] = await tx.query(
        "SELECT min(start_time) AS t FROM log_api WHERE method IS NULL",
      );
      return {
        either: await count(`${imported} (start_time < $1 OR seq <= $2)`, [cutoff, lastSeq]),
        byAge: await count(`${imported} start_time < $1`, [cutoff]),
        byCount: await count(`${imported} seq <= $1`, [lastSeq]),
        oldestStart: typeof oldest?.t === "string" ? oldest.t : undefined,
        total: await count("SELECT count(*) AS n FROM log_api"),
      };
    },
  };
}
