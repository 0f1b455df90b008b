/**
 * @module The Flask app's SQLite file, opened read-only: its `board` and `log_api` tables as
 * SQLAlchemy created them, read row by row in `seq` order, never written.
 */

import { existsSync, statSync } from "node:fs";
import { DatabaseSync, type SQLOutputValue } from "node:sqlite";
import { errorMessage } from "../../lib/error_message.ts";
import { APPLICATION_ID } from "../migrations.ts";

/** A `board` row of the Flask file, as stored (SQLite keeps whatever type was written). */
export interface FlaskPost {
  readonly seq: number;
  readonly title: SQLOutputValue;
  readonly content: SQLOutputValue;
  readonly create_date: SQLOutputValue;
  readonly update_date: SQLOutputValue;
}

/** A `log_api` row of the Flask file, as stored. */
export interface FlaskCall {
  readonly seq: number;
  readonly user_ip: SQLOutputValue;
  readonly user_id: SQLOutputValue;
  readonly start_time: SQLOutputValue;
  readonly end_time: SQLOutputValue;
  readonly call_url: SQLOutputValue;
  readonly call_url_parameter: SQLOutputValue;
}

/** The columns each Flask table must have (extra ones are ignored). */
const FLASK_COLUMNS = Object.freeze(
  {
    board: ["seq", "title", "content", "create_date", "update_date"],
    log_api: [
      "seq",
      "user_ip",
      "user_id",
      "start_time",
      "end_time",
      "call_url",
      "call_url_parameter",
    ],
  } as const,
);

/** Why the source cannot be imported; nothing was read into the target. */
export class FlaskSourceError extends Error {
  override name = "FlaskSourceError";
}

/** The open Flask file. */
export interface FlaskSource extends Disposable {
  readonly path: string;
  /** Every post, by ascending `seq`. */
  posts(): Iterable<FlaskPost>;
  /** Every call-log row, by ascending `seq`. */
  calls(): Iterable<FlaskCall>;
}

/**
 * Opens `path` read-only (SQLite cannot write through this connection) and checks that it is
 * the Flask app's file: a SQLite database, not otel-board's own, with both tables.
 */
export function openFlaskSource(path: string): FlaskSource {
  if (!existsSync(path)) throw new FlaskSourceError(`There is no file "${path}"`);
  if (!statSync(path).isFile()) throw new FlaskSourceError(`"${path}" is not a regular file`);
  let raw: DatabaseSync;
  try {
    raw = new DatabaseSync(path, { readOnly: true });
  } catch (error) {
    throw new FlaskSourceError(`Cannot open "${path}": ${errorMessage(error)}`);
  }
  try {
    checkShape(raw, path);
  } catch (error) {
    raw.close();
    throw error;
  }
  const rows = <T>(table: keyof typeof FLASK_COLUMNS): Iterable<T> => ({
    [Symbol.iterator]: () =>
      raw.prepare(`SELECT ${FLASK_COLUMNS[table].join(", ")} FROM ${table} ORDER BY seq`)
        .iterate() as unknown as Iterator<T>,
  });
  return {
    path,
    posts: () => rows<FlaskPost>("board"),
    calls: () => rows<FlaskCall>("log_api"),
    [Symbol.dispose]: () => raw.close(),
  };
}

function checkShape(raw: DatabaseSync, path: string): void {
  let applicationId: number;
  try {
    applicationId = Number(raw.prepare("PRAGMA application_id").get()?.application_id ?? 0);
  } catch (error) {
    throw new FlaskSourceError(
      `Refusing "${path}": not a SQLite database (${errorMessage(error)})`,
    );
  }
  if (applicationId === APPLICATION_ID) {
    throw new FlaskSourceError(
      `Refusing "${path}": it is an otel-board database; import-flask reads the Flask app's file`,
    );
  }
  for (const [table, wanted] of Object.entries(FLASK_COLUMNS)) {
    const columns = new Set(
      raw.prepare(`PRAGMA table_info(${table})`).all().map((column) => String(column.name)),
    );
    const missing = wanted.filter((column) => !columns.has(column));
    if (missing.length > 0) {
      const what = columns.size === 0
        ? `no ${table} table`
        : `no ${missing.join(", ")} in ${table}`;
      throw new FlaskSourceError(
        `Refusing "${path}": it is not the Flask app's database (${what}; expected ` +
          `${table} (${wanted.join(", ")}))`,
      );
    }
  }
}
