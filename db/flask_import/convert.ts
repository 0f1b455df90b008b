/**
 * @module One Flask row → the otel-board row it becomes: naive times read in the source zone,
 * over-long text cut to the column sizes (and counted), and every value the schema cannot hold
 * reported with its table, `seq` and column instead of invented.
 */

import type { SQLOutputValue } from "node:sqlite";
import { clip } from "../../lib/clip.ts";
import type { NaiveTimeReader } from "../../lib/naive_time.ts";
import { LOG_API_LIMITS, type LogApiRow, truncate } from "../log_api_schema.ts";
import type { FlaskCall, FlaskPost } from "./flask_source.ts";

/** The `board` text sizes, as migration 1's CHECK constraints hold them (1 character at least). */
const BOARD_LIMITS = Object.freeze({ title: 30, content: 2000 });

/** The size of every column a Flask value may be cut to, by `table.column`. */
export const COLUMN_SIZES: Readonly<Record<string, number>> = Object.freeze({
  "board.title": BOARD_LIMITS.title,
  "board.content": BOARD_LIMITS.content,
  "log_api.user_ip": LOG_API_LIMITS.userIp,
  "log_api.user_id": LOG_API_LIMITS.userId,
  "log_api.call_url": LOG_API_LIMITS.callUrl,
  "log_api.call_url_parameter": LOG_API_LIMITS.callUrlParameter,
});

/** A post to insert, `seq` kept. */
export interface ImportedPost {
  readonly seq: number;
  readonly title: string;
  readonly content: string;
  /** Null when the Flask row had none: unknown. */
  readonly create_date: string | null;
  /** The Flask value, or `create_date` when it had none. */
  readonly update_date: string | null;
}

/** A call-log row to insert, `seq` kept; method, status, duration and trace id are unknown. */
export type ImportedCall = Omit<LogApiRow, "method" | "status" | "duration_ms" | "trace_id">;

/** What became of one row: the row (when it has no problem), what was cut, what is wrong. */
export interface Converted<T> {
  readonly row: T | undefined;
  /** `table.column` of every value cut to its column's size. */
  readonly truncated: readonly string[];
  /** One sentence per value that cannot be imported. */
  readonly problems: readonly string[];
}

/** Converts rows of one source; `times` reads the naive DATETIME text. */
export class FlaskRowConverter {
  readonly #times: NaiveTimeReader;

  constructor(times: NaiveTimeReader) {
    this.#times = times;
  }

  /** The post a Flask `board` row becomes. */
  post(flask: FlaskPost): Converted<ImportedPost> {
    const cell = new Cells("board", flask.seq);
    const title = cell.requiredText("title", flask.title, BOARD_LIMITS.title);
    const content = cell.requiredText("content", flask.content, BOARD_LIMITS.content);
    const createDate = cell.time("create_date", flask.create_date, this.#times);
    const updateDate = cell.time("update_date", flask.update_date, this.#times) ?? createDate;
    return cell.result(
      title === undefined || content === undefined ? undefined : {
        seq: flask.seq,
        title,
        content,
        create_date: createDate ?? null,
        update_date: updateDate ?? null,
      },
    );
  }

  /** The call-log row a Flask `log_api` row becomes. */
  call(flask: FlaskCall): Converted<ImportedCall> {
    const cell = new Cells("log_api", flask.seq);
    const startTime = cell.time("start_time", flask.start_time, this.#times);
    if (flask.start_time === null) cell.problem("start_time", "is NULL; every call has a start");
    const endTime = cell.time("end_time", flask.end_time, this.#times);
    const callUrl = cell.text("call_url", flask.call_url, LOG_API_LIMITS.callUrl);
    if (flask.call_url === null) cell.problem("call_url", "is NULL; every call has a path");
    const row = {
      seq: flask.seq,
      user_ip: cell.text("user_ip", flask.user_ip, LOG_API_LIMITS.userIp) ?? null,
      user_id: cell.text("user_id", flask.user_id, LOG_API_LIMITS.userId) ?? null,
      call_url_parameter: cell.text(
        "call_url_parameter",
        flask.call_url_parameter,
        LOG_API_LIMITS.callUrlParameter,
      ) ?? null,
    };
    return cell.result(
      startTime === undefined || callUrl === undefined
        ? undefined
        : { ...row, start_time: startTime, end_time: endTime ?? null, call_url: callUrl },
    );
  }
}

/** The cells of one row, collecting what was cut and what is wrong. */
class Cells {
  readonly #table: string;
  readonly #seq: number;
  readonly #truncated: string[] = [];
  readonly #problems: string[] = [];

  constructor(table: string, seq: number) {
    this.#table = table;
    this.#seq = seq;
  }

  problem(column: string, what: string): void {
    this.#problems.push(`${this.#table} seq ${this.#seq}, column ${column}: ${what}`);
  }

  /** Text (numbers as written), cut to `max` characters; undefined for NULL or a BLOB. */
  text(column: string, value: SQLOutputValue, max: number): string | undefined {
    if (value === null) return undefined;
    if (value instanceof Uint8Array) {
      this.problem(column, `holds ${value.length} bytes of binary data, not text`);
      return undefined;
    }
    const text = String(value);
    const cut = truncate(text, max);
    if (cut !== text) this.#truncated.push(`${this.#table}.${column}`);
    return cut;
  }

  /** Text the schema requires to hold 1 to `max` characters: NULL and "" are reported. */
  requiredText(column: string, value: SQLOutputValue, max: number): string | undefined {
    const text = this.text(column, value, max);
    if (value === null || text === "") {
      this.problem(
        column,
        `is ${value === null ? "NULL" : "empty"}; otel-board needs 1 to ${max} characters`,
      );
      return undefined;
    }
    return text;
  }

  /** A naive time as ISO-8601 UTC; undefined for NULL or a value that is no time (reported). */
  time(column: string, value: SQLOutputValue, times: NaiveTimeReader): string | undefined {
    if (value === null) return undefined;
    const utc = typeof value === "string" ? times.toUtc(value) : undefined;
    if (utc === undefined) {
      const shown = value instanceof Uint8Array
        ? `${value.length} bytes`
        : `"${clip(String(value))}"`;
      this.problem(column, `${shown} is not a time like 2024-07-01 10:00:00[.000000]`);
    }
    return utc;
  }

  result<T>(row: T | undefined): Converted<T> {
    return {
      row: this.#problems.length === 0 ? row : undefined,
      truncated: this.#truncated,
      problems: this.#problems,
    };
  }
}
