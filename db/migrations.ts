/** @module The ordered list of schema migrations; a migration's version is its position. */

import { INITIAL_SCHEMA } from "./migrations/001_initial.ts";
import { ACCOUNTS_AND_SEARCH } from "./migrations/002_accounts_and_search.ts";
import { LOG_API_TRACE_AND_METHOD } from "./migrations/003_log_api_trace_and_method.ts";
import { SUBSTRING_SEARCH } from "./migrations/004_substring_search.ts";
import { IMPORTED_ROWS } from "./migrations/005_imported_rows.ts";

/** One schema step, applied in its own transaction and recorded in `PRAGMA user_version`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Marks a file as an otel-board database (`PRAGMA application_id`, "otbd"). */
export const APPLICATION_ID = 0x6f746264;

/** Every migration, oldest first; append, never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", sql: INITIAL_SCHEMA },
  { version: 2, name: "accounts and search", sql: ACCOUNTS_AND_SEARCH },
  { version: 3, name: "log_api trace id and method indexes", sql: LOG_API_TRACE_AND_METHOD },
  { version: 4, name: "substring search for Korean", sql: SUBSTRING_SEARCH },
  { version: 5, name: "unknown values for imported rows", sql: IMPORTED_ROWS },
];
