/**
 * @module The one-shot copy of otel-board's SQLite file into an empty PostgreSQL database
 * (`otel-board copy-to-postgres`): the four tables with their ids, read in one read
 * transaction, written in one transaction, checked by counts, each sequence moved past every id.
 */

import type { DatabaseSync, SQLOutputValue } from "node:sqlite";
import type { PgDatabase, PgSession, PgValue } from "./postgres/client.ts";
import { NEW_LOG_API_COLUMNS } from "./log_api_schema.ts";
import { searchBody } from "./postgres/search_body.ts";

/** The copied tables, in an order that inserts every referenced row first. */
export const COPIED_TABLES = ["users", "board", "sessions", "log_api"] as const;

/** One of the copied tables. */
export type CopiedTable = typeof COPIED_TABLES[number];

const COLUMNS: Readonly<Record<CopiedTable, readonly string[]>> = Object.freeze({
  users: ["id", "username", "password_hash", "role", "disabled", "created_at"],
  board: ["seq", "title", "content", "create_date", "update_date", "author_id", "imported"],
  sessions: ["token_hash", "user_id", "created_at", "expires_at"],
  log_api: ["seq", ...NEW_LOG_API_COLUMNS],
});

/** The identity column of each table that has one. */
const IDENTITY: Readonly<Partial<Record<CopiedTable, string>>> = Object.freeze({
  users: "id",
  board: "seq",
  log_api: "seq",
});

/** Rows per INSERT (PostgreSQL binds at most 65535 parameters to one statement). */
const ROWS_PER_INSERT = 1000;

/** The copy was refused or did not add up: nothing was written. */
export class CopyRefused extends Error {
  override name = "CopyRefused";
}

/** What a copy did. */
export interface CopyReport {
  /** Rows copied, by table. */
  readonly rows: Readonly<Record<CopiedTable, number>>;
  /** The id the next row gets, by table with an identity column. */
  readonly nextIds: Readonly<Partial<Record<CopiedTable, number>>>;
}

/**
 * Copies every row of `source` (otel-board's SQLite file at the current schema, opened
 * read-only) into `target` (migrated, empty) and advances each sequence past the highest id —
 * and past SQLite's AUTOINCREMENT counter, so the ids of deleted rows are not handed out again.
 * @throws {CopyRefused} when the target holds rows, or the counts differ after writing.
 */
export async function copyToPostgres(
  source: DatabaseSync,
  target: PgDatabase,
): Promise<CopyReport> {
  source.exec("BEGIN");
  try {
    // The first SELECT fixes the snapshot every later one reads.
    const rows = countRows(source);
    const counters = autoincrementCounters(source);
    return await target.transaction(async (tx) => {
      // Instances started on the database meanwhile wait, and see all rows or none.
      await tx.execute(`LOCK TABLE ${COPIED_TABLES.join(", ")} IN EXCLUSIVE MODE`);
      const present = await countTarget(tx);
      const held = COPIED_TABLES.filter((table) => present[table] > 0);
      if (held.length > 0) {
        throw new CopyRefused(
          `The PostgreSQL database is not empty (${
            held.map((t) => `${t}: ${present[t]} row(s)`).join(", ")
          }); copy-to-postgres fills an empty database only`,
        );
      }
      for (const table of COPIED_TABLES) await copyTable(source, tx, table);
      const written = await countTarget(tx);
      const differ = COPIED_TABLES.filter((table) => written[table] !== rows[table]);
      if (differ.length > 0) {
        throw new CopyRefused(
          `The counts differ after writing (${
            differ.map((t) => `${t}: ${rows[t]} read, ${written[t]} written`).join(", ")
          }); nothing was written`,
        );
      }
      const nextIds: Partial<Record<CopiedTable, number>> = {};
      for (const [table, column] of Object.entries(IDENTITY) as [CopiedTable, string][]) {
        const high = Math.max(maxId(source, table, column), counters.get(table) ?? 0);
        if (high > 0) {
          await tx.query("SELECT setval(pg_get_serial_sequence($1, $2), $3)", [
            table,
            column,
            high,
          ]);
        }
        nextIds[table] = high + 1;
      }
      return { rows, nextIds };
    });
  } finally {
    source.exec("COMMIT");
  }
}

function countRows(source: DatabaseSync): Record<CopiedTable, number> {
  const counts = {} as Record<CopiedTable, number>;
  for (const table of COPIED_TABLES) {
    counts[table] = Number(source.prepare(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0);
  }
  return counts;
}

async function countTarget(tx: PgSession): Promise<Record<CopiedTable, number>> {
  const counts = {} as Record<CopiedTable, number>;
  for (const table of COPIED_TABLES) {
    const [row] = await tx.query(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(row?.n ?? 0);
  }
  return counts;
}

/** SQLite's AUTOINCREMENT counters (the highest id ever handed out), by table. */
function autoincrementCounters(source: DatabaseSync): Map<string, number> {
  return new Map(
    source.prepare("SELECT name, seq FROM sqlite_sequence").all()
      .map((row) => [String(row.name), Number(row.seq)]),
  );
}

function maxId(source: DatabaseSync, table: CopiedTable, column: string): number {
  return Number(source.prepare(`SELECT max(${column}) AS high FROM ${table}`).get()?.high ?? 0);
}

async function copyTable(source: DatabaseSync, tx: PgSession, table: CopiedTable): Promise<void> {
  const columns = COLUMNS[table];
  // A post's normalised text for the search index is written with it, as the service does.
  const written = table === "board" ? [...columns, "search_body"] : columns;
  const order = IDENTITY[table] ?? columns[0]!;
  const statement = source.prepare(`SELECT ${columns.join(", ")} FROM ${table} ORDER BY ${order}`);
  let chunk: PgValue[][] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const tuples = chunk.map((_, row) =>
      `(${written.map((_, i) => `$${row * written.length + i + 1}`).join(", ")})`
    );
    await tx.execute(
      `INSERT INTO ${table} (${written.join(", ")}) VALUES ${tuples.join(", ")}`,
      chunk.flat(),
    );
    chunk = [];
  };
  for (const row of statement.iterate()) {
    const values = columns.map((column) => pgValue(row[column]));
    if (table === "board") values.push(searchBody(String(row.title), String(row.content)));
    chunk.push(values);
    if (chunk.length === ROWS_PER_INSERT) await flush();
  }
  await flush();
}

function pgValue(value: SQLOutputValue | undefined): PgValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "bigint") return Number(value);
  // The STRICT tables refuse a BLOB on write, so none can be read from them.
  if (value instanceof Uint8Array) throw new TypeError("A copied column holds a BLOB");
  return value;
}
